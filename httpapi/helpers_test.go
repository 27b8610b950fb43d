package httpapi_test

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

// taskFields are all the scalar fields of a task.
const taskFields = `id title description completed priority tags dueAt completedAt createdAt updatedAt`

const createTask = `mutation($input: CreateTaskInput!) {
	createTask(input: $input) { task { ` + taskFields + ` } taskEdge { cursor node { id } } userErrors { field message code } }
}`

// create makes a task for user and returns it.
func (a *api) create(user string, input map[string]any) map[string]any {
	a.t.Helper()
	r := a.do(user, createTask, map[string]any{"input": input}).noErrors(a.t)
	if errs := path(r.Data, "createTask", "userErrors").([]any); len(errs) > 0 {
		a.t.Fatalf("userErrors: %v", errs)
	}
	return path(r.Data, "createTask", "task").(map[string]any)
}

// testSecret signs the tokens of these tests; it is made up for them.
var testSecret = []byte("graph-tests-secret-graph-tests-secret")

// api is a running handler over a fresh database.
type api struct {
	t      testing.TB
	srv    *httptest.Server
	handle http.Handler
	// db is the database behind the handler, for tests that watch what it is asked (db.AddQueryHook).
	db *bun.DB
}

func newAPI(t testing.TB, kind string) *api {
	t.Helper()
	return newAPIWith(t, kind, httpapi.Options{})
}

func newAPIWith(t testing.TB, kind string, opts httpapi.Options) *api {
	t.Helper()
	db := modeltest.MustOpenDB(t, kind)
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: testSecret}})
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
	return &api{t: t, srv: srv, handle: h, db: db}
}

// token returns a valid token for user id.
func token(t testing.TB, id string) string {
	t.Helper()
	tok, err := auth.SignHS256(testSecret, auth.Viewer{ID: id, Email: id + "@example.com", Name: "User " + id}, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// result is a decoded GraphQL response.
type result struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
	// HasData says whether the response had a data entry at all.
	HasData bool `json:"-"`
}

func (r *result) UnmarshalJSON(b []byte) error {
	type plain result
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	_, r.HasData = raw["data"]
	return json.Unmarshal(b, (*plain)(r))
}

// code returns the extensions.code of the only error, failing the test when there is not exactly one.
func (r result) code(t testing.TB) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, got %+v", r.Errors)
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// noErrors fails the test when the response has errors.
func (r result) noErrors(t testing.TB) result {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	return r
}

// do posts one operation as user (no Authorization header when user is "") and decodes the answer.
func (a *api) do(user, query string, vars map[string]any) result {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	headers := map[string]string{"Content-Type": "application/json"}
	if user != "" {
		headers["Authorization"] = "Bearer " + token(a.t, user)
	}
	resp, raw := a.request(http.MethodPost, "/graphql", headers, body)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var out result
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// request sends a raw HTTP request and returns the response and its body.
func (a *api) request(method, path string, headers map[string]string, body []byte) (*http.Response, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, raw
}

// path walks decoded JSON: path(data, "createTask", "task", "id").
func path(v any, keys ...any) any {
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

func str(v any) string { s, _ := v.(string); return s }

// forEachDB runs f as a subtest on every database the machine has.
func forEachDB(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// jsonEqual reports whether a and b encode to the same JSON.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
