package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The comparison (-compare REV): the dashboard read of the server in this tree against the server of another
// revision, in one run, on the same data. The revision is checked out with `git worktree add --detach` into a
// temporary directory (removed at the end) and its ./cmd/server built there. A database is migrated by the old
// binary and seeded at its schema; a second database is copied from it (CREATE DATABASE … TEMPLATE) and migrated by
// the new binary, as an upgrade does. Both are vacuumed and analyzed, then each server reads its own database, in
// rounds that alternate the sides (ABBA), so that the load of a shared machine falls on both alike.

// compareSide is one revision under comparison.
type compareSide struct {
	name string // "old" or "new"
	rev  string // the revision, as git log names it
	bin  string
	db   *benchDB
	srv  *serverProc
	hc   *client
}

// compareSample is what one side measured in one round.
type compareSample struct {
	Rate       float64
	P50, P99   time.Duration
	ServerCPU  time.Duration // per read, the server process's
	BackendCPU time.Duration // per read, the PostgreSQL backends of the side's database; 0 when unread
}

// compareRow is one workload in one cache setting, measured for both sides over every round.
type compareRow struct {
	Workload string
	Cache    string
	Old, New []compareSample
	HitOld   float64 // the read cache's hit rate over the rounds (cache on), -1 when unknown
	HitNew   float64
}

// Workloads of the comparison.
const (
	cmpPage = "dashboard page (`tasks` with `totalCount`)"
	cmpMix  = "dashboard mix (`tasks`, `taskStats`, `tags`)"
)

// legacySeedTasksSQL is seedTasksSQL for the schema before lists, where a task belongs to its user (tasks.user_id):
// the statement the load benchmark seeded with at those revisions. Arguments as seedTasksSQL's.
const legacySeedTasksSQL = `
INSERT INTO tasks (id, user_id, title, title_fold, description, description_fold, completed, priority, tags,
                   due_at, completed_at, created_at, updated_at)
SELECT
  encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send((extract(epoch FROM s.created_at) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
  s.user_id, s.title, lower(s.title), s.description, lower(s.description), s.completed, s.priority, s.tags,
  s.due_at, CASE WHEN s.completed THEN s.created_at + interval '1 hour' END, s.created_at, s.created_at
FROM (
  SELECT u.user_id,
    'Task ' || g || ': ' || (ARRAY['Write','Review','Call','Plan','Fix','Buy','Read','Email'])[1 + g % 8] || ' ' ||
      (ARRAY['the report','the Docs','groceries','the Budget','a bug','the Design','an invoice','the Slides'])[1 + (g / 8) % 8] AS title,
    CASE WHEN g % 4 = 0 THEN NULL ELSE 'Details of task ' || g || ', see the Notes' END AS description,
    g % 3 = 0 AS completed,
    ((g / 3) % 3)::smallint AS priority,
    to_jsonb(array_remove(ARRAY[
      CASE WHEN g % 5 < 2 THEN 'work' END,
      CASE WHEN g % 7 = 0 THEN 'home' END,
      CASE WHEN g % 3 <> 1 THEN (ARRAY['urgent','errand','later','reading','health','finance','family','project-x','ops','ideas'])[1 + (g * 13) % 10] END
    ], NULL))::text AS tags,
    CASE WHEN g % 4 = 1 THEN NULL
      ELSE date_trunc('milliseconds', CAST(? AS timestamptz) + ((g % 90) - 30) * interval '1 day' + (g % 24) * interval '1 hour') END AS due_at,
    date_trunc('milliseconds', CAST(? AS timestamptz) - (? - g) * interval '1 minute') AS created_at
  FROM unnest(string_to_array(?, ',')) AS u(user_id) CROSS JOIN generate_series(1, ?) AS g
) AS s`

// seedAnySchema seeds users × perUser tasks at whichever schema the database has: with lists (seed) or before them.
// It reports which.
func (b *benchDB) seedAnySchema(ctx context.Context, users []string, perUser int) (string, error) {
	var hasLists bool
	if err := b.db.NewRaw(`SELECT to_regclass('lists') IS NOT NULL`).Scan(ctx, &hasLists); err != nil {
		return "", err
	}
	if hasLists {
		return "lists (each user's tasks in their Inbox)", b.seed(ctx, users, perUser, userID(), 0)
	}
	now := time.Now().UTC()
	for batch := range slices.Chunk(users, 250) {
		if _, err := b.db.ExecContext(ctx, legacySeedTasksSQL, now, now, perUser, strings.Join(batch, ","), perUser); err != nil {
			return "", fmt.Errorf("seed tasks: %w", err)
		}
	}
	if _, err := b.db.ExecContext(ctx, `INSERT INTO task_tags (task_id, user_id, tag)
		SELECT t.id, t.user_id, j.tag FROM tasks AS t CROSS JOIN LATERAL jsonb_array_elements_text(t.tags::jsonb) AS j(tag)`); err != nil {
		return "", fmt.Errorf("seed task_tags: %w", err)
	}
	return "before lists (tasks.user_id)", nil
}

// vacuumAnalyze vacuums and analyzes every table of the database, so that both sides start from fresh statistics
// and no dead rows (the upgrade's migrations rewrite every task). With full, VACUUM FULL also rewrites every table
// compact, giving back the space the rewritten rows' old versions left (which plain VACUUM only marks reusable).
func (b *benchDB) vacuumAnalyze(ctx context.Context, full bool) error {
	stmt := "VACUUM ANALYZE"
	if full {
		stmt = "VACUUM (FULL, ANALYZE)"
	}
	_, err := b.db.ExecContext(ctx, stmt)
	return err
}

// runWithEnv runs bin with args and exactly env (plus PATH and HOME), and returns its output.
func runWithEnv(ctx context.Context, bin string, args []string, env map[string]string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gitRev describes a revision: its short hash and subject.
func gitRev(ctx context.Context, root, rev string) (string, error) {
	out, err := commandOutput(ctx, root, "git", "log", "-1", "--format=%h %s", rev+"^{commit}", "--")
	if err != nil {
		return "", fmt.Errorf("git log %s: %w: %s", rev, err, strings.TrimSpace(out))
	}
	return strings.TrimSpace(out), nil
}

func runCompare(ctx context.Context, cfg config) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "taskapi-bench-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	step := newStepper()
	load0 := loadAvg()

	oldRev, err := gitRev(ctx, root, cfg.Compare)
	if err != nil {
		return err
	}
	newRev, err := gitRev(ctx, root, "HEAD")
	if err != nil {
		return err
	}
	if out, _ := commandOutput(ctx, root, "git", "status", "--porcelain", "--untracked-files=no"); strings.TrimSpace(out) != "" {
		newRev += " (with uncommitted changes)"
	}
	step.start("checking out " + oldRev + " into a temporary worktree")
	oldDir := filepath.Join(tmp, "old")
	if out, err := commandOutput(ctx, root, "git", "worktree", "add", "--detach", oldDir, cfg.Compare+"^{commit}"); err != nil {
		return fmt.Errorf("git worktree add %s: %w: %s", cfg.Compare, err, strings.TrimSpace(out))
	}
	defer func() {
		// A fresh context: the run's may have ended, and the worktree must go anyway.
		rmCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := commandOutput(rmCtx, root, "git", "worktree", "remove", "--force", oldDir); err != nil {
			fmt.Printf("warning: git worktree remove %s: %v: %s\n", oldDir, err, strings.TrimSpace(out))
		}
	}()

	step.start("building ./cmd/server of both revisions")
	for _, d := range []string{"oldbin", "newbin"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	oldSide := &compareSide{name: "old", rev: oldRev}
	newSide := &compareSide{name: "new", rev: newRev}
	if oldSide.bin, err = buildServer(ctx, oldDir, filepath.Join(tmp, "oldbin")); err != nil {
		return fmt.Errorf("%s: %w", oldRev, err)
	}
	if newSide.bin, err = buildServer(ctx, root, filepath.Join(tmp, "newbin")); err != nil {
		return err
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

	env := func(dbURL string) map[string]string {
		return map[string]string{
			"DATABASE_URL":       dbURL,
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
	}
	step.start("creating the old revision's database: its migrations, then the seed at its schema")
	if oldSide.db, err = createBenchDB(ctx, cfg.AdminURL, cfg.Pool); err != nil {
		return err
	}
	defer oldSide.db.drop(cfg.KeepDB)
	if out, err := runWithEnv(ctx, oldSide.bin, []string{"migrate", "up"}, env(oldSide.db.url)); err != nil {
		return fmt.Errorf("%s: server migrate up: %w\n%s", oldRev, err, out)
	}
	step.start(fmt.Sprintf("seeding %d users × %d tasks", cfg.Users, cfg.Tasks))
	schema, err := oldSide.db.seedAnySchema(ctx, ids, cfg.Tasks)
	if err != nil {
		return err
	}
	if err := oldSide.db.vacuumAnalyze(ctx, cfg.CompareCompact); err != nil {
		return fmt.Errorf("vacuum analyze: %w", err)
	}
	oldSide.db.closePool()

	step.start("copying it (CREATE DATABASE … TEMPLATE) and upgrading the copy with this tree's migrations")
	if newSide.db, err = createBenchDBFrom(ctx, cfg.AdminURL, cfg.Pool, oldSide.db.name); err != nil {
		return err
	}
	defer newSide.db.drop(cfg.KeepDB)
	t0 := time.Now()
	if out, err := runWithEnv(ctx, newSide.bin, []string{"migrate", "up"}, env(newSide.db.url)); err != nil {
		return fmt.Errorf("server migrate up (the upgrade): %w\n%s", err, out)
	}
	upgrade := time.Since(t0)
	if err := newSide.db.vacuumAnalyze(ctx, cfg.CompareCompact); err != nil {
		return fmt.Errorf("vacuum analyze: %w", err)
	}
	newSide.db.closePool()
	sides := [2]*compareSide{oldSide, newSide}

	pageBody := mustJSON(gqlRequest{Query: tasksDoc, Variables: map[string]any{"first": cfg.PageSize}})
	pageUnit := func(c *client) unitFunc {
		return func(ctx context.Context, w *worker) (int, error) {
			u := users[w.rng.IntN(len(users))]
			b, err := c.post(ctx, u.token, pageBody)
			if err == nil && !strings.Contains(string(b), `"edges":[{`) {
				err = fmt.Errorf("empty page: %s", snippet(b))
			}
			return opTasks, err
		}
	}
	var rows []*compareRow
	var failures []string
	for _, cache := range []string{"off", "on"} {
		overrides := map[string]string{}
		if cache == "off" {
			overrides["READ_CACHE_BYTES"] = "0"
		}
		step.start("starting both servers, read cache " + cache)
		for i, s := range sides {
			if s.srv, err = startServerWith(ctx, s.bin, env(s.db.url), overrides, filepath.Join(tmp, s.name+"-cache-"+cache+".log"), users[0].token); err != nil {
				for _, started := range sides[:i] {
					started.hc.close()
					_ = started.srv.stop()
				}
				return fmt.Errorf("the %s server (%s): %w", s.name, s.rev, err)
			}
			s.hc = newClient(s.srv.url, cfg.Concurrency)
		}
		stopBoth := func() {
			for _, s := range sides {
				s.hc.close()
				if err := s.srv.stop(); err != nil {
					failures = append(failures, fmt.Sprintf("the %s server: %v", s.name, err))
				}
			}
		}
		if cache == "off" {
			step.start("checking that both answer the dashboard's reads alike for 4 users")
			if err := compareAnswers(ctx, oldSide.hc, newSide.hc, users[:min(4, len(users))], cfg.PageSize); err != nil {
				stopBoth()
				return err
			}
		}
		for _, workload := range []string{cmpPage, cmpMix} {
			row := &compareRow{Workload: workload, Cache: cache, HitOld: -1, HitNew: -1}
			unit := func(s *compareSide) unitFunc {
				if workload == cmpPage {
					return pageUnit(s.hc)
				}
				return newHTTPWorkload(s.hc, users, newMix(0), cfg.PageSize).unit
			}
			var h0, m0 [2]float64
			for i, s := range sides {
				h0[i], m0[i] = readCacheCounts(ctx, s.srv)
			}
			for round := range cfg.CompareRounds {
				order := []int{0, 1}
				if round%2 == 1 { // ABBA: each side goes first in half the rounds
					order = []int{1, 0}
				}
				for _, i := range order {
					s := sides[i]
					name := fmt.Sprintf("%s, read cache %s, round %d/%d, %s (%s)", workload, cache, round+1, cfg.CompareRounds, s.name, s.rev)
					step.start(name)
					w := watchBackends(ctx, s.db.admin, s.db.name)
					r := runPhase(ctx, phase{name: name, concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration,
						seed: cfg.Seed + uint64(round), unit: unit(s)}, s.srv.cpuTime)
					backend := w.stop()
					step.done(r)
					if r.Errors > 0 {
						failures = append(failures, fmt.Sprintf("%s: %d failed: %s", name, r.Errors, strings.Join(r.ErrorSample, "; ")))
					}
					n := time.Duration(max(1, r.Total+r.Errors))
					sample := compareSample{Rate: r.Rate(), P50: r.Lat.P50, P99: r.Lat.P99, ServerCPU: r.ServerCPU / n, BackendCPU: backend / n}
					if i == 0 {
						row.Old = append(row.Old, sample)
					} else {
						row.New = append(row.New, sample)
					}
				}
			}
			if cache == "on" {
				for i, s := range sides {
					h1, m1 := readCacheCounts(ctx, s.srv)
					if h0[i] >= 0 && h1+m1 > h0[i]+m0[i] {
						hit := (h1 - h0[i]) / (h1 + m1 - h0[i] - m0[i])
						if i == 0 {
							row.HitOld = hit
						} else {
							row.HitNew = hit
						}
					}
				}
			}
			o, nw := row.median(), row.medianNew()
			fmt.Printf("          medians: p50 old %s new %s (×%.2f), CPU per read old %s new %s (×%.2f)\n",
				ms(o.P50), ms(nw.P50), newOver(nw.P50, o.P50), us(o.ServerCPU+o.BackendCPU), us(nw.ServerCPU+nw.BackendCPU),
				newOver(nw.ServerCPU+nw.BackendCPU, o.ServerCPU+o.BackendCPU))
			rows = append(rows, row)
		}
		stopBoth()
	}

	text := compareMarkdown(cfg, oldRev, newRev, schema, upgrade, rows, load0, loadAvg())
	fmt.Print("\n" + text)
	if !cfg.Smoke {
		out := cfg.Out
		if out == "" {
			out = filepath.Join(root, "bench", "results")
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "COMPARE.md"), []byte(text), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", filepath.Join(out, "COMPARE.md"))
	}
	if len(failures) > 0 {
		return fmt.Errorf("%s", strings.Join(failures, "; "))
	}
	return nil
}

// compareDocs are the dashboard's reads without cursors, whose spelling may change between revisions: what both
// servers must answer alike on the same data.
var compareDocs = []string{
	`query { tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: %d) {
    edges { node { id title priority dueAt tags completed } } pageInfo { hasNextPage } totalCount } }`,
	"query { " + statsSelection + " }",
	"query { " + tagsSelection + " }",
}

// compareAnswers checks that both servers give the same answers to the dashboard's reads for users.
func compareAnswers(ctx context.Context, oldC, newC *client, users []*user, pageSize int) error {
	for _, u := range users {
		for _, doc := range compareDocs {
			if strings.Contains(doc, "%d") {
				doc = fmt.Sprintf(doc, pageSize)
			}
			body := mustJSON(gqlRequest{Query: doc})
			a, err := oldC.post(ctx, u.token, body)
			if err != nil {
				return fmt.Errorf("the old server: %w", err)
			}
			b, err := newC.post(ctx, u.token, body)
			if err != nil {
				return fmt.Errorf("the new server: %w", err)
			}
			if string(a) != string(b) {
				return fmt.Errorf("the servers answer differently on the same data:\nold: %s\nnew: %s", snippet(a), snippet(b))
			}
		}
	}
	return nil
}

// medianOf returns the median, per field, of samples.
func medianOf(samples []compareSample) compareSample {
	if len(samples) == 0 {
		return compareSample{}
	}
	mid := func(v []float64) float64 {
		slices.Sort(v)
		n := len(v)
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	field := func(get func(compareSample) float64) float64 {
		v := make([]float64, len(samples))
		for i, s := range samples {
			v[i] = get(s)
		}
		return mid(v)
	}
	return compareSample{
		Rate:       field(func(s compareSample) float64 { return s.Rate }),
		P50:        time.Duration(field(func(s compareSample) float64 { return float64(s.P50) })),
		P99:        time.Duration(field(func(s compareSample) float64 { return float64(s.P99) })),
		ServerCPU:  time.Duration(field(func(s compareSample) float64 { return float64(s.ServerCPU) })),
		BackendCPU: time.Duration(field(func(s compareSample) float64 { return float64(s.BackendCPU) })),
	}
}

func (r *compareRow) median() compareSample    { return medianOf(r.Old) }
func (r *compareRow) medianNew() compareSample { return medianOf(r.New) }

// newOver is new over old; 0 when old is 0.
func newOver[T time.Duration | float64](newV, oldV T) float64 {
	return ratio(float64(newV), float64(oldV))
}

// compareLimit is how much slower the new read may be: issue #21's 10 %.
const compareLimit = 1.10

func compareMarkdown(cfg config, oldRev, newRev, schema string, upgrade time.Duration, rows []*compareRow, load0, load1 string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# The dashboard read before and after: %s against this tree", strings.SplitN(oldRev, " ", 2)[0])
	p("")
	p("- **old**: %s", oldRev)
	p("- **new**: %s", newRev)
	p("")
	p("`go -C bench run . -compare %s%s`. The old revision was checked out in a temporary worktree and its "+
		"`./cmd/server` built there. One database was migrated by the old binary (`server migrate up`) and seeded at its "+
		"schema, %s: %d users × %d tasks. A second database was copied from it (`CREATE DATABASE … TEMPLATE`) and "+
		"upgraded by the new binary's `server migrate up`, as a deployment would (%s); both were then %s. Each server reads its own database, with the same environment and a pool of %d. Each workload ran %d "+
		"rounds; in each round each side had %d concurrent clients for %s after %s of warm-up, the old side first in odd "+
		"rounds and the new side first in even ones (ABBA), so that the load of the shared machine falls on both alike. "+
		"Figures are the medians over the rounds; CPU per read is the server process's (`/proc`) and the side's "+
		"PostgreSQL backends' (polled every %s), warm-up included. Users are picked at random with the same seed on both "+
		"sides; nobody writes.",
		cfg.Compare, compareFlags(cfg), schema, cfg.Users, cfg.Tasks, "the upgrade's migrations took "+upgrade.Round(10*time.Millisecond).String(),
		vacuumed(cfg.CompareCompact), cfg.Pool, cfg.CompareRounds, cfg.Concurrency, cfg.Duration, cfg.Warmup, pollInterval)
	p("")
	p("| read | cache | side | reads/s | p50 | p99 | CPU / read: server | PostgreSQL | both | hit rate |")
	p("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	hit := func(h float64) string {
		if h < 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f %%", 100*h)
	}
	for _, r := range rows {
		o, n := r.median(), r.medianNew()
		p("| %s | %s | old | %.0f | %s | %s | %s | %s | %s | %s |", r.Workload, r.Cache, o.Rate, ms(o.P50), ms(o.P99),
			us(o.ServerCPU), us(o.BackendCPU), us(o.ServerCPU+o.BackendCPU), hit(r.HitOld))
		p("| | | new | %.0f | %s | %s | %s | %s | %s | %s |", n.Rate, ms(n.P50), ms(n.P99),
			us(n.ServerCPU), us(n.BackendCPU), us(n.ServerCPU+n.BackendCPU), hit(r.HitNew))
		p("| | | **new / old** | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | |", newOver(n.Rate, o.Rate), newOver(n.P50, o.P50),
			newOver(n.P99, o.P99), newOver(n.ServerCPU, o.ServerCPU), newOver(n.BackendCPU, o.BackendCPU),
			newOver(n.ServerCPU+n.BackendCPU, o.ServerCPU+o.BackendCPU))
	}
	p("")
	p("**Target** (issue #21): the read no more than 10 %% slower: the new side's median p50 and its CPU per read "+
		"(server and PostgreSQL) each at most %.2f× the old side's.", compareLimit)
	p("")
	for _, r := range rows {
		o, n := r.median(), r.medianNew()
		lat, cpu := newOver(n.P50, o.P50), newOver(n.ServerCPU+n.BackendCPU, o.ServerCPU+o.BackendCPU)
		verdict := "met"
		if lat > compareLimit || cpu > compareLimit {
			verdict = "**missed**"
		}
		p("- %s, read cache %s: p50 ×%.2f, CPU per read ×%.2f: %s", r.Workload, r.Cache, lat, cpu, verdict)
	}
	p("")
	p("Per round, new / old of p50 (the spread the medians smooth over):")
	p("")
	for _, r := range rows {
		var parts []string
		for i := range min(len(r.Old), len(r.New)) {
			parts = append(parts, fmt.Sprintf("%.2f", newOver(r.New[i].P50, r.Old[i].P50)))
		}
		p("- %s, read cache %s: %s", r.Workload, r.Cache, strings.Join(parts, ", "))
	}
	p("")
	p("Load average at the start: %s; at the end: %s (2 cores shared with the load generator, PostgreSQL and other "+
		"work: compare the two sides of one run, not runs of different machines).", load0, load1)
	return b.String()
}

// vacuumed says what was done to both databases before they were measured.
func vacuumed(full bool) string {
	if full {
		return "rewritten compact and analyzed (`VACUUM (FULL, ANALYZE)`, `-compare-compact`: both sides read tables " +
			"without the space the upgrade's rewrites of every task left behind)"
	}
	return "vacuumed and analyzed (plain `VACUUM`: the upgraded side keeps the space its rewrites of every task left " +
		"behind, as an upgraded database does until `VACUUM FULL` or pg_repack)"
}

func compareFlags(cfg config) string {
	s := fmt.Sprintf(" -users %d -tasks %d -compare-rounds %d -concurrency %d -duration %s -warmup %s", cfg.Users, cfg.Tasks,
		cfg.CompareRounds, cfg.Concurrency, cfg.Duration, cfg.Warmup)
	if cfg.Smoke {
		s = " -smoke" + s
	}
	if cfg.CompareCompact {
		s += " -compare-compact"
	}
	return s
}
