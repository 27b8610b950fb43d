package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	cfg       config
	machine   machine
	started   time.Time
	finished  time.Time
	seedTime  time.Duration
	buildTime time.Duration

	usersEdDSA, usersHS256 int
	totalTasks, totalTags  int
	bigMatching            int // the large user's tasks in the dashboard list (pending, tagged work)
	deepPage               int
	deepCursor             string // the after cursor of the deep page

	mainServer, mainCeiling         result
	mainServerXact, mainCeilingXact float64 // transactions per unit, from pg_stat_database; -1 when unread
	sweep                           []sweepPoint
	batching                        []result
	paging                          []result // page 1, deep page
	sizeSmall, sizeBig              []result // tasks, taskStats, tags, on the server without its read cache
	sizeCached                      []result // tasks, taskStats, tags for the typical user, then the large one, with the read cache
	statements                      []stmtCount
	cold                            map[string][]startTiming
	peakRSS                         int64
	rssCheckpoints                  []rssPoint
	serverCPUTotal                  time.Duration
	metricsEndpoint                 bool    // the server answers GET /metrics
	pgss                            bool    // pg_stat_statements is in shared_preload_libraries
	metricsStatements               float64 // SQL statements per request from its /metrics under load; -1 without a counter

	peers      *peerComparison
	growth     *growth
	checkedSQL int // requests whose statements, as the server sent them, matched what pgbench replays

	targets    []target
	profile    *profileResult
	profileErr string
	failures   []string
}

type sweepPoint struct {
	Concurrency     int
	Server, Ceiling result
}

type rssPoint struct {
	Label string
	Peak  int64
}

// counts is a small tally of per-request statement counts.
type counts struct{ vals []int64 }

func (c *counts) add(n int64) { c.vals = append(c.vals, n) }

func (c counts) mean() float64 {
	if len(c.vals) == 0 {
		return 0
	}
	var s int64
	for _, v := range c.vals {
		s += v
	}
	return float64(s) / float64(len(c.vals))
}

func (c counts) String() string {
	if len(c.vals) == 0 {
		return "–"
	}
	lo, hi := slices.Min(c.vals), slices.Max(c.vals)
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%.2f (%d–%d)", c.mean(), lo, hi)
}

type stmtCount struct {
	Op            string
	Weight        float64
	Server, Store counts
}

type target struct {
	Name     string
	Goal     string
	Measured string
	Met      bool
}

func (r *report) anyMissed() bool {
	for _, t := range r.targets {
		if !t.Met {
			return true
		}
	}
	return false
}

// evaluate marks each target met or missed.
func (r *report) evaluate() {
	frac := 0.0
	if r.mainCeiling.Rate() > 0 {
		frac = r.mainServer.Rate() / r.mainCeiling.Rate()
	}
	r.targets = append(r.targets, target{
		Name: "Throughput", Goal: "≥ ½ of the raw-SQL ceiling",
		Measured: fmt.Sprintf("%.0f req/s = %.0f%% of %.0f ops/s", r.mainServer.Rate(), 100*frac, r.mainCeiling.Rate()),
		Met:      frac >= 0.5,
	})
	latency := "p99 " + ms(r.mainServer.Lat.P99)
	held := 0
	for _, s := range r.sweep {
		if s.Server.Lat.N > 0 && s.Server.Lat.P99 < 10*time.Millisecond {
			held = max(held, s.Concurrency)
		}
	}
	if held > 0 {
		latency += fmt.Sprintf("; under 10 ms up to %d concurrent in the sweep", held)
	}
	// Closed-loop clients: the mean latency is concurrency / throughput (Little's law), and p99 ≥ mean, so p99 < 10 ms
	// needs more than concurrency / 10 ms requests per second. When even the ceiling is short of that, no server
	// can meet the target on this machine.
	if need := float64(r.cfg.Concurrency) / 0.010; r.mainCeiling.Rate() > 0 && r.mainCeiling.Rate() < need {
		latency += fmt.Sprintf("; out of reach here: %d closed-loop clients need > %.0f req/s for a 10 ms mean (Little's law), and even the ceiling does %.0f", r.cfg.Concurrency, need, r.mainCeiling.Rate())
	}
	r.targets = append(r.targets, target{
		Name: "Latency", Goal: fmt.Sprintf("p99 < 10 ms at %d concurrent", r.cfg.Concurrency),
		Measured: latency, Met: r.mainServer.Lat.N > 0 && r.mainServer.Lat.P99 < 10*time.Millisecond,
	})
	r.peerTargets()
	r.targets = append(r.targets, target{
		Name: "Memory", Goal: "server peak RSS < 64 MiB",
		Measured: fmt.Sprintf("VmHWM %s", mib(r.peakRSS)), Met: r.peakRSS > 0 && r.peakRSS < 64<<20,
	})
	if len(r.paging) == 2 {
		p1, pn := r.paging[0].Lat.P50, r.paging[1].Lat.P50
		ratio := 0.0
		if p1 > 0 {
			ratio = float64(pn) / float64(p1)
		}
		r.targets = append(r.targets, target{
			Name: "Deep page", Goal: fmt.Sprintf("page %d within 1.5× page-1 latency (p50)", r.deepPage),
			Measured: fmt.Sprintf("%s vs %s = %.2f×", ms(pn), ms(p1), ratio), Met: ratio > 0 && ratio <= 1.5,
		})
	}
	var worst time.Duration
	var parts []string
	for _, kind := range []string{"PostgreSQL", "SQLite"} {
		ts := r.cold[kind]
		if len(ts) == 0 {
			continue
		}
		var ds []time.Duration
		for _, t := range ts {
			ds = append(ds, t.Answered)
			worst = max(worst, t.Answered)
		}
		l := summarize(ds)
		parts = append(parts, fmt.Sprintf("%s median %s, worst %s", kind, ms(l.P50), ms(l.Max)))
	}
	r.targets = append(r.targets, target{
		Name: "Cold start", Goal: "< 300 ms to the first answered query, every run on both databases",
		Measured: strings.Join(parts, "; "), Met: worst > 0 && worst < 300*time.Millisecond,
	})
}

// collectFailures gathers the failed requests of every phase: any makes the run fail.
func (r *report) collectFailures() {
	all := []result{r.mainServer, r.mainCeiling}
	for _, s := range r.sweep {
		all = append(all, s.Server, s.Ceiling)
	}
	all = append(all, r.batching...)
	all = append(all, r.paging...)
	all = append(all, r.sizeSmall...)
	all = append(all, r.sizeBig...)
	all = append(all, r.sizeCached...)
	if r.peers != nil {
		for _, row := range r.peers.Rows {
			all = append(all, row.result)
		}
	}
	for _, res := range all {
		if res.Errors > 0 {
			r.failures = append(r.failures, fmt.Sprintf("%s at %d concurrent: %d failed (%s)", res.Name, res.Concurrency,
				res.Errors, strings.Join(res.ErrorSample, " | ")))
		}
	}
	if r.mainServer.Units == 0 || r.mainCeiling.Units == 0 {
		r.failures = append(r.failures, "the main measurement completed no requests")
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func mark(met bool) string {
	if met {
		return "**met**"
	}
	return "**missed**"
}

// markdown renders REPORT.md.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := r.cfg
	p("# Benchmark report\n\n")
	p("Written by `go -C bench run .%s` on %s (%s in all). ", flagsLine(c), r.started.UTC().Format("2006-01-02 15:04 MST"), r.finished.Sub(r.started).Round(time.Second))
	p("Every figure below was measured in that run; none is edited by hand.\n\n")
	p("| Machine | |\n| --- | --- |\n")
	p("| CPU | %s, %d cores (shared by the server, PostgreSQL and the load generator) |\n", r.machine.CPU, r.machine.Cores)
	p("| Memory | %s |\n| OS | %s |\n| Go | %s |\n| PostgreSQL | %s (127.0.0.1, default settings) |\n", r.machine.MemTotal, r.machine.Kernel, r.machine.Go, r.machine.Postgres)
	p("| Load average | %s before the run (1, 5, 15 min); the CPU busy columns below show how loaded the machine was during each measurement |\n\n", r.machine.LoadAvg)

	p("## Targets\n\n| Target | Goal | Measured | |\n| --- | --- | --- | --- |\n")
	for _, t := range r.targets {
		p("| %s | %s | %s | %s |\n", t.Name, t.Goal, t.Measured, mark(t.Met))
	}
	p("\n")

	r.peersMarkdown(p)

	p("## Workload\n\n")
	p("%d users × %d tasks, plus one user with %d tasks (%d rows in tasks, %d in task_tags after seeding, %s). ",
		c.Users, c.Tasks, c.BigTasks, r.totalTasks, r.totalTags, r.seedTime.Round(100*time.Millisecond))
	p("Tokens: %d users sign EdDSA (Ed25519 key with a kid, served as a JWKS by the benchmark; `JWT_JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`), %d HS256 (`BETTER_AUTH_SECRET`). ", r.usersEdDSA, r.usersHS256)
	p("Each client repeats: a random user, then one operation of the mix: ")
	m := newMix(c.Writes)
	var mixParts []string
	for op := range numOps {
		mixParts = append(mixParts, fmt.Sprintf("`%s` %.0f%%", opNames[op], 100*m.weight(op)))
	}
	p("%s. ", strings.Join(mixParts, ", "))
	p("The reads are the README's dashboard: `tasks(filter: {status: PENDING, tags: [\"work\"]}, orderBy: {field: DUE_AT, direction: ASC}, first: %d)` with edges, pageInfo and totalCount; `taskStats(timeZone: \"Europe/Berlin\")`; `tags(first: 10)`. ", c.PageSize)
	p("The server is the real binary (`go build ./cmd/server`, %s to build) started with its environment, with a pool of %d connections (`DB_MAX_OPEN_CONNS`) and the per-user rate limit raised to %s requests/s (`RATE_LIMIT_RPS`; the limiter runs but refuses nothing, since each user here asks about as often as the default 10/s allows); ", r.buildTime.Round(100*time.Millisecond), c.Pool, benchRateLimit)
	p("the raw-SQL ceiling makes the same `model.Store` calls the resolvers make (so the same SQL) over a pgdriver `bun.DB` with the same pool size, at the same concurrency, in the benchmark process. ")
	p("Throughput counts requests (ceiling: operations) completed in the measured window after a %s warm-up.\n\n", c.Warmup)

	p("## Server against the raw-SQL ceiling (%d concurrent, %s)\n\n", c.Concurrency, c.Duration)
	p("| | Throughput | p50 | p95 | p99 | max | Transactions / op | Server CPU / op | Machine CPU busy |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	row := func(name string, res result, xact float64, cpu time.Duration) {
		x := "–"
		if xact >= 0 {
			x = fmt.Sprintf("%.2f", xact)
		}
		cpuOp := "–"
		if cpu > 0 && res.Total > 0 {
			cpuOp = fmt.Sprintf("%.0f µs", float64(cpu.Microseconds())/float64(res.Total))
		}
		p("| %s | %.0f/s | %s | %s | %s | %s | %s | %s | %.0f%% |\n", name, res.Rate(), ms(res.Lat.P50), ms(res.Lat.P95), ms(res.Lat.P99), ms(res.Lat.Max), x, cpuOp, 100*res.Busy)
	}
	row("Server (HTTP, GraphQL)", r.mainServer, r.mainServerXact, r.mainServer.ServerCPU)
	row("Ceiling (store over pgdriver)", r.mainCeiling, r.mainCeilingXact, 0)
	if r.mainCeiling.Rate() > 0 {
		p("\nThe server delivers **%.0f%%** of the ceiling's throughput. ", 100*r.mainServer.Rate()/r.mainCeiling.Rate())
	}
	p("Server CPU / op is the server process's CPU time per request. Machine CPU busy is the share of all %d cores' time that was not idle during the phase (/proc/stat): near 100%% means the machine, not the server, set the pace. The load generator in the benchmark process used %.0f%% of one core during the server measurement (%.0f%% during the ceiling's, which includes the store's own work). ",
		r.machine.Cores, 100*r.mainServer.ClientCPU.Seconds()/(r.mainServer.Window+c.Warmup).Seconds(), 100*r.mainCeiling.ClientCPU.Seconds()/(r.mainCeiling.Window+c.Warmup).Seconds())
	if c.Smoke {
		p("Transactions / op is not read in a smoke run.\n\n")
	} else {
		p("Transactions / op is the change of `xact_commit + xact_rollback` in `pg_stat_database` for the benchmark database over the phase (read after 11 s for the backends to flush their counts), divided by the operations done, warm-up included: a read is one transaction per statement, a write one for all of its statements.\n\n")
	}
	p("Per operation, server at %d concurrent:\n\n| Operation | Requests | p50 | p95 | p99 | Ceiling p50 | Ceiling p99 |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", c.Concurrency)
	for op := range numOps {
		s, cl := r.mainServer.PerOp[op], r.mainCeiling.PerOp[op]
		p("| `%s` | %d | %s | %s | %s | %s | %s |\n", opNames[op], s.N, ms(s.P50), ms(s.P95), ms(s.P99), ms(cl.P50), ms(cl.P99))
	}
	p("\n")

	if len(r.sweep) > 0 {
		p("## Concurrency sweep\n\n![throughput and latency against concurrency](throughput.png)\n\n")
		p("| Concurrent | Server req/s | p50 | p95 | p99 | Ceiling ops/s | Ceiling p99 | Server / ceiling | CPU busy (server, ceiling) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, s := range r.sweep {
			frac := 0.0
			if s.Ceiling.Rate() > 0 {
				frac = s.Server.Rate() / s.Ceiling.Rate()
			}
			p("| %d | %.0f | %s | %s | %s | %.0f | %s | %.0f%% | %.0f%%, %.0f%% |\n", s.Concurrency, s.Server.Rate(), ms(s.Server.Lat.P50), ms(s.Server.Lat.P95), ms(s.Server.Lat.P99), s.Ceiling.Rate(), ms(s.Ceiling.Lat.P99), 100*frac, 100*s.Server.Busy, 100*s.Ceiling.Busy)
		}
		p("\nLevels other than %d ran %s each after a short warm-up.\n\n", c.Concurrency, c.SweepDuration)
	}

	p("## SQL statements per operation\n\n")
	metricsNote := "the server has no `/metrics` endpoint"
	switch {
	case r.metricsStatements >= 0:
		metricsNote = fmt.Sprintf("the server's own `/metrics` counter said %.2f statements per request under the main load", r.metricsStatements)
	case r.metricsEndpoint:
		metricsNote = "the server's `/metrics` has no SQL statement counter (`*_sql_statements_total`)"
	}
	p("Counted exactly, one request at a time: **server** = the real server binary pointed at PostgreSQL through a counting TCP proxy in the benchmark (simple-protocol Query and extended-protocol Execute messages; %s, and %s); **store** = the same store calls with a Bun query hook. Both count BEGIN and COMMIT. Mean over %d requests, (min–max) where they differ.\n\n", metricsNote, pgssNote(r.pgss), c.CountRuns)
	p("| Operation | Server | Store | Share of the mix |\n| --- | ---: | ---: | ---: |\n")
	var wServer, wStore float64
	for _, s := range r.statements {
		share := ""
		if s.Weight > 0 {
			share = fmt.Sprintf("%.0f%%", 100*s.Weight)
			wServer += s.Weight * s.Server.mean()
			wStore += s.Weight * s.Store.mean()
		}
		p("| %s | %s | %s | %s |\n", s.Op, s.Server, s.Store, share)
	}
	p("| **the mix, weighted** | **%.2f** | **%.2f** | |\n\n", wServer, wStore)

	p("## Shapes of cost\n\n### A dashboard: one document, a batch, or separate requests\n\n")
	p("The three dashboard reads for a random user with %d tasks, per dashboard.\n\n| Shape | Concurrent | Dashboards/s | p50 | p95 | p99 | Server CPU / dashboard |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", c.Tasks)
	for _, res := range r.batching {
		cpu := "–"
		if res.Total > 0 && res.ServerCPU > 0 {
			cpu = fmt.Sprintf("%.0f µs", float64(res.ServerCPU.Microseconds())/float64(res.Total))
		}
		p("| %s | %d | %.0f | %s | %s | %s | %s |\n", res.Name, res.Concurrency, res.Rate(), ms(res.Lat.P50), ms(res.Lat.P95), ms(res.Lat.P99), cpu)
	}
	p("\n### Page 1 against page %d\n\n", r.deepPage)
	p("The large user's dashboard list (%d tasks match the filter), %d per page, without totalCount (which costs the same at any depth), one request at a time; page %d is fetched with the `after` cursor of task %d. Measured on the server without its read cache (`READ_CACHE_BYTES=0`), so that each read is computed; with it, both pages would be served from the cache.", r.bigMatching, c.PageSize, r.deepPage, (r.deepPage-1)*c.PageSize)
	if r.deepPage < c.DeepPage {
		p(" **Only %d pages exist at -big-tasks %d, so the deepest page measured is %d, not %d.**", r.bigMatching/c.PageSize, c.BigTasks, r.deepPage, c.DeepPage)
	}
	p("\n\n| Page | Requests/s | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, res := range r.paging {
		p("| %s | %.0f | %s | %s | %s |\n", res.Name, res.Rate(), ms(res.Lat.P50), ms(res.Lat.P95), ms(res.Lat.P99))
	}
	p("\n### %d tasks against %d tasks per user\n\n", c.Tasks, c.BigTasks)
	if c.BigTasks < 100000 {
		p("**Run with -big-tasks %d, smaller than the 100,000 of the question.** ", c.BigTasks)
	}
	p("One request at a time, each dashboard read alone, on the server without its read cache (each read computed, as for a user who writes between reads).\n\n| Operation | p50 at %d | p95 at %d | p50 at %d | p95 at %d | Ratio of p50 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", c.Tasks, c.Tasks, c.BigTasks, c.BigTasks)
	for i := range min(len(r.sizeSmall), len(r.sizeBig)) {
		s, bg := r.sizeSmall[i].Lat, r.sizeBig[i].Lat
		ratio := 0.0
		if s.P50 > 0 {
			ratio = float64(bg.P50) / float64(s.P50)
		}
		p("| `%s` | %s | %s | %s | %s | %.1f× |\n", r.sizeSmall[i].Name, ms(s.P50), ms(s.P95), ms(bg.P50), ms(bg.P95), ratio)
	}
	if len(r.sizeBig) > 0 && len(r.paging) > 0 {
		p("\n`tasks` here includes `totalCount`, which counts every matching task; the same page without it took %s at p50 for the large user (page 1 above).\n", ms(r.paging[0].Lat.P50))
	}
	if n := len(r.sizeCached) / 2; n > 0 && len(r.sizeCached) == 2*n {
		p("\nWith the read cache (the server as it runs by default) and nobody writing, each read after the first is served from the cache: one statement reading the user's feed position, then the kept result through GraphQL. A write by the user (or, for `taskStats`, a pending task falling due or the day ending) makes the next read compute it again, at the cost in the table above.\n\n")
		p("| Operation, read cache on | p50 at %d | p95 at %d | p50 at %d | p95 at %d | Ratio of p50 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", c.Tasks, c.Tasks, c.BigTasks, c.BigTasks)
		for i := range n {
			s, bg := r.sizeCached[i].Lat, r.sizeCached[n+i].Lat
			p("| `%s` | %s | %s | %s | %s | %.1f× |\n", r.sizeCached[i].Name, ms(s.P50), ms(s.P95), ms(bg.P50), ms(bg.P95), ratio(float64(bg.P50), float64(s.P50)))
		}
	}
	r.growthMarkdown(p)
	p("\n### Cold start\n\n")
	p("From starting the binary to the first answer to `{ taskStats { total } }` (a query that reads the database), polled every 2 ms. PostgreSQL: the seeded database, migrations already applied, key set fetched at start. SQLite: a new `DATA_DIR` each run, so the file is created and migrated inside the measurement; HS256 only.\n\n")
	p("| Database | Runs | Port open (median) | First answer (median) | First answer (worst) |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, kind := range []string{"PostgreSQL", "SQLite"} {
		ts := r.cold[kind]
		if len(ts) == 0 {
			continue
		}
		var listen, answer []time.Duration
		for _, t := range ts {
			listen = append(listen, t.Listening)
			answer = append(answer, t.Answered)
		}
		l, a := summarize(listen), summarize(answer)
		p("| %s | %d | %s | %s | %s |\n", kind, len(ts), ms(l.P50), ms(a.P50), ms(a.Max))
	}

	p("\n### Memory\n\nPeak resident set of the server process (VmHWM), which only grows:\n\n| When | VmHWM |\n| --- | ---: |\n")
	for _, pt := range r.rssCheckpoints {
		p("| %s | %s |\n", pt.Label, mib(pt.Peak))
	}
	if r.serverCPUTotal > 0 {
		p("\nThe server used %s of CPU over the whole run.\n", r.serverCPUTotal.Round(10*time.Millisecond))
	}

	if r.profile != nil || r.profileErr != "" {
		p("\n## CPU profile\n\n")
		if r.profileErr != "" {
			p("The profile could not be taken: %s\n", r.profileErr)
		} else {
			p("%s\n\n", r.profile.Note)
			if len(r.profile.Parts) > 0 {
				p("Where the handler's CPU time goes (cumulative, as a share of all samples under the handler; the parts overlap where one calls another):\n\n| Part | Function | CPU |\n| --- | --- | ---: |\n")
				for _, part := range r.profile.Parts {
					p("| %s | `%s` | %s |\n", part.Label, part.Func, part.Cum)
				}
				p("\n")
			}
			p("Flat (where the CPU time is spent):\n\n```\n%s```\n\nCumulative (what it is spent under):\n\n```\n%s```\n", r.profile.Flat, r.profile.Cum)
		}
	}
	if len(r.failures) > 0 {
		p("\n## Problems\n\n")
		for _, f := range r.failures {
			p("- %s\n", f)
		}
	}
	p("\n## Reproduce\n\n```sh\ngo -C bench run .%s\n```\n\nSee [bench/README.md](../README.md) for the flags and the micro-benchmarks.\n", flagsLine(c))
	return b.String()
}

// flagsLine is the command line that reproduces the sizes of the run.
func flagsLine(c config) string {
	if c.Smoke {
		return " -smoke"
	}
	def, _ := parseFlags(nil)
	var parts []string
	add := func(name string, v, d any) {
		if fmt.Sprint(v) != fmt.Sprint(d) {
			parts = append(parts, fmt.Sprintf("-%s %v", name, v))
		}
	}
	add("users", c.Users, def.Users)
	add("tasks", c.Tasks, def.Tasks)
	add("big-tasks", c.BigTasks, def.BigTasks)
	add("deep-page", c.DeepPage, def.DeepPage)
	add("concurrency", c.Concurrency, def.Concurrency)
	add("pool", c.Pool, def.Pool)
	add("duration", c.Duration, def.Duration)
	add("writes", c.Writes, def.Writes)
	add("auth", c.Auth, def.Auth)
	if fmt.Sprint(c.Sweep) != fmt.Sprint(def.Sweep) {
		s := strings.Trim(strings.ReplaceAll(fmt.Sprint(c.Sweep), " ", ","), "[]")
		parts = append(parts, "-sweep "+s)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// summary is what the run prints at the end.
func (r *report) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server %.0f req/s (p50 %s, p99 %s) vs ceiling %.0f ops/s at %d concurrent; peak RSS %s\n",
		r.mainServer.Rate(), ms(r.mainServer.Lat.P50), ms(r.mainServer.Lat.P99), r.mainCeiling.Rate(), r.cfg.Concurrency, mib(r.peakRSS))
	for _, t := range r.targets {
		fmt.Fprintf(&b, "  %-10s %-8s %s (%s)\n", t.Name, strings.Trim(mark(t.Met), "*"), t.Measured, t.Goal)
	}
	for _, f := range r.failures {
		fmt.Fprintf(&b, "  problem: %s\n", f)
	}
	return b.String()
}

func pgssNote(loaded bool) string {
	if loaded {
		return "`pg_stat_statements` is loaded on this PostgreSQL but not needed: the proxy's count is exact and per request"
	}
	return "`pg_stat_statements` is not loaded on this PostgreSQL (it needs `shared_preload_libraries` and a restart)"
}
