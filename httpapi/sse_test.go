package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
)

// sseResult decodes a next event.
func sseResult(t testing.TB, ev sseEvent) apitest.Result {
	t.Helper()
	if ev.name != "next" {
		t.Fatalf("event %q (%s), want next", ev.name, ev.data)
	}
	var r apitest.Result
	if err := json.Unmarshal([]byte(ev.data), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEventStream(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		tok := tokenFor(t, "alice", time.Hour)
		start := a.EventCursor("alice")
		a.Create("alice", map[string]any{"title": "before"})

		t.Run("Subscription", func(t *testing.T) {
			resp, events := a.sse(tok, map[string]any{"query": eventSubscription, "variables": map[string]any{"after": start}})
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if r := sseResult(t, receive(t, events)).NoErrors(t); apitest.Path(r.Data, "taskEvents", "task", "title") != "before" {
				t.Errorf("replay: %v", r.Data)
			}
			// Each event is flushed through every middleware as it happens, not when the stream ends.
			a.Create("alice", map[string]any{"title": "live"})
			if r := sseResult(t, receive(t, events)).NoErrors(t); apitest.Path(r.Data, "taskEvents", "task", "title") != "live" {
				t.Errorf("live: %v", r.Data)
			}
		})
		t.Run("Query", func(t *testing.T) {
			_, events := a.sse(tok, map[string]any{"query": `{ viewer { id } }`})
			if r := sseResult(t, receive(t, events)).NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
				t.Errorf("%v", r.Data)
			}
			if ev := receive(t, events); ev.name != "complete" {
				t.Errorf("after the result: %+v, want complete", ev)
			}
		})
		t.Run("DocumentErrorsInTheStream", func(t *testing.T) {
			resp, events := a.sse(tok, map[string]any{"query": `subscription { taskEvents { nope } }`})
			r := sseResult(t, receive(t, events))
			if resp.StatusCode != http.StatusOK || r.Code(t) != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("status %d, errors %+v", resp.StatusCode, r.Errors)
			}
			if ev := receive(t, events); ev.name != "complete" {
				t.Errorf("after the errors: %+v, want complete", ev)
			}
			// One root field, counted by response key, and never conditional: the generated code would fail
			// anything else as an internal error.
			for _, doc := range []string{
				`subscription { taskEvents { kind } again: taskEvents { kind } }`,
				`subscription { a: taskEvents { kind } ... on Subscription { b: taskEvents { kind } } }`,
				`subscription { ...F } fragment F on Subscription { taskEvents { kind } x: taskEvents { kind } }`,
				`subscription { taskEvents @skip(if: true) { kind } }`,
				`subscription S($on: Boolean!) { taskEvents @include(if: $on) { kind } }`,
				`subscription { ... @skip(if: false) { taskEvents { kind } } }`,
			} {
				_, events := a.sse(tok, map[string]any{"query": doc, "variables": map[string]any{"on": false}})
				if r := sseResult(t, receive(t, events)); r.Code(t) != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("%s: %+v, want GRAPHQL_VALIDATION_FAILED", doc, r.Errors)
				}
			}
			_, events = a.sse("", map[string]any{"query": eventSubscription})
			if r := sseResult(t, receive(t, events)); r.Code(t) != "UNAUTHENTICATED" {
				t.Errorf("without a token: %+v", r.Errors)
			}
		})
		t.Run("HTTPErrors", func(t *testing.T) {
			resp, _ := a.sse("forged", map[string]any{"query": eventSubscription})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("a bad token: %d, want 401", resp.StatusCode)
			}
			for _, tc := range []struct {
				method, accept, contentType, body string
				status                            int
			}{
				{http.MethodGet, "text/event-stream", "", "", http.StatusMethodNotAllowed},
				{http.MethodPost, "application/json", "application/json", `{"query":"{ viewer { id } }"}`, http.StatusNotAcceptable},
				{http.MethodPost, "text/event-stream", "text/plain", `{"query":"{ viewer { id } }"}`, http.StatusUnsupportedMediaType},
				{http.MethodPost, "text/event-stream", "application/json", `{"query":`, http.StatusBadRequest},
			} {
				resp, body := a.Request(tc.method, "/graphql/stream", map[string]string{"Accept": tc.accept, "Content-Type": tc.contentType}, []byte(tc.body))
				if resp.StatusCode != tc.status || !strings.Contains(string(body), "BAD_REQUEST") {
					t.Errorf("%s Accept %q Content-Type %q: %d %s, want %d", tc.method, tc.accept, tc.contentType, resp.StatusCode, body, tc.status)
				}
			}
		})
		t.Run("EndsAtExpiryWithoutComplete", func(t *testing.T) {
			_, events := a.sse(tok, map[string]any{"query": eventSubscription})
			waitUntil(t, func() bool { return a.clock.pending() > 0 })
			a.clock.Advance(time.Hour)
			for ev := range events {
				if ev.name == "complete" {
					t.Error("the stream completed at the token's expiry; it must end without complete so that the client reconnects")
				}
			}
		})
	})
}
