package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// scrape returns the samples of GET /metrics as "name{labels}" → value.
func scrape(t *testing.T, baseURL string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q", line)
		}
		samples[line[:i]] = v
	}
	return samples
}

// TestServerMetrics checks the series that only the whole server has: SQL statements, the pool, key-set fetches.
func TestServerMetrics(t *testing.T) {
	var jwksFetches atomic.Int32
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jwksFetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[]}`)
	}))
	defer jwks.Close()
	srv := startServer(t, nil,
		"DATA_DIR", t.TempDir(),
		"BETTER_AUTH_SECRET", secret,
		"JWT_JWKS_URL", jwks.URL+"/jwks",
		"SHUTDOWN_GRACE", "0",
		"RATE_LIMIT_RPS", "0",
	)
	before := scrape(t, srv.url)
	tok := userToken(t, "metrics-user")
	for range 3 {
		r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, createTaskMutation,
			map[string]any{"input": map[string]any{"title": "counted"}})
		if err != nil || createdID(r) == "" {
			t.Fatalf("%v %v", err, r.Errors)
		}
	}
	// The same page twice: read, then served from the read cache, since nothing was written in between.
	for range 2 {
		r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, `{ tasks(first: 5) { totalCount } }`, nil)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %v", err, r.Errors)
		}
	}
	after := scrape(t, srv.url)

	moved := func(series string, atLeast float64) {
		t.Helper()
		if d := after[series] - before[series]; d < atLeast {
			t.Errorf("%s moved by %v, want at least %v", series, d, atLeast)
		}
	}
	moved(`taskapi_sql_statements_total{operation="INSERT",outcome="ok"}`, 3)
	moved(`taskapi_sql_statements_total{operation="BEGIN",outcome="ok"}`, 3)
	moved(`taskapi_sql_statement_duration_seconds_count{operation="INSERT"}`, 3)
	moved(`taskapi_graphql_operations_total{operation="Create",outcome="ok",type="mutation"}`, 3)
	moved(`taskapi_http_requests_total{code="200",handler="/graphql",method="POST"}`, 3)
	moved(`taskapi_read_cache_lookups_total{read="tasks",result="miss"}`, 1)
	moved(`taskapi_read_cache_lookups_total{read="tasks",result="hit"}`, 1)
	if _, ok := after[`taskapi_read_cache_lookups_total{read="taskStats",result="hit"}`]; !ok {
		t.Error("no taskStats hits on /metrics")
	}
	if after["taskapi_read_cache_entries"] < 1 || after["taskapi_read_cache_bytes"] <= 0 {
		t.Errorf("read cache gauges: %v entries, %v bytes", after["taskapi_read_cache_entries"], after["taskapi_read_cache_bytes"])
	}
	if after[`go_sql_max_open_connections{db_name="taskapi"}`] != 1 {
		t.Errorf("pool figures missing or wrong (SQLite has one connection): %v", after[`go_sql_max_open_connections{db_name="taskapi"}`])
	}
	if got := after[`taskapi_jwks_fetches_total{outcome="ok"}`]; got < 1 || got != float64(jwksFetches.Load()) {
		t.Errorf("key-set fetches counted %v, the issuer saw %d", got, jwksFetches.Load())
	}
	if _, ok := after["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
	for _, series := range []string{"taskapi_webhook_delivered_total", "taskapi_webhook_failed_attempts_total",
		"taskapi_webhook_retried_total", "taskapi_webhook_given_up_total", "taskapi_webhook_oldest_pending_age_seconds",
		"taskapi_kafka_produced_total", "taskapi_kafka_failed_attempts_total", "taskapi_kafka_oldest_queued_age_seconds"} {
		if _, ok := after[series]; !ok {
			t.Errorf("no %s on /metrics", series)
		}
	}
}

// TestTracing points the server at a fake OTLP/HTTP collector on loopback and checks that the spans of a request,
// its operation and its SQL statements have arrived by the time the server has stopped (the exporter flushes then).
func TestTracing(t *testing.T) {
	var mu sync.Mutex
	spans := map[string]bool{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			body, _ := io.ReadAll(r.Body)
			var req coltracepb.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				t.Errorf("the exporter sent something that is not OTLP: %v", err)
			}
			mu.Lock()
			for _, rs := range req.GetResourceSpans() {
				for _, ss := range rs.GetScopeSpans() {
					for _, s := range ss.GetSpans() {
						spans[s.GetName()] = true
					}
				}
			}
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL) // read by the exporter itself, as in production

	srv := startServer(t, nil,
		"DATA_DIR", t.TempDir(),
		"BETTER_AUTH_SECRET", secret,
		"OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL,
		"SHUTDOWN_GRACE", "0",
	)
	r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, userToken(t, "traced"), createTaskMutation,
		map[string]any{"input": map[string]any{"title": "traced"}})
	if err != nil || createdID(r) == "" {
		t.Fatalf("%v %v", err, r.Errors)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// The request's span, the operation's, and Bun's for the statements (bunotel names them by operation).
	for _, name := range []string{"POST /graphql", "mutation Create", "INSERT"} {
		if !spans[name] {
			t.Errorf("no span %q among %v", name, spans)
		}
	}
	if !strings.Contains(srv.logs.String(), "tracing: sending spans") {
		t.Error("the log does not say that tracing is on")
	}
}
