package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"taskapi/internal/apitest"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func persistedExtension(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// apq sends one operation with a persisted-query hash, over POST or GET, with query only when it is not empty, and
// returns the response and its decoded body.
func apq(a *apitest.API, method, accept, query, hash string, vars map[string]any) (*http.Response, apitest.Result) {
	a.T.Helper()
	headers := map[string]string{"Authorization": "Bearer " + apitest.Token(a.T, "alice")}
	if accept != "" {
		headers["Accept"] = accept
	}
	ext := persistedExtension(hash)
	var resp *http.Response
	var raw []byte
	if method == http.MethodGet {
		q := url.Values{}
		if query != "" {
			q.Set("query", query)
		}
		e, _ := json.Marshal(ext)
		q.Set("extensions", string(e))
		if vars != nil {
			v, _ := json.Marshal(vars)
			q.Set("variables", string(v))
		}
		resp, raw = a.Request(http.MethodGet, "/graphql?"+q.Encode(), headers, nil)
	} else {
		req := map[string]any{"extensions": ext, "variables": vars}
		if query != "" {
			req["query"] = query
		}
		body, _ := json.Marshal(req)
		headers["Content-Type"] = "application/json"
		resp, raw = a.Request(http.MethodPost, "/graphql", headers, body)
	}
	var out apitest.Result
	if err := json.Unmarshal(raw, &out); err != nil {
		a.T.Fatalf("%s answered %d with a body that is not JSON: %s", method, resp.StatusCode, raw)
	}
	return resp, out
}

func TestPersistedQueries(t *testing.T) {
	a := apitest.New(t, "sqlite")
	a.Create("alice", map[string]any{"title": "Persisted"})
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			// A document of its own per method, so that each starts unknown.
			query := `query Persisted` + method + ` { tasks { nodes { title } totalCount } }`
			hash := sha256Hex(query)

			t.Run("UnknownHashIsNotFound", func(t *testing.T) {
				for accept, status := range map[string]int{"application/json": 200, "application/graphql-response+json": 400} {
					resp, r := apq(a, method, accept, "", hash, nil)
					if resp.StatusCode != status {
						t.Errorf("Accept %s: status %d, want %d", accept, resp.StatusCode, status)
					}
					// Apollo's link retries on this code or on this message; it reads the body of a 400 too.
					if c := r.Code(t); c != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotFound" {
						t.Errorf("Accept %s: %+v", accept, r.Errors)
					}
					if r.HasData {
						t.Errorf("a miss has no data")
					}
					if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
						t.Errorf("Cache-Control = %q; the miss must not be cached", cc)
					}
				}
			})
			t.Run("FullQueryWithHashRunsAndIsRemembered", func(t *testing.T) {
				_, r := apq(a, method, "", query, hash, nil)
				r.NoErrors(t)
				if apitest.Path(r.Data, "tasks", "nodes", 0, "title") != "Persisted" {
					t.Fatalf("data = %v", r.Data)
				}
				resp, again := apq(a, method, "application/graphql-response+json", "", hash, nil)
				again.NoErrors(t)
				if resp.StatusCode != 200 || !apitest.JSONEqual(again.Data, r.Data) {
					t.Errorf("by hash: %d %v, want %v", resp.StatusCode, again.Data, r.Data)
				}
			})
			t.Run("HashOfAnotherQueryIsRefused", func(t *testing.T) {
				other := `{ viewer { id } }`
				_, r := apq(a, method, "", other, sha256Hex(other+" "), nil)
				if c := r.Code(t); c != "BAD_REQUEST" {
					t.Errorf("code = %s: %+v", c, r.Errors)
				}
				_, r = apq(a, method, "", "", sha256Hex(other+" "), nil)
				if c := r.Code(t); c != "PERSISTED_QUERY_NOT_FOUND" {
					t.Errorf("a refused pair was remembered: %+v", r.Errors)
				}
			})
		})
	}
	t.Run("MalformedExtensionIsBadRequest", func(t *testing.T) {
		for _, ext := range []map[string]any{
			{"persistedQuery": map[string]any{"version": 2, "sha256Hash": sha256Hex("{ viewer { id } }")}},
			{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "abc"}},
			{"persistedQuery": map[string]any{"version": 1}},
			{"persistedQuery": "yes"},
		} {
			body, _ := json.Marshal(map[string]any{"query": "{ viewer { id } }", "extensions": ext})
			_, raw := a.Request(http.MethodPost, "/graphql", map[string]string{"Content-Type": "application/json"}, body)
			var r apitest.Result
			_ = json.Unmarshal(raw, &r)
			if c := r.Code(t); c != "BAD_REQUEST" {
				t.Errorf("%v: %s", ext, raw)
			}
		}
	})
	t.Run("LimitsApplyToTheRememberedDocument", func(t *testing.T) {
		// Complexity depends on the variables, so a document remembered with small pages is refused with huge ones.
		var pages strings.Builder
		for i := range 10 {
			pages.WriteString(fmt.Sprintf("p%d: tasks(first: $n) { nodes { %s } } ", i, apitest.TaskFields))
		}
		query := "query Pages($n: Int) { " + pages.String() + "}"
		hash := sha256Hex(query)
		_, r := apq(a, http.MethodPost, "", query, hash, map[string]any{"n": 1})
		r.NoErrors(t)
		_, r = apq(a, http.MethodGet, "", "", hash, map[string]any{"n": 100})
		if c := r.Code(t); c != "QUERY_TOO_COMPLEX" {
			t.Errorf("code = %s: %+v", c, r.Errors)
		}
	})
	t.Run("RefusedDocumentIsNotRemembered", func(t *testing.T) {
		query := "{ viewer { " + strings.Repeat("id ", 1500) + "} }"
		hash := sha256Hex(query)
		_, r := apq(a, http.MethodPost, "", query, hash, nil)
		if c := r.Code(t); c != "QUERY_TOO_COMPLEX" {
			t.Fatalf("code = %s", c)
		}
		_, r = apq(a, http.MethodGet, "", "", hash, nil)
		if c := r.Code(t); c != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("code = %s: a refused document was remembered", c)
		}
	})
	t.Run("MutationByHashOverGetIsRefused", func(t *testing.T) {
		mutation := `mutation { clearCompletedTasks { count } }`
		hash := sha256Hex(mutation)
		_, r := apq(a, http.MethodPost, "", mutation, hash, nil)
		r.NoErrors(t)
		resp, r := apq(a, http.MethodGet, "", "", hash, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || r.HasData {
			t.Errorf("status %d, data %v", resp.StatusCode, r.Data)
		}
	})
	t.Run("InABatch", func(t *testing.T) {
		query := `query InBatch { viewer { id } }`
		hash := sha256Hex(query)
		body, _ := json.Marshal([]any{
			map[string]any{"extensions": persistedExtension(hash)},
			map[string]any{"query": query, "extensions": persistedExtension(hash)},
			map[string]any{"extensions": persistedExtension(hash)},
		})
		_, raw := a.Request(http.MethodPost, "/graphql", map[string]string{
			"Content-Type": "application/json", "Authorization": "Bearer " + apitest.Token(t, "alice")}, body)
		var results []apitest.Result
		if err := json.Unmarshal(raw, &results); err != nil || len(results) != 3 {
			t.Fatalf("%s", raw)
		}
		if c := results[0].Code(t); c != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("first: %s", c)
		}
		for _, r := range results[1:] {
			if apitest.Path(r.NoErrors(t).Data, "viewer", "id") != "alice" {
				t.Errorf("data = %v", r.Data)
			}
		}
	})
}
