package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"taskapi/graph"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model/modeltest"
)

// TestBatchSharesOneComplexityBudget: the operations of one batch spend one complexity budget between them, in
// order; one that does not fit is refused in its slot and leaves the budget to those after it that do.
func TestBatchSharesOneComplexityBudget(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{Limits: httpapi.Limits{MaxComplexity: 700}})
	big := map[string]any{"query": "{ tasks(first: 100) { nodes { id title } } }"} // 1 + 100 × 3 = 301
	small := map[string]any{"query": "{ viewer { id } }"}
	body, _ := json.Marshal([]map[string]any{big, big, big, small})
	resp, raw := post(t, a, map[string]string{"Authorization": "Bearer " + apitest.Token(t, "alice")}, string(body))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var results []apitest.Result
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != 4 {
		t.Fatalf("%s", raw)
	}
	results[0].NoErrors(t)
	results[1].NoErrors(t)
	if results[2].Code(t) != graph.CodeQueryTooComplex || results[2].Errors[0].Extensions["limit"] != "complexity" ||
		!strings.Contains(results[2].Errors[0].Message, "together") {
		t.Errorf("third operation: %+v", results[2].Errors)
	}
	results[3].NoErrors(t)

	t.Run("EachRequestItsOwn", func(t *testing.T) {
		for range 3 {
			if r := a.Do("alice", big["query"].(string), nil); len(r.Errors) > 0 {
				t.Fatalf("a request of one operation within the limit: %+v", r.Errors)
			}
		}
	})
}

// TestRateLimitChargesEachOperation: a batch costs the rate limit one request per operation; a batch the bucket
// cannot pay for is refused whole, 429, and takes nothing.
func TestRateLimitChargesEachOperation(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 5}})
	alice := map[string]string{"Authorization": "Bearer " + apitest.Token(t, "alice")}
	op := `{"query":"{ viewer { id } }"}`
	batch := func(n int) string { return "[" + strings.Repeat(op+",", n-1) + op + "]" }

	if resp, raw := post(t, a, alice, batch(4)); resp.StatusCode != http.StatusOK {
		t.Fatalf("a batch of 4 within a burst of 5: %d %s", resp.StatusCode, raw)
	}
	resp, raw := post(t, a, alice, batch(2))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a batch of 2 with one request left: %d %s", resp.StatusCode, raw)
	}
	var r apitest.Result
	if err := json.Unmarshal(raw, &r); err != nil || r.Code(t) != graph.CodeRateLimited {
		t.Fatalf("body %s", raw)
	}
	if resp, raw := post(t, a, alice, op); resp.StatusCode != http.StatusOK {
		t.Fatalf("the one request left was used up by the refused batch: %d %s", resp.StatusCode, raw)
	}
	if resp, _ := post(t, a, alice, op); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the burst: %d", resp.StatusCode)
	}
}

// TestValuesCountedBeforeDecoding: variables and extensions over the limit of values are refused as
// QUERY_TOO_COMPLEX (limit variableValues or extensionValues) over POST, in a batch's slot, and over GET.
func TestValuesCountedBeforeDecoding(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{Limits: httpapi.Limits{MaxVariableValues: 100}})
	alice := map[string]string{"Authorization": "Bearer " + apitest.Token(t, "alice"), "Accept": "application/graphql-response+json"}
	zeros := "[" + strings.Repeat("0,", 200) + "0]"
	query := `"query($ids: [ID!]!) { nodes(ids: $ids) { id } }"`
	cases := map[string]struct{ body, limit string }{
		"Variables":  {`{"query":` + query + `,"variables":{"ids":` + zeros + `}}`, "variableValues"},
		"Extensions": {`{"query":"{ viewer { id } }","extensions":{"padding":` + zeros + `}}`, "extensionValues"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resp, raw := post(t, a, alice, c.body)
			var r apitest.Result
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest || r.Code(t) != graph.CodeQueryTooComplex || r.Errors[0].Extensions["limit"] != c.limit {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			resp, raw = post(t, a, alice, "["+c.body+`,{"query":"{ viewer { id } }"}]`)
			var results []apitest.Result
			if err := json.Unmarshal(raw, &results); err != nil || resp.StatusCode != http.StatusOK || len(results) != 2 {
				t.Fatalf("batch: status %d: %s", resp.StatusCode, raw)
			}
			if results[0].Code(t) != graph.CodeQueryTooComplex || results[0].Errors[0].Extensions["limit"] != c.limit {
				t.Errorf("batch slot: %s", raw)
			}
			results[1].NoErrors(t)
		})
	}
	t.Run("GET", func(t *testing.T) {
		u := "/graphql?query=" + url.QueryEscape(`{ viewer { id } }`) + "&extensions=" + url.QueryEscape(`{"padding":`+zeros+`}`)
		resp, raw := a.Request(http.MethodGet, u, alice, nil)
		var r apitest.Result
		if err := json.Unmarshal(raw, &r); err != nil || resp.StatusCode != http.StatusBadRequest || r.Errors[0].Extensions["limit"] != "extensionValues" {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
	})
}
