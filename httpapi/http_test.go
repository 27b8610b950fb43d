package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

func TestHTTP(t *testing.T) {
	a := apitest.New(t, "sqlite")
	jsonHeaders := func(extra ...string) map[string]string {
		h := map[string]string{"Content-Type": "application/json"}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return h
	}
	query := func(q string) []byte { b, _ := json.Marshal(map[string]any{"query": q}); return b }
	decode := func(t *testing.T, raw []byte) apitest.Result {
		t.Helper()
		var r apitest.Result
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("body is not a GraphQL response: %s", raw)
		}
		return r
	}

	cases := []struct {
		name        string
		method      string
		path        string
		headers     map[string]string
		body        []byte
		wantStatus  int
		wantType    string
		wantCode    string // extensions.code of the only error; "" for none
		wantNoData  bool
		wantHeaders map[string]string
	}{
		{name: "PostWithoutAcceptAnswersJSON", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: query("{ __typename }"), wantStatus: 200, wantType: "application/json"},
		{name: "PostAcceptingGraphQLResponse", method: "POST", path: "/graphql",
			headers: jsonHeaders("Accept", "application/graphql-response+json"),
			body:    query("{ __typename }"), wantStatus: 200, wantType: "application/graphql-response+json"},
		{name: "WildcardAcceptGetsJSON", method: "POST", path: "/graphql", headers: jsonHeaders("Accept", "*/*"),
			body: query("{ __typename }"), wantStatus: 200, wantType: "application/json"},
		{name: "PreferredMediaTypeWins", method: "POST", path: "/graphql",
			headers: jsonHeaders("Accept", "application/json;q=0.5, application/graphql-response+json"),
			body:    query("{ __typename }"), wantStatus: 200, wantType: "application/graphql-response+json"},
		{name: "ParseErrorIs400WithGraphQLResponse", method: "POST", path: "/graphql",
			headers: jsonHeaders("Accept", "application/graphql-response+json"), body: query("{"),
			wantStatus: 400, wantType: "application/graphql-response+json", wantCode: "GRAPHQL_PARSE_FAILED", wantNoData: true},
		{name: "ParseErrorIs200WithJSON", method: "POST", path: "/graphql", headers: jsonHeaders("Accept", "application/json"),
			body: query("{"), wantStatus: 200, wantType: "application/json", wantCode: "GRAPHQL_PARSE_FAILED", wantNoData: true},
		{name: "ValidationErrorIs400WithGraphQLResponse", method: "POST", path: "/graphql",
			headers: jsonHeaders("Accept", "application/graphql-response+json"), body: query("{ nope }"),
			wantStatus: 400, wantCode: "GRAPHQL_VALIDATION_FAILED", wantNoData: true},
		{name: "ValidationErrorIs200WithJSON", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: query("{ nope }"), wantStatus: 200, wantCode: "GRAPHQL_VALIDATION_FAILED", wantNoData: true},
		{name: "BrokenJSONIs400", method: "POST", path: "/graphql", headers: jsonHeaders(), body: []byte(`{"query":`),
			wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "QueryOfWrongTypeIs400", method: "POST", path: "/graphql", headers: jsonHeaders(), body: []byte(`{"query":1}`),
			wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "MissingQueryIs400", method: "POST", path: "/graphql", headers: jsonHeaders(), body: []byte(`{}`),
			wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "VariablesNotAnObjectIs400", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: []byte(`{"query":"{ __typename }","variables":[1]}`), wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "WrongContentTypeIs415", method: "POST", path: "/graphql", headers: map[string]string{"Content-Type": "text/plain"},
			body: query("{ __typename }"), wantStatus: 415, wantCode: "BAD_REQUEST"},
		{name: "UnacceptableAcceptIs406", method: "POST", path: "/graphql", headers: jsonHeaders("Accept", "text/html"),
			body: query("{ __typename }"), wantStatus: 406, wantCode: "BAD_REQUEST"},
		{name: "BodyOverLimitIs413", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: query("{ __typename }" + strings.Repeat(" ", 1<<20)), wantStatus: 413, wantCode: "BAD_REQUEST"},
		{name: "OtherMethodIs405", method: "PUT", path: "/graphql", headers: jsonHeaders(), body: query("{ __typename }"),
			wantStatus: 405, wantCode: "BAD_REQUEST", wantHeaders: map[string]string{"Allow": "GET, POST"}},
		{name: "GetServesQueries", method: "GET", path: "/graphql?query=" + url.QueryEscape("{ __typename }"),
			wantStatus: 200, wantType: "application/json"},
		{name: "GetRefusesMutations", method: "GET",
			path:       "/graphql?query=" + url.QueryEscape("mutation { clearCompletedTasks { count } }"),
			wantStatus: 405, wantCode: "BAD_REQUEST", wantNoData: true, wantHeaders: map[string]string{"Allow": "POST"}},
		{name: "InvalidTokenIs401", method: "POST", path: "/graphql",
			headers: jsonHeaders("Authorization", "Bearer not-a-token"), body: query("{ viewer { id } }"),
			wantStatus: 401, wantType: "application/json", wantCode: "UNAUTHENTICATED", wantNoData: true,
			wantHeaders: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{name: "InvalidTokenIs401InGraphQLResponse", method: "POST", path: "/graphql",
			headers: jsonHeaders("Authorization", "Bearer not-a-token", "Accept", "application/graphql-response+json"),
			body:    query("{ viewer { id } }"), wantStatus: 401, wantType: "application/graphql-response+json",
			wantCode: "UNAUTHENTICATED"},
		{name: "NoTokenIsUnauthenticatedField", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: query("{ tasks { totalCount } }"), wantStatus: 200, wantCode: "UNAUTHENTICATED"},
		{name: "IntrospectionWorksWithoutToken", method: "POST", path: "/graphql", headers: jsonHeaders(),
			body: query("{ __schema { queryType { name } } }"), wantStatus: 200},
		{name: "RequestIDIsEchoed", method: "POST", path: "/graphql", headers: jsonHeaders("X-Request-Id", "abc-123"),
			body: query("{ __typename }"), wantStatus: 200, wantHeaders: map[string]string{"X-Request-Id": "abc-123"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, raw := a.Request(tc.method, tc.path, tc.headers, tc.body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, raw)
			}
			if tc.wantType != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.wantType) {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tc.wantType)
			}
			for k, v := range tc.wantHeaders {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			r := decode(t, raw)
			if tc.wantCode == "" {
				r.NoErrors(t)
			} else if got := r.Code(t); got != tc.wantCode {
				t.Errorf("code = %q, want %q (%s)", got, tc.wantCode, raw)
			}
			if tc.wantNoData && r.HasData {
				t.Errorf("a request error must have no data entry: %s", raw)
			}
		})
	}
}

func TestHTTPPages(t *testing.T) {
	a := apitest.New(t, "sqlite")
	t.Run("GraphiQLAtRoot", func(t *testing.T) {
		resp, raw := a.Request("GET", "/", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(raw)), "graphiql") {
			t.Fatalf("GET / = %d %.200s", resp.StatusCode, raw)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
		}
	})
	for _, p := range []string{"/healthz", "/readyz"} {
		t.Run(p, func(t *testing.T) {
			if resp, raw := a.Request("GET", p, nil, nil); resp.StatusCode != 200 {
				t.Fatalf("GET %s = %d %s", p, resp.StatusCode, raw)
			}
		})
	}
	t.Run("UnknownPathIs404", func(t *testing.T) {
		if resp, _ := a.Request("GET", "/nope", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /nope = %d", resp.StatusCode)
		}
	})
}

func TestBatch(t *testing.T) {
	a := apitest.New(t, "sqlite", httpapi.Options{MaxBatch: 4})
	headers := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + apitest.Token(t, "batcher")}
	post := func(t *testing.T, body string) (*http.Response, []byte) {
		t.Helper()
		return a.Request("POST", "/graphql", headers, []byte(body))
	}

	t.Run("AnswersInOrderWithMutationsAsBarriers", func(t *testing.T) {
		resp, raw := post(t, `[
			{"query":"{ tasks { totalCount } }"},
			{"query":"mutation { createTask(input: {title: \"one\"}) { task { title } } }"},
			{"query":"{ tasks { totalCount } }"},
			{"query":"{ viewer { id } }"}
		]`)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		var results []apitest.Result
		if err := json.Unmarshal(raw, &results); err != nil || len(results) != 4 {
			t.Fatalf("want an array of 4 results: %s", raw)
		}
		for i, r := range results {
			r.NoErrors(t)
			_ = i
		}
		if n := apitest.Path(results[0].Data, "tasks", "totalCount"); n != float64(0) {
			t.Errorf("query before the mutation saw %v tasks", n)
		}
		if n := apitest.Path(results[2].Data, "tasks", "totalCount"); n != float64(1) {
			t.Errorf("query after the mutation saw %v tasks", n)
		}
		if id := apitest.Path(results[3].Data, "viewer", "id"); id != "batcher" {
			t.Errorf("viewer = %v", id)
		}
	})
	t.Run("MalformedElementFailsInItsOwnSlot", func(t *testing.T) {
		resp, raw := post(t, `[{"query":"{ viewer { id } }"}, 42, {"query":"{"}]`)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		var results []apitest.Result
		if err := json.Unmarshal(raw, &results); err != nil || len(results) != 3 {
			t.Fatalf("want 3 results: %s", raw)
		}
		results[0].NoErrors(t)
		if c := results[1].Code(t); c != "BAD_REQUEST" {
			t.Errorf("slot 1 code %q", c)
		}
		if c := results[2].Code(t); c != "GRAPHQL_PARSE_FAILED" {
			t.Errorf("slot 2 code %q", c)
		}
	})
	t.Run("OverTheLimitIsRefusedWhole", func(t *testing.T) {
		resp, raw := post(t, `[{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"}]`)
		if resp.StatusCode != 400 {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		var r apitest.Result
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("want one response object, not an array: %s", raw)
		}
		if c := r.Code(t); c != "QUERY_TOO_COMPLEX" || r.Errors[0].Extensions["limit"] != "batch" {
			t.Errorf("got %s", raw)
		}
	})
	t.Run("EmptyBatchIs400", func(t *testing.T) {
		if resp, raw := post(t, `[]`); resp.StatusCode != 400 {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
	})
}
