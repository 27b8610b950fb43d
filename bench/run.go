package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"taskapi/model"
)

// run is the whole benchmark. It returns an error when the benchmark could not be done or any request failed; the
// targets being missed is a finding, reported, not a failure.
func run(ctx context.Context, cfg config) error {
	rep := &report{cfg: cfg, started: time.Now()}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	out := cfg.Out
	switch {
	case out == "" && cfg.Smoke:
		// A smoke run must not overwrite the real report.
		out, err = os.MkdirTemp("", "taskapi-bench-smoke-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(out)
	case out == "":
		out = filepath.Join(root, "bench", "results")
	}
	tmp, err := os.MkdirTemp("", "taskapi-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	step := newStepper()
	rep.machine = readMachine(ctx)

	step.start("creating the benchmark database")
	db, err := createBenchDB(ctx, cfg.AdminURL, cfg.Pool)
	if err != nil {
		return err
	}
	defer db.drop(cfg.KeepDB)
	rep.machine.Postgres = db.version(ctx)
	var preload string
	_ = db.admin.NewRaw("SELECT current_setting('shared_preload_libraries')").Scan(ctx, &preload)
	rep.pgss = strings.Contains(preload, "pg_stat_statements")
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
		alg := algEdDSA
		if cfg.Auth == "hs256" || (cfg.Auth == "mixed" && i%2 == 1) {
			alg = algHS256
		}
		u := &user{id: userID(), alg: alg}
		if u.token, err = is.token(u.id, alg, 6*time.Hour); err != nil {
			return err
		}
		if u.hsToken, err = is.token(u.id, algHS256, 6*time.Hour); err != nil {
			return err
		}
		users[i], ids[i] = u, u.id
		if alg == algEdDSA {
			rep.usersEdDSA++
		} else {
			rep.usersHS256++
		}
	}
	big := &user{id: userID(), alg: algEdDSA}
	if big.token, err = is.token(big.id, big.alg, 6*time.Hour); err != nil {
		return err
	}

	step.start(fmt.Sprintf("seeding %d users × %d tasks and one user with %d tasks", cfg.Users, cfg.Tasks, cfg.BigTasks))
	t0 := time.Now()
	if err := db.seed(ctx, ids, cfg.Tasks, big.id, cfg.BigTasks); err != nil {
		return err
	}
	rep.seedTime = time.Since(t0)
	rep.totalTasks, _ = db.count(ctx, "SELECT count(*) FROM tasks")
	rep.totalTags, _ = db.count(ctx, "SELECT count(*) FROM task_tags")
	rep.bigMatching, _ = db.count(ctx, `SELECT count(*) FROM tasks AS t
		WHERE t.list_id IN (SELECT list_id FROM list_members WHERE user_id = ?) AND NOT t.completed
		AND EXISTS (SELECT 1 FROM task_tags AS tt WHERE tt.task_id = t.id AND tt.tag = 'work')`, big.id)

	step.start("building ./cmd/server")
	t0 = time.Now()
	bin, err := buildServer(ctx, root, tmp)
	if err != nil {
		return err
	}
	rep.buildTime = time.Since(t0)

	serverEnv := map[string]string{
		"DATABASE_URL":       db.url,
		"JWT_JWKS_URL":       is.jwksURL(),
		"JWT_ISSUER":         is.origin,
		"JWT_AUDIENCE":       is.origin,
		"BETTER_AUTH_SECRET": is.secret,
		"LOG_FORMAT":         "json",
		"DB_MAX_OPEN_CONNS":  fmt.Sprint(cfg.Pool),
		// The per-user limit (10 requests/s by default) runs but refuses nothing: the benchmark measures capacity,
		// and its users each ask about that often.
		"RATE_LIMIT_RPS": benchRateLimit,
		// No grace period for a load balancer to notice the shutdown: there is none, and cold starts stop servers.
		"SHUTDOWN_GRACE": "0s",
	}
	step.start("starting the server")
	srv, err := startServer(bin, serverEnv, filepath.Join(tmp, "server.log"))
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.stop()
		}
	}()
	if _, err := srv.waitReady(ctx, users[0].token, 30*time.Second); err != nil {
		return err
	}
	hc := newClient(srv.url, max(cfg.Concurrency, slicesMax(cfg.Sweep)))
	defer hc.close()
	// The same binary without its read cache: what a read costs when it is computed each time (a user who writes
	// between reads), for the comparison with the peers and for the shapes of cost.
	srvNC, err := startServerWith(ctx, bin, serverEnv, map[string]string{"READ_CACHE_BYTES": "0"},
		filepath.Join(tmp, "server-uncached.log"), users[0].token)
	if err != nil {
		return err
	}
	defer func() { _ = srvNC.stop() }()
	hcNC := newClient(srvNC.url, cfg.Concurrency)
	defer hcNC.close()
	webNC := newHTTPWorkload(hcNC, users, newMix(cfg.Writes), cfg.PageSize)
	m := newMix(cfg.Writes)
	web := newHTTPWorkload(hc, users, m, cfg.PageSize)
	if err := web.primeIDs(ctx, 50); err != nil {
		return err
	}
	ceiling, err := newStoreWorkload(db.db, users, m, cfg.PageSize)
	if err != nil {
		return err
	}
	if err := ceiling.primeIDs(ctx, 50); err != nil {
		return err
	}

	// The dashboard read against PostGraphile and against pgbench replaying the server's statements, before any
	// write of the mix changes the data.
	if rep.peers, err = measurePeers(ctx, cfg, root, tmp, step, db, srv, hc, srvNC, hcNC, is, users); err != nil {
		return err
	}
	if rss, err := srv.peakRSS(); err == nil {
		rep.rssCheckpoints = append(rep.rssCheckpoints, rssPoint{"after the dashboard-read comparison", rss})
	}

	// The main measurement: the server, then the ceiling, at the main concurrency, each with the transactions
	// PostgreSQL counted while it ran (skipped by -smoke: reading them needs the statistics to settle, see settle).
	readXacts := func() int64 {
		if cfg.Smoke {
			return -1
		}
		settle(ctx)
		n, err := db.xacts(ctx)
		if err != nil {
			return -1
		}
		return n
	}
	perUnit := func(x0, x1 int64, r result) float64 {
		if x0 < 0 || x1 < 0 || r.Total+r.Errors == 0 {
			return -1
		}
		return float64(x1-x0) / float64(r.Total+r.Errors)
	}
	step.start(fmt.Sprintf("main: server at %d concurrent for %s", cfg.Concurrency, cfg.Duration))
	x0 := readXacts()
	m0 := scrapeStatements(ctx, srv.url)
	rep.mainServer = runPhase(ctx, phase{
		name: "server", concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration, seed: cfg.Seed,
		unit: web.unit,
	}, srv.cpuTime)
	m1 := scrapeStatements(ctx, srv.url)
	step.done(rep.mainServer)
	rep.metricsEndpoint = m0.endpoint
	rep.metricsStatements = -1
	if m0.ok && m1.ok && rep.mainServer.Total > 0 {
		rep.metricsStatements = (m1.statements - m0.statements) / float64(rep.mainServer.Total+rep.mainServer.Errors)
	}
	if rss, err := srv.peakRSS(); err == nil {
		rep.rssCheckpoints = append(rep.rssCheckpoints, rssPoint{"after the main measurement", rss})
	}
	step.start(fmt.Sprintf("main: raw-SQL ceiling at %d concurrent for %s", cfg.Concurrency, cfg.Duration))
	x1 := readXacts()
	rep.mainCeiling = runPhase(ctx, phase{
		name: "ceiling", concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration, seed: cfg.Seed,
		unit: ceiling.unit,
	}, nil)
	step.done(rep.mainCeiling)
	x2 := readXacts()
	rep.mainServerXact, rep.mainCeilingXact = perUnit(x0, x1, rep.mainServer), perUnit(x1, x2, rep.mainCeiling)

	// The sweep, for the chart; the main concurrency is measured once, above.
	for _, c := range cfg.Sweep {
		if c == cfg.Concurrency {
			rep.sweep = append(rep.sweep, sweepPoint{c, rep.mainServer, rep.mainCeiling})
			continue
		}
		warm := min(cfg.Warmup, time.Second)
		step.start(fmt.Sprintf("sweep: server at %d concurrent", c))
		s := runPhase(ctx, phase{name: "server", concurrency: c, warmup: warm, duration: cfg.SweepDuration, seed: cfg.Seed + 1, unit: web.unit}, srv.cpuTime)
		step.done(s)
		step.start(fmt.Sprintf("sweep: ceiling at %d concurrent", c))
		cl := runPhase(ctx, phase{name: "ceiling", concurrency: c, warmup: warm, duration: cfg.SweepDuration, seed: cfg.Seed + 1, unit: ceiling.unit}, nil)
		step.done(cl)
		rep.sweep = append(rep.sweep, sweepPoint{c, s, cl})
	}
	if len(rep.sweep) > 0 {
		if rss, err := srv.peakRSS(); err == nil {
			rep.rssCheckpoints = append(rep.rssCheckpoints, rssPoint{"after the sweep", rss})
		}
	}

	if err := measureShapes(ctx, cfg, rep, step, web, webNC, users, big, srv, srvNC); err != nil {
		return err
	}
	if err := srvNC.stop(); err != nil {
		rep.failures = append(rep.failures, "server without the read cache: "+err.Error())
	}
	if rss, err := srv.peakRSS(); err == nil {
		rep.rssCheckpoints = append(rep.rssCheckpoints, rssPoint{"after the shapes (large user included)", rss})
		rep.peakRSS = rss
	}
	rep.serverCPUTotal = srv.cpuTime()
	stopped = true
	if err := srv.stop(); err != nil {
		rep.failures = append(rep.failures, "main server: "+err.Error())
	}

	step.start("counting SQL statements per operation")
	if err := countStatements(ctx, cfg, rep, db, bin, serverEnv, tmp, users, big, ceiling); err != nil {
		return err
	}
	step.start("the large user's reads against their statements alone and the floor of a count")
	if rep.growth, err = measureGrowth(ctx, cfg, tmp, step, db, users[0], big); err != nil {
		return err
	}
	step.start("cold starts")
	if err := measureColdStarts(ctx, cfg, rep, bin, serverEnv, tmp, users[0], is); err != nil {
		return err
	}

	rep.evaluate()
	if cfg.Profile == "always" || (cfg.Profile == "auto" && rep.anyMissed()) {
		step.start(fmt.Sprintf("CPU profile of the in-process handler for %s", cfg.ProfileDuration))
		prof, err := profileInProcess(ctx, cfg, db, is, users, tmp)
		if err != nil {
			rep.profileErr = err.Error()
		} else {
			rep.profile = prof
		}
	}

	rep.collectFailures()
	rep.finished = time.Now()
	step.start("writing " + out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "REPORT.md"), []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	if err := writeChart(filepath.Join(out, "throughput.png"), rep); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if cfg.Smoke {
		// The smoke run checks that the report renders; its files go away with the temporary directory.
		if b, err := os.ReadFile(filepath.Join(out, "REPORT.md")); err != nil || !strings.Contains(string(b), "| Target |") {
			return errors.New("the report was not written")
		}
	}
	fmt.Println()
	fmt.Print(rep.summary())
	if len(rep.failures) > 0 {
		return fmt.Errorf("%d problem(s): %s", len(rep.failures), strings.Join(rep.failures, "; "))
	}
	return nil
}

// measureShapes measures the shapes of cost: a dashboard in one document, as a batch and as separate requests; the
// first page against a deep one; a typical user against the large one. The last two are measured on the server
// without its read cache (webNC, srvNC), since they are about what a read costs to compute: with it, a repeated
// read of an unchanged list is a cache hit whatever its depth or size (measured too, as sizeCached).
func measureShapes(ctx context.Context, cfg config, rep *report, step *stepper, web, webNC *httpWorkload, users []*user, big *user, srv, srvNC *serverProc) error {
	tasksReq := gqlRequest{Query: tasksDoc, Variables: map[string]any{"first": cfg.PageSize}}
	statsReq := gqlRequest{Query: statsDoc}
	tagsReq := gqlRequest{Query: tagsDoc}
	oneDoc := mustJSON(gqlRequest{Query: dashboardDoc, Variables: map[string]any{"first": cfg.PageSize}})
	batch := mustJSON([]gqlRequest{tasksReq, statsReq, tagsReq})
	separate := [][]byte{mustJSON(tasksReq), mustJSON(statsReq), mustJSON(tagsReq)}
	const dashboardOp = -1
	shapes := []struct {
		name string
		unit func(ctx context.Context, u *user) error
	}{
		{"one document (3 root fields)", func(ctx context.Context, u *user) error {
			_, err := web.c.post(ctx, u.token, oneDoc)
			return err
		}},
		{"batch (JSON array of 3)", func(ctx context.Context, u *user) error {
			b, err := web.c.post(ctx, u.token, batch)
			if err == nil && (len(b) == 0 || b[0] != '[') {
				err = fmt.Errorf("not an array: %s", snippet(b))
			}
			return err
		}},
		{"3 separate POSTs", func(ctx context.Context, u *user) error {
			for _, body := range separate {
				if _, err := web.c.post(ctx, u.token, body); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	levels := []int{1}
	if cfg.Concurrency > 1 {
		levels = append(levels, cfg.Concurrency)
	}
	for _, c := range levels {
		for _, s := range shapes {
			step.start(fmt.Sprintf("dashboard as %s at %d concurrent", s.name, c))
			r := runPhase(ctx, phase{name: s.name, concurrency: c, warmup: min(cfg.Warmup, 500*time.Millisecond), duration: cfg.ShapeDuration, seed: cfg.Seed + 2,
				unit: func(ctx context.Context, w *worker) (int, error) {
					return dashboardOp, s.unit(ctx, users[w.rng.IntN(len(users))])
				}}, srv.cpuTime)
			step.done(r)
			rep.batching = append(rep.batching, r)
		}
	}

	// The deep page: walk to it with pages of up to 100 (a cursor belongs to a filter and an order, not to a page
	// size), then compare fetching it with fetching page 1, one request at a time.
	pages := rep.bigMatching / cfg.PageSize
	rep.deepPage = min(cfg.DeepPage, pages)
	if rep.deepPage < 2 {
		return fmt.Errorf("the large user has %d tasks matching the dashboard filter, too few for a second page; raise -big-tasks", rep.bigMatching)
	}
	step.start(fmt.Sprintf("walking to page %d of the large user's dashboard list", rep.deepPage))
	cursor, err := walkTo(ctx, webNC.c, big, (rep.deepPage-1)*cfg.PageSize)
	if err != nil {
		return err
	}
	rep.deepCursor = cursor
	page1 := mustJSON(gqlRequest{Query: pageDoc, Variables: map[string]any{"first": cfg.PageSize}})
	pageN := mustJSON(gqlRequest{Query: pageDoc, Variables: map[string]any{"first": cfg.PageSize, "after": cursor}})
	for i, body := range [][]byte{page1, pageN} {
		name := "page 1"
		if i == 1 {
			name = fmt.Sprintf("page %d", rep.deepPage)
		}
		step.start(name + " of the large user's dashboard list")
		r := runPhase(ctx, phase{name: name, concurrency: 1, warmup: min(cfg.Warmup, 500*time.Millisecond), duration: cfg.ShapeDuration, seed: cfg.Seed + 3,
			unit: func(ctx context.Context, w *worker) (int, error) {
				b, err := webNC.c.post(ctx, big.token, body)
				if err == nil && !strings.Contains(string(b), `"edges":[{`) {
					err = fmt.Errorf("empty page: %s", snippet(b))
				}
				return opTasks, err
			}}, srvNC.cpuTime)
		step.done(r)
		rep.paging = append(rep.paging, r)
	}

	// A typical user against the large one, one request at a time, each dashboard read on its own.
	for _, u := range []*user{users[0], big} {
		for _, op := range []int{opTasks, opStats, opTags} {
			step.start(fmt.Sprintf("%s for a user with %d tasks", opNames[op], tasksOf(cfg, u, big)))
			r := runPhase(ctx, phase{name: opNames[op], concurrency: 1, warmup: min(cfg.Warmup, 500*time.Millisecond), duration: cfg.ShapeDuration, seed: cfg.Seed + 4,
				unit: func(ctx context.Context, w *worker) (int, error) { return op, webNC.do(ctx, w, u, op) }}, srvNC.cpuTime)
			step.done(r)
			if u == big {
				rep.sizeBig = append(rep.sizeBig, r)
			} else {
				rep.sizeSmall = append(rep.sizeSmall, r)
			}
		}
	}
	// The same reads with the read cache: nobody writes, so after the first read each is served from it.
	for _, u := range []*user{users[0], big} {
		for _, op := range []int{opTasks, opStats, opTags} {
			step.start(fmt.Sprintf("%s for a user with %d tasks, read cache on", opNames[op], tasksOf(cfg, u, big)))
			r := runPhase(ctx, phase{name: opNames[op], concurrency: 1, warmup: min(cfg.Warmup, 500*time.Millisecond), duration: cfg.ShapeDuration, seed: cfg.Seed + 4,
				unit: func(ctx context.Context, w *worker) (int, error) { return op, web.do(ctx, w, u, op) }}, srv.cpuTime)
			step.done(r)
			rep.sizeCached = append(rep.sizeCached, r)
		}
	}
	return nil
}

func tasksOf(cfg config, u, big *user) int {
	if u == big {
		return cfg.BigTasks
	}
	return cfg.Tasks
}

// walkTo pages through the dashboard list of u and returns the cursor after the first n tasks.
func walkTo(ctx context.Context, c *client, u *user, n int) (string, error) {
	var after any
	for n > 0 {
		first := min(100, n)
		b, err := c.post(ctx, u.token, mustJSON(gqlRequest{Query: pageDoc, Variables: map[string]any{"first": first, "after": after}}))
		if err != nil {
			return "", err
		}
		var resp struct {
			Data struct {
				Tasks struct {
					Edges    []json.RawMessage `json:"edges"`
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"tasks"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return "", err
		}
		if len(resp.Data.Tasks.Edges) != first || !resp.Data.Tasks.PageInfo.HasNextPage {
			return "", fmt.Errorf("the list ended early: %d tasks in a page of %d", len(resp.Data.Tasks.Edges), first)
		}
		after = resp.Data.Tasks.PageInfo.EndCursor
		n -= first
	}
	s, _ := after.(string)
	return s, nil
}

// countStatements counts the SQL statements of each operation twice: sent by the real server (a second server
// process pointed at PostgreSQL through the counting proxy) and sent by the store calls of the ceiling (a Bun query
// hook). Requests go one at a time, so every statement counted belongs to the request being made.
func countStatements(ctx context.Context, cfg config, rep *report, db *benchDB, bin string, env map[string]string, tmp string, users []*user, big *user, ceiling *storeWorkload) error {
	u, err := url.Parse(db.url)
	if err != nil {
		return err
	}
	wire, err := startWireCounter(u.Host)
	if err != nil {
		return err
	}
	defer wire.close()
	u.Host = wire.addr()
	srv, err := startServerWith(ctx, bin, env, map[string]string{"DATABASE_URL": u.String()},
		filepath.Join(tmp, "server-counting.log"), users[0].token)
	if err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	hc := newClient(srv.url, 1)
	defer hc.close()
	web := newHTTPWorkload(hc, users, newMix(cfg.Writes), cfg.PageSize)
	hook := &statementHook{}
	counted, err := newStoreWorkload(db.db.WithQueryHook(hook), users, ceiling.mix, cfg.PageSize)
	if err != nil {
		return err
	}
	w := &worker{rng: newRand(cfg.Seed + 5)}
	oneDoc := mustJSON(gqlRequest{Query: dashboardDoc, Variables: map[string]any{"first": cfg.PageSize}})
	batch := mustJSON([]gqlRequest{
		{Query: tasksDoc, Variables: map[string]any{"first": cfg.PageSize}}, {Query: statsDoc}, {Query: tagsDoc},
	})
	type countRow struct {
		name          string
		server, store func(u *user) error
		weight        float64 // in the mix; 0 for the dashboards
	}
	var rows []countRow
	for op := range numOps {
		rows = append(rows, countRow{
			name:   opNames[op],
			server: func(u *user) error { return web.do(ctx, w, u, op) },
			store:  func(u *user) error { return counted.do(ctx, w, u, op) },
			weight: ceiling.mix.weight(op),
		})
	}
	threeReads := func(u *user) error {
		for _, op := range []int{opTasks, opStats, opTags} {
			if err := counted.do(ctx, w, u, op); err != nil {
				return err
			}
		}
		return nil
	}
	rows = append(rows,
		countRow{name: "dashboard, one document", store: threeReads,
			server: func(u *user) error { _, err := hc.post(ctx, u.token, oneDoc); return err }},
		countRow{name: "dashboard, batch of 3", store: threeReads,
			server: func(u *user) error { _, err := hc.post(ctx, u.token, batch); return err }},
	)
	// The paging comparison's two requests (no totalCount), for the large user whatever u is.
	for _, after := range []*string{nil, &rep.deepCursor} {
		name, vars := "page 1 (no totalCount)", map[string]any{"first": cfg.PageSize}
		if after != nil {
			name, vars = fmt.Sprintf("page %d with after (no totalCount)", rep.deepPage), map[string]any{"first": cfg.PageSize, "after": *after}
		}
		body := mustJSON(gqlRequest{Query: pageDoc, Variables: vars})
		first := cfg.PageSize
		rows = append(rows, countRow{name: name,
			server: func(*user) error { _, err := hc.post(ctx, big.token, body); return err },
			store: func(*user) error {
				_, err := counted.store.ListTasks(ctx, big.id, model.ListQuery{Filter: counted.filter, Order: &counted.order, First: &first, After: after})
				return err
			}})
	}
	checked := map[*user]bool{}
	for _, row := range rows {
		var sc stmtCount
		sc.Op, sc.Weight = row.name, row.weight
		for i := range cfg.CountRuns {
			u := users[i%len(users)]
			// A user's first read is computed (this server process has kept no page yet): its statements are what
			// pgbench replays. A later one is served from the read cache with the one statement of the position.
			check := row.name == opNames[opTasks] && !checked[u]
			checked[u] = checked[u] || check
			if check {
				wire.takeTexts()
			}
			before := wire.statements.Load()
			if err := row.server(u); err != nil {
				return fmt.Errorf("count %s through the server: %w", row.name, err)
			}
			sc.Server.add(wire.statements.Load() - before)
			if check {
				// What pgbench replays must be what the server sent, to the byte.
				// The server's background jobs (the reminder scheduler, the webhook worker, the live hub) share the
				// proxy and may run meanwhile; the read's statements are those on tasks.
				sent := slices.DeleteFunc(wire.takeTexts(), func(s string) bool { return !strings.Contains(s, `FROM "tasks"`) })
				want, err := statementsOf(ctx, db.db, opTasks, cfg.PageSize, u)
				if err != nil {
					return err
				}
				if !slices.Equal(sent, want) {
					return fmt.Errorf("the statements pgbench replays for the dashboard read differ from the server's:\nserver: %q\nreplayed: %q", sent, want)
				}
				rep.checkedSQL++
			}
			before = hook.n.Load()
			if err := row.store(u); err != nil {
				return fmt.Errorf("count %s through the store: %w", row.name, err)
			}
			sc.Store.add(hook.n.Load() - before)
		}
		rep.statements = append(rep.statements, sc)
	}
	return nil
}

// measureColdStarts starts the binary -cold-runs times on each database and times it to the first answered query:
// on PostgreSQL against the seeded, migrated database; on SQLite in a new DATA_DIR each time (so the file is
// created and migrated within the measurement, as on a first start).
func measureColdStarts(ctx context.Context, cfg config, rep *report, bin string, pgEnv map[string]string, tmp string, u *user, is *issuer) error {
	hsToken, err := is.token(userID(), algHS256, time.Hour)
	if err != nil {
		return err
	}
	rep.cold = map[string][]startTiming{}
	for i := range cfg.ColdRuns {
		for _, kind := range []string{"PostgreSQL", "SQLite"} {
			env, token := pgEnv, u.token
			if kind == "SQLite" {
				env = map[string]string{"DATA_DIR": filepath.Join(tmp, fmt.Sprintf("sqlite-%d", i)), "BETTER_AUTH_SECRET": is.secret,
					"LOG_FORMAT": "json", "SHUTDOWN_GRACE": "0s"}
				token = hsToken
			}
			srv, err := startServer(bin, env, filepath.Join(tmp, fmt.Sprintf("cold-%s-%d.log", kind, i)))
			if err != nil {
				return err
			}
			t, err := srv.waitReady(ctx, token, 20*time.Second)
			stopErr := srv.stop()
			if err != nil {
				return fmt.Errorf("cold start on %s: %w", kind, err)
			}
			if stopErr != nil {
				rep.failures = append(rep.failures, fmt.Sprintf("cold start on %s: %v", kind, stopErr))
			}
			rep.cold[kind] = append(rep.cold[kind], t)
		}
	}
	return nil
}

func slicesMax(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// stepper prints progress.
type stepper struct{ t0 time.Time }

func newStepper() *stepper { return &stepper{t0: time.Now()} }

func (s *stepper) start(what string) {
	fmt.Printf("[%6.1fs] %s\n", time.Since(s.t0).Seconds(), what)
}

func (s *stepper) done(r result) {
	fmt.Printf("          %.0f/s  p50 %s  p95 %s  p99 %s  (%d done, %d errors)\n", r.Rate(), ms(r.Lat.P50), ms(r.Lat.P95), ms(r.Lat.P99), r.Units, r.Errors)
	for _, e := range r.ErrorSample {
		fmt.Printf("          error: %s\n", e)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// machine describes where the run happened.
type machine struct {
	CPU      string
	Cores    int
	Go       string
	Postgres string
	Kernel   string
	MemTotal string
	LoadAvg  string // at the start of the run: other work on the machine skews every figure
}

func readMachine(ctx context.Context) machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	m.LoadAvg = loadAvg()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				_, _ = fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
				m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if out, err := commandOutput(ctx, "", "go", "version"); err == nil {
		m.Go = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "go version "))
	}
	return m
}

// loadAvg is the 1-, 5- and 15-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// benchRateLimit is the per-user rate limit the benchmark gives the server: the highest RATE_LIMIT_RPS allows.
const benchRateLimit = "1000000"
