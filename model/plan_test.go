package model_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// The plans of every statement a dashboard makes the store run, on PostgreSQL with as many tasks as a busy
// deployment: 100 users with 1,000 tasks each. Every one must reach the user's rows through an index; a sequential
// scan of tasks or task_tags reads every user's rows, and grows with the whole table instead of with the page.

const (
	planUsers        = 100
	planTasksPerUser = 1000
	planUser         = "user-042" // one in the middle of the key range
)

// planSeed fills the database ten users at a time, tasks and then their tags (a statement per chunk stays well within
// the driver's read timeout on a loaded machine, where one statement for all 100,000 rows did not), and analyzes it,
// so that the planner knows how the rows are spread. Three tasks in seven are tagged work, as dense as the
// dashboard's tag in the load benchmark; the other tags are on one task in twenty each. Titles and descriptions are made of words, so that trigrams are as selective as
// in real text; a third of the tasks have no description, a quarter no due date; dates spread over two months
// around now.
func planSeed(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := model.AcrossUsers(context.Background()) // seeding every user's rows at once
	const chunk = 10
	// Every user's Inbox, which holds their tasks.
	for u := range planUsers {
		user := fmt.Sprintf("user-%03d", u)
		if _, err := db.NewRaw(`INSERT INTO lists (id, owner_id, name, name_fold, is_inbox, created_at, updated_at)
			VALUES (?, ?, 'Inbox', 'inbox', true, now(), now())`, model.InboxID(user), user).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewRaw(`INSERT INTO list_members (list_id, user_id, role, joined_at) VALUES (?, ?, 'OWNER', now())`,
			model.InboxID(user), user).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var statements []string
	for first := 0; first < planUsers; first += chunk {
		users := fmt.Sprintf("generate_series(%d, %d)", first, min(first+chunk, planUsers)-1)
		// position: each Inbox's keys in the order of i, "b" and two base-62 digits (ordkey's keys of 62 to 3843).
		statements = append(statements, `INSERT INTO tasks (id, list_id, created_by, title, title_fold, description, description_fold, completed, priority, tags,
			due_at, completed_at, created_at, updated_at, position)
		SELECT id, (SELECT l.id FROM lists AS l WHERE l.owner_id = s.user_id AND l.is_inbox), user_id, title, lower(title), description, lower(description), completed, priority, tags,
			due_at, CASE WHEN completed THEN created_at + interval '1 day' END, created_at, created_at + interval '1 hour',
			'b' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + (62 + i) / 62, 1) ||
				substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 1 + (62 + i) % 62, 1)
		FROM (
			SELECT gen_random_uuid() AS id, i,
				'user-' || lpad(u::text, 3, '0') AS user_id,
				(ARRAY['Write','Review','Call','Buy','Fix','Plan','Book','Pay','Read','Clean'])[1 + i % 10] || ' ' ||
					(ARRAY['the report','Alice','milk','the bug','a trip','the rent','the dentist','a book','the garage','slides'])[1 + (i / 10) % 10] ||
					' #' || (u * 1000 + i) AS title,
				CASE WHEN i % 3 = 0 THEN NULL
					ELSE 'Notes ' || md5((u * 1000 + i)::text) || ' about ' || (ARRAY['budget','kitchen','release','holiday','taxes'])[1 + i % 5] END AS description,
				i % 5 < 2 AS completed,
				(i % 3)::smallint AS priority,
				'["tag' || (i % 20) || '","tag' || ((i / 20) % 20 + 20) || '"' || CASE WHEN i % 7 IN (1, 3, 5) THEN ',"work"' ELSE '' END || ']' AS tags,
				CASE WHEN i % 4 = 0 THEN NULL ELSE now() + ((i % 61) - 30) * interval '1 day' END AS due_at,
				now() - (u * 1000 + i) * interval '30 seconds' AS created_at
			FROM `+users+` AS u, generate_series(1, `+fmt.Sprint(planTasksPerUser)+`) AS i
		) AS s`,
			`INSERT INTO task_tags (task_id, list_id, tag)
		SELECT t.id, t.list_id, tag FROM tasks AS t, json_array_elements_text(t.tags::json) AS tag
		WHERE t.created_by IN (SELECT 'user-' || lpad(u::text, 3, '0') FROM `+users+` AS u)`)
	}
	statements = append(statements, `ANALYZE tasks`, `ANALYZE task_tags`, `ANALYZE list_members`, `ANALYZE lists`)
	for _, stmt := range statements {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("seed: %v\n%s", err, stmt)
		}
	}
}

// planRecorder is a Bun query hook that keeps the statements the store runs.
type planRecorder struct {
	mu         sync.Mutex
	statements []string
}

func (r *planRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *planRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statements = append(r.statements, e.Query)
}

// during returns the statements f made the store run.
func (r *planRecorder) during(f func()) []string {
	r.mu.Lock()
	n := len(r.statements)
	r.mu.Unlock()
	f()
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.statements[n:])
}

// planNode is a node of EXPLAIN (FORMAT JSON)'s plan.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	Plans        []planNode `json:"Plans"`
}

// explain returns the plan of stmt.
func explain(t *testing.T, db *bun.DB, stmt string) planNode {
	t.Helper()
	var raw string
	// Some plans are of statements written here to show what an index saves, not of the store's.
	ctx := model.AcrossUsers(context.Background())
	if err := db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+stmt).Scan(&raw); err != nil {
		t.Fatalf("EXPLAIN: %v\n%s", err, stmt)
	}
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		t.Fatalf("EXPLAIN output: %v\n%s", err, raw)
	}
	return out[0].Plan
}

// analyzeBuffers runs stmt, a count, under EXPLAIN (ANALYZE, BUFFERS) and returns the count and the shared buffers
// the statement touched (hit or read). It runs the statement once before, so that every buffer is in the cache.
func analyzeBuffers(t *testing.T, db *bun.DB, stmt string) (count, buffers int) {
	t.Helper()
	ctx := model.AcrossUsers(context.Background())
	if err := db.QueryRowContext(ctx, stmt).Scan(&count); err != nil {
		t.Fatalf("%v\n%s", err, stmt)
	}
	var raw string
	if err := db.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+stmt).Scan(&raw); err != nil {
		t.Fatalf("EXPLAIN ANALYZE: %v\n%s", err, stmt)
	}
	var out []struct {
		Plan struct {
			Hit  int `json:"Shared Hit Blocks"`
			Read int `json:"Shared Read Blocks"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		t.Fatalf("EXPLAIN output: %v\n%s", err, raw)
	}
	return count, out[0].Plan.Hit + out[0].Plan.Read
}

// walk calls f on every node of the plan.
func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// seqScans returns the tables of the plan that are read whole.
func (n planNode) seqScans() []string {
	var tables []string
	n.walk(func(n planNode) {
		if n.NodeType == "Seq Scan" && (n.RelationName == "tasks" || n.RelationName == "task_tags") {
			tables = append(tables, n.RelationName)
		}
	})
	return tables
}

func (n planNode) indexes() []string {
	var names []string
	n.walk(func(n planNode) {
		if n.IndexName != "" && !slices.Contains(names, n.IndexName) {
			names = append(names, n.IndexName)
		}
	})
	return names
}

func TestDashboardPlansUseIndexes(t *testing.T) {
	if !slices.Contains(modeltest.Databases(t), modeltest.Postgres) {
		t.Skip("plans are PostgreSQL's; SQLite is embedded and per user")
	}
	db := modeltest.MustOpenDB(t, modeltest.Postgres)
	began := time.Now()
	planSeed(t, db)
	t.Logf("seeded %d tasks in %v", planUsers*planTasksPerUser, time.Since(began).Round(time.Millisecond))
	rec := &planRecorder{}
	db.AddQueryHook(rec)
	store := model.NewStore(db)
	ctx := context.Background()

	// check runs op and fails on any statement it made that reads tasks or task_tags whole.
	var explained int
	check := func(t *testing.T, op func() error) []planNode {
		t.Helper()
		var err error
		statements := rec.during(func() { err = op() })
		if err != nil {
			t.Fatal(err)
		}
		if len(statements) == 0 {
			t.Fatal("the operation ran no statement")
		}
		var plans []planNode
		for _, stmt := range statements {
			plan := explain(t, db, stmt)
			explained++
			if tables := plan.seqScans(); len(tables) > 0 {
				t.Errorf("sequential scan of %s in the plan of\n%s\nindexes used: %v", strings.Join(tables, ", "), stmt, plan.indexes())
			}
			plans = append(plans, plan)
		}
		return plans
	}

	t.Run("DetectorSeesSeqScans", func(t *testing.T) {
		// title (unlike title_fold) has no index: this must be read whole, and the check must say so.
		plan := explain(t, db, `SELECT * FROM tasks WHERE title LIKE '%report%'`)
		if !slices.Contains(plan.seqScans(), "tasks") {
			t.Fatalf("a sequential scan went unnoticed: %+v", plan)
		}
	})

	ptr := func(s string) *string { return &s }
	pending, completed := model.TaskStatusFilterPending, model.TaskStatusFilterCompleted
	yes, no := true, false
	now := time.Now()
	weekAgo, weekAhead := now.AddDate(0, 0, -7), now.AddDate(0, 0, 7)
	filters := map[string]model.TaskFilter{
		"All":             {},
		"Pending":         {Status: &pending},
		"Completed":       {Status: &completed},
		"Priority":        {Priorities: []model.Priority{model.PriorityHigh}},
		"Priorities":      {Priorities: []model.Priority{model.PriorityHigh, model.PriorityMedium}},
		"Tag":             {Tags: []string{"tag3"}},
		"Tags":            {Tags: []string{"tag3", "tag27"}},
		"Search":          {Search: ptr("report")},
		"SearchRare":      {Search: ptr("#42042")},
		"SearchNothing":   {Search: ptr("no such words")},
		"SearchShort":     {Search: ptr("a")},
		"DueRange":        {DueAfter: &weekAgo, DueBefore: &weekAhead},
		"Overdue":         {Overdue: &yes},
		"NotOverdue":      {Overdue: &no},
		"PendingWorkWeek": {Status: &pending, Tags: []string{"tag3"}, DueBefore: &weekAhead, Search: ptr("the")},
	}
	fields := []model.TaskOrderField{model.TaskOrderFieldCreatedAt, model.TaskOrderFieldUpdatedAt,
		model.TaskOrderFieldDueAt, model.TaskOrderFieldPriority, model.TaskOrderFieldTitle, model.TaskOrderFieldPosition}
	directions := []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc}
	first, last := 20, 20

	for name, filter := range filters {
		t.Run("ListTasks/"+name, func(t *testing.T) {
			for _, field := range fields {
				for _, dir := range directions {
					order := &model.TaskOrder{Field: field, Direction: dir}
					t.Run(string(field)+"_"+string(dir), func(t *testing.T) {
						var page *model.TaskPage
						check(t, func() (err error) {
							page, err = store.ListTasks(ctx, planUser, model.ListQuery{Filter: filter, Order: order, First: &first})
							return err
						})
						if len(page.Edges) == 0 {
							if !strings.HasPrefix(name, "SearchNothing") {
								t.Fatalf("no tasks: the seed does not match the filter")
							}
							return
						}
						end, start := page.Edges[len(page.Edges)-1].Cursor, page.Edges[0].Cursor
						check(t, func() error { // the next page, and whether anything lies before it
							_, err := store.ListTasks(ctx, planUser, model.ListQuery{Filter: filter, Order: order, First: &first, After: &end})
							return err
						})
						check(t, func() error { // the last page
							_, err := store.ListTasks(ctx, planUser, model.ListQuery{Filter: filter, Order: order, Last: &last})
							return err
						})
						check(t, func() error { // backward from a cursor
							_, err := store.ListTasks(ctx, planUser, model.ListQuery{Filter: filter, Order: order, Last: &last, Before: &end})
							return err
						})
						check(t, func() error { // a window between two cursors
							_, err := store.ListTasks(ctx, planUser, model.ListQuery{Filter: filter, Order: order, First: &first, After: &start, Before: &end})
							return err
						})
					})
				}
			}
		})
		t.Run("CountTasks/"+name, func(t *testing.T) {
			plans := check(t, func() error {
				_, err := store.CountTasks(ctx, planUser, filter)
				return err
			})
			if filter.Search != nil {
				t.Logf("search %q counts with %v", *filter.Search, plans[0].indexes())
			}
		})
	}
	t.Run("SearchUsesTrigrams", func(t *testing.T) {
		// A search for a rare string is best served by the trigram indexes; a common one may be served by the
		// user's index instead (the planner's choice; both read only a fraction of the table).
		plans := check(t, func() error {
			_, err := store.CountTasks(ctx, planUser, model.TaskFilter{Search: ptr("#42042")})
			return err
		})
		used := plans[0].indexes()
		if !slices.ContainsFunc(used, func(name string) bool { return strings.Contains(name, "trgm") }) {
			t.Logf("the search for a rare string used %v, not a trigram index", used)
		}
	})
	t.Run("DashboardCountReadsLessThanItCounts", func(t *testing.T) {
		// The dashboard's totalCount: pending tasks tagged work, three in seven of the user's. Counted over the
		// membership condition at once, the planner probed tasks by primary key for each tagged task (four buffers
		// each); counted per list, a bitmap scan of the list's tasks is hashed against its tags, a few dozen buffers
		// in all. The count reads fewer buffers than the tasks it counts, or it has gone back to a probe per task.
		filter := model.TaskFilter{Status: &pending, Tags: []string{"work"}}
		statements := rec.during(func() {
			if _, err := store.CountTasks(ctx, planUser, filter); err != nil {
				t.Fatal(err)
			}
		})
		if len(statements) != 1 {
			t.Fatalf("CountTasks ran %d statements, want 1: %q", len(statements), statements)
		}
		n, buffers := analyzeBuffers(t, db, statements[0])
		if n < 100 {
			t.Fatalf("the count is %d: the seed does not tag enough tasks work", n)
		}
		t.Logf("counting %d tasks read %d buffers", n, buffers)
		if buffers >= n {
			t.Errorf("counting %d tasks read %d buffers, a buffer or more per task:\n%s", n, buffers, statements[0])
		}
	})
	t.Run("Stats", func(t *testing.T) {
		for _, zone := range []string{"UTC", "Europe/Berlin", "Pacific/Kiritimati"} {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			check(t, func() error {
				_, err := store.Stats(ctx, planUser, loc, nil)
				return err
			})
		}
	})
	t.Run("Tags", func(t *testing.T) {
		for _, n := range []int{1, 10, 100} {
			check(t, func() error {
				_, err := store.Tags(ctx, planUser, n, nil)
				return err
			})
		}
	})
	t.Run("TaskAndTasksByID", func(t *testing.T) {
		page, err := store.ListTasks(ctx, planUser, model.ListQuery{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uuid.UUID, len(page.Edges))
		for i, e := range page.Edges {
			ids[i] = e.Node.ID
		}
		check(t, func() error {
			_, err := store.Task(ctx, planUser, ids[0])
			return err
		})
		check(t, func() error {
			_, err := store.TasksByID(ctx, planUser, append(ids, uuid.New()))
			return err
		})
	})
	t.Logf("explained %d statements", explained)
}
