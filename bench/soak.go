package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The soak (-soak): one server instance under a steady, ordinary load for -soak-duration, to show that nothing
// accumulates: -soak-idle idle subscribers (one WebSocket and one user each, as in -live), -soak-rate requests per
// second of the dashboard mix (its reads and writes; each createTask sets a reminder a second to a minute ahead,
// so reminders fire throughout), and webhooks (task.created and reminder.due) POSTed to a receiver in the benchmark
// on 127.0.0.1, which checks their signatures. A few writing users are subscribed too. Every interval (a minute; a
// tenth of the run when it is shorter than ten minutes) it samples the server's resident set, goroutines, Go heap,
// CPU and the collector's CPU (from the runtime's gctrace lines in its log, GODEBUG=gctrace=1).
//
// It fails (exit 1) when any request is answered 5xx or fails, when a webhook or a subscription event of a write is
// lost (not received within 90 s of the load's end), when an idle subscriber receives anything or a subscription
// ends. The targets, marked in the report: the resident set and the goroutines of the last interval within 10 % of
// the second's (flat after warm-up), and the collector under 10 % of the server's CPU.

// soakSample is what one interval measured.
type soakSample struct {
	At         time.Duration // since the load began, at the interval's end
	RSS        int64
	Heap       float64
	Goroutines float64
	CPU        time.Duration // the server's CPU over the interval
	GCCPU      time.Duration // the collector's CPU over the interval
	Requests   int
	Failed     int
	Status5xx  int
	Lat        latency
}

// soakResult is what one -soak run measured.
type soakResult struct {
	Users, Tasks, Idle, Watched int
	Rate                        float64
	Duration, Interval          time.Duration
	Samples                     []soakSample

	Requests, Failed, Status5xx, Late  int
	Lat                                latency
	Creates                            int // tasks created, each with a reminder
	HooksCreated, HooksDue             int // distinct webhooks received, by type
	HooksDuplicate, HooksBadSignature  int
	LostHooks                          int
	WatchedWrites, LostEvents          int
	Delivered, FailedAttempts, Dropped float64 // the server's webhook counters
	Problems                           []string
	ErrorSample                        []string
}

// soakHooks is the webhook receiver: it verifies each delivery's signature and notes its id, type and task.
type soakHooks struct {
	key []byte

	mu      sync.Mutex
	seen    map[string]bool // webhook-id
	created map[string]bool // task ids of task.created
	due     map[string]bool // task ids of reminder.due
	dup     int
	bad     int
}

func (h *soakHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	var ev struct {
		Type string `json:"type"`
		Data struct {
			TaskID string `json:"taskId"`
		} `json:"data"`
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !strings.Contains(" "+r.Header.Get("webhook-signature")+" ", " "+want+" ") || json.Unmarshal(body, &ev) != nil {
		h.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if h.seen[id] {
		h.dup++
	}
	h.seen[id] = true
	switch ev.Type {
	case "task.created":
		h.created[ev.Data.TaskID] = true
	case "reminder.due":
		h.due[ev.Data.TaskID] = true
	}
	w.WriteHeader(http.StatusNoContent)
}

// missing counts the ids of tasks not among those received of each type.
func (h *soakHooks) missing(ids []string) (created, due int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if !h.created[id] {
			created++
		}
		if !h.due[id] {
			due++
		}
	}
	return created, due
}

// gcTrace matches the CPU times of one collection in a gctrace line: "gc 12 @3.4s 2%: … ms clock, a+b/c/d+e ms cpu".
var gcTrace = regexp.MustCompile(`(?m)^gc \d+ @[0-9.]+s \d+%: [^,]* ms clock, ([0-9.]+)\+([0-9.]+)/([0-9.]+)/([0-9.]+)\+([0-9.]+) ms cpu`)

// gcCPUIn sums the collector's CPU (every phase: stop-the-world, assists, background and idle marking) over the
// gctrace lines of log from offset on, and returns the offset read to.
func gcCPUIn(path string, offset int64) (time.Duration, int64) {
	f, err := os.Open(path)
	if err != nil {
		return 0, offset
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, offset
	}
	b, _ := io.ReadAll(f)
	// Read to the last whole line only: the rest is read next time.
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else {
		b = nil
	}
	var ms float64
	for _, m := range gcTrace.FindAllSubmatch(b, -1) {
		for _, f := range m[1:] {
			v, _ := strconv.ParseFloat(string(f), 64)
			ms += v
		}
	}
	return time.Duration(ms * float64(time.Millisecond)), offset + int64(len(b))
}

const soakCreateDoc = `mutation SoakCreate($input: CreateTaskInput!) {
  createTask(input: $input) { task { id } userErrors { field message code } }
}`

func runSoak(ctx context.Context, cfg config) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "taskapi-bench-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	step := newStepper()
	load0 := loadAvg()

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
	users := make([]*user, cfg.Users)
	ids := make([]string, cfg.Users)
	for i := range users {
		u := &user{id: userID(), alg: algHS256}
		if u.token, err = is.token(u.id, algHS256, 24*time.Hour); err != nil {
			return err
		}
		users[i], ids[i] = u, u.id
	}
	step.start(fmt.Sprintf("seeding %d users × %d tasks", cfg.Users, cfg.Tasks))
	if err := db.seed(ctx, ids, cfg.Tasks, userID(), 0); err != nil {
		return err
	}

	// The webhook receiver, on loopback only.
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	hooks := &soakHooks{key: secret[:], seen: map[string]bool{}, created: map[string]bool{}, due: map[string]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookSrv := &http.Server{Handler: hooks, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hookSrv.Serve(ln) }()
	defer hookSrv.Close()

	step.start("building ./cmd/server")
	bin, err := buildServer(ctx, root, tmp)
	if err != nil {
		return err
	}
	env := map[string]string{
		"DATABASE_URL":       db.url,
		"JWT_JWKS_URL":       is.jwksURL(),
		"JWT_ISSUER":         is.origin,
		"JWT_AUDIENCE":       is.origin,
		"BETTER_AUTH_SECRET": is.secret,
		"LOG_FORMAT":         "json",
		"LOG_LEVEL":          "warn",
		"DB_MAX_OPEN_CONNS":  fmt.Sprint(cfg.Pool),
		"RATE_LIMIT_RPS":     benchRateLimit,
		"SHUTDOWN_GRACE":     "0s",
		"WEBHOOK_URL":        "http://" + ln.Addr().String() + "/hooks",
		"WEBHOOK_SECRET":     "whsec_" + base64.StdEncoding.EncodeToString(secret[:]),
		"WEBHOOK_EVENTS":     "task.created,reminder.due",
		// Every idle subscriber connects from this one address: the per-address cap would refuse most of them.
		"MAX_SOCKETS_PER_ADDRESS": "0",
		// The runtime prints a line per collection to the log, with its CPU: the collector's share of the CPU.
		"GODEBUG": "gctrace=1",
	}
	step.start("starting the server")
	logPath := filepath.Join(tmp, "server.log")
	srv, err := startServerWith(ctx, bin, env, nil, logPath, users[0].token)
	if err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	hc := newClient(srv.url, 64)
	defer hc.close()
	web := newHTTPWorkload(hc, users, newMix(cfg.Writes), cfg.PageSize)
	if err := web.primeIDs(ctx, 50); err != nil {
		return err
	}

	interval := min(time.Minute, cfg.SoakDuration/10)
	res := &soakResult{Users: cfg.Users, Tasks: cfg.Tasks, Idle: cfg.SoakIdle, Watched: min(10, len(users)),
		Rate: cfg.SoakRate, Duration: cfg.SoakDuration, Interval: interval}

	step.start(fmt.Sprintf("opening %d idle subscriptions and %d of writing users", cfg.SoakIdle, res.Watched))
	subCtx, closeSubs := context.WithCancel(ctx)
	defer closeSubs()
	var subs sync.WaitGroup
	var subErrs errorList
	var unexpected atomic.Int64
	sem := make(chan struct{}, 16)
	var dials sync.WaitGroup
	var dialMu sync.Mutex
	var dialErr error
	open := func(token string, got func(liveEvent, time.Time)) {
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer func() { <-sem; dials.Done() }()
			conn, err := subscribe(ctx, srv.url, token)
			if err != nil {
				dialMu.Lock()
				dialErr = errors.Join(dialErr, err)
				dialMu.Unlock()
				return
			}
			subs.Go(func() { subErrs.add(subCtx, readEvents(subCtx, conn, got)) })
		}()
	}
	// The watched users' CREATED events, by title.
	var arrivedMu sync.Mutex
	arrived := map[string]bool{}
	for _, u := range users[:res.Watched] {
		open(u.token, func(ev liveEvent, _ time.Time) {
			if ev.Kind == "CREATED" {
				arrivedMu.Lock()
				arrived[ev.Task.Title] = true
				arrivedMu.Unlock()
			}
		})
	}
	for range cfg.SoakIdle {
		token, err := is.token(userID(), algEdDSA, 24*time.Hour)
		if err != nil {
			return err
		}
		open(token, func(liveEvent, time.Time) { unexpected.Add(1) })
	}
	dials.Wait()
	if dialErr != nil {
		return fmt.Errorf("opening the subscriptions: %w", dialErr)
	}
	if err := waitGauge(ctx, srv.url, "taskapi_subscriptions", float64(cfg.SoakIdle+res.Watched)); err != nil {
		return err
	}

	// The load: a request every 1/rate s, each sent by a free worker of a pool; a tick with none free is late.
	step.start(fmt.Sprintf("the load: %.0f requests/s for %s, sampled every %s", cfg.SoakRate, cfg.SoakDuration, interval))
	var (
		mu            sync.Mutex
		lats, allLats []time.Duration
		requests      int
		failed        int
		status5xx     int
		errSample     []string
		createdIDs    []string
		watchedTitles []string
	)
	m := newMix(cfg.Writes)
	watched := map[*user]bool{}
	for _, u := range users[:res.Watched] {
		watched[u] = true
	}
	// Reminders fall 1 s to a minute ahead (a quarter of a shorter run), so that most fire while the load runs.
	lead := min(time.Minute, cfg.SoakDuration/4)
	var seq atomic.Int64
	one := func(w *worker) {
		op := m.pick(w.rng)
		u := users[w.rng.IntN(len(users))]
		var body []byte
		var title string
		if op == opCreate {
			title = fmt.Sprintf("Soak task %d", seq.Add(1))
			at := time.Now().Add(time.Second + time.Duration(w.rng.Int64N(int64(lead)))).UTC().Format(time.RFC3339Nano)
			body = mustJSON(gqlRequest{Query: soakCreateDoc, Variables: map[string]any{"input": map[string]any{
				"title": title, "tags": []string{"work", "soak"}, "reminders": []map[string]any{{"at": at}},
			}}})
		}
		t0 := time.Now()
		var resp []byte
		var err error
		if body != nil {
			resp, err = hc.post(ctx, u.token, body)
		} else {
			err = web.do(ctx, w, u, op)
		}
		d := time.Since(t0)
		var id string
		if err == nil && op == opCreate {
			var r struct {
				Data struct {
					CreateTask struct {
						Task struct {
							ID string `json:"id"`
						} `json:"task"`
					} `json:"createTask"`
				} `json:"data"`
			}
			if json.Unmarshal(resp, &r) != nil || r.Data.CreateTask.Task.ID == "" {
				err = fmt.Errorf("createTask answered without a task: %s", snippet(resp))
			}
			id = r.Data.CreateTask.Task.ID
		}
		mu.Lock()
		defer mu.Unlock()
		requests++
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failed++
			if strings.HasPrefix(err.Error(), "HTTP 5") {
				status5xx++
			}
			if len(errSample) < 5 {
				errSample = append(errSample, opName(op)+": "+err.Error())
			}
			return
		}
		lats = append(lats, d)
		if id != "" {
			createdIDs = append(createdIDs, id)
			if watched[u] {
				watchedTitles = append(watchedTitles, title)
			}
		}
	}
	const workers = 64
	jobs := make(chan struct{})
	var pool sync.WaitGroup
	for i := range workers {
		pool.Go(func() {
			w := &worker{id: i, rng: newRand(cfg.Seed + uint64(i))}
			for range jobs {
				one(w)
				w.n++
			}
		})
	}
	cpu0 := srv.cpuTime()
	_, logOff := gcCPUIn(logPath, 0)
	start := time.Now()
	next := start.Add(interval)
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.SoakRate))
	late := 0
	for now := range tick.C {
		if ctx.Err() != nil {
			break
		}
		if !now.Before(next) {
			s := soakSample{At: now.Sub(start)}
			s.RSS, s.Heap = memoryOf(ctx, srv)
			s.Goroutines = gauge(ctx, srv.url, "go_goroutines")
			cpu := srv.cpuTime()
			s.CPU, cpu0 = cpu-cpu0, cpu
			s.GCCPU, logOff = gcCPUIn(logPath, logOff)
			mu.Lock()
			s.Requests, s.Failed, s.Status5xx = requests, failed, status5xx
			s.Lat = summarize(lats)
			allLats = append(allLats, lats...)
			lats, requests, failed, status5xx = nil, 0, 0, 0
			mu.Unlock()
			res.Samples = append(res.Samples, s)
			fmt.Printf("          %6s  RSS %s  heap %s  goroutines %.0f  CPU %.0f %%  GC %.1f %% of it  %d requests (%d failed)  p50 %s  p99 %s\n",
				s.At.Round(time.Second), mib(s.RSS), mib(int64(s.Heap)), s.Goroutines, 100*s.CPU.Seconds()/interval.Seconds(),
				gcShare(s), s.Requests, s.Failed, ms(s.Lat.P50), ms(s.Lat.P99))
			res.Requests, res.Failed, res.Status5xx = res.Requests+s.Requests, res.Failed+s.Failed, res.Status5xx+s.Status5xx
			next = next.Add(interval)
			if now.Sub(start) >= cfg.SoakDuration-interval/2 {
				break
			}
		}
		select {
		case jobs <- struct{}{}:
		default:
			late++
		}
	}
	tick.Stop()
	close(jobs)
	pool.Wait()
	res.Late = late
	res.Lat = summarize(allLats)
	res.ErrorSample = errSample
	res.Creates = len(createdIDs)

	// Every reminder is due at most a minute after its task was created; each webhook and event must arrive.
	step.start("waiting for the last reminders, webhooks and events (at most 90 s)")
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, d := hooks.missing(createdIDs)
		arrivedMu.Lock()
		lost := 0
		for _, t := range watchedTitles {
			if !arrived[t] {
				lost++
			}
		}
		arrivedMu.Unlock()
		res.LostHooks, res.LostEvents = c+d, lost
		if c+d+lost == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		pause(ctx, 500*time.Millisecond)
	}
	res.WatchedWrites = len(watchedTitles)
	res.Delivered = gauge(ctx, srv.url, "taskapi_webhook_delivered_total")
	res.FailedAttempts = gauge(ctx, srv.url, "taskapi_webhook_failed_attempts_total")
	res.Dropped = gauge(ctx, srv.url, "taskapi_webhook_dropped_total")
	hooks.mu.Lock()
	res.HooksCreated, res.HooksDue, res.HooksDuplicate, res.HooksBadSignature = len(hooks.created), len(hooks.due), hooks.dup, hooks.bad
	hooks.mu.Unlock()
	closeSubs()
	subs.Wait()

	if res.Status5xx > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d requests answered 5xx", res.Status5xx))
	}
	if res.Failed > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d requests failed: %s", res.Failed, strings.Join(res.ErrorSample, "; ")))
	}
	if res.LostHooks > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d webhooks (task.created and reminder.due of %d tasks) did not arrive", res.LostHooks, res.Creates))
	}
	if res.HooksBadSignature > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d webhooks had a bad signature or body", res.HooksBadSignature))
	}
	if res.LostEvents > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d of %d CREATED events of the watched users did not arrive", res.LostEvents, res.WatchedWrites))
	}
	if n := unexpected.Load(); n > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("idle subscribers of other users received %d events", n))
	}
	for _, e := range subErrs.list() {
		res.Problems = append(res.Problems, "a subscription ended: "+e)
	}
	if res.Creates == 0 {
		res.Problems = append(res.Problems, "no task was created: no reminder fired")
	}

	text := res.markdown(cfg, load0, loadAvg())
	fmt.Print("\n" + text)
	if !cfg.Smoke {
		out := cfg.Out
		if out == "" {
			out = filepath.Join(root, "bench", "results")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "SOAK.md"), []byte(text), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", filepath.Join(out, "SOAK.md"))
	}
	if len(res.Problems) > 0 {
		return errors.New(strings.Join(res.Problems, "; "))
	}
	return nil
}

// gcShare is the collector's share of the server's CPU over an interval, in percent.
func gcShare(s soakSample) float64 {
	if s.CPU <= 0 {
		return 0
	}
	return 100 * float64(s.GCCPU) / float64(s.CPU)
}

// flat says whether the last sample's value is within 10 % of the second's (the first is the warm-up).
func flat(samples []soakSample, value func(soakSample) float64) (second, last float64, ok bool) {
	if len(samples) < 3 {
		return 0, 0, false
	}
	second, last = value(samples[1]), value(samples[len(samples)-1])
	return second, last, second > 0 && last <= 1.1*second && last >= 0.9*second
}

func (r *soakResult) markdown(cfg config, load0, load1 string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Soak")
	p("")
	p("One server instance for %s: %d idle subscribers (one WebSocket and one user each) and %d subscribed writing "+
		"users; %.0f requests/s of the dashboard mix (`tasks`, `taskStats`, `tags` and %.0f %% writes) for %d users "+
		"with %d tasks each, every createTask with a reminder 1 s to %s ahead; webhooks (`task.created`, "+
		"`reminder.due`) to a receiver on 127.0.0.1 that checks their signatures. The server runs with its default "+
		"memory settings. `go -C bench run . -soak%s`.", r.Duration, r.Idle, r.Watched, r.Rate, 100*cfg.Writes,
		r.Users, r.Tasks, min(time.Minute, r.Duration/4)+time.Second, soakFlags(cfg))
	p("")
	p("| after | RSS | Go heap in use | goroutines | server CPU | GC share of it | requests | failed | 5xx | p50 | p99 |")
	p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	var cpu, gc time.Duration
	for _, s := range r.Samples {
		cpu, gc = cpu+s.CPU, gc+s.GCCPU
		p("| %s | %s | %s | %.0f | %.0f %% | %.1f %% | %d | %d | %d | %s | %s |", s.At.Round(time.Second), mib(s.RSS),
			mib(int64(s.Heap)), s.Goroutines, 100*s.CPU.Seconds()/r.Interval.Seconds(), gcShare(s), s.Requests, s.Failed,
			s.Status5xx, ms(s.Lat.P50), ms(s.Lat.P99))
	}
	p("")
	rss2, rssN, rssFlat := flat(r.Samples, func(s soakSample) float64 { return float64(s.RSS) })
	g2, gN, gFlat := flat(r.Samples, func(s soakSample) float64 { return s.Goroutines })
	gcAll := 0.0
	if cpu > 0 {
		gcAll = 100 * float64(gc) / float64(cpu)
	}
	p("| target | measured | |")
	p("| --- | --- | --- |")
	p("| no 5xx | %d of %d requests (%d failed in all) | %s |", r.Status5xx, r.Requests, r.Failed, mark(r.Status5xx == 0))
	p("| no webhook lost | %d of %d expected missing (%d task.created and %d reminder.due received; %d redelivered, %d bad signatures) | %s |",
		r.LostHooks, 2*r.Creates, r.HooksCreated, r.HooksDue, r.HooksDuplicate, r.HooksBadSignature, mark(r.LostHooks == 0 && r.HooksBadSignature == 0))
	p("| no subscription event lost | %d of %d CREATED events of the watched users missing | %s |", r.LostEvents, r.WatchedWrites, mark(r.LostEvents == 0))
	p("| resident set flat: the last interval within 10 %% of the second | %s → %s | %s |", mib(int64(rss2)), mib(int64(rssN)), mark(rssFlat))
	p("| goroutines flat: the last interval within 10 %% of the second | %.0f → %.0f | %s |", g2, gN, mark(gFlat))
	p("| the collector under 10 %% of the server's CPU | %.1f %% over the run (%s of %s) | %s |", gcAll, gc.Round(time.Millisecond), cpu.Round(time.Millisecond), mark(gcAll < 10))
	p("")
	p("Requests: %d answered in the sampled intervals, p50 %s, p99 %s, max %s; %d ticks found no free client (of 64) "+
		"and were skipped. The server's webhook counters: %.0f delivered, %.0f failed attempts, %.0f dropped, for %d tasks "+
		"created. The collector's CPU "+
		"is every phase of each collection in the runtime's gctrace lines (stop-the-world, assists, background and idle "+
		"marking) over the server's CPU from `/proc`. Load average at the start: %s; at the end: %s.",
		r.Lat.N, ms(r.Lat.P50), ms(r.Lat.P99), ms(r.Lat.Max), r.Late, r.Delivered, r.FailedAttempts, r.Dropped, r.Creates, load0, load1)
	for _, pr := range r.Problems {
		p("- problem: %s", pr)
	}
	return b.String()
}

func soakFlags(cfg config) string {
	s := fmt.Sprintf(" -soak-duration %s -soak-idle %d -soak-rate %g -users %d -tasks %d", cfg.SoakDuration,
		cfg.SoakIdle, cfg.SoakRate, cfg.Users, cfg.Tasks)
	if cfg.Smoke {
		s = " -smoke" + s
	}
	return s
}
