// Package apitest is the test client of the packages that test the API through its HTTP surface (graph's resolvers
// and loaders, httpapi's transports and limits): a handler over a fresh database of each kind modeltest offers, a
// token for any user, one operation or a batch posted and its answer decoded, the feed's position, and walking the
// decoded JSON. Those packages' tests call it by its own names, so that there is one copy of each helper; only tests
// import it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// Secret signs the tokens of these tests; it is made up for them.
var Secret = []byte("graph-tests-secret-graph-tests-secret")

// API is a running handler over a fresh database.
type API struct {
	T       testing.TB
	Server  *httptest.Server
	Handler http.Handler
	// DB is the database behind the handler, for tests that watch what it is asked (DB.AddQueryHook).
	DB *bun.DB
}

// New returns the handler with opts (at most one; none: the defaults) over a fresh database of kind, served on a
// loopback test server that the test's cleanup closes.
func New(t testing.TB, kind string, options ...httpapi.Options) *API {
	t.Helper()
	var opts httpapi.Options
	if len(options) > 1 {
		t.Fatal("apitest.New takes at most one httpapi.Options")
	}
	if len(options) == 1 {
		opts = options[0]
	}
	db := modeltest.MustOpenDB(t, kind)
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: Secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(verifier.Close)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := httpapi.NewHandler(model.NewStore(db), verifier, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &API{T: t, Server: srv, Handler: h, DB: db}
}

// Token returns a valid token for user id.
func Token(t testing.TB, id string) string {
	t.Helper()
	tok, err := auth.SignHS256(Secret, auth.Viewer{ID: id, Email: id + "@example.com", Name: "User " + id}, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TaskFields are all the scalar fields of a task.
const TaskFields = `id title description completed priority tags dueAt completedAt createdAt updatedAt`

// CreateTask is the createTask mutation with the whole task, its edge and its userErrors.
const CreateTask = `mutation($input: CreateTaskInput!) {
	createTask(input: $input) { task { ` + TaskFields + ` } taskEdge { cursor node { id } } userErrors { field message code } }
}`

// Create makes a task for user and returns it, failing the test on any error or userError.
func (a *API) Create(user string, input map[string]any) map[string]any {
	a.T.Helper()
	r := a.Do(user, CreateTask, map[string]any{"input": input}).NoErrors(a.T)
	if errs := Path(r.Data, "createTask", "userErrors").([]any); len(errs) > 0 {
		a.T.Fatalf("userErrors: %v", errs)
	}
	return Path(r.Data, "createTask", "task").(map[string]any)
}

// GQLError is one error of a GraphQL response.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Result is a decoded GraphQL response.
type Result struct {
	Data   map[string]any `json:"data"`
	Errors []GQLError     `json:"errors"`
	// HasData says whether the response had a data entry at all.
	HasData bool `json:"-"`
}

// UnmarshalJSON decodes a response and notes whether it had data.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	_, r.HasData = raw["data"]
	return json.Unmarshal(b, (*plain)(r))
}

// Code returns the extensions.code of the only error, failing the test when there is not exactly one.
func (r Result) Code(t testing.TB) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, got %+v", r.Errors)
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// NoErrors fails the test when the response has errors.
func (r Result) NoErrors(t testing.TB) Result {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	return r
}

// Do posts one operation as user (no Authorization header when user is "") and decodes the answer.
func (a *API) Do(user, query string, vars map[string]any) Result {
	a.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	headers := map[string]string{"Content-Type": "application/json"}
	if user != "" {
		headers["Authorization"] = "Bearer " + Token(a.T, user)
	}
	resp, raw := a.Request(http.MethodPost, "/graphql", headers, body)
	if resp.StatusCode != http.StatusOK {
		a.T.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var out Result
	if err := json.Unmarshal(raw, &out); err != nil {
		a.T.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// Batch posts operations as one batch as user and returns the results, failing on any error.
func (a *API) Batch(user string, ops ...map[string]any) []Result {
	a.T.Helper()
	body, _ := json.Marshal(ops)
	resp, raw := a.Request(http.MethodPost, "/graphql", map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + Token(a.T, user),
	}, body)
	if resp.StatusCode != http.StatusOK {
		a.T.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var results []Result
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != len(ops) {
		a.T.Fatalf("want %d results: %s", len(ops), raw)
	}
	for _, r := range results {
		r.NoErrors(a.T)
	}
	return results
}

// EventCursor returns the user's latest feed position, read over HTTP.
func (a *API) EventCursor(user string) string {
	a.T.Helper()
	return Str(Path(a.Do(user, `{ taskEventCursor }`, nil).NoErrors(a.T).Data, "taskEventCursor"))
}

// Request sends a raw HTTP request and returns the response and its body.
func (a *API) Request(method, path string, headers map[string]string, body []byte) (*http.Response, []byte) {
	a.T.Helper()
	req, err := http.NewRequest(method, a.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		a.T.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.Server.Client().Do(req)
	if err != nil {
		a.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.T.Fatal(err)
	}
	return resp, raw
}

// Path walks decoded JSON: Path(data, "createTask", "task", "id"); nil where it leads nowhere.
func Path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// Str is v as a string; "" when it is not one.
func Str(v any) string { s, _ := v.(string); return s }

// JSONEqual reports whether a and b encode to the same JSON.
func JSONEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// ForEachDB runs f as a subtest on every database the machine has.
func ForEachDB(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}
