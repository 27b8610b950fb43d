package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"
	_ "time/tzdata" // the dashboard asks for Europe/Berlin

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// One request through the whole handler (token verification, parsing with the query cache warm, validation,
// execution, JSON), answered to an httptest.ResponseRecorder, over each database modeltest offers, with one user's
// tasks. The network and the load generator stay out of the figure. Besides wall time each benchmark reports
// cpu-ns/op, the CPU time of the whole process per request (getrusage): on a machine shared with other work it is
// steadier than wall time, and over PostgreSQL it is the server's own cost, the database's backends being other
// processes (over SQLite it includes the database). Compare runs with benchstat (see bench/README.md); the load
// benchmark in bench/ measures the same over real HTTP against PostgreSQL.

const benchUser = "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"

// The README's dashboard, its three queries alone, and the writes of the load benchmark's mix.
const (
	benchTasksQuery = `query DashboardTasks { tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: 20) {
    edges { cursor node { id title priority dueAt tags completed } } pageInfo { hasNextPage endCursor } totalCount } }`
	// benchTasksLiveQuery is the dashboard's page as a client following the live feed asks it, with eventCursor.
	benchTasksLiveQuery = `query DashboardTasksLive { tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: 20) {
    edges { cursor node { id title priority dueAt tags completed } } pageInfo { hasNextPage endCursor } totalCount eventCursor } }`
	benchStatsQuery     = `query DashboardStats { taskStats(timeZone: "Europe/Berlin") { total completed overdue dueToday completionRate byPriority { priority count } } }`
	benchTagsQuery      = `query DashboardTags { tags(first: 10) { tag count } }`
	benchDashboardQuery = `query Dashboard {
  tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: 20) {
    edges { cursor node { id title priority dueAt tags completed } } pageInfo { hasNextPage endCursor } totalCount }
  taskStats(timeZone: "Europe/Berlin") { total completed overdue dueToday completionRate byPriority { priority count } }
  tags(first: 10) { tag count }
}`
	benchCreateMutation = `mutation CreateTask($input: CreateTaskInput!) { createTask(input: $input) { task { id title priority dueAt tags completed createdAt } userErrors { field message code } } }`
)

// benchHandler returns the handler over a fresh database of kind in which benchUser has n tasks, with a read cache
// of the server's default size when cached (as the server runs) or none.
func benchHandler(b *testing.B, kind string, n int, cached bool) http.Handler {
	b.Helper()
	db := modeltest.MustOpenBenchDB(b, kind)
	store := model.NewStore(db)
	if cached {
		store = store.WithReadCache(model.NewReadCache(8 << 20))
	}
	tags := []string{"work", "home", "urgent", "errand", "later", "reading"}
	for i := range n {
		in := model.CreateTaskInput{Title: fmt.Sprintf("Task %d", i), Priority: model.Priority(i % 3),
			Tags: []string{tags[i%len(tags)], tags[(i/2)%len(tags)]}}
		if i%4 != 1 {
			due := time.Now().Add(time.Duration(i%60-20) * 24 * time.Hour)
			in.DueAt = &due
		}
		if _, err := store.CreateTask(context.Background(), benchUser, in); err != nil {
			b.Fatal(err)
		}
	}
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(verifier.Close)
	return httpapi.NewHandler(store, verifier, httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
}

func BenchmarkHandler(b *testing.B) {
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			// readcache=on is the server as it runs by default; readcache=off computes every read (as for a user
			// who writes between reads). Compare the two with benchstat -col /readcache.
			for _, cached := range []bool{true, false} {
				name := map[bool]string{true: "readcache=on", false: "readcache=off"}[cached]
				b.Run(name, func(b *testing.B) { benchmarkHandler(b, benchHandler(b, kind, 500, cached)) })
			}
		})
	}
}

func benchmarkHandler(b *testing.B, h http.Handler) {
	bearer := "Bearer " + apitest.Token(b, benchUser)
	one := func(query string, vars map[string]any) []byte {
		body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		return body
	}
	batch, err := json.Marshal([]map[string]any{{"query": benchTasksQuery}, {"query": benchStatsQuery}, {"query": benchTagsQuery}})
	if err != nil {
		b.Fatal(err)
	}
	create := one(benchCreateMutation, map[string]any{"input": map[string]any{
		"title": "Write the report", "priority": "HIGH", "tags": []string{"work", "bench"}, "dueAt": "2030-01-01T12:00:00Z",
	}})
	cases := []struct {
		name string
		body []byte
	}{
		{"tasks", one(benchTasksQuery, nil)},
		{"tasksLive", one(benchTasksLiveQuery, nil)},
		{"taskStats", one(benchStatsQuery, nil)},
		{"tags", one(benchTagsQuery, nil)},
		{"dashboard", one(benchDashboardQuery, nil)},
		{"dashboardBatch", batch},
		{"createTask", create},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var rec benchWriter
			serve := func() {
				req, err := http.NewRequest(http.MethodPost, "http://example.com/graphql", bytes.NewReader(tc.body))
				if err != nil {
					b.Fatal(err)
				}
				req.RemoteAddr = "192.0.2.1:1234"
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", bearer)
				rec.reset()
				h.ServeHTTP(&rec, req)
				if rec.code != http.StatusOK || bytes.Contains(rec.body, []byte(`"errors":`)) ||
					bytes.Contains(rec.body, []byte(`"userErrors":[{`)) {
					b.Fatalf("HTTP %d: %s", rec.code, rec.body)
				}
			}
			serve() // the query cache is warm from here on
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				serve()
			}
			if used := processCPU() - cpu; used > 0 {
				b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// benchWriter is the benchmark's http.ResponseWriter. Like net/http's it keeps its buffer from one request to the
// next (a server reuses its connections' buffered writers), where httptest.ResponseRecorder grows a new one for each
// body: that growth is the benchmark's cost, not the server's, and it would count a body written in several parts as
// dearer than one written at once. For the same reason requests are made with http.NewRequest: httptest.NewRequest
// parses each one from text through a new 4 KiB bufio.Reader.
type benchWriter struct {
	header http.Header
	code   int
	body   []byte
}

func (w *benchWriter) reset() {
	w.header, w.code, w.body = make(http.Header), 0, w.body[:0]
}

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, b...)
	return len(b), nil
}
