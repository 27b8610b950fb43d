package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
)

// sendRaw writes b as one frame of the given kind; an error is returned, not fatal, since the server may have
// closed the socket already.
func (c *wsClient) sendRaw(kind websocket.MessageType, b string) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return c.conn.Write(ctx, kind, []byte(b))
}

// violation sends b and then a ping, and returns how the socket closed; ok is false if it did not. The ping is read
// only if the server let the socket live on after b: its pong reports that, without waiting for a timeout.
func (c *wsClient) violation(t *testing.T, kind websocket.MessageType, b string) (code websocket.StatusCode, reason string, ok bool) {
	t.Helper()
	if err := c.sendRaw(kind, b); err != nil {
		t.Fatalf("send %s: %v", b, err)
	}
	_ = c.sendRaw(websocket.MessageText, `{"type":"ping","payload":{"probe":true}}`)
	for {
		m, err := c.next()
		var ce websocket.CloseError
		switch {
		case errors.As(err, &ce):
			return ce.Code, ce.Reason, true
		case err != nil:
			t.Errorf("after %s the socket ended without a close frame: %v", b, err)
			return 0, "", false
		case m.Type == "pong":
			t.Errorf("after %s the socket stayed open (it answered the ping after it)", b)
			_ = c.conn.CloseNow()
			return 0, "", false
		}
	}
}

// TestWebsocketProtocolViolations sends each message that graphql-transport-ws does not allow from a client, and
// expects the close code the protocol gives it, with a reason a person can read: 4401 for a subscribe before the
// connection is acknowledged, 4429 for a second connection_init, 4400 for any message of a type or shape the
// protocol does not specify (or one only the server sends). The operations running on the socket end with it.
func TestWebsocketProtocolViolations(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		initMsg := string(mustJSON(msg{Type: "connection_init",
			Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tokenFor(t, "alice", time.Hour)})}))
		const query = `{"query":"{ viewer { id } }"}`
		long := strings.Repeat("1", 200)
		text, binary := websocket.MessageText, websocket.MessageBinary
		for _, tc := range []struct {
			name   string
			acked  bool // sent after connection_ack, with a subscription running; else as the first message
			kind   websocket.MessageType
			send   string
			code   websocket.StatusCode
			reason string // what the reason must say
		}{
			{"subscribe before connection_init", false, text, `{"id":"1","type":"subscribe","payload":` + query + `}`, 4401, "Unauthorized"},
			{"second connection_init", true, text, initMsg, 4429, "Too many initialisation requests"},

			{"not JSON, first", false, text, `hello`, 4400, "Invalid message"},
			{"not JSON", true, text, `{"type":"ping"`, 4400, "Invalid message"},
			{"JSON then more", true, text, `{"type":"ping"} {"type":"ping"}`, 4400, "Invalid message"},
			{"not an object", true, text, `["ping"]`, 4400, "Invalid message"},
			{"null", true, text, `null`, 4400, "Invalid message"},
			{"binary, not JSON", true, binary, "\x00\x01\x02", 4400, "Invalid message"},
			{"empty", true, text, ``, 4400, "Invalid message"},

			{"unknown type, first", false, text, `{"type":"start","id":"1","payload":` + query + `}`, 4400, "Invalid message"},
			{"unknown type", true, text, `{"type":"start","id":"1","payload":` + query + `}`, 4400, "Invalid message"},
			{"no type, first", false, text, `{"payload":{}}`, 4400, "Invalid message"},
			{"no type", true, text, `{"id":"2","payload":` + query + `}`, 4400, "Invalid message"},
			{"empty type", true, text, `{"type":""}`, 4400, "Invalid message"},
			{"type not a string", true, text, `{"type":7}`, 4400, "Invalid message"},
			{"type in another case", true, text, `{"type":"PING"}`, 4400, "Invalid message"},

			{"next from the client", true, text, `{"id":"1","type":"next","payload":{"data":{}}}`, 4400, "Invalid message"},
			{"error from the client", true, text, `{"id":"1","type":"error","payload":[{"message":"x"}]}`, 4400, "Invalid message"},
			{"connection_ack from the client", true, text, `{"type":"connection_ack"}`, 4400, "Invalid message"},
			{"next from the client, first", false, text, `{"id":"1","type":"next","payload":{"data":{}}}`, 4400, "Invalid message"},

			{"subscribe without id", true, text, `{"type":"subscribe","payload":` + query + `}`, 4400, "Invalid message"},
			{"subscribe with an empty id", true, text, `{"id":"","type":"subscribe","payload":` + query + `}`, 4400, "Invalid message"},
			{"subscribe with a number id", true, text, `{"id":2,"type":"subscribe","payload":` + query + `}`, 4400, "Invalid message"},
			{"subscribe without payload", true, text, `{"id":"2","type":"subscribe"}`, 4400, "Invalid message"},
			{"subscribe with a null payload", true, text, `{"id":"2","type":"subscribe","payload":null}`, 4400, "Invalid message"},
			{"subscribe with a string payload", true, text, `{"id":"2","type":"subscribe","payload":"{ viewer { id } }"}`, 4400, "Invalid message"},
			{"subscribe without query", true, text, `{"id":"2","type":"subscribe","payload":{"variables":{}}}`, 4400, "Invalid message"},
			{"subscribe with a null query", true, text, `{"id":"2","type":"subscribe","payload":{"query":null}}`, 4400, "Invalid message"},
			{"subscribe with a number query", true, text, `{"id":"2","type":"subscribe","payload":{"query":1}}`, 4400, "Invalid message"},
			{"subscribe with list variables", true, text, `{"id":"2","type":"subscribe","payload":{"query":"{ viewer { id } }","variables":[1]}}`, 4400, "Invalid message"},
			{"subscribe with a number operationName", true, text, `{"id":"2","type":"subscribe","payload":{"query":"{ viewer { id } }","operationName":1}}`, 4400, "Invalid message"},
			{"subscribe with string extensions", true, text, `{"id":"2","type":"subscribe","payload":{"query":"{ viewer { id } }","extensions":"x"}}`, 4400, "Invalid message"},

			{"complete without id", true, text, `{"type":"complete"}`, 4400, "Invalid message"},
			{"complete with an empty id", true, text, `{"id":"","type":"complete"}`, 4400, "Invalid message"},
			{"complete with a number id", true, text, `{"id":1,"type":"complete"}`, 4400, "Invalid message"},
			{"ping with a string payload", true, text, `{"type":"ping","payload":"x"}`, 4400, "Invalid message"},
			{"pong with a list payload", true, text, `{"type":"pong","payload":[]}`, 4400, "Invalid message"},
			{"connection_init with a list payload", false, text, `{"type":"connection_init","payload":[]}`, 4400, "Invalid message"},
			{"a long unknown type", true, text, `{"type":"` + strings.Repeat("x", 200) + `"}`, 4400, "Invalid message: unknown type"},
			{"an unknown type of control characters", true, text, `{"type":"` + strings.Repeat(`\u0001`, 40) + `"}`, 4400, "Invalid message: unknown type"},
			{"subscribe with a running id", true, text, `{"id":"1","type":"subscribe","payload":` + query + `}`, 4409, "Subscriber for 1 already exists"},
			{"subscribe with a long running id", true, text, `{"id":"` + long + `","type":"subscribe","payload":` + query + `}`, 4409, "Subscriber for this id already exists"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var c *wsClient
				if tc.acked {
					c = a.connectAs("alice")
					c.subscribe("1", eventSubscription, nil)
					c.subscribe(long, eventSubscription, nil)
					waitUntil(t, func() bool { return a.hub.Subscriptions() == 2 })
				} else {
					var err error
					if c, _, err = a.dial(nil); err != nil {
						t.Fatal(err)
					}
				}
				code, reason, ok := c.violation(t, tc.kind, tc.send)
				if ok && code != tc.code {
					t.Errorf("close code %d (%q), want %d", code, reason, tc.code)
				}
				if ok && !strings.Contains(reason, tc.reason) || !utf8.ValidString(reason) || len(reason) > 123 {
					t.Errorf("close reason %q, want one that says %q", reason, tc.reason)
				}
				waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
			})
		}
	})
}

// TestWebsocketProtocolAllowed sends what graphql-transport-ws allows a client that the violations above come close
// to: a ping, a pong or a complete at any time (before connection_init too), a complete for an operation that has
// ended or never was, null where the protocol allows it, and a message in a binary frame (graphql-ws's servers read
// one as its text). The socket goes on.
func TestWebsocketProtocolAllowed(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		tok := "Bearer " + tokenFor(t, "alice", time.Hour)
		c, _, err := a.dial(nil)
		if err != nil {
			t.Fatal(err)
		}
		send := func(kind websocket.MessageType, b string) {
			t.Helper()
			if err := c.sendRaw(kind, b); err != nil {
				t.Fatalf("send %s: %v", b, err)
			}
		}
		expect := func(after string, want msg) {
			t.Helper()
			m, err := c.next()
			if err != nil || m.Type != want.Type || m.ID != want.ID || (want.Payload != nil && string(m.Payload) != string(want.Payload)) {
				t.Fatalf("after %s: %+v (%s), %v; want %+v", after, m, m.Payload, err, want)
			}
		}
		// Before connection_init.
		send(websocket.MessageText, `{"type":"pong"}`)
		send(websocket.MessageText, `{"type":"complete","id":"never"}`)
		send(websocket.MessageText, `{"type":"ping","payload":{"n":1}}`)
		expect("a ping before connection_init", msg{Type: "pong", Payload: json.RawMessage(`{"n":1}`)})
		send(websocket.MessageText, `{"type":"ping","payload":null}`)
		expect("a ping with a null payload", msg{Type: "pong"})
		send(websocket.MessageText, string(mustJSON(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": tok})})))
		expect("connection_init", msg{Type: "connection_ack"})

		// After connection_ack.
		send(websocket.MessageText, `{"type":"ping","payload":{"n":2}}`)
		expect("a ping", msg{Type: "pong", Payload: json.RawMessage(`{"n":2}`)})
		send(websocket.MessageText, `{"type":"pong","payload":null}`)
		send(websocket.MessageText, `{"type":"complete","id":"never"}`)
		send(websocket.MessageText, `{"id":"q","type":"subscribe","payload":{"query":"{ viewer { id } }","operationName":null,"variables":null,"extensions":null}}`)
		if r := c.result("q").NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
			t.Fatalf("%v", r.Data)
		}
		expect("the result", msg{Type: "complete", ID: "q"})
		send(websocket.MessageText, `{"type":"complete","id":"q"}`) // the operation ended already
		send(websocket.MessageBinary, `{"id":"b","type":"subscribe","payload":{"query":"{ viewer { id } }"}}`)
		if r := c.result("b").NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
			t.Fatalf("%v", r.Data)
		}
		expect("the result", msg{Type: "complete", ID: "b"})

		// A connection_init with a null payload, the token in the upgrade request.
		h, _, err := a.dial(map[string][]string{"Authorization": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.sendRaw(websocket.MessageText, `{"type":"connection_init","payload":null}`); err != nil {
			t.Fatal(err)
		}
		if m := h.read(); m.Type != "connection_ack" {
			t.Fatalf("after connection_init with a null payload: %+v", m)
		}
	})
}
