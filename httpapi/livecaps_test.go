package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
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

// TestSocketCapPerAddress: at MaxSocketsPerAddress live connections from one client address (behind a trusted
// proxy, the one X-Forwarded-For names), one more WebSocket or event stream from it is refused before the upgrade
// with 429, Retry-After and RATE_LIMITED; other addresses are not affected, and closing one makes room.
func TestSocketCapPerAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{MaxSocketsPerAddress: 2, TrustedProxies: proxies}, live.Options{})
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	first, _, err := a.dial(from("203.0.113.1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.dial(from("203.0.113.1")); err != nil {
		t.Fatal(err)
	}

	_, refused, err := a.dial(from("203.0.113.1"))
	if err == nil || refused == nil || refused.StatusCode != http.StatusTooManyRequests || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("a third socket from the address: %v, %+v; want 429 with Retry-After", err, refused)
	}
	resp, raw := a.Request(http.MethodPost, "/graphql/stream", map[string]string{
		"Content-Type": "application/json", "Accept": "text/event-stream", "X-Forwarded-For": "203.0.113.1",
		"Authorization": "Bearer " + tokenFor(t, "carol", time.Hour),
	}, mustJSON(map[string]any{"query": eventSubscription}))
	var r apitest.Result
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		json.Unmarshal(raw, &r) != nil || r.Code(t) != "RATE_LIMITED" {
		t.Errorf("a stream from the address: %d %s, want 429 with Retry-After and RATE_LIMITED", resp.StatusCode, raw)
	}

	other, _, err := a.dial(from("203.0.113.2"))
	if err != nil {
		t.Fatalf("a socket from another address: %v", err)
	}
	_ = other.conn.CloseNow()

	_ = first.conn.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, func() bool {
		c, _, err := a.dial(from("203.0.113.1"))
		if err != nil {
			return false
		}
		_ = c.conn.CloseNow()
		return true
	})
}
