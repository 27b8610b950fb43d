package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The live-updates benchmark (-live): two server instances on one PostgreSQL database, as a deployment behind a
// load balancer has them. Instance A takes a steady write load of createTask from one user; instance B holds
// -live-idle idle subscriptions (one WebSocket each, of as many other users, none of whom writes) and one
// subscription of the writing user. It measures:
//
//   - delivery lag, from the change (the event's `at`, taken in the change's transaction) to its arrival at the
//     subscriber on B, which A's commit reaches through LISTEN/NOTIFY or B's poll of the feed;
//   - memory per idle subscription: B's resident set, Go heap and goroutine stacks before and after the idle
//     subscriptions open, and its goroutines;
//   - B's idle CPU: its CPU time, as a share of one core, over one ping interval (liveIdleWindow) in which the idle
//     subscriptions are open and nothing is written, so that every socket is pinged once;
//   - what the live side adds to a mutation: A's latency and CPU per createTask with no subscriber anywhere, then
//     with the subscribers on B, at the same rate.
//
// It fails (exit 1) when an event is lost, duplicated or out of order, when an idle subscriber receives anything,
// or when a request fails: figures from a broken feed mean nothing.

// liveDoc is what every subscriber asks for: the viewer's feed, live.
const liveDoc = `subscription Live { taskEvents { cursor kind taskId at task { title } } }`

// liveIdleWindow is how long B's idle CPU is measured: the server's default ping interval, so that each idle socket is
// pinged (and answers) once in it (a second with -smoke).
const liveIdleWindow = 20 * time.Second

const liveCreateDoc = `mutation Create($title: String!) { createTask(input: {title: $title}) { task { id } userErrors { code } } }`

// liveResult is what one -live run measured.
type liveResult struct {
	Idle     int
	Rate     float64
	Duration time.Duration

	Quiet, Loaded liveWrites // the write load without subscribers, then with them

	Lag      latency // change to arrival on B
	Events   int
	Problems []string

	RSSBefore, RSSAfter     int64 // B's resident set, bytes
	HeapBefore, HeapAfter   float64
	StackBefore, StackAfter float64 // B's goroutine stacks in use, bytes
	GoroutinesPerSub        float64
	IdleCPU                 float64 // B's CPU over liveIdleWindow with only the idle subscriptions open, in cores
	IdleLoad                string  // the machine's load average at the end of that window
	IdleWindow              time.Duration
	BCPUPerEvent            time.Duration // B's CPU during the loaded phase per event delivered to the live subscriber
	// BStatements is how many SQL statements B ran during the loaded phase (taskapi_sql_statements_total): B
	// writes nothing, so they are its hub's (feed heads, subscriptions' reads) and the loaded phase's length.
	BStatements float64
	BElapsed    time.Duration
}

// liveWrites is one phase of the write load on A.
type liveWrites struct {
	Lat    latency
	CPU    time.Duration // A's CPU per mutation
	Errors int
	Sent   []liveSent
}

type liveSent struct {
	title string
	done  time.Time
}

func runLive(ctx context.Context, cfg config) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "taskapi-bench-live-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	step := newStepper()

	step.start("creating the benchmark database")
	db, err := createBenchDB(ctx, cfg.AdminURL, cfg.Pool)
	if err != nil {
		return err
	}
	defer db.drop(cfg.KeepDB)
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	is, err := newIssuer()
	if err != nil {
		return err
	}
	defer is.close()

	step.start("building ./cmd/server")
	bin, err := buildServer(ctx, root, tmp)
	if err != nil {
		return err
	}
	env := map[string]string{
		"DATABASE_URL":      db.url,
		"JWT_JWKS_URL":      is.jwksURL(),
		"JWT_ISSUER":        is.origin,
		"JWT_AUDIENCE":      is.origin,
		"LOG_FORMAT":        "json",
		"LOG_LEVEL":         "warn", // a thousand sockets opening are not news
		"DB_MAX_OPEN_CONNS": fmt.Sprint(cfg.Pool),
		"RATE_LIMIT_RPS":    benchRateLimit,
		"SHUTDOWN_GRACE":    "0s",
		// Room for every idle subscription and the measuring one, whatever -live-idle asks for; they all come from
		// this machine's address.
		"MAX_SOCKETS":             fmt.Sprint(max(cfg.LiveIdle+10, 10000)),
		"MAX_SOCKETS_PER_ADDRESS": "0",
	}
	writer := &user{id: userID(), alg: algEdDSA}
	if writer.token, err = is.token(writer.id, algEdDSA, 6*time.Hour); err != nil {
		return err
	}
	step.start("starting instances A (writes) and B (subscriptions)")
	var procs [2]*serverProc
	// B serves Go's profiles, through which its memory is read after a collection (memoryAfterGC).
	pprofPort, err := freePort()
	if err != nil {
		return err
	}
	pprofAddr := fmt.Sprintf("127.0.0.1:%d", pprofPort)
	for i, name := range []string{"a", "b"} {
		env := maps.Clone(env)
		if name == "b" {
			env["PPROF_ADDR"] = pprofAddr
		}
		if procs[i], err = startServer(bin, env, filepath.Join(tmp, "server-"+name+".log")); err != nil {
			return err
		}
		defer procs[i].stop()
		if _, err := procs[i].waitReady(ctx, writer.token, 30*time.Second); err != nil {
			return fmt.Errorf("instance %s: %w\n%s", name, err, procs[i].tail())
		}
	}
	a, b := procs[0], procs[1]
	hc := newClient(a.url, 4)
	defer hc.close()
	res := &liveResult{Idle: cfg.LiveIdle, Rate: cfg.LiveRate, Duration: cfg.Duration}

	step.start(fmt.Sprintf("writes on A at %.0f/s for %s, no subscriber", cfg.LiveRate, cfg.Duration))
	res.Quiet = writeLoad(ctx, hc, writer.token, a, cfg.LiveRate, cfg.Duration, "quiet")

	step.start(fmt.Sprintf("opening %d idle subscriptions on B", cfg.LiveIdle))
	pause(ctx, time.Second)
	res.RSSBefore, res.HeapBefore = memoryAfterGC(ctx, b, pprofAddr)
	res.StackBefore = gauge(ctx, b.url, "go_memstats_stack_inuse_bytes")
	goroutinesBefore := gauge(ctx, b.url, "go_goroutines")
	var unexpected atomic.Int64
	subCtx, closeSubs := context.WithCancel(ctx)
	defer closeSubs()
	var subs sync.WaitGroup
	var subErrs errorList
	// Sixteen dials at a time: a thousand at once would measure the accept queue, not the feed.
	sem := make(chan struct{}, 16)
	var dials sync.WaitGroup
	var dialErr error
	var dialMu sync.Mutex
	for range cfg.LiveIdle {
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer func() { <-sem; dials.Done() }()
			conn, err := func() (*websocket.Conn, error) {
				token, err := is.token(userID(), algEdDSA, 6*time.Hour)
				if err != nil {
					return nil, err
				}
				return subscribe(ctx, b.url, token)
			}()
			if err != nil {
				dialMu.Lock()
				dialErr = cmp.Or(dialErr, err)
				dialMu.Unlock()
				return
			}
			subs.Add(1)
			go func() {
				defer subs.Done()
				subErrs.add(subCtx, readEvents(subCtx, conn, func(liveEvent, time.Time) { unexpected.Add(1) }))
			}()
		}()
	}
	dials.Wait()
	if dialErr != nil {
		return fmt.Errorf("opening the idle subscriptions: %w", dialErr)
	}
	if err := waitGauge(ctx, b.url, "taskapi_subscriptions", float64(cfg.LiveIdle)); err != nil {
		return err
	}
	pause(ctx, time.Second) // the sockets' first pings and the allocator settle
	res.RSSAfter, res.HeapAfter = memoryAfterGC(ctx, b, pprofAddr)
	res.StackAfter = gauge(ctx, b.url, "go_memstats_stack_inuse_bytes")
	res.GoroutinesPerSub = (gauge(ctx, b.url, "go_goroutines") - goroutinesBefore) / float64(max(cfg.LiveIdle, 1))

	res.IdleWindow = liveIdleWindow
	if cfg.Smoke {
		res.IdleWindow = time.Second
	}
	step.start(fmt.Sprintf("B's idle CPU over %s", res.IdleWindow))
	idle0 := b.cpuTime()
	pause(ctx, res.IdleWindow)
	res.IdleCPU = float64(b.cpuTime()-idle0) / float64(res.IdleWindow)
	res.IdleLoad = loadAvg()

	step.start(fmt.Sprintf("writes on A at %.0f/s for %s, delivered to B", cfg.LiveRate, cfg.Duration))
	type arrival struct {
		ev liveEvent
		at time.Time
	}
	var mu sync.Mutex
	var arrivals []arrival
	conn, err := subscribe(ctx, b.url, writer.token)
	if err != nil {
		return fmt.Errorf("the measuring subscription: %w", err)
	}
	liveDone := make(chan error, 1)
	go func() {
		liveDone <- readEvents(subCtx, conn, func(ev liveEvent, at time.Time) {
			mu.Lock()
			arrivals = append(arrivals, arrival{ev, at})
			mu.Unlock()
		})
	}()
	if err := waitGauge(ctx, b.url, "taskapi_subscriptions", float64(cfg.LiveIdle+1)); err != nil {
		return err
	}
	bCPU0, bStmts0, bT0 := b.cpuTime(), counterSum(ctx, b.url, "taskapi_sql_statements_total"), time.Now()
	res.Loaded = writeLoad(ctx, hc, writer.token, a, cfg.LiveRate, cfg.Duration, "loaded")
	// Every event must arrive; a second is the contract between instances, ten leave room for a busy machine.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(arrivals)
		mu.Unlock()
		if n >= len(res.Loaded.Sent) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	bCPU := b.cpuTime() - bCPU0
	res.BStatements, res.BElapsed = counterSum(ctx, b.url, "taskapi_sql_statements_total")-bStmts0, time.Since(bT0)
	closeSubs()
	<-liveDone
	subs.Wait()

	mu.Lock()
	defer mu.Unlock()
	res.Events = len(arrivals)
	if res.Events > 0 {
		res.BCPUPerEvent = bCPU / time.Duration(res.Events)
	}
	var lags []time.Duration
	for i, ar := range arrivals {
		if i >= len(res.Loaded.Sent) || ar.ev.Task.Title != res.Loaded.Sent[i].title || ar.ev.Kind != "CREATED" {
			res.Problems = append(res.Problems, fmt.Sprintf("event %d is %s %q, not CREATED %q", i, ar.ev.Kind, ar.ev.Task.Title, titleAt(res.Loaded.Sent, i)))
			break
		}
		lags = append(lags, max(ar.at.Sub(ar.ev.At), 0))
	}
	if res.Events < len(res.Loaded.Sent) {
		res.Problems = append(res.Problems, fmt.Sprintf("%d of %d events did not arrive within 10 s", len(res.Loaded.Sent)-res.Events, len(res.Loaded.Sent)))
	}
	res.Lag = summarize(lags)
	if n := unexpected.Load(); n > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("idle subscribers of other users received %d events", n))
	}
	for _, e := range subErrs.list() {
		res.Problems = append(res.Problems, "an idle subscription ended: "+e)
	}
	for _, w := range []liveWrites{res.Quiet, res.Loaded} {
		if w.Errors > 0 {
			res.Problems = append(res.Problems, fmt.Sprintf("%d mutations failed", w.Errors))
		}
		if len(w.Sent) == 0 {
			res.Problems = append(res.Problems, "a write phase completed no mutation")
		}
	}

	text := res.markdown(cfg)
	fmt.Print("\n" + text)
	if !cfg.Smoke {
		out := cfg.Out
		if out == "" {
			out = filepath.Join(root, "bench", "results")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "LIVE.md"), []byte(text), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", filepath.Join(out, "LIVE.md"))
	}
	if len(res.Problems) > 0 {
		return errors.New(strings.Join(res.Problems, "; "))
	}
	return nil
}

func titleAt(sent []liveSent, i int) string {
	if i < len(sent) {
		return sent[i].title
	}
	return "(nothing more was written)"
}

// writeLoad sends createTask to srv at rate per second for d, one at a time (a steady load, not a saturating one),
// and returns the latencies, the server's CPU per mutation and what was written, in order.
func writeLoad(ctx context.Context, c *client, token string, srv *serverProc, rate float64, d time.Duration, tag string) liveWrites {
	var w liveWrites
	every := time.Duration(float64(time.Second) / rate)
	tick := time.NewTicker(every)
	defer tick.Stop()
	cpu0 := srv.cpuTime()
	var lats []time.Duration
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
		title := fmt.Sprintf("live %s %d", tag, i)
		body := mustJSON(gqlRequest{Query: liveCreateDoc, Variables: map[string]any{"title": title}})
		t0 := time.Now()
		if _, err := c.post(ctx, token, body); err != nil {
			w.Errors++
		} else {
			done := time.Now()
			lats = append(lats, done.Sub(t0))
			w.Sent = append(w.Sent, liveSent{title: title, done: done})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	if n := len(w.Sent); n > 0 {
		w.CPU = (srv.cpuTime() - cpu0) / time.Duration(n)
	}
	w.Lat = summarize(lats)
	return w
}

// liveEvent is the part of a taskEvents event the benchmark reads.
type liveEvent struct {
	Cursor string    `json:"cursor"`
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Task   struct {
		Title string `json:"title"`
	} `json:"task"`
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe opens a graphql-transport-ws socket to baseURL's /graphql, authenticates with token in
// connection_init, and subscribes to the viewer's feed.
func subscribe(ctx context.Context, baseURL, token string) (*websocket.Conn, error) {
	dialCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dialCtx, "ws"+strings.TrimPrefix(baseURL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	send := func(m wsMessage) error {
		b, _ := json.Marshal(m)
		return conn.Write(dialCtx, websocket.MessageText, b)
	}
	init, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + token})
	if err := send(wsMessage{Type: "connection_init", Payload: init}); err != nil {
		return nil, err
	}
	for {
		_, b, err := conn.Read(dialCtx)
		if err != nil {
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		if m.Type == "ping" {
			if err := send(wsMessage{Type: "pong"}); err != nil {
				return nil, err
			}
			continue
		}
		if m.Type != "connection_ack" {
			return nil, fmt.Errorf("expected connection_ack, got %s", b)
		}
		break
	}
	payload, _ := json.Marshal(map[string]string{"query": liveDoc})
	if err := send(wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		return nil, err
	}
	return conn, nil
}

// readEvents reads the socket until ctx ends, answering pings and handing each event to got with its arrival time.
// It returns nil when ctx ended it, else why the subscription ended.
func readEvents(ctx context.Context, conn *websocket.Conn, got func(liveEvent, time.Time)) error {
	defer conn.CloseNow()
	for {
		_, b, err := conn.Read(ctx)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				_ = conn.Close(websocket.StatusNormalClosure, "")
				return nil
			}
			return err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		switch m.Type {
		case "ping":
			pong, _ := json.Marshal(wsMessage{Type: "pong"})
			if err := conn.Write(ctx, websocket.MessageText, pong); err != nil && ctx.Err() == nil {
				return err
			}
		case "pong":
		case "next":
			var p struct {
				Data struct {
					TaskEvents liveEvent `json:"taskEvents"`
				} `json:"data"`
				Errors json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				return err
			}
			if len(p.Errors) > 0 {
				return fmt.Errorf("subscription error: %s", p.Errors)
			}
			got(p.Data.TaskEvents, now)
		default:
			return fmt.Errorf("subscription ended: %s", snippet(b))
		}
	}
}

// errorList collects the distinct errors of many goroutines, ignoring those after ctx ended.
type errorList struct {
	mu   sync.Mutex
	seen map[string]int
}

func (l *errorList) add(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]int{}
	}
	l.seen[err.Error()]++
}

func (l *errorList) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for e, n := range l.seen {
		out = append(out, fmt.Sprintf("%s (×%d)", e, n))
	}
	return out
}

// memoryAfterGC is memoryOf after a collection, which asking pprofAddr (srv's PPROF_ADDR) for the heap profile with
// gc=1 runs: without it the heap counts the garbage not yet collected, up to GOGC % of the live heap.
func memoryAfterGC(ctx context.Context, srv *serverProc, pprofAddr string) (int64, float64) {
	ctx2, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx2, http.MethodGet, "http://"+pprofAddr+"/debug/pprof/heap?gc=1", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return memoryOf(ctx, srv)
}

// memoryOf returns srv's resident set and its Go heap in use (go_memstats_heap_inuse_bytes).
func memoryOf(ctx context.Context, srv *serverProc) (int64, float64) {
	rss, _ := srv.rss()
	return rss, gauge(ctx, srv.url, "go_memstats_heap_inuse_bytes")
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// gauge reads one unlabelled sample from baseURL's /metrics; -1 when it is not there.
func gauge(ctx context.Context, baseURL, name string) float64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	for _, line := range bytes.Split(b, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 2 && fields[0] == name {
			if v, err := strconv.ParseFloat(fields[1], 64); err == nil {
				return v
			}
		}
	}
	return -1
}

// counterSum reads the sum of every sample of the series name (all its labels) from baseURL's /metrics; -1 when it
// cannot be read.
func counterSum(ctx context.Context, baseURL, name string) float64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	sum := 0.0
	for _, line := range bytes.Split(b, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 2 && (fields[0] == name || strings.HasPrefix(fields[0], name+"{")) {
			if v, err := strconv.ParseFloat(fields[1], 64); err == nil {
				sum += v
			}
		}
	}
	return sum
}

// waitGauge waits (at most 60 s) until baseURL's gauge name reaches want.
func waitGauge(ctx context.Context, baseURL, name string, want float64) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		v := gauge(ctx, baseURL, name)
		if v >= want {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s is %v, not %v, after 60 s", name, v, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *liveResult) markdown(cfg config) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Live updates benchmark")
	p("")
	p("Two instances on one PostgreSQL database. A takes createTask from one user at %.0f/s for %s; B holds %d idle "+
		"subscriptions (one WebSocket each, of users who do not write) and one subscription of the writer. "+
		"`go -C bench run . -live%s`.", r.Rate, r.Duration, r.Idle, liveFlags(cfg))
	p("")
	p("| measure | p50 | p99 | max | n |")
	p("| --- | --- | --- | --- | --- |")
	p("| delivery lag, change to subscriber on B | %s | %s | %s | %d |", ms(r.Lag.P50), ms(r.Lag.P99), ms(r.Lag.Max), r.Lag.N)
	p("| createTask on A, no subscriber | %s | %s | %s | %d |", ms(r.Quiet.Lat.P50), ms(r.Quiet.Lat.P99), ms(r.Quiet.Lat.Max), r.Quiet.Lat.N)
	p("| createTask on A, with B's subscribers | %s | %s | %s | %d |", ms(r.Loaded.Lat.P50), ms(r.Loaded.Lat.P99), ms(r.Loaded.Lat.Max), r.Loaded.Lat.N)
	p("")
	p("| per | value |")
	p("| --- | --- |")
	p("| A's CPU per createTask, no subscriber | %s |", ms(r.Quiet.CPU))
	p("| A's CPU per createTask, with B's subscribers | %s |", ms(r.Loaded.CPU))
	p("| B's CPU per event delivered (idle sockets' pings included) | %s |", ms(r.BCPUPerEvent))
	if r.BElapsed > 0 && r.Events > 0 {
		p("| B's SQL statements (its hub's: feed heads and subscriptions' reads) | %.1f/s, %.2f per event delivered |",
			r.BStatements/r.BElapsed.Seconds(), r.BStatements/float64(r.Events))
	}
	if r.Idle > 0 {
		p("| B's resident set per idle subscription | %.1f KiB (%s → %s) |", float64(r.RSSAfter-r.RSSBefore)/float64(r.Idle)/1024, mib(r.RSSBefore), mib(r.RSSAfter))
		p("| B's Go heap in use per idle subscription | %.1f KiB |", (r.HeapAfter-r.HeapBefore)/float64(r.Idle)/1024)
		p("| B's goroutine stacks per idle subscription | %.1f KiB |", (r.StackAfter-r.StackBefore)/float64(r.Idle)/1024)
		p("| B's heap and stacks per idle subscription | %.1f KiB |", (r.HeapAfter-r.HeapBefore+r.StackAfter-r.StackBefore)/float64(r.Idle)/1024)
		p("| B's goroutines per idle subscription | %.1f |", r.GoroutinesPerSub)
		p("| B's CPU with the idle subscriptions open, nothing written (%s, pings included) | %.1f %% of a core (load average %s) |",
			r.IdleWindow, 100*r.IdleCPU, r.IdleLoad)
	}
	p("")
	p("Writes completed: %d without subscribers, %d with them, of %.0f asked for in each phase (one at a time: a slow "+
		"answer delays the next). Load average at the end: %s.", len(r.Quiet.Sent), len(r.Loaded.Sent),
		r.Rate*r.Duration.Seconds(), loadAvg())
	p("")
	p("The lag starts at the event's `at`, taken in the change's transaction just before it commits, so it includes "+
		"the commit; clocks are the same machine's. Every event of the writer arrived once, in order: %v (%d of %d).",
		len(r.Problems) == 0, r.Events, len(r.Loaded.Sent))
	for _, pr := range r.Problems {
		p("- problem: %s", pr)
	}
	return b.String()
}

func liveFlags(cfg config) string {
	s := fmt.Sprintf(" -live-idle %d -live-rate %g -duration %s", cfg.LiveIdle, cfg.LiveRate, cfg.Duration)
	if cfg.Smoke {
		s = " -smoke" + s
	}
	return s
}
