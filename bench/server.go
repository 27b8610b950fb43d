package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildServer compiles ./cmd/server into dir, as a deployment would, and returns the binary's path.
func buildServer(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "server")
	if out, err := commandOutput(ctx, root, "go", "build", "-o", bin, "./cmd/server"); err != nil {
		return "", fmt.Errorf("go build ./cmd/server: %w\n%s", err, out)
	}
	return bin, nil
}

func commandOutput(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// serverProc is one running server process.
type serverProc struct {
	cmd     *exec.Cmd
	url     string // http://127.0.0.1:port
	log     string // the file its stdout and stderr go to
	started time.Time
	exited  chan struct{}
	waitErr error
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts bin with exactly env (plus PATH, HOME and PORT): nothing of the caller's environment leaks into
// the server's configuration.
func startServer(bin string, env map[string]string, logPath string) (*serverProc, error) {
	return startProcess(bin, []string{"serve"}, env, logPath)
}

// startServerWith starts bin with env and the settings in overrides on top of it, and waits until it answers a
// query with token. The caller stops it (also on error after the start).
func startServerWith(ctx context.Context, bin string, env, overrides map[string]string, logPath, token string) (*serverProc, error) {
	merged := maps.Clone(env)
	maps.Copy(merged, overrides)
	srv, err := startServer(bin, merged, logPath)
	if err != nil {
		return nil, err
	}
	if _, err := srv.waitReady(ctx, token, 30*time.Second); err != nil {
		_ = srv.stop()
		return nil, err
	}
	return srv, nil
}

// startProcess starts name with args and exactly env (plus PATH, HOME and a free loopback PORT), its output going to
// logPath, in logPath's directory.
func startProcess(name string, args []string, env map[string]string, logPath string) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = filepath.Dir(logPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PORT=" + strconv.Itoa(port)}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should the benchmark die without stopping it, the server goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &serverProc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath, exited: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, err
	}
	go func() {
		s.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(s.exited)
	}()
	return s, nil
}

// startTiming says how long a start took: until the port accepted a connection, and until the first GraphQL query
// was answered without error.
type startTiming struct {
	Listening time.Duration
	Answered  time.Duration
}

// waitReady polls the server with a query that reads the database until it answers, giving up after timeout or
// when the process exits.
func (s *serverProc) waitReady(ctx context.Context, token string, timeout time.Duration) (startTiming, error) {
	return s.waitAnswer(ctx, token, []byte(`{"query":"{ taskStats { total } }"}`), []byte(`"taskStats":{"total":`), timeout)
}

// waitAnswer posts body to /graphql with token until the answer is a 200 that contains want.
func (s *serverProc) waitAnswer(ctx context.Context, token string, body, want []byte, timeout time.Duration) (startTiming, error) {
	var t startTiming
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var last error
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		select {
		case <-s.exited:
			return t, fmt.Errorf("the process exited (%v) before answering; its log:\n%s", s.waitErr, s.tail())
		case <-ctx.Done():
			return t, ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err == nil {
			if t.Listening == 0 {
				t.Listening = time.Since(s.started)
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(b, want) {
				t.Answered = time.Since(s.started)
				return t, nil
			}
			last = fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(b))
		} else {
			last = err
		}
		time.Sleep(2 * time.Millisecond)
	}
	return t, fmt.Errorf("the server did not answer within %s (last: %v); its log:\n%s", timeout, last, s.tail())
}

// stop ends the server with SIGTERM, as a platform would, and kills it if it has not exited after 15 s.
func (s *serverProc) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("the server had already exited: %v", s.waitErr)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return nil
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("the server did not exit within 15 s of SIGTERM and was killed")
	}
}

// tail returns the end of the server's log.
func (s *serverProc) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// peakRSS is the process's peak resident set size (VmHWM in /proc/<pid>/status), in bytes.
func (s *serverProc) peakRSS() (int64, error) { return procStatusKB(s.cmd.Process.Pid, "VmHWM:") }

// rss is the process's resident set size now.
func (s *serverProc) rss() (int64, error) { return procStatusKB(s.cmd.Process.Pid, "VmRSS:") }

func procStatusKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// cpuTime is the CPU time (user and system) the process has used so far.
func (s *serverProc) cpuTime() time.Duration { return procCPU(s.cmd.Process.Pid) }

// procCPU reads utime and stime from /proc/<pid>/stat; 0 when it cannot.
func procCPU(pid int) time.Duration {
	d, _ := procCPUErr(pid)
	return d
}

// procCPUErr reads utime and stime from /proc/<pid>/stat, in clock ticks of 1/100 s (USER_HZ on Linux).
func procCPUErr(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces; the fields after it are space-separated.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// selfCPU is the CPU time the benchmark process itself has used: the load generator's cost.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// metricsState is what the server's /metrics says about SQL statements: whether the endpoint answers, and the sum of
// its counters named like *sql_statements_total (ok false when it has none).
type metricsState struct {
	endpoint   bool
	ok         bool
	statements float64
}

func scrapeStatements(ctx context.Context, baseURL string) metricsState {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return metricsState{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return metricsState{}
	}
	st := metricsState{endpoint: true}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name := line[:strings.IndexAny(line+" ", "{ ")]
		if !strings.HasSuffix(name, "sql_statements_total") && !strings.HasSuffix(name, "db_statements_total") {
			continue
		}
		fields := strings.Fields(line[strings.LastIndexByte(line, '}')+1:])
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			st.ok = true
			st.statements += v
		}
	}
	return st
}

// machineCPU returns the CPU time all cores have been busy (not idle, not waiting for I/O) and the time they have
// existed, from /proc/stat; both 0 when it cannot be read.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	var sum, idle int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i >= 8 { // guest time is already counted in user time
			break
		}
		sum += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	tick := 10 * time.Millisecond // USER_HZ
	return time.Duration(sum-idle) * tick, time.Duration(sum) * tick
}
