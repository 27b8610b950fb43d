package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestShutdownDropsNoRequest shuts the server down (the context main's SIGTERM cancels) under a load of writes on
// keep-alive connections, with one slow upload in flight across the whole shutdown, and checks the order of events:
// /readyz turns 503 while everything is still served, responses during the grace period close their connections,
// the listener stays open until the grace period ends and closes after it, the upload still completes, and serve
// returns nil. The grace period ends when the test says so (Config.afterGrace), once every client has been told to
// move, as a load balancer would have moved them; so no step depends on how fast a loaded machine gets there.
func TestShutdownDropsNoRequest(t *testing.T) {
	graceOver := make(chan time.Time)
	srv := startServer(t, func(c *Config) {
		c.afterGrace = func(time.Duration) <-chan time.Time { return graceOver }
	},
		"DATA_DIR", t.TempDir(),
		"BETTER_AUTH_SECRET", secret,
		"SHUTDOWN_GRACE", "1s", // any positive grace: its end is graceOver
		"SHUTDOWN_TIMEOUT", "10s",
		"RATE_LIMIT_RPS", "0",
	)
	tok := userToken(t, "shutdown-user")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()

	// The slow upload: its headers and half its body go now, the rest after the listener has closed.
	pr, pw := io.Pipe()
	slowDone := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/graphql", pr)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := (&http.Client{}).Do(req)
		if err != nil {
			slowDone <- err
			return
		}
		defer resp.Body.Close()
		var r gqlResult
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || createdID(r) == "" {
			slowDone <- fmt.Errorf("status %d, %v, %+v", resp.StatusCode, err, r)
			return
		}
		slowDone <- nil
	}()
	if _, err := io.WriteString(pw, `{"query":"mutation { createTask(input: {title: \"slow`); err != nil {
		t.Fatal(err)
	}

	// The load: each worker stops at its first response that closes its connection, which is the drain telling it
	// to move, as a load balancer stops sending once /readyz says 503.
	const workers = 8
	var (
		answered    atomic.Int64
		closedConns atomic.Int64 // responses that carried Connection: close
		failures    = make(chan error, 1000)
		load        sync.WaitGroup
	)
	for w := range workers {
		load.Go(func() {
			for n := 0; ; n++ {
				r, resp, err := graphqlPost(context.Background(), client, srv.url, tok, createTaskMutation, map[string]any{
					"input": map[string]any{"title": fmt.Sprintf("w%d-%d", w, n)},
				})
				if err != nil || createdID(r) == "" {
					failures <- fmt.Errorf("worker %d request %d: %v %v", w, n, err, r.Errors)
					return
				}
				answered.Add(1)
				if resp.Close {
					closedConns.Add(1)
					return
				}
			}
		})
	}
	for answered.Load() < 2*workers { // the load is under way
		time.Sleep(5 * time.Millisecond)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	for getStatus(client, srv.url+"/readyz") != http.StatusServiceUnavailable {
		time.Sleep(5 * time.Millisecond)
	}
	if s := getStatus(client, srv.url+"/healthz"); s != http.StatusOK {
		t.Errorf("/healthz during the grace period: %d, want 200 (still serving)", s)
	}
	load.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	if n := closedConns.Load(); n != workers {
		t.Errorf("%d of %d workers got a response with Connection: close during the grace period", n, workers)
	}

	// Until the grace period ends the listener accepts; then it closes while the upload is still in flight.
	c, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
	if err != nil {
		t.Fatalf("the listener closed before the grace period ended: %v", err)
	}
	_ = c.Close()
	graceOver <- time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener is still open 30s after the grace period")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("serve returned (%v) while a request was in flight", err)
	default:
	}
	if _, err := io.WriteString(pw, ` upload\"}) { task { id } } }"}`); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	if err := <-slowDone; err != nil {
		t.Errorf("the request in flight across the shutdown: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("serve returned %v, want nil (exit 0)", err)
	}
	t.Logf("%d writes answered, %d with Connection: close", answered.Load(), closedConns.Load())
}

// TestSIGTERM runs the program as main does, in a child process, and sends it SIGTERM: /readyz turns 503 before the
// listener closes, and the process exits 0. The grace period is long enough (5 s) for a loaded machine to see the
// 503; the order is what is checked, and the poll stops at the first answer that is not 200.
func TestSIGTERM(t *testing.T) {
	if os.Getenv("TASKAPI_TEST_MAIN") == "1" {
		os.Args = os.Args[:1] // the test binary's -test.run is no flag of the server's, which refuses unknown flags
		main()                // the child: serve with the environment the parent set
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestSIGTERM$")
	cmd.Env = append(os.Environ(), "TASKAPI_TEST_MAIN=1", "PORT=0", "DATA_DIR="+t.TempDir(),
		"BETTER_AUTH_SECRET="+secret, "SHUTDOWN_GRACE=5s", "LOG_FORMAT=json", "DATABASE_URL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	addr := make(chan string, 1)
	var logs strings.Builder
	var logsMu sync.Mutex
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			logsMu.Lock()
			logs.WriteString(scanner.Text() + "\n")
			logsMu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "serving" {
				addr <- line.Addr
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		base = "http://127.0.0.1:" + port
	case <-time.After(60 * time.Second):
		t.Fatal("the child did not start serving")
	}
	if s := getStatus(http.DefaultClient, base+"/readyz"); s != http.StatusOK {
		t.Fatalf("/readyz before SIGTERM: %d", s)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// /readyz answers 200 until the child has the signal, then 503 for the grace period, then nothing (0).
	status := http.StatusOK
	for status == http.StatusOK {
		time.Sleep(10 * time.Millisecond)
		status = getStatus(http.DefaultClient, base+"/readyz")
	}
	if status != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d after SIGTERM, want 503 before the listener closes", status)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		logsMu.Lock()
		defer logsMu.Unlock()
		t.Fatalf("the process ended with %v, want exit 0\n%s", err, logs.String())
	}
}
