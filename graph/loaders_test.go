package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/internal/apitest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// statementCounter is a Bun query hook that counts the statements a database runs.
type statementCounter struct {
	mu         sync.Mutex
	statements []string
}

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *statementCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statements = append(c.statements, e.Query)
}

// during returns the statements that f made the database run.
func (c *statementCounter) during(f func()) []string {
	c.mu.Lock()
	start := len(c.statements)
	c.mu.Unlock()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.statements[start:]...)
}

// seedTasks gives user n tasks, with tags and due dates, straight through the store, and returns their global ids
// (read back through the API).
func seedTasks(a *apitest.API, user string, n int) []string {
	a.T.Helper()
	store := model.NewStore(a.DB)
	tags := []string{"work", "home", "urgent", "errand"}
	for i := range n {
		due := time.Now().Add(time.Duration(i-n/2) * time.Hour)
		in := model.CreateTaskInput{Title: fmt.Sprintf("Task %d", i), Priority: model.Priority(i % 3),
			Tags: []string{tags[i%len(tags)], tags[(i/2)%len(tags)]}, DueAt: &due}
		if _, err := store.CreateTask(context.Background(), user, in); err != nil {
			a.T.Fatal(err)
		}
	}
	r := a.Do(user, `{ tasks(first: 100) { nodes { id } } }`, nil).NoErrors(a.T)
	var ids []string
	for _, node := range apitest.Path(r.Data, "tasks", "nodes").([]any) {
		ids = append(ids, apitest.Str(apitest.Path(node, "id")))
	}
	return ids
}

// dashboardQuery asks for everything a dashboard shows, several things twice over, as a client built from
// components would.
const dashboardQuery = `query Dashboard($ids: [ID!]!, $id: ID!) {
	pending: tasks(filter: { status: PENDING }, first: 20) {
		edges { cursor node { id title priority dueAt tags } } pageInfo { hasNextPage endCursor } totalCount }
	sameAgain: tasks(filter: { status: PENDING }, first: 20) { nodes { id } totalCount }
	work: tasks(filter: { tags: ["work"] }, orderBy: { field: PRIORITY, direction: DESC }, first: 5) { nodes { id } totalCount }
	taskStats(timeZone: "Europe/Berlin") { total completed pending overdue dueToday completionRate byPriority { priority count } byTag { tag count } }
	utcStats: taskStats { total }
	tags(first: 10) { tag count }
	fewerTags: tags(first: 3) { tag count }
	task(id: $id) { id title }
	node(id: $id) { id }
	nodes(ids: $ids) { id ... on Task { title } }
	viewer { id }
}`

// TestStatementsDoNotGrow pins the absence of N+1 queries: the statements an operation makes the database run do not
// grow with the size of its pages, nor with the number of identical operations in a batch.
func TestStatementsDoNotGrow(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		ids := seedTasks(a, "alice", 100)
		counter := &statementCounter{}
		a.DB.AddQueryHook(counter)

		t.Run("PageSize", func(t *testing.T) {
			const page = `query($first: Int!, $ids: [ID!]!) {
				tasks(first: $first) { edges { cursor node { id title description completed priority tags dueAt createdAt } }
					pageInfo { hasNextPage hasPreviousPage endCursor } totalCount }
				byPriority: tasks(first: $first, orderBy: { field: PRIORITY, direction: ASC }, filter: { tags: ["work", "home"] }) {
					nodes { id tags } totalCount }
				nodes(ids: $ids) { id ... on Task { title tags } }
			}`
			counts := map[int]int{}
			for _, n := range []int{1, 20, 100} {
				statements := counter.during(func() {
					r := a.Do("alice", page, map[string]any{"first": n, "ids": ids[:n]}).NoErrors(t)
					if got := len(apitest.Path(r.Data, "nodes").([]any)); got != n {
						t.Fatalf("nodes: %d, want %d", got, n)
					}
					if got := len(apitest.Path(r.Data, "tasks", "edges").([]any)); got != n {
						t.Fatalf("edges: %d, want %d", got, n)
					}
				})
				counts[n] = len(statements)
				t.Logf("page of %d: %d statements", n, len(statements))
				if n == 100 && counts[100] != counts[1] {
					t.Errorf("statements for pages of 1, 20, 100: %v; they must not grow. For 100:\n%s",
						counts, strings.Join(statements, "\n"))
				}
			}
		})

		t.Run("IdenticalOperationsOfABatch", func(t *testing.T) {
			op := map[string]any{"query": dashboardQuery, "variables": map[string]any{"ids": ids[:30], "id": ids[0]}}
			var one []apitest.Result
			single := counter.during(func() { one = a.Batch("alice", op) })
			many := counter.during(func() {
				results := a.Batch("alice", op, op, op, op, op, op, op, op, op, op)
				for i, r := range results {
					if !apitest.JSONEqual(r.Data, one[0].Data) {
						t.Errorf("result %d differs from the single operation's", i)
					}
				}
			})
			t.Logf("one dashboard: %d statements, ten in a batch: %d", len(single), len(many))
			if len(many) != len(single) {
				t.Errorf("one dashboard ran %d statements, a batch of ten %d; they must be equal. The ten:\n%s",
					len(single), len(many), strings.Join(many, "\n"))
			}
			// Two lists, their two counts, two statistics (two zones), the tags, task and node (one id) and nodes: one
			// statement each, whatever asks for them twice.
			if len(single) > 9 {
				t.Errorf("one dashboard ran %d statements:\n%s", len(single), strings.Join(single, "\n"))
			}
		})
	})
}

// A batch behaves as if its operations ran one after another: what the queries before a mutation read is not
// served to the queries after it.
func TestBatchQueriesAfterAMutationSeeIt(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		ids := seedTasks(a, "alice", 3)
		read := map[string]any{"query": `query($id: ID!, $ids: [ID!]!) {
				task(id: $id) { title } nodes(ids: $ids) { ... on Task { title } }
				tasks(filter: { status: PENDING }) { totalCount nodes { id } }
				taskStats { total completed } tags { tag count } }`,
			"variables": map[string]any{"id": ids[0], "ids": ids}}
		update := map[string]any{"query": `mutation($id: ID!) {
				updateTask(id: $id, input: { title: "Renamed", completed: true, tags: ["fresh"] }) { task { id } } }`,
			"variables": map[string]any{"id": ids[0]}}
		results := a.Batch("alice", read, read, update, read)
		before, after := results[0], results[3]
		if !apitest.JSONEqual(results[1].Data, before.Data) {
			t.Errorf("two reads before the mutation differ: %v / %v", results[1].Data, before.Data)
		}
		if apitest.Path(before.Data, "task", "title") == "Renamed" || apitest.Path(after.Data, "task", "title") != "Renamed" {
			t.Errorf("task(id): before %v, after %v", apitest.Path(before.Data, "task", "title"), apitest.Path(after.Data, "task", "title"))
		}
		if apitest.Path(after.Data, "nodes", 0, "title") != "Renamed" {
			t.Errorf("nodes after the mutation: %v", apitest.Path(after.Data, "nodes"))
		}
		if b, c := apitest.Path(before.Data, "tasks", "totalCount"), apitest.Path(after.Data, "tasks", "totalCount"); b != 3.0 || c != 2.0 {
			t.Errorf("pending totalCount: before %v, after %v", b, c)
		}
		if len(apitest.Path(after.Data, "tasks", "nodes").([]any)) != 2 {
			t.Errorf("pending tasks after the mutation: %v", apitest.Path(after.Data, "tasks", "nodes"))
		}
		if b, c := apitest.Path(before.Data, "taskStats", "completed"), apitest.Path(after.Data, "taskStats", "completed"); b != 0.0 || c != 1.0 {
			t.Errorf("completed: before %v, after %v", b, c)
		}
		if !strings.Contains(fmt.Sprint(apitest.Path(after.Data, "tags")), "fresh") {
			t.Errorf("tags after the mutation: %v", apitest.Path(after.Data, "tags"))
		}
	})
}

// totalCount is read with its page when the selection asks for it, however it asks (directly, in a fragment): one
// statement on PostgreSQL, where the count rides in the page's statement; a page without totalCount counts nothing.
func TestTotalCountReadWithItsPage(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		seedTasks(a, "alice", 30)
		seedTasks(a, "bob", 5)
		counter := &statementCounter{}
		a.DB.AddQueryHook(counter)
		withCount := 1
		if kind == modeltest.SQLite {
			withCount = 2 // SQLite, in process, counts in a statement of its own
		}
		for _, tc := range []struct {
			name, query string
			statements  int
			counts      bool
		}{
			{"Direct", `{ tasks(first: 5) { nodes { id } totalCount } }`, withCount, true},
			{"InAFragment", `{ tasks(first: 5) { ...c } } fragment c on TaskConnection { nodes { id } totalCount }`, withCount, true},
			{"Skipped", `{ tasks(first: 5) { nodes { id } totalCount @skip(if: true) } }`, 1, false},
			{"NotAsked", `{ tasks(first: 5) { nodes { id } } }`, 1, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var r apitest.Result
				statements := counter.during(func() { r = a.Do("alice", tc.query, nil).NoErrors(t) })
				if len(statements) != tc.statements {
					t.Errorf("%d statements, want %d:\n%s", len(statements), tc.statements, strings.Join(statements, "\n"))
				}
				if counted := strings.Contains(strings.Join(statements, "\n"), "count("); counted != tc.counts {
					t.Errorf("counted: %v, want %v", counted, tc.counts)
				}
				if tc.counts {
					if n := apitest.Path(r.Data, "tasks", "totalCount"); n != float64(30) {
						t.Errorf("totalCount = %v, want 30", n)
					}
				}
			})
		}
	})
}

// TestHistoryReadOncePerPage: the histories of a page of tasks are read in one statement per page arguments (first,
// after), not one per task, whether the page is read by nodes or edges, and each task still gets its own.
func TestHistoryReadOncePerPage(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		ids := seedTasks(a, "alice", 100)
		// The first task gets a second change, so that its history differs from the others'.
		a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {title: "renamed"}) { task { id } } }`,
			map[string]any{"id": ids[0]}).NoErrors(t)
		counter := &statementCounter{}
		a.DB.AddQueryHook(counter)
		const page = `query($first: Int!) { tasks(first: $first) { nodes { id
			history(first: 5) { nodes { kind fields } pageInfo { hasNextPage } }
			newest: history(first: 1) { nodes { kind } pageInfo { hasNextPage } } } }
			viaEdges: tasks(first: $first) { edges { node { history(first: 5) { nodes { kind } } } } } }`
		counts := map[int]int{}
		for _, n := range []int{1, 20, 100} {
			var r apitest.Result
			statements := counter.during(func() { r = a.Do("alice", page, map[string]any{"first": n}).NoErrors(t) })
			counts[n] = len(statements)
			histories := 0
			for _, s := range statements {
				if strings.Contains(s, "row_number()") {
					histories++
				}
			}
			if len(apitest.Path(r.Data, "viaEdges", "edges").([]any)) != n {
				t.Fatalf("edges: %v", r.Data)
			}
			if histories != 2 {
				t.Errorf("page of %d: %d statements read histories, want 2 (one per page arguments):\n%s", n, histories,
					strings.Join(statements, "\n"))
			}
			for _, node := range apitest.Path(r.Data, "tasks", "nodes").([]any) {
				want, more := "[CREATED]", false
				if apitest.Path(node, "id") == ids[0] {
					want, more = "[UPDATED CREATED]", true
				}
				var kinds []any
				for _, c := range apitest.Path(node, "history", "nodes").([]any) {
					kinds = append(kinds, apitest.Path(c, "kind"))
				}
				if fmt.Sprint(kinds) != want || apitest.Path(node, "history", "pageInfo", "hasNextPage") != false ||
					len(apitest.Path(node, "newest", "nodes").([]any)) != 1 ||
					apitest.Path(node, "newest", "pageInfo", "hasNextPage") != more {
					t.Errorf("task %v: history %v", apitest.Path(node, "id"), node)
				}
			}
		}
		if counts[100] != counts[1] {
			t.Errorf("statements for pages of 1, 20, 100: %v; they must not grow", counts)
		}
	})
}
