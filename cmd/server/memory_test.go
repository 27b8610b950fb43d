package main

import (
	"errors"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// The server collects garbage less often than Go's default, and limits its memory to 90 % of its container's, unless
// GOGC or GOMEMLIMIT say otherwise, which then win; without a container limit it sets none.
func TestMemorySettings(t *testing.T) {
	container := func(limit uint64, err error) containerMemory {
		return func() (uint64, error) { return limit, err }
	}
	const gib = 1 << 30
	for _, tc := range []struct {
		name      string
		env       []string
		container containerMemory
		gcPercent int
		limit     int64
	}{
		{"Defaults", nil, container(gib, nil), defaultGCPercent, gib * 9 / 10},
		{"SmallContainer", nil, container(256<<20, nil), defaultGCPercent, 256 << 20 * 9 / 10},
		{"NoContainerLimit", nil, container(0, memlimit.ErrNoLimit), defaultGCPercent, 0},
		{"NotInACgroup", nil, container(0, errors.New("no cgroup")), defaultGCPercent, 0},
		{"GOGCSet", []string{"GOGC", "100"}, container(gib, nil), 0, gib * 9 / 10},
		{"GOMEMLIMITSet", []string{"GOMEMLIMIT", "1GiB"}, container(2*gib, nil), defaultGCPercent, 0},
		{"BothSet", []string{"GOGC", "off", "GOMEMLIMIT", "1GiB"}, container(2*gib, nil), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gc, limit := memorySettings(env(tc.env...), tc.container)
			if gc != tc.gcPercent || limit != tc.limit {
				t.Errorf("memorySettings = %d, %d; want %d, %d", gc, limit, tc.gcPercent, tc.limit)
			}
		})
	}
}

// The settings reach the runtime of the server's process: a child process of this test binary applies them as main
// does and reports what its runtime then says.
func TestMemorySettingsApplied(t *testing.T) {
	if os.Getenv("TASKAPI_MEMORY_CHILD") == "1" {
		applyMemorySettings(os.Getenv, func() (uint64, error) { return 512 << 20, nil })
		gc := debug.SetGCPercent(100)
		limit := debug.SetMemoryLimit(-1)
		os.Stdout.WriteString("gc=" + itoa(int64(gc)) + " limit=" + itoa(limit) + "\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestMemorySettingsApplied$")
	cmd.Env = append(os.Environ(), "TASKAPI_MEMORY_CHILD=1")
	cmd.Env = withoutVars(cmd.Env, "GOGC", "GOMEMLIMIT")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := "gc=" + itoa(defaultGCPercent) + " limit=" + itoa(512<<20*9/10)
	if !strings.Contains(string(out), want) {
		t.Errorf("child reported %q, want %q", out, want)
	}
}

func withoutVars(environ []string, names ...string) []string {
	out := environ[:0:0]
	for _, kv := range environ {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
