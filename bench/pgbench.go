package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/uptrace/bun"
)

// peerResult is one row of the comparison of the dashboard read: the server, PostGraphile, or pgbench replaying the
// server's statements.
type peerResult struct {
	result
	Proc       string        // what ProcCPU and PeakRSS are of
	ProcCPU    time.Duration // that process's CPU during the phase (the server, PostGraphile's node, pgbench itself)
	BackendCPU time.Duration // the PostgreSQL backends of the benchmark database during the phase; 0 when unread
	PeakRSS    int64         // that process's peak resident set (VmHWM, or pgbench's getrusage maxrss)
	Skipped    string        // why it was not measured
}

// pgbenchSpec is one pgbench measurement: concurrency clients each repeat a script picked at random (one per user,
// each the statements the server sends for one request of that user) for warmup, then duration.
type pgbenchSpec struct {
	name        string
	mode        string // "prepared" or "simple" (-M)
	scripts     [][]string
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	// transactions, when not 0, runs that many per client instead (-t) and measures all of them: pgbench times
	// runs in whole seconds only, too long for a smoke run's many short ones.
	transactions int
}

// maxPgbenchScripts is pgbench's limit on -f scripts.
const maxPgbenchScripts = 128

// pgbenchVariable matches what pgbench would take for a variable reference (":name", "::" being a cast): with
// -M prepared it turns each into a parameter and fails on the unknown ones, so such a statement cannot be replayed
// as it is.
var pgbenchVariable = regexp.MustCompile(`(^|[^:]):[A-Za-z0-9_]`)

// pgbenchScript renders statements as a pgbench script: each ends with a semicolon on a line of its own. It refuses
// statements that pgbench would not send as they are.
func pgbenchScript(statements []string, mode string) (string, error) {
	var b strings.Builder
	for _, s := range statements {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";"))
		if s == "" {
			return "", errors.New("an empty statement")
		}
		if strings.HasPrefix(s, `\`) {
			return "", fmt.Errorf("statement %q would be read as a pgbench meta-command", snippet([]byte(s)))
		}
		if mode != "simple" && pgbenchVariable.MatchString(s) {
			return "", fmt.Errorf("statement %q has a colon pgbench -M %s would take for a variable", snippet([]byte(s)), mode)
		}
		b.WriteString(s)
		b.WriteString("\n;\n")
	}
	return b.String(), nil
}

// pgbenchSample is one transaction of pgbench's per-transaction log.
type pgbenchSample struct {
	latency time.Duration
	end     time.Time // when it completed
	failed  bool
}

// parsePgbenchLog reads pgbench's per-transaction log (-l): "client_id transaction_no time script_no time_epoch
// time_us [...]", time being the latency in microseconds, or "failed" / "skipped" for a transaction that did not
// complete.
func parsePgbenchLog(text string) ([]pgbenchSample, error) {
	var out []pgbenchSample
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, fmt.Errorf("pgbench log line %q has %d fields", sc.Text(), len(f))
		}
		epoch, err1 := strconv.ParseInt(f[4], 10, 64)
		us, err2 := strconv.ParseInt(f[5], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("pgbench log line %q: bad time", sc.Text())
		}
		s := pgbenchSample{end: time.Unix(epoch, us*1000)}
		if lat, err := strconv.ParseInt(f[2], 10, 64); err == nil {
			s.latency = time.Duration(lat) * time.Microsecond
		} else {
			s.failed = true
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// summarizePgbench makes a result of pgbench's transactions as runPhase does of its units: those completed after
// warmup from the first completion count, over the time to the last completion.
func summarizePgbench(name string, concurrency int, warmup time.Duration, samples []pgbenchSample) result {
	r := result{Name: name, Concurrency: concurrency}
	if len(samples) == 0 {
		return r
	}
	first, last := samples[0].end, samples[0].end
	for _, s := range samples {
		if s.end.Before(first) {
			first = s.end
		}
		if s.end.After(last) {
			last = s.end
		}
	}
	from := first.Add(warmup)
	if !from.Before(last) {
		from = first // too short a run to leave a warm-up out: measure all of it
	}
	var lat []time.Duration
	for _, s := range samples {
		if s.failed {
			r.Errors++
			if len(r.ErrorSample) == 0 {
				r.ErrorSample = append(r.ErrorSample, "pgbench: a transaction failed")
			}
			continue
		}
		r.Total++
		if !s.end.Before(from) {
			lat = append(lat, s.latency)
		}
	}
	r.Units = len(lat)
	r.Window = last.Sub(from)
	r.Lat = summarize(lat)
	return r
}

// runPgbench runs pgbench against dbURL as spec says, logging every transaction, and measures it as the other rows
// of the comparison are measured, the backends' CPU included.
func runPgbench(ctx context.Context, dbURL, tmp string, spec pgbenchSpec, watch func() *backendWatch) (peerResult, error) {
	pr := peerResult{Proc: "pgbench"}
	if len(spec.scripts) == 0 || len(spec.scripts) > maxPgbenchScripts {
		return pr, fmt.Errorf("pgbench takes 1 to %d scripts, not %d", maxPgbenchScripts, len(spec.scripts))
	}
	dir, err := os.MkdirTemp(tmp, "pgbench-")
	if err != nil {
		return pr, err
	}
	defer os.RemoveAll(dir)
	secs := max(1, int(math.Ceil((spec.warmup + spec.duration).Seconds())))
	length := []string{"-T", strconv.Itoa(secs)}
	if spec.transactions > 0 {
		length = []string{"-t", strconv.Itoa(spec.transactions)}
		spec.warmup = 0
	}
	args := append([]string{"-n", "-M", spec.mode, "-c", strconv.Itoa(spec.concurrency), "-j", strconv.Itoa(min(spec.concurrency, runtime.NumCPU())),
		"-l", "--log-prefix", filepath.Join(dir, "log")}, length...)
	for i, stmts := range spec.scripts {
		text, err := pgbenchScript(stmts, spec.mode)
		if err != nil {
			return pr, err
		}
		path := filepath.Join(dir, fmt.Sprintf("script-%03d.sql", i))
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return pr, err
		}
		args = append(args, "-f", path+"@1")
	}
	args = append(args, dbURL)
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	busy0, total0 := machineCPU()
	var w *backendWatch
	if watch != nil {
		w = watch()
	}
	out, err := cmd.CombinedOutput()
	if w != nil {
		pr.BackendCPU = w.stop()
	}
	busy1, total1 := machineCPU()
	if err != nil {
		return pr, fmt.Errorf("pgbench %s: %w\n%s", spec.name, err, snippet(out))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		pr.ProcCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		pr.PeakRSS = ru.Maxrss << 10 // kilobytes on Linux
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "log.*"))
	var samples []pgbenchSample
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			return pr, err
		}
		s, err := parsePgbenchLog(string(b))
		if err != nil {
			return pr, err
		}
		samples = append(samples, s...)
	}
	pr.result = summarizePgbench(spec.name, spec.concurrency, spec.warmup, samples)
	if total1 > total0 {
		pr.Busy = float64(busy1-busy0) / float64(total1-total0)
	}
	if pr.Total == 0 {
		return pr, fmt.Errorf("pgbench %s completed no transaction:\n%s", spec.name, snippet(out))
	}
	return pr, nil
}

// backendWatch adds up the CPU time of the PostgreSQL backends serving one database, read from /proc/<pid>/stat
// (readable for other users' processes on Linux) every pollInterval: a backend seen first after the watch began
// counts from 0, and one that ends loses at most its last interval.
type backendWatch struct {
	admin  *bun.DB
	dbname string
	quit   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	base   map[int]time.Duration
	last   map[int]time.Duration
	ok     bool // the backends could be listed at least once
}

const pollInterval = 100 * time.Millisecond

func watchBackends(ctx context.Context, admin *bun.DB, dbname string) *backendWatch {
	w := &backendWatch{admin: admin, dbname: dbname, quit: make(chan struct{}), done: make(chan struct{}),
		base: map[int]time.Duration{}, last: map[int]time.Duration{}}
	w.poll(ctx, true)
	go func() {
		defer close(w.done)
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for {
			select {
			case <-w.quit:
				w.poll(ctx, false)
				return
			case <-ctx.Done():
				return
			case <-t.C:
				w.poll(ctx, false)
			}
		}
	}()
	return w
}

func (w *backendWatch) poll(ctx context.Context, initial bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var pids []int
	if err := w.admin.NewRaw(`SELECT pid FROM pg_stat_activity WHERE datname = ? AND backend_type = 'client backend'`, w.dbname).Scan(ctx, &pids); err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ok = true
	for _, pid := range pids {
		cpu, err := procCPUErr(pid)
		if err != nil {
			continue
		}
		if _, seen := w.base[pid]; !seen {
			if initial {
				w.base[pid] = cpu
			} else {
				w.base[pid] = 0
			}
		}
		w.last[pid] = cpu
	}
}

// stop ends the watch and returns the CPU time the backends used during it; 0 when they could not be read.
func (w *backendWatch) stop() time.Duration {
	close(w.quit)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ok {
		return 0
	}
	var sum time.Duration
	for pid, last := range w.last {
		sum += last - w.base[pid]
	}
	return sum
}
