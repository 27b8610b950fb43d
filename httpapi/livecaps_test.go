package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
	"taskapi/model/modeltest"
)

// TestSocketCapPerInstance: at MaxSockets live connections, WebSockets and event streams counted together, one
// more of either is refused before the upgrade with 429, Retry-After and RATE_LIMITED, while /healthz, /readyz,
// /metrics and plain requests are still answered; once one closes, there is room again.
func TestSocketCapPerInstance(t *testing.T) {
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{MaxSockets: 2}, live.Options{})
	first := a.connectAs("alice")
	resp, _ := a.sse(tokenFor(t, "bob", time.Hour), map[string]any{"query": eventSubscription})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the second live connection: %d", resp.StatusCode)
	}

	_, refused, err := a.dial(nil)
	if err == nil || refused == nil || refused.StatusCode != http.StatusTooManyRequests || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("a third socket: %v, %+v; want 429 with Retry-After", err, refused)
	}
	refusedStream(t, a, "carol")
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if resp, body := a.Request(http.MethodGet, path, nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s at the cap: %d %s", path, resp.StatusCode, body)
		}
	}
	a.Do("carol", `{ viewer { id } }`, nil).NoErrors(t)

	_ = first.conn.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, func() bool {
		c, _, err := a.dial(nil)
		if err != nil {
			return false
		}
		_ = c.conn.CloseNow()
		return true
	})
}

// TestSocketCapPerUser: a user with MaxSocketsPerUser live connections has a further WebSocket closed with 4429
// after connection_init, and a further event stream refused with 429; other users are not affected, and closing
// one of the user's connections makes room.
func TestSocketCapPerUser(t *testing.T) {
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{MaxSocketsPerUser: 2}, live.Options{})
	tok := tokenFor(t, "alice", time.Hour)
	first := a.connectAs("alice")
	if resp, _ := a.sse(tok, map[string]any{"query": eventSubscription}); resp.StatusCode != http.StatusOK {
		t.Fatalf("alice's second live connection: %d", resp.StatusCode)
	}

	c, _, err := a.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tok})})
	if code, reason := c.closed(); code != 4429 || reason == "" {
		t.Errorf("alice's third socket: closed with %d %q, want 4429 and a reason", code, reason)
	}
	refusedStream(t, a, "alice")

	other := a.connectAs("bob")
	other.subscribe("1", `{ viewer { id } }`, nil)
	other.result("1").NoErrors(t)

	_ = first.conn.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, func() bool {
		c, _, err := a.dial(nil)
		if err != nil {
			return false
		}
		defer func() { _ = c.conn.CloseNow() }()
		c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tok})})
		m, err := c.next()
		return err == nil && m.Type == "connection_ack"
	})
}

// refusedStream opens an event stream as user and fails the test unless it is refused with 429, Retry-After and
// RATE_LIMITED.
func refusedStream(t *testing.T, a *liveAPI, user string) {
	t.Helper()
	resp, raw := a.Request(http.MethodPost, "/graphql/stream", map[string]string{
		"Content-Type": "application/json", "Accept": "text/event-stream", "Authorization": "Bearer " + tokenFor(t, user, time.Hour),
	}, mustJSON(map[string]any{"query": eventSubscription}))
	var r apitest.Result
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		json.Unmarshal(raw, &r) != nil || r.Code(t) != "RATE_LIMITED" {
		t.Errorf("a stream for %s: %d %s, want 429 with Retry-After and RATE_LIMITED", user, resp.StatusCode, raw)
	}
}
