package main

import (
	"fmt"
	"strings"
	"time"
)

// row returns the comparison's row named name (or name and a version after a space); nil when it was not measured.
func (pc *peerComparison) row(name string) *peerResult {
	if pc == nil {
		return nil
	}
	for i := range pc.Rows {
		n := pc.Rows[i].Name
		if (n == name || strings.HasPrefix(n, name+" ")) && pc.Rows[i].Skipped == "" && pc.Rows[i].Units > 0 {
			return &pc.Rows[i]
		}
	}
	return nil
}

// ratio is a / b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// peerTargets are the goals for the dashboard read, measured against the peer and the ceiling of this run.
func (r *report) peerTargets() {
	server := r.peers.row(rowServer)
	if server == nil {
		return
	}
	uncached := r.peers.row(rowServerUncached)
	without := func(of *peerResult, format string, scale float64) string {
		if uncached == nil || of == nil {
			return ""
		}
		return fmt.Sprintf("; read cache off: %.0f req/s = "+format, uncached.Rate(), scale*ratio(uncached.Rate(), of.Rate()))
	}
	if peer := r.peers.row(rowPeer); peer != nil {
		x := ratio(server.Rate(), peer.Rate())
		r.targets = append(r.targets, target{
			Name: "Against PostGraphile", Goal: "dashboard read ≥ 5× PostGraphile's req/s",
			Measured: fmt.Sprintf("%.0f vs %.0f req/s = %.2f×", server.Rate(), peer.Rate(), x) + without(peer, "%.2f×", 1), Met: x >= 5,
		})
	}
	if prep := r.peers.row(rowPrepared); prep != nil {
		x := ratio(server.Rate(), prep.Rate())
		r.targets = append(r.targets, target{
			Name: "Against the SQL ceiling", Goal: "dashboard read ≥ 40% of pgbench (prepared) replaying its statements",
			Measured: fmt.Sprintf("%.0f vs %.0f/s = %.0f%%", server.Rate(), prep.Rate(), 100*x) + without(prep, "%.0f%%", 100), Met: x >= 0.4,
		})
	}
}

func perUnit(d time.Duration, r result) string {
	n := r.Total + r.Errors
	if d <= 0 || n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n))
}

// peersMarkdown renders the dashboard-read comparison.
func (r *report) peersMarkdown(p func(string, ...any)) {
	pc := r.peers
	if pc == nil {
		return
	}
	c := r.cfg
	p("## The dashboard read: this server, PostGraphile and the SQL ceiling (%d concurrent, %s)\n\n", c.Concurrency, c.Duration)
	p("One read, asked %d concurrent clients at a time for a random user of %d, each with a %d-task dashboard: the first %d pending tasks tagged `work` by due date, with edges, pageInfo and `totalCount`. ", c.Concurrency, c.Users, c.Tasks, c.PageSize)
	p("**This server**: the binary as in the rest of the report, `tasks` as the workload asks it, HS256 tokens, with its read cache as it runs by default (`READ_CACHE_BYTES` 8 MiB: a page is kept with the user's feed position and served while a one-row read of the position still gives it; nobody writes during this read, so after a user's first read their page is served from it). **This server, read cache off**: the same binary with `READ_CACHE_BYTES=0`, a second process started with the first, so that every read is computed, as for users who write between their reads. ")
	p("**PostGraphile** %s (Node %s, `bench/postgraphile`, %s): the same page of a view `postgraphile.dashboard_tasks` (pending, tagged work; `security_invoker`) with `orderBy: [DUE_AT_ASC, ID_ASC]`, HS256 tokens signed with the secret the server is given, verified with issuer and audience; each request runs as a role under row-level security policies on `tasks` and `task_tags` keyed on the token's `sub` (`current_setting('jwt.claims.sub')`), with a pool of %d; the run checks first that it answers the same tasks in the same order and the same `totalCount` as the server for %d users. ",
		orDash(pc.PeerVersion), orDash(pc.Node), orDash(pc.PeerInstall), c.Pool, min(4, c.Users))
	p("**pgbench**: the statements the server sends to compute that read (what it sends without a kept page), one script per user (%d), captured by a query hook on the store calls the resolvers make and checked, byte for byte, against what the server binary sent through the counting proxy (%d requests matched); `-M prepared` and `-M simple` (the server's pgdriver sends simple-protocol queries), %d clients, `-j %d`, each of them a backend of its own.\n\n",
		pc.Scripts, r.checkedSQL, c.Concurrency, min(c.Concurrency, r.machine.Cores))
	p("**%s**: the one statement a read served from the read cache sends (below), prepared, the same way: the ceiling of reads the cache serves.\n\n", rowCheck)
	p("| | Reads/s | p50 | p99 | CPU / read: %s | CPU / read: PostgreSQL backends | CPU / read: both | Peak RSS | Machine CPU busy |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n", "process")
	for _, row := range pc.Rows {
		if row.Skipped != "" {
			p("| %s | skipped: %s | | | | | | | |\n", row.Name, row.Skipped)
			continue
		}
		rss := "–"
		if row.PeakRSS > 0 {
			rss = mib(row.PeakRSS) + " (" + row.Proc + ")"
		}
		p("| %s | %.0f | %s | %s | %s (%s) | %s | %s | %s | %.0f%% |\n", row.Name, row.Rate(), ms(row.Lat.P50), ms(row.Lat.P99),
			perUnit(row.ProcCPU, row.result), row.Proc, perUnit(row.BackendCPU, row.result), perUnit(row.ProcCPU+row.BackendCPU, row.result), rss, 100*row.Busy)
	}
	server, peer, prep, simple := pc.row(rowServer), pc.row(rowPeer), pc.row(rowPrepared), pc.row(rowSimple)
	if server != nil {
		var parts []string
		if peer != nil {
			parts = append(parts, fmt.Sprintf("**%.2f×** PostGraphile's reads/s", ratio(server.Rate(), peer.Rate())))
		}
		if prep != nil {
			parts = append(parts, fmt.Sprintf("**%.0f%%** of the prepared ceiling", 100*ratio(server.Rate(), prep.Rate())))
		}
		if simple != nil {
			parts = append(parts, fmt.Sprintf("%.0f%% of the simple-protocol one", 100*ratio(server.Rate(), simple.Rate())))
		}
		if len(parts) > 0 {
			p("\nThe server does %s. ", strings.Join(parts, ", "))
		}
		if pc.HitShare >= 0 {
			p("Its read cache served %.1f%% of its reads in the phase. ", 100*pc.HitShare)
		}
		if check := pc.row(rowCheck); check != nil {
			p("Against the ceiling of its cached reads' own statement it does %.0f%%. ", 100*ratio(server.Rate(), check.Rate()))
		}
	}
	if uncached := pc.row(rowServerUncached); uncached != nil {
		var parts []string
		if peer != nil {
			parts = append(parts, fmt.Sprintf("%.2f× PostGraphile's reads/s", ratio(uncached.Rate(), peer.Rate())))
		}
		if prep != nil {
			parts = append(parts, fmt.Sprintf("%.0f%% of the prepared ceiling", 100*ratio(uncached.Rate(), prep.Rate())))
		}
		if simple != nil {
			parts = append(parts, fmt.Sprintf("%.0f%% of the simple-protocol one", 100*ratio(uncached.Rate(), simple.Rate())))
		}
		if len(parts) > 0 {
			p("Without the read cache it does %s. ", strings.Join(parts, ", "))
		}
	}
	p("CPU per read is the CPU time over the whole phase, warm-up included, divided by the reads done in it: of the process named (from `/proc/<pid>/stat`; pgbench's from `getrusage`) and of the benchmark database's backends (their `/proc/<pid>/stat`, polled every %s, so a backend that ends loses its last interval). Peak RSS is the process's VmHWM (pgbench: its maxrss); the server's is its peak so far in the run. The load generator for the two HTTP rows runs in the benchmark process and shares the cores; pgbench is its own load generator. Figures vary from run to run on this shared machine: only their ratios within one run mean much.\n\n", pollInterval)
	if len(pc.Statements) > 0 {
		p("The statements, as sent for the first user:\n\n```sql\n%s\n```\n\n", strings.Join(pc.Statements, ";\n")+";")
	}
	if pc.Check != "" {
		p("The statement of a read served from the read cache, for the first user:\n\n```sql\n%s;\n```\n\n", pc.Check)
	}
}

// growthMarkdown renders the large user's reads against their statements alone and the floor of a count.
func (r *report) growthMarkdown(p func(string, ...any)) {
	g, c := r.growth, r.cfg
	if g == nil || len(r.sizeSmall) < 2 || len(r.sizeBig) < 2 {
		return
	}
	p("\n### What the large user's reads must cost\n\n")
	p("The same two reads as above, through the server, against their statements replayed alone by pgbench (one client, simple protocol as the server sends them, %s each), and against a bare `count(*)` of all of the user's tasks (its plan is below), the least an exact count over that many rows costs here.\n\n", c.ShapeDuration)
	p("| | p50 at %d | p50 at %d | Ratio |\n| --- | ---: | ---: | ---: |\n", c.Tasks, c.BigTasks)
	line := func(name string, small, big time.Duration) {
		p("| %s | %s | %s | %.1f× |\n", name, ms(small), ms(big), ratio(float64(big), float64(small)))
	}
	byName := map[string]growthRow{}
	for _, row := range g.Rows {
		byName[row.Name] = row
	}
	line("server: `tasks` with `totalCount`", r.sizeSmall[0].Lat.P50, r.sizeBig[0].Lat.P50)
	line("pgbench: "+growthTasks, byName[growthTasks].Small.Lat.P50, byName[growthTasks].Big.Lat.P50)
	line("pgbench: "+growthCount, byName[growthCount].Small.Lat.P50, byName[growthCount].Big.Lat.P50)
	line("server: `taskStats`", r.sizeSmall[1].Lat.P50, r.sizeBig[1].Lat.P50)
	line("pgbench: "+growthStats, byName[growthStats].Small.Lat.P50, byName[growthStats].Big.Lat.P50)
	line("pgbench, the floor: "+growthFloor, byName[growthFloor].Small.Lat.P50, byName[growthFloor].Big.Lat.P50)
	st, ss, cnt, fl := r.sizeBig[0].Lat.P50, r.sizeBig[1].Lat.P50, byName[growthCount].Big.Lat.P50, byName[growthFloor].Big.Lat.P50
	tq, sq := byName[growthTasks].Big.Lat.P50, byName[growthStats].Big.Lat.P50
	p("\nFor the large user, the server's `tasks` takes %s at p50, of which its statements alone take %s in pgbench (%.0f%%), the count alone %s; `taskStats` takes %s, its statement %s (%.0f%%). ",
		ms(st), ms(tq), 100*ratio(float64(tq), float64(st)), ms(cnt), ms(ss), ms(sq), 100*ratio(float64(sq), float64(ss)))
	smallT, smallS := r.sizeSmall[0].Lat.P50, r.sizeSmall[1].Lat.P50
	smallTQ, smallSQ := byName[growthTasks].Small.Lat.P50, byName[growthStats].Small.Lat.P50
	p("What the server adds to its SQL is %s for `tasks` and %s for `taskStats` there, against %s and %s for the typical user. ", ms(st-tq), ms(ss-sq), ms(smallT-smallTQ), ms(smallS-smallSQ))
	if smallT < smallTQ || smallS < smallSQ || st < tq || ss < sq {
		p("(A difference below zero is noise: the two were measured seconds apart on a machine other work shares.) ")
	}
	if st > 2*smallT && ss > 2*smallS { // a share of a growth lost in the noise would mean nothing
		p("Of the growth from %d to %d tasks, the statements account for %.0f%% (`tasks`) and %.0f%% (`taskStats`). ", c.Tasks, c.BigTasks,
			100*ratio(float64(tq-smallTQ), float64(st-smallT)), 100*ratio(float64(sq-smallSQ), float64(ss-smallS)))
	}
	p("The floor of an exact count over the user's %d tasks is %s (the bare `count(*)`); the dashboard's count takes %.1f× that, since it also reads each pending task's row (`NOT t.completed`) and matches `task_tags` for `work`, and the server's `tasks` read takes %.1f× the floor. Going below the floor takes a count that is not recomputed per request (kept up to date with the writes, or an estimate), not a faster server. ",
		c.BigTasks, ms(fl), ratio(float64(cnt), float64(fl)), ratio(float64(st), float64(fl)))
	if n := len(r.sizeCached) / 2; n >= 2 && len(r.sizeCached) == 2*n {
		p("The read cache is such a count for as long as the user does not write: with it, the large user's `tasks` with `totalCount` took %s at p50 and `taskStats` %s, %.2f× and %.2f× the floor.",
			ms(r.sizeCached[n].Lat.P50), ms(r.sizeCached[n+1].Lat.P50), ratio(float64(r.sizeCached[n].Lat.P50), float64(fl)), ratio(float64(r.sizeCached[n+1].Lat.P50), float64(fl)))
	}
	p("\n\n")
	for _, name := range []string{growthCount, growthStats, growthFloor} {
		if plan := g.Plans[name]; plan != "" {
			p("The plan of %s for the large user (`EXPLAIN (ANALYZE, BUFFERS)`):\n\n```\n%s\n```\n\n", name, plan)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
