package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"taskapi/auth"
	"taskapi/graph"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// lockedBuffer is a log destination the handler's goroutines write while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// requestLines returns the decoded "request" lines of a JSON log.
func requestLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	return lines
}

// post sends one GraphQL POST with extra headers and returns the response (body read into raw).
func post(t *testing.T, a *apitest.API, headers map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return a.Request(http.MethodPost, "/graphql", h, []byte(body))
}

func TestRequestLog(t *testing.T) {
	var logs lockedBuffer
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	tok := apitest.Token(t, "log-user")

	resp, _ := post(t, a, map[string]string{"Authorization": "Bearer " + tok, "X-Request-Id": "req-log-1"},
		`{"query":"query WhoAmI { viewer { id } }"}`)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") != "req-log-1" {
		t.Fatalf("status %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	// A token that fails verification, and one in a query string, must not reach the log either.
	forged := tok[:len(tok)-4] + "AAAA"
	resp, _ = post(t, a, map[string]string{"Authorization": "Bearer " + forged}, `{"query":"{ viewer { id } }"}`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged token: status %d", resp.StatusCode)
	}
	resp, _ = a.Request(http.MethodGet, "/graphql?query=%7B__typename%7D&access_token="+tok, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: status %d", resp.StatusCode)
	}

	log := logs.String()
	for i, part := range strings.Split(tok, ".") {
		// Every part of the token, and any 12 characters of its signature, would be a leak.
		if strings.Contains(log, part) {
			t.Errorf("the log contains part %d of the token", i)
		}
		if i == 2 {
			for j := 0; j+12 <= len(part); j++ {
				if strings.Contains(log, part[j:j+12]) {
					t.Fatalf("the log contains a piece of the token's signature")
				}
			}
		}
	}
	if strings.Contains(log, "Bearer") || strings.Contains(log, "access_token") {
		t.Errorf("the log mentions the credentials: %s", log)
	}

	lines := requestLines(t, log)
	if len(lines) != 3 {
		t.Fatalf("want one request line per request, got %d: %s", len(lines), log)
	}
	first := lines[0]
	want := map[string]any{"requestId": "req-log-1", "method": "POST", "path": "/graphql", "status": float64(200),
		"operations": "query WhoAmI", "user": "log-user"}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, first[k], v, first)
		}
	}
	if _, ok := first["durationMs"].(float64); !ok {
		t.Errorf("no durationMs: %v", first)
	}
	if lines[1]["status"] != float64(401) || lines[1]["errors"] != "UNAUTHENTICATED" || lines[1]["user"] != nil {
		t.Errorf("401 line: %v", lines[1])
	}
	if id, _ := lines[2]["requestId"].(string); len(id) != 32 {
		t.Errorf("a request without X-Request-Id gets a generated id, got %q", id)
	}
}

func TestRateLimit(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.5, Burst: 2}})
	alice := map[string]string{"Authorization": "Bearer " + apitest.Token(t, "alice")}
	viewer := `{"query":"{ viewer { id } }"}`

	for i := range 2 {
		if resp, raw := post(t, a, alice, viewer); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d %s", i, resp.StatusCode, raw)
		}
	}
	resp, raw := post(t, a, alice, viewer)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request over the burst: status %d %s", resp.StatusCode, raw)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After = %q, want 1 or 2 seconds at 0.5 requests per second", resp.Header.Get("Retry-After"))
	}
	var r apitest.Result
	if err := json.Unmarshal(raw, &r); err != nil || r.Code(t) != graph.CodeRateLimited {
		t.Fatalf("body %s", raw)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
	}

	t.Run("OtherUsersUnaffected", func(t *testing.T) {
		bob := map[string]string{"Authorization": "Bearer " + apitest.Token(t, "bob")}
		if resp, raw := post(t, a, bob, viewer); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d %s", resp.StatusCode, raw)
		}
	})
	t.Run("AnonymousLimitedByAddress", func(t *testing.T) {
		introspect := `{"query":"{ __typename }"}`
		codes := []int{}
		for range 3 {
			resp, _ := post(t, a, nil, introspect)
			codes = append(codes, resp.StatusCode)
		}
		if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
			t.Fatalf("anonymous statuses %v, want 200 200 429", codes)
		}
	})
	t.Run("ProbesNotLimited", func(t *testing.T) {
		for range 5 {
			if resp, _ := a.Request(http.MethodGet, "/healthz", nil, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("healthz %d", resp.StatusCode)
			}
		}
	})
}

func TestCORS(t *testing.T) {
	const allowed, other = "https://app.example.com", "https://evil.example.net"
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{CORSOrigins: []string{allowed}})
	preflight := func(a *apitest.API, origin string) *http.Response {
		resp, _ := a.Request(http.MethodOptions, "/graphql", map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "authorization,content-type",
		}, nil)
		return resp
	}

	t.Run("PreflightFromAllowedOrigin", func(t *testing.T) {
		resp := preflight(a, allowed)
		h := resp.Header
		if resp.StatusCode/100 != 2 || h.Get("Access-Control-Allow-Origin") != allowed ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Max-Age") != "7200" {
			t.Fatalf("status %d, headers %v", resp.StatusCode, h)
		}
		allowHeaders := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		if !strings.Contains(allowHeaders, "authorization") || !strings.Contains(allowHeaders, "content-type") {
			t.Errorf("Access-Control-Allow-Headers = %q", allowHeaders)
		}
	})
	t.Run("PreflightFromOtherOrigin", func(t *testing.T) {
		if got := preflight(a, other).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Access-Control-Allow-Origin = %q for an origin not listed", got)
		}
	})
	t.Run("ActualRequest", func(t *testing.T) {
		resp, _ := post(t, a, map[string]string{"Origin": allowed, "Authorization": "Bearer " + apitest.Token(t, "u")},
			`{"query":"{ viewer { id } }"}`)
		if resp.Header.Get("Access-Control-Allow-Origin") != allowed ||
			!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
			t.Fatalf("headers %v", resp.Header)
		}
		resp, _ = post(t, a, map[string]string{"Origin": other}, `{"query":"{ __typename }"}`)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Access-Control-Allow-Origin = %q for an origin not listed", got)
		}
	})
	t.Run("NothingAllowedWithoutOrigins", func(t *testing.T) {
		plain := apitest.New(t, modeltest.SQLite)
		if got := preflight(plain, allowed).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("Access-Control-Allow-Origin = %q with no origins configured", got)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite)
	for _, path := range []string{"/graphql?query=%7B__typename%7D", "/healthz", "/nowhere"} {
		resp, _ := a.Request(http.MethodGet, path, nil, nil)
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
		} {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
	}
}

func TestDraining(t *testing.T) {
	draining := make(chan struct{})
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{Draining: draining})
	if resp, _ := a.Request(http.MethodGet, "/readyz", nil, nil); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("before draining: readyz %d, close %v", resp.StatusCode, resp.Close)
	}
	close(draining)
	resp, _ := a.Request(http.MethodGet, "/readyz", nil, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("draining: readyz %d", resp.StatusCode)
	}
	// Still serving, but every response moves its client to a new connection.
	resp, raw := post(t, a, map[string]string{"Authorization": "Bearer " + apitest.Token(t, "u")}, `{"query":"{ viewer { id } }"}`)
	if resp.StatusCode != http.StatusOK || !resp.Close || !strings.Contains(string(raw), `"u"`) {
		t.Fatalf("draining: status %d, close %v, body %s", resp.StatusCode, resp.Close, raw)
	}
}

// TestOperationTimeout holds the database's every connection, as a pool exhausted by slow statements would, and
// checks that an operation fails fast with SERVICE_UNAVAILABLE rather than waiting, and that the API recovers.
func TestOperationTimeout(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		db := modeltest.MustOpenDB(t, kind)
		db.SetMaxOpenConns(1)
		verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(verifier.Close)
		h := httpapi.NewHandler(model.NewStore(db), verifier, httpapi.Options{
			Logger:           slog.New(slog.DiscardHandler),
			OperationTimeout: 200 * time.Millisecond,
		})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		a := &apitest.API{T: t, Server: srv, Handler: h}

		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r := a.Do("u", `{ tasks { totalCount } }`, nil)
		elapsed := time.Since(start)
		if r.Code(t) != graph.CodeServiceUnavailable {
			t.Fatalf("errors %+v", r.Errors)
		}
		if elapsed > 2*time.Second {
			t.Errorf("the operation took %s with a 200ms bound", elapsed)
		}
		_ = conn.Close()
		a.Do("u", `{ tasks { totalCount } }`, nil).NoErrors(t)
	})
}

// metricValue returns the value of the series name{labels} in reg, or -1 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			return sampleValue(m)
		}
	}
	return -1
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{Registry: reg})
	ops := func() float64 {
		return metricValue(t, reg, "taskapi_graphql_operations_total", map[string]string{"operation": "Mine", "type": "query", "outcome": "ok"})
	}
	if v := ops(); v > 0 {
		t.Fatalf("operations before any request: %v", v)
	}
	for range 3 {
		a.Do("m", `query Mine { tasks { totalCount } }`, nil).NoErrors(t)
	}
	a.Do("", `query Mine { viewer { id } }`, nil) // UNAUTHENTICATED
	post(t, a, nil, `{"query":`)                  // BAD_REQUEST before execution

	if v := ops(); v != 3 {
		t.Errorf("operations ok = %v, want 3", v)
	}
	if v := metricValue(t, reg, "taskapi_graphql_operation_duration_seconds", map[string]string{"operation": "Mine", "type": "query"}); v != 4 {
		t.Errorf("operation durations observed = %v, want 4", v)
	}
	if v := metricValue(t, reg, "taskapi_http_requests_total", map[string]string{"handler": "/graphql", "method": "POST", "code": "200"}); v != 4 {
		t.Errorf("POST /graphql 200 = %v, want 4", v)
	}
	for code, want := range map[string]float64{"UNAUTHENTICATED": 1, "BAD_REQUEST": 1} {
		if v := metricValue(t, reg, "taskapi_graphql_errors_total", map[string]string{"code": code}); v != want {
			t.Errorf("errors %s = %v, want %v", code, v, want)
		}
	}

	t.Run("OperationNamesBounded", func(t *testing.T) {
		for i := range 250 {
			a.Do("m", fmt.Sprintf(`query Flood%d { __typename }`, i), nil)
		}
		if v := metricValue(t, reg, "taskapi_graphql_operations_total", map[string]string{"operation": "other"}); v < 50 {
			t.Errorf("operations past the first 200 names counted as other: %v", v)
		}
	})
	t.Run("Endpoint", func(t *testing.T) {
		resp, raw := a.Request(http.MethodGet, "/metrics", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, name := range []string{"taskapi_http_requests_total", "taskapi_http_request_duration_seconds_bucket",
			"taskapi_graphql_operations_total", "taskapi_graphql_errors_total", "taskapi_http_requests_in_flight"} {
			if !bytes.Contains(raw, []byte(name)) {
				t.Errorf("/metrics lacks %s", name)
			}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	})
}
