package main

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// The server collects garbage less often than Go's default and caps its heap, unless GOGC or GOMEMLIMIT say
// otherwise, which then win.
func TestMemorySettings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       []string
		gcPercent int
		limit     int64
	}{
		{"Defaults", nil, defaultGCPercent, defaultMemoryLimit},
		{"GOGCSet", []string{"GOGC", "100"}, 0, defaultMemoryLimit},
		{"GOMEMLIMITSet", []string{"GOMEMLIMIT", "1GiB"}, defaultGCPercent, 0},
		{"BothSet", []string{"GOGC", "off", "GOMEMLIMIT", "1GiB"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gc, limit := memorySettings(env(tc.env...))
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
		applyMemorySettings(os.Getenv)
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
	want := "gc=" + itoa(defaultGCPercent) + " limit=" + itoa(defaultMemoryLimit)
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
