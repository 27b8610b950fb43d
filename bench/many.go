package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The many-users benchmark (-many): the dashboard's three reads (tasks, taskStats, tags), for users picked at random
// among many more than the read cache holds, sent to two processes of the same binary at once: one with its read
// cache as it runs by default, one with READ_CACHE_BYTES=0. Nobody writes, so every miss of the cache is a result
// it did not keep (or evicted): the shape where a cache costs most and saves least. It runs at -many-levels numbers
// of users (the first n of -users), each a hit rate, and reports each process's CPU per read: the cache must not
// cost more than it saves at any of them.

// manyLevel is one number of users read at random, measured with the cache on and off.
type manyLevel struct {
	Users   int
	On, Off result
	HitRate float64 // of the cache-on process over the measured phase; -1 when /metrics does not say
	RSSOn   int64   // the resident set of each process at the end of the level
	RSSOff  int64
}

// cpuPerRead is the server's CPU per read over a phase (warm-up included, as the CPU is).
func cpuPerRead(r result) time.Duration {
	if r.Total == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Total)
}

// readCacheCounts sums the cache's hits and misses over the three reads from srv's /metrics.
func readCacheCounts(ctx context.Context, srv *serverProc) (hits, misses float64) {
	for _, read := range []string{"tasks", "taskStats", "tags"} {
		h := gauge(ctx, srv.url, `taskapi_read_cache_lookups_total{read="`+read+`",result="hit"}`)
		m := gauge(ctx, srv.url, `taskapi_read_cache_lookups_total{read="`+read+`",result="miss"}`)
		if h < 0 || m < 0 {
			return -1, -1
		}
		hits, misses = hits+h, misses+m
	}
	return hits, misses
}

func runMany(ctx context.Context, cfg config) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "taskapi-bench-many-")
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
		if u.token, err = is.token(u.id, algHS256, 6*time.Hour); err != nil {
			return err
		}
		users[i], ids[i] = u, u.id
	}
	step.start(fmt.Sprintf("seeding %d users × %d tasks", cfg.Users, cfg.Tasks))
	if err := db.seed(ctx, ids, cfg.Tasks, userID(), 0); err != nil {
		return err
	}

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
	}
	step.start("starting the server with its read cache and without")
	on, err := startServerWith(ctx, bin, env, nil, filepath.Join(tmp, "server-on.log"), users[0].token)
	if err != nil {
		return err
	}
	defer func() { _ = on.stop() }()
	off, err := startServerWith(ctx, bin, env, map[string]string{"READ_CACHE_BYTES": "0"}, filepath.Join(tmp, "server-off.log"), users[0].token)
	if err != nil {
		return err
	}
	defer func() { _ = off.stop() }()
	hcOn, hcOff := newClient(on.url, cfg.Concurrency), newClient(off.url, cfg.Concurrency)
	defer hcOn.close()
	defer hcOff.close()

	var levels []manyLevel
	var failures []string
	for _, n := range cfg.ManyLevels {
		n = min(n, len(users))
		lv := manyLevel{Users: n, HitRate: -1}
		reads := newMix(0)
		webOn := newHTTPWorkload(hcOn, users[:n], reads, cfg.PageSize)
		webOff := newHTTPWorkload(hcOff, users[:n], reads, cfg.PageSize)
		measure := func(name string, srv *serverProc, web *httpWorkload) result {
			step.start(fmt.Sprintf("%d users at random, %s, %d concurrent for %s", n, name, cfg.Concurrency, cfg.Duration))
			// The warm-up fills the cache; the CPU and the hit rate are read over the measured window only.
			pre := runPhase(ctx, phase{name: name, concurrency: cfg.Concurrency, duration: cfg.Warmup, seed: cfg.Seed, unit: web.unit}, nil)
			h0, m0 := readCacheCounts(ctx, srv)
			r := runPhase(ctx, phase{name: name, concurrency: cfg.Concurrency, duration: cfg.Duration, seed: cfg.Seed + 1, unit: web.unit}, srv.cpuTime)
			if h1, m1 := readCacheCounts(ctx, srv); srv == on && h0 >= 0 && h1+m1 > h0+m0 {
				lv.HitRate = (h1 - h0) / (h1 + m1 - h0 - m0)
			}
			step.done(r)
			r.Errors += pre.Errors
			if r.Errors > 0 {
				failures = append(failures, fmt.Sprintf("%d users, %s: %d failed: %s", n, name, r.Errors, strings.Join(append(pre.ErrorSample, r.ErrorSample...), "; ")))
			}
			return r
		}
		lv.On = measure("cache on", on, webOn)
		lv.Off = measure("cache off", off, webOff)
		lv.RSSOn, _ = on.rss()
		lv.RSSOff, _ = off.rss()
		fmt.Printf("          CPU per read: cache on %s, off %s; hit rate %.0f %%\n", us(cpuPerRead(lv.On)), us(cpuPerRead(lv.Off)), 100*lv.HitRate)
		levels = append(levels, lv)
	}
	peakOn, _ := on.peakRSS()
	peakOff, _ := off.peakRSS()

	text := manyMarkdown(cfg, levels, peakOn, peakOff, load0, loadAvg())
	fmt.Print("\n" + text)
	if !cfg.Smoke {
		out := cfg.Out
		if out == "" {
			out = filepath.Join(root, "bench", "results")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "MANY.md"), []byte(text), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", filepath.Join(out, "MANY.md"))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%s", strings.Join(failures, "; "))
	}
	return nil
}

func us(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }

func manyMarkdown(cfg config, levels []manyLevel, peakOn, peakOff int64, load0, load1 string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Many users: the read cache against computed reads")
	p("")
	p("The dashboard's three reads (`tasks`, `taskStats`, `tags`, alike), each for a user picked at random among the "+
		"first n of %d users with %d tasks each, nobody writing; %d concurrent clients for %s after %s of warm-up, "+
		"to one process of the server with its read cache as it runs by default and to one with `READ_CACHE_BYTES=0`, "+
		"both started with the same environment (the default memory settings). CPU per read is the process's own "+
		"(`/proc`) over the measured window. `go -C bench run . -many%s`.",
		cfg.Users, cfg.Tasks, cfg.Concurrency, cfg.Duration, cfg.Warmup, manyFlags(cfg))
	p("")
	p("| users read | hit rate | CPU per read, cache on | cache off | on / off | reads/s on | off | p50 on | off | RSS on | off |")
	p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, lv := range levels {
		on, off := cpuPerRead(lv.On), cpuPerRead(lv.Off)
		ratio := "—"
		if off > 0 {
			ratio = fmt.Sprintf("%.2f", float64(on)/float64(off))
		}
		hit := "—"
		if lv.HitRate >= 0 {
			hit = fmt.Sprintf("%.0f %%", 100*lv.HitRate)
		}
		p("| %d | %s | %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s |", lv.Users, hit, us(on), us(off), ratio,
			lv.On.Rate(), lv.Off.Rate(), ms(lv.On.Lat.P50), ms(lv.Off.Lat.P50), mib(lv.RSSOn), mib(lv.RSSOff))
	}
	p("")
	p("Peak resident set: cache on %s, off %s. Load average at the start: %s; at the end: %s (2 cores shared with "+
		"the load generator and PostgreSQL: compare the two columns of one run, not runs of different machines).",
		mib(peakOn), mib(peakOff), load0, load1)
	return b.String()
}

func manyFlags(cfg config) string {
	levels := make([]string, len(cfg.ManyLevels))
	for i, n := range cfg.ManyLevels {
		levels[i] = fmt.Sprint(n)
	}
	s := fmt.Sprintf(" -users %d -tasks %d -many-levels %s -concurrency %d -duration %s", cfg.Users, cfg.Tasks,
		strings.Join(levels, ","), cfg.Concurrency, cfg.Duration)
	if cfg.Smoke {
		s = " -smoke" + s
	}
	return s
}
