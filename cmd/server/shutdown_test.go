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
// /readyz turns 503 at once while everything is still served, responses during the grace period close their
// connections, then the listener closes, the upload still completes, and serve returns nil.
func TestShutdownDropsNoRequest(t *testing.T) {
	const grace = time.Second
	srv := startServer(t, nil,
		"DATA_DIR", t.TempDir(),
		"BETTER_AUTH_SECRET", secret,
		"SHUTDOWN_GRACE", grace.String(),
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

	// The load: workers stop once /readyz has said 503 for a while, as a load balancer would stop sending.
	var (
		readyzDown  atomic.Int64 // unix nanos when /readyz first said 503
		answered    atomic.Int64
		closedConns atomic.Int64 // responses that carried Connection: close
		failures    = make(chan error, 1000)
		lbLag       = 300 * time.Millisecond
		load        sync.WaitGroup
	)
	for w := range 8 {
		load.Go(func() {
			for n := 0; ; n++ {
				if down := readyzDown.Load(); down != 0 && time.Since(time.Unix(0, down)) > lbLag {
					return
				}
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
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)

	cancelled := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	for getStatus(client, srv.url+"/readyz") != http.StatusServiceUnavailable {
		if time.Since(cancelled) > grace/2 {
			t.Fatal("/readyz did not turn 503 promptly after the shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	readyzDown.Store(time.Now().UnixNano())
	if s := getStatus(client, srv.url+"/healthz"); s != http.StatusOK {
		t.Errorf("/healthz during the grace period: %d, want 200 (still serving)", s)
	}
	load.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	if closedConns.Load() == 0 {
		t.Error("no response during the grace period carried Connection: close")
	}

	// Past the grace period the listener closes while the upload is still in flight.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener is still open 5s after the grace period")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if time.Since(cancelled) < grace {
		t.Errorf("the listener closed %s after the shutdown began, before the %s grace period ended", time.Since(cancelled), grace)
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

// TestSIGTERM runs the program as main does, in a child process, and sends it SIGTERM: /readyz turns 503 and the
// process exits 0.
func TestSIGTERM(t *testing.T) {
	if os.Getenv("TASKAPI_TEST_MAIN") == "1" {
		main() // the child: serve with the environment the parent set
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestSIGTERM$")
	cmd.Env = append(os.Environ(), "TASKAPI_TEST_MAIN=1", "PORT=0", "DATA_DIR="+t.TempDir(),
		"BETTER_AUTH_SECRET="+secret, "SHUTDOWN_GRACE=500ms", "LOG_FORMAT=json", "DATABASE_URL=")
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
	sawDown := false
	for range 40 {
		if s := getStatus(http.DefaultClient, base+"/readyz"); s == http.StatusServiceUnavailable {
			sawDown = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !sawDown {
		t.Error("/readyz did not answer 503 after SIGTERM")
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		logsMu.Lock()
		defer logsMu.Unlock()
		t.Fatalf("the process ended with %v, want exit 0\n%s", err, logs.String())
	}
}
