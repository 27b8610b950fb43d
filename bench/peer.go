package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The peer: PostGraphile v4 over the benchmark database, installed from bench/postgraphile/package-lock.json.
const (
	peerDir    = "bench/postgraphile"
	peerSchema = "postgraphile"
	// peerDoc is the dashboard read asked of PostGraphile: the same page of the same list, with the same fields, as
	// tasksDoc asks of the server. The view dashboard_tasks holds the filter (pending, tagged work); the order is the
	// server's, due date first (tasks without one last, as PostgreSQL sorts NULLs ascending) and the id after it.
	peerDoc = `query DashboardTasks($first: Int!) {
  allDashboardTasks(first: $first, orderBy: [DUE_AT_ASC, ID_ASC]) {
    edges { cursor node { id title priority dueAt tags completed } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`
)

// peerSetupSQL makes the schema PostGraphile serves, in the benchmark database: a view of the dashboard list that
// runs with the caller's rights (security_invoker), and row-level security on the tables under it keyed on the
// token's sub, which PostGraphile puts in the transaction's jwt.claims.sub setting; role is what it runs requests as.
// The server and the ceiling connect as the tables' owner, whom row-level security does not apply to.
func peerSetupSQL(role string) []string {
	q := `"` + role + `"` // a name benchDB made: letters, digits and underscores
	return []string{
		`CREATE SCHEMA ` + peerSchema,
		`CREATE VIEW ` + peerSchema + `.dashboard_tasks WITH (security_invoker = true) AS
			SELECT t.id, t.created_by AS user_id, t.title, t.priority, t.due_at, t.tags, t.completed FROM public.tasks AS t
			WHERE NOT t.completed AND EXISTS (SELECT 1 FROM public.task_tags AS tt WHERE tt.task_id = t.id AND tt.tag = 'work')`,
		`COMMENT ON VIEW ` + peerSchema + `.dashboard_tasks IS E'@primaryKey id\nThe dashboard list: the pending tasks tagged work.'`,
		`GRANT USAGE ON SCHEMA ` + peerSchema + ` TO ` + q,
		`GRANT SELECT ON ` + peerSchema + `.dashboard_tasks, public.tasks, public.task_tags, public.list_members TO ` + q,
		`ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY`,
		`ALTER TABLE public.task_tags ENABLE ROW LEVEL SECURITY`,
		// Tasks are visible to the members of their list, as the server scopes them.
		`CREATE POLICY member_tasks ON public.tasks FOR SELECT TO ` + q + ` USING (list_id IN (SELECT m.list_id FROM public.list_members AS m WHERE m.user_id = current_setting('jwt.claims.sub', true)))`,
		`CREATE POLICY member_task_tags ON public.task_tags FOR SELECT TO ` + q + ` USING (list_id IN (SELECT m.list_id FROM public.list_members AS m WHERE m.user_id = current_setting('jwt.claims.sub', true)))`,
	}
}

// setupPeerDB creates PostGraphile's role (dropped with the database, see benchDB.drop) and its schema.
func setupPeerDB(ctx context.Context, db *benchDB) (string, error) {
	role := db.name + "_reader"
	if _, err := db.admin.ExecContext(ctx, "CREATE ROLE ? NOLOGIN", bun.Ident(role)); err != nil {
		return "", fmt.Errorf("create role %s: %w", role, err)
	}
	db.roles = append(db.roles, role)
	for _, stmt := range peerSetupSQL(role) {
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return "", fmt.Errorf("PostGraphile's schema: %w\n%s", err, stmt)
		}
	}
	return role, nil
}

// ensurePeerModules installs bench/postgraphile's node_modules with `npm ci` unless they were installed from the
// same package-lock.json already (a hash of it is kept beside them, as e2e/run.sh does). It returns the directory
// and what it did.
func ensurePeerModules(ctx context.Context, root string) (string, string, error) {
	dir := filepath.Join(root, peerDir)
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	marker := filepath.Join(dir, "node_modules", ".bench-lock-sha256")
	if got, err := os.ReadFile(marker); err == nil && strings.TrimSpace(string(got)) == want {
		return dir, "node_modules matched package-lock.json", nil
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if out, err := commandOutput(ctx, dir, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
		return "", "", fmt.Errorf("npm ci in %s: %w\n%s", peerDir, err, out)
	}
	if err := os.WriteFile(marker, []byte(want+"\n"), 0o644); err != nil {
		return "", "", err
	}
	return dir, fmt.Sprintf("installed with npm ci in %s", time.Since(t0).Round(100*time.Millisecond)), nil
}

// peerVersion is the PostGraphile version npm installed.
func peerVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "postgraphile", "package.json"))
	if err != nil {
		return "unknown"
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "unknown"
	}
	return p.Version
}

// startPeer starts PostGraphile (node server.js) over the benchmark database and waits for it to answer the
// dashboard read for u.
func startPeer(ctx context.Context, dir string, db *benchDB, role string, is *issuer, pool int, u *user, tmp string) (*serverProc, error) {
	env := map[string]string{
		"DATABASE_URL": db.url, "PG_SCHEMA": peerSchema, "PG_ROLE": role, "POOL": fmt.Sprint(pool),
		"JWT_SECRET": is.secret, "JWT_ISSUER": is.origin, "JWT_AUDIENCE": is.origin, "NODE_ENV": "production",
	}
	p, err := startProcess("node", []string{filepath.Join(dir, "server.js")}, env, filepath.Join(tmp, "postgraphile.log"))
	if err != nil {
		return nil, err
	}
	body := mustJSON(gqlRequest{Query: peerDoc, Variables: map[string]any{"first": 1}})
	if _, err := p.waitAnswer(ctx, u.hsToken, body, []byte(`"totalCount":`), 90*time.Second); err != nil {
		_ = p.stop()
		return nil, fmt.Errorf("PostGraphile: %w", err)
	}
	return p, nil
}

// dashboardPage is what both the server and PostGraphile answer for the dashboard read, reduced to what must agree.
type dashboardPage struct {
	Titles []string
	Total  int
}

func parseDashboard(b []byte, field string) (dashboardPage, error) {
	var resp struct {
		Data map[string]struct {
			Edges []struct {
				Node struct {
					Title string `json:"title"`
				} `json:"node"`
			} `json:"edges"`
			TotalCount *int `json:"totalCount"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return dashboardPage{}, err
	}
	c, ok := resp.Data[field]
	if !ok || c.TotalCount == nil {
		return dashboardPage{}, fmt.Errorf("no %s.totalCount in %s", field, snippet(b))
	}
	p := dashboardPage{Total: *c.TotalCount}
	for _, e := range c.Edges {
		p.Titles = append(p.Titles, e.Node.Title)
	}
	return p, nil
}

// checkPeerAgrees asks the server and PostGraphile the dashboard read for each of users and fails unless both give
// the same tasks in the same order and the same totalCount: the peer does the same work, and row-level security
// keeps each user to their own tasks as the server's store does.
func checkPeerAgrees(ctx context.Context, srv, peer *client, users []*user, pageSize int) error {
	sBody := mustJSON(gqlRequest{Query: tasksDoc, Variables: map[string]any{"first": pageSize}})
	pBody := mustJSON(gqlRequest{Query: peerDoc, Variables: map[string]any{"first": pageSize}})
	for _, u := range users {
		sb, err := srv.post(ctx, u.hsToken, sBody)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		pb, err := peer.post(ctx, u.hsToken, pBody)
		if err != nil {
			return fmt.Errorf("PostGraphile: %w", err)
		}
		s, err := parseDashboard(sb, "tasks")
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		p, err := parseDashboard(pb, "allDashboardTasks")
		if err != nil {
			return fmt.Errorf("PostGraphile: %w", err)
		}
		if len(s.Titles) == 0 || s.Total != p.Total || !slices.Equal(s.Titles, p.Titles) {
			return fmt.Errorf("PostGraphile and the server disagree on the dashboard of %s: %d tasks %q against %d tasks %q",
				u.id, p.Total, p.Titles, s.Total, s.Titles)
		}
	}
	return nil
}

// peerComparison is the dashboard read measured four ways in one run.
type peerComparison struct {
	Rows        []peerResult // server, PostGraphile, pgbench prepared, pgbench simple
	PeerVersion string
	PeerInstall string
	Node        string   // node --version
	Statements  []string // the server's statements for the read, of the first user, as pgbench replays them
	Scripts     int      // users pgbench picks among (one script each)
	// HitShare is the share of the server row's reads its read cache served (from its /metrics); -1 unknown.
	HitShare float64
	Check    string // the statement a read served from the read cache sends, for the first user
}

// Names of the comparison's rows.
const (
	rowServer         = "this server"
	rowServerUncached = "this server, read cache off"
	rowPeer           = "PostGraphile"
	rowPrepared       = "pgbench, prepared"
	rowSimple         = "pgbench, simple protocol"
	rowCheck          = "pgbench, prepared: the cached read's statement"
)

// hasTool says whether name is on PATH.
func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// measurePeers measures the dashboard read (tasks with totalCount, HS256 tokens on both sides) at the main
// concurrency: through the server, through PostGraphile, and as the server's own statements replayed by pgbench in
// both protocols.
func measurePeers(ctx context.Context, cfg config, root, tmp string, step *stepper, db *benchDB, srv *serverProc, hc *client, srvNC *serverProc, hcNC *client, is *issuer, users []*user) (*peerComparison, error) {
	pc := &peerComparison{HitShare: -1}
	watch := func() *backendWatch { return watchBackends(ctx, db.admin, db.name) }
	pageBody := mustJSON(gqlRequest{Query: tasksDoc, Variables: map[string]any{"first": cfg.PageSize}})
	peerBody := mustJSON(gqlRequest{Query: peerDoc, Variables: map[string]any{"first": cfg.PageSize}})
	httpUnit := func(c *client, body []byte) unitFunc {
		return func(ctx context.Context, w *worker) (int, error) {
			u := users[w.rng.IntN(len(users))]
			b, err := c.post(ctx, u.hsToken, body)
			if err == nil && !strings.Contains(string(b), `"edges":[{`) {
				err = fmt.Errorf("empty page: %s", snippet(b))
			}
			return opTasks, err
		}
	}
	measureHTTP := func(name string, p *serverProc, c *client, body []byte) peerResult {
		step.start(fmt.Sprintf("dashboard read: %s at %d concurrent for %s", name, cfg.Concurrency, cfg.Duration))
		w := watch()
		r := runPhase(ctx, phase{name: name, concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration,
			seed: cfg.Seed + 8, unit: httpUnit(c, body)}, p.cpuTime)
		pr := peerResult{result: r, ProcCPU: r.ServerCPU, BackendCPU: w.stop()}
		pr.PeakRSS, _ = p.peakRSS()
		step.done(r)
		return pr
	}

	const hits, misses = `taskapi_read_cache_lookups_total{read="tasks",result="hit"}`, `taskapi_read_cache_lookups_total{read="tasks",result="miss"}`
	h0, m0 := gauge(ctx, srv.url, hits), gauge(ctx, srv.url, misses)
	server := measureHTTP(rowServer, srv, hc, pageBody)
	server.Proc = "server"
	pc.Rows = append(pc.Rows, server)
	if h1, m1 := gauge(ctx, srv.url, hits), gauge(ctx, srv.url, misses); h0 >= 0 && m0 >= 0 && h1+m1 > h0+m0 {
		pc.HitShare = (h1 - h0) / (h1 + m1 - h0 - m0)
	}
	uncached := measureHTTP(rowServerUncached, srvNC, hcNC, pageBody)
	uncached.Proc = "server"
	pc.Rows = append(pc.Rows, uncached)

	peer := peerResult{result: result{Name: rowPeer}, Proc: "node"}
	switch {
	case !hasTool("node") || !hasTool("npm"):
		if cfg.RequirePeers {
			return nil, errors.New("node and npm are needed for the PostGraphile peer (-require-peers)")
		}
		peer.Skipped = "node or npm is not installed"
		fmt.Println("          SKIPPED PostGraphile: node or npm is not installed")
	default:
		step.start("PostGraphile: npm ci from bench/postgraphile/package-lock.json, schema, row-level security")
		dir, note, err := ensurePeerModules(ctx, root)
		if err != nil {
			return nil, err
		}
		pc.PeerInstall, pc.PeerVersion = note, peerVersion(dir)
		if out, err := commandOutput(ctx, "", "node", "--version"); err == nil {
			pc.Node = strings.TrimSpace(out)
		}
		role, err := setupPeerDB(ctx, db)
		if err != nil {
			return nil, err
		}
		p, err := startPeer(ctx, dir, db, role, is, cfg.Pool, users[0], tmp)
		if err != nil {
			return nil, err
		}
		pcl := newClient(p.url, cfg.Concurrency)
		err = checkPeerAgrees(ctx, hc, pcl, users[:min(len(users), 4)], cfg.PageSize)
		if err == nil {
			peer = measureHTTP(rowPeer+" "+pc.PeerVersion, p, pcl, peerBody)
			peer.Proc = "node"
		}
		pcl.close()
		if stopErr := p.stop(); err == nil && stopErr != nil {
			err = fmt.Errorf("PostGraphile: %w", stopErr)
		}
		if err != nil {
			return nil, err
		}
	}
	pc.Rows = append(pc.Rows, peer)

	// pgbench: one script per user (pgbench takes up to 128), each the statements the store sends for that user's
	// read, as a hook on the store calls captured them; countStatements checks them against the server's.
	var scripts [][]string
	for _, u := range users[:min(len(users), maxPgbenchScripts)] {
		stmts, err := statementsOf(ctx, db.db, opTasks, cfg.PageSize, u)
		if err != nil {
			return nil, err
		}
		scripts = append(scripts, stmts)
	}
	pc.Statements, pc.Scripts = scripts[0], len(scripts)
	for _, mode := range []string{"prepared", "simple"} {
		name := rowPrepared
		if mode == "simple" {
			name = rowSimple
		}
		if !hasTool("pgbench") {
			if cfg.RequirePeers {
				return nil, errors.New("pgbench is needed for the SQL ceiling (-require-peers)")
			}
			pc.Rows = append(pc.Rows, peerResult{result: result{Name: name}, Skipped: "pgbench is not installed"})
			continue
		}
		step.start(fmt.Sprintf("dashboard read: %s at %d concurrent for %s", name, cfg.Concurrency, cfg.Duration))
		r, err := runPgbench(ctx, db.url, tmp, pgbenchSpec{name: name, mode: mode, scripts: scripts,
			concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration}, watch)
		if err != nil {
			return nil, err
		}
		step.done(r.result)
		pc.Rows = append(pc.Rows, r)
	}
	// What a read the read cache serves sends: the one-row read of the user's feed position.
	var checks [][]string
	for _, u := range users[:min(len(users), maxPgbenchScripts)] {
		stmt, err := cachedStatementOf(ctx, db.db, cfg.PageSize, u)
		if err != nil {
			return nil, err
		}
		checks = append(checks, []string{stmt})
	}
	pc.Check = checks[0][0]
	if hasTool("pgbench") {
		step.start(fmt.Sprintf("dashboard read: %s at %d concurrent for %s", rowCheck, cfg.Concurrency, cfg.Duration))
		r, err := runPgbench(ctx, db.url, tmp, pgbenchSpec{name: rowCheck, mode: "prepared", scripts: checks,
			concurrency: cfg.Concurrency, warmup: cfg.Warmup, duration: cfg.Duration}, watch)
		if err != nil {
			return nil, err
		}
		step.done(r.result)
		pc.Rows = append(pc.Rows, r)
	}
	return pc, nil
}

// growthRow is one read measured by pgbench alone, one transaction at a time, for a typical user and the large one.
type growthRow struct {
	Name       string
	Statements []string // the large user's
	Small, Big result
}

// growth is the large user's cost against a typical user's: what the server's reads cost, what their statements
// cost alone, and what a count over that many rows costs at least.
type growth struct {
	Rows  []growthRow
	Plans map[string]string // EXPLAIN ANALYZE of the large user's statements, by growthRow name
}

const (
	growthTasks = "`tasks` statements (page + count)"
	growthCount = "the count alone (`CountTasks`' statement)"
	growthStats = "`taskStats` statement"
	growthFloor = "`SELECT count(*) FROM tasks WHERE list_id IN (the user's lists)`"
)

// measureGrowth replays, with pgbench at one client in the server's protocol (simple), the statements of the
// dashboard reads for small and big, and the bare count of all of a user's tasks: the floor of any exact count over
// that many rows.
func measureGrowth(ctx context.Context, cfg config, tmp string, step *stepper, db *benchDB, small, big *user) (*growth, error) {
	if !hasTool("pgbench") {
		if cfg.RequirePeers {
			return nil, errors.New("pgbench is needed for the count floor (-require-peers)")
		}
		return nil, nil
	}
	g := &growth{Plans: map[string]string{}}
	stmts := func(u *user) (map[string][]string, error) {
		tasks, err := statementsOf(ctx, db.db, opTasks, cfg.PageSize, u)
		if err != nil {
			return nil, err
		}
		stats, err := statementsOf(ctx, db.db, opStats, cfg.PageSize, u)
		if err != nil {
			return nil, err
		}
		count, err := countStatementOf(ctx, db.db, u)
		if err != nil {
			return nil, err
		}
		return map[string][]string{
			growthTasks: tasks, growthCount: {count}, growthStats: stats,
			growthFloor: {fmt.Sprintf("SELECT count(*) FROM tasks WHERE list_id IN (SELECT list_id FROM list_members WHERE user_id = '%s')",
				strings.ReplaceAll(u.id, "'", "''"))},
		}, nil
	}
	ss, err := stmts(small)
	if err != nil {
		return nil, err
	}
	bs, err := stmts(big)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{growthTasks, growthCount, growthStats, growthFloor} {
		row := growthRow{Name: name, Statements: bs[name]}
		for i, set := range []map[string][]string{ss, bs} {
			step.start(fmt.Sprintf("pgbench, 1 client: %s for a user with %d tasks", name, tasksOfIndex(cfg, i)))
			spec := pgbenchSpec{name: name, mode: "simple", scripts: [][]string{set[name]},
				concurrency: 1, warmup: min(cfg.Warmup, 500*time.Millisecond), duration: cfg.ShapeDuration}
			if cfg.Smoke {
				spec.transactions = 50
			}
			r, err := runPgbench(ctx, db.url, tmp, spec, nil)
			if err != nil {
				return nil, err
			}
			step.done(r.result)
			if i == 0 {
				row.Small = r.result
			} else {
				row.Big = r.result
			}
		}
		g.Rows = append(g.Rows, row)
	}
	for _, name := range []string{growthCount, growthStats, growthFloor} {
		var lines []string
		if err := db.db.NewRaw("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+bs[name][0]).Scan(ctx, &lines); err != nil {
			return nil, fmt.Errorf("explain %s: %w", name, err)
		}
		g.Plans[name] = strings.Join(lines, "\n")
	}
	return g, nil
}

func tasksOfIndex(cfg config, i int) int {
	if i == 0 {
		return cfg.Tasks
	}
	return cfg.BigTasks
}
