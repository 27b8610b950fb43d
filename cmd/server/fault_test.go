//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// throwawayPostgres is a PostgreSQL server of the test's own, in a temporary directory on a free port, which the
// test may stop and start at will.
type throwawayPostgres struct {
	bin  string // the directory of initdb and pg_ctl
	dir  string // owned by the user the server runs as
	port int
	// asUser runs a command as the server's user: PostgreSQL refuses to run as root.
	asUser []string
}

// startThrowawayPostgres initialises and starts a server. It skips the test when PostgreSQL's server binaries are
// not installed, unless CI is set, where that is a failure.
func startThrowawayPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			initdbs = []string{p}
		}
	}
	if len(initdbs) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("initdb (PostgreSQL's server) is not installed and CI is set: install the postgresql package")
		}
		t.Skip("initdb (PostgreSQL's server) is not installed; the database fault test needs it")
	}
	sort.Strings(initdbs)
	pg := &throwawayPostgres{bin: filepath.Dir(initdbs[len(initdbs)-1])}

	dir, err := os.MkdirTemp("", "taskapi-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs another user to run as, and there is no postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Fatalf("running as root, PostgreSQL must be started as the postgres user, and runuser (util-linux) is missing: %v", err)
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()

	pg.run(t, "initdb", "-D", pg.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	pg.start(t)
	t.Cleanup(func() { pg.stop(t, "immediate") })
	return pg
}

func (pg *throwawayPostgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *throwawayPostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

func (pg *throwawayPostgres) run(t *testing.T, name string, args ...string) {
	t.Helper()
	argv := append(append(append([]string{}, pg.asUser...), filepath.Join(pg.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = pg.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// start starts the server and waits until it accepts connections. fsync is off: the test stops the server, not the
// machine, and what PostgreSQL has written survives a killed server without it.
func (pg *throwawayPostgres) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", pg.port, pg.dir)
	pg.run(t, "pg_ctl", "-D", pg.data(), "-l", filepath.Join(pg.dir, "log"), "-w", "-t", "60", "-o", opts, "start")
}

// stop stops the server; mode "immediate" kills it as a crash would, without a checkpoint or a goodbye to clients.
func (pg *throwawayPostgres) stop(t *testing.T, mode string) {
	t.Helper()
	argv := append(append(append([]string{}, pg.asUser...), filepath.Join(pg.bin, "pg_ctl")),
		"-D", pg.data(), "-m", mode, "-w", "stop")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = pg.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("pg_ctl stop: %v\n%s", err, out) // already stopped, at cleanup
	}
}

// attempt is one createTask as a load worker saw it.
type attempt struct {
	phase   int32 // when it was sent
	ended   int32 // when it was answered
	elapsed time.Duration
	id      string // the acknowledged task; "" when not acknowledged
	codes   []string
	err     error
}

const (
	phaseUp int32 = iota
	phaseStopping
	phaseDown
	phaseRestarting
	phaseRecovered
)

// TestDatabaseOutage runs the server against a PostgreSQL of its own, kills the database under a load of writes,
// starts it again, and checks what must hold throughout: every acknowledged write is kept, requests during the
// outage fail fast with SERVICE_UNAVAILABLE (never hang, never an internal error), /readyz tells the truth, and the
// server recovers by itself.
//
// Each phase lasts until what it is for has been seen (every worker refused a few times while the database is
// down, every worker served again after it is back), not for a fixed time, so that a loaded machine only makes the
// test slower. "Fast" means refused rather than held until OPERATION_TIMEOUT, which is set well above what a
// refusal takes.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	const operationTimeout = 5 * time.Second
	pg := startThrowawayPostgres(t)
	srv := startServer(t, nil,
		"DATABASE_URL", pg.url(),
		"BETTER_AUTH_SECRET", secret,
		"SHUTDOWN_GRACE", "0",
		"RATE_LIMIT_RPS", "0",
		"OPERATION_TIMEOUT", operationTimeout.String(),
		"DB_MAX_OPEN_CONNS", "6",
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()

	const workers = 8
	var phase atomic.Int32
	var mu sync.Mutex
	attempts := map[int][]attempt{}
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		tok := userToken(t, fmt.Sprintf("fault-user-%d", w))
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				p := phase.Load()
				start := time.Now()
				r, _, err := graphqlPost(context.Background(), client, srv.url, tok, createTaskMutation, map[string]any{
					"input": map[string]any{"title": fmt.Sprintf("task %d", n), "idempotencyKey": fmt.Sprintf("w%d-%d", w, n)},
				})
				a := attempt{phase: p, ended: phase.Load(), elapsed: time.Since(start), id: createdID(r), codes: r.codes(), err: err}
				mu.Lock()
				attempts[w] = append(attempts[w], a)
				mu.Unlock()
				if a.id == "" {
					time.Sleep(20 * time.Millisecond) // a client backing off a little
				}
			}
		})
	}

	// everyWorker waits until each worker has at least n attempts for which seen holds.
	everyWorker := func(what string, n int, seen func(attempt) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			fewest := n
			for w := range workers {
				c := 0
				for _, a := range attempts[w] {
					if seen(a) {
						c++
					}
				}
				fewest = min(fewest, c)
			}
			mu.Unlock()
			if fewest >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 60s, a worker has %d of %d %s", fewest, n, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	everyWorker("acknowledged writes before the outage", 2, func(a attempt) bool { return a.id != "" })
	phase.Store(phaseStopping)
	pg.stop(t, "immediate")
	phase.Store(phaseDown)

	// The outage lasts until every worker has been refused three times while it lasted: a request that hung would
	// hold its worker, and this would never happen.
	everyWorker("refusals during the outage", 3, func(a attempt) bool {
		return a.phase == phaseDown && a.ended == phaseDown && a.id == ""
	})
	if s := getStatus(client, srv.url+"/readyz"); s != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", s)
	}
	if s := getStatus(client, srv.url+"/healthz"); s != http.StatusOK {
		t.Errorf("/healthz during the outage: %d, want 200 (the process is fine)", s)
	}

	phase.Store(phaseRestarting)
	pg.start(t)
	deadline := time.Now().Add(30 * time.Second)
	for getStatus(client, srv.url+"/readyz") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not return to 200 within 30s of the database's restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	phase.Store(phaseRecovered)
	everyWorker("writes after recovery", 2, func(a attempt) bool { return a.phase == phaseRecovered && a.id != "" })
	close(stopLoad)
	wg.Wait()

	var acked, downFailures, recoveredOK, recoveredFailures int
	var slowest time.Duration
	for w, as := range attempts {
		for _, a := range as {
			if a.id != "" {
				acked++
			}
			if a.phase == phaseRecovered {
				if a.id != "" {
					recoveredOK++
				} else {
					recoveredFailures++
				}
			}
			if a.id == "" {
				if a.err != nil {
					t.Errorf("worker %d, phase %d: the request itself failed: %v", w, a.phase, a.err)
				}
				for _, c := range a.codes {
					if c != "SERVICE_UNAVAILABLE" {
						t.Errorf("worker %d, phase %d: error code %s, want SERVICE_UNAVAILABLE only (errors %v)", w, a.phase, c, a.codes)
					}
				}
			}
			if a.phase == phaseDown {
				if a.id != "" {
					t.Errorf("worker %d: a write was acknowledged while the database was down", w)
				}
				downFailures++
				slowest = max(slowest, a.elapsed)
			}
		}
	}
	t.Logf("%d writes acknowledged; %d refused during the outage (slowest %s); after recovery %d ok, %d failed",
		acked, downFailures, slowest, recoveredOK, recoveredFailures)
	if downFailures == 0 {
		t.Error("no request was made while the database was down")
	}
	if slowest >= operationTimeout {
		t.Errorf("a request during the outage took %s, as long as OPERATION_TIMEOUT=%s: it was held, not refused",
			slowest, operationTimeout)
	}
	if recoveredOK < workers {
		t.Errorf("only %d writes succeeded after recovery", recoveredOK)
	}
	if recoveredFailures > 0 {
		t.Errorf("%d writes failed after /readyz was back to 200", recoveredFailures)
	}

	// Every acknowledged write is there.
	for w, as := range attempts {
		stored := allTaskIDs(t, client, srv.url, userToken(t, fmt.Sprintf("fault-user-%d", w)))
		for _, a := range as {
			if a.id != "" && !stored[a.id] {
				t.Errorf("worker %d: acknowledged task %s is missing after the outage", w, a.id)
			}
		}
	}

	// A restart while the pool sits idle leaves it full of connections to the old server. The first requests after
	// it must not be the ones to find that out.
	t.Run("RestartWhileIdle", func(t *testing.T) {
		var warm sync.WaitGroup
		for w := range workers {
			tok := userToken(t, fmt.Sprintf("fault-user-%d", w))
			warm.Go(func() {
				_, _, _ = graphqlPost(context.Background(), client, srv.url, tok, `{ tasks { totalCount } }`, nil)
			})
		}
		warm.Wait()
		pg.stop(t, "immediate")
		pg.start(t)
		var failed atomic.Int32
		var burst sync.WaitGroup
		for w := range workers {
			tok := userToken(t, fmt.Sprintf("fault-user-%d", w))
			burst.Go(func() {
				r, _, err := graphqlPost(context.Background(), client, srv.url, tok, createTaskMutation, map[string]any{
					"input": map[string]any{"title": "after a quiet restart"},
				})
				if err != nil || createdID(r) == "" {
					failed.Add(1)
					t.Logf("write after a quiet restart failed: %v %v", err, r.Errors)
				}
			})
		}
		burst.Wait()
		if n := failed.Load(); n > 0 {
			t.Errorf("%d of %d writes failed on connections left over from before the restart", n, workers)
		}
	})

	// A clean shutdown says goodbye differently from a crash: open sessions get FATAL 57P01 (admin shutdown), new
	// ones 57P03 (shutting down), then connections are refused. Each must read as SERVICE_UNAVAILABLE.
	t.Run("FastShutdown", func(t *testing.T) {
		stop := make(chan struct{})
		var load sync.WaitGroup
		var refused atomic.Int32
		for w := range 4 {
			tok := userToken(t, fmt.Sprintf("fault-user-%d", w))
			load.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					r, _, err := graphqlPost(context.Background(), client, srv.url, tok, createTaskMutation, map[string]any{
						"input": map[string]any{"title": "during a fast shutdown", "idempotencyKey": fmt.Sprintf("fast-%d-%d", w, n)},
					})
					if err == nil && createdID(r) != "" {
						continue
					}
					if err != nil || len(r.codes()) != 1 || r.codes()[0] != "SERVICE_UNAVAILABLE" {
						t.Errorf("during a fast shutdown: %v %v", err, r.Errors)
					}
					refused.Add(1)
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
		time.Sleep(200 * time.Millisecond)
		pg.stop(t, "fast")
		for deadline := time.Now().Add(60 * time.Second); refused.Load() == 0; { // down until a write is refused
			if time.Now().After(deadline) {
				t.Fatal("no write was refused 60s after the database shut down")
			}
			time.Sleep(10 * time.Millisecond)
		}
		pg.start(t)
		deadline := time.Now().Add(30 * time.Second)
		for getStatus(client, srv.url+"/readyz") != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatal("/readyz did not return to 200 after the restart")
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		close(stop)
		load.Wait()
		if refused.Load() == 0 {
			t.Error("no write was refused while the database was down")
		}
	})

	// A database that accepts connections but does not answer (frozen, or a network that drops packets) must not
	// hold requests longer than OPERATION_TIMEOUT. The database stays frozen until every write has been answered:
	// a write answered SERVICE_UNAVAILABLE while it is frozen was ended by the timeout, as nothing else could have;
	// a write the timeout did not bound would wait for the thaw, which does not come (the watchdog fails the test).
	t.Run("FrozenDatabase", func(t *testing.T) {
		pids := pg.processes(t)
		pg.signal(t, pids, syscall.SIGSTOP)
		thawed := false
		thaw := func() {
			if !thawed {
				pg.signal(t, pids, syscall.SIGCONT)
				thawed = true
			}
		}
		defer thaw()

		var frozen sync.WaitGroup
		for w := range 4 {
			tok := userToken(t, fmt.Sprintf("fault-user-%d", w))
			frozen.Go(func() {
				r, _, err := graphqlPost(context.Background(), client, srv.url, tok, createTaskMutation, map[string]any{
					"input": map[string]any{"title": "into a frozen database"},
				})
				if err != nil || len(r.codes()) != 1 || r.codes()[0] != "SERVICE_UNAVAILABLE" {
					t.Errorf("write to a frozen database: %v %v", err, r.Errors)
				}
			})
		}
		// /readyz bounds its ping on its own; it answers while the database is frozen too.
		if s := getStatus(client, srv.url+"/readyz"); s != http.StatusServiceUnavailable {
			t.Errorf("/readyz with a frozen database: %d, want 503", s)
		}
		answered := make(chan struct{})
		go func() { frozen.Wait(); close(answered) }()
		select {
		case <-answered:
		case <-time.After(60 * time.Second):
			thaw()
			t.Fatalf("writes to a frozen database were still held after 60s with OPERATION_TIMEOUT=%s", operationTimeout)
		}

		thaw()
		deadline := time.Now().Add(15 * time.Second)
		for {
			r, _, err := graphqlPost(context.Background(), client, srv.url, userToken(t, "fault-user-0"), createTaskMutation,
				map[string]any{"input": map[string]any{"title": "after the thaw"}})
			if err == nil && createdID(r) != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("writes still fail 15s after the database thawed: %v %v", err, r.Errors)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	// What the driver said, for whoever reads the verbose output: each cause that was answered SERVICE_UNAVAILABLE.
	causes := map[string]int{}
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var entry struct{ Msg, Err string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "database unavailable" {
			_, cause, _ := strings.Cut(entry.Err, "database unavailable: ")
			causes[addrPattern.ReplaceAllString(cause, "ADDR")]++
		}
	}
	t.Logf("causes answered SERVICE_UNAVAILABLE: %v", causes)
	if t.Failed() {
		t.Logf("server log:\n%s", srv.logs.String())
	}
}

var addrPattern = regexp.MustCompile(`[0-9.]+:[0-9]+`)

// processes returns the PIDs of the server: the postmaster (first line of postmaster.pid) and its children.
func (pg *throwawayPostgres) processes(t *testing.T) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pg.data(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %q", b)
	}
	pids := []int{postmaster}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so read after the last ')'.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(postmaster) {
			pid, _ := strconv.Atoi(strings.Fields(string(b))[0])
			pids = append(pids, pid)
		}
	}
	return pids
}

func (pg *throwawayPostgres) signal(t *testing.T, pids []int, sig syscall.Signal) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Logf("signal %d: %v", pid, err)
		}
	}
}
