package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/uptrace/bun"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

func TestWebsocketSubscription(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		start := a.EventCursor("alice")
		a.Create("alice", map[string]any{"title": "before"})

		t.Run("ReplayThenLive", func(t *testing.T) {
			c := a.connectAs("alice")
			c.subscribe("1", eventSubscription, map[string]any{"after": start})
			if k, title, _ := c.event("1"); k != "CREATED" || title != "before" {
				t.Fatalf("replay: %s %q", k, title)
			}
			a.Create("bob", map[string]any{"title": "not alice's"})
			a.Create("alice", map[string]any{"title": "live"})
			if k, title, _ := c.event("1"); k != "CREATED" || title != "live" {
				t.Fatalf("live: %s %q", k, title)
			}
			c.send(msg{ID: "1", Type: "complete"})
		})
		t.Run("TokenForms", func(t *testing.T) {
			tok := "Bearer " + tokenFor(t, "alice", time.Hour)
			for name, payload := range map[string]map[string]any{
				"lower case":     {"authorization": tok},
				"inside headers": {"headers": map[string]any{"Authorization": tok}},
			} {
				t.Run(name, func(t *testing.T) {
					c := a.connect(payload)
					c.subscribe("q", `{ viewer { id } }`, nil)
					if r := c.result("q").NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
						t.Errorf("viewer = %v", r.Data)
					}
				})
			}
			t.Run("upgrade header", func(t *testing.T) {
				c, _, err := a.dial(http.Header{"Authorization": {tok}})
				if err != nil {
					t.Fatal(err)
				}
				c.send(msg{Type: "connection_init"})
				if m := c.read(); m.Type != "connection_ack" {
					t.Fatalf("%+v", m)
				}
			})
		})
		t.Run("QueriesAndMutationsUnderTheLimits", func(t *testing.T) {
			c := a.connectAs("alice")
			c.subscribe("m", `mutation { createTask(input: {title: "over the socket"}) { task { title } } }`, nil)
			if r := c.result("m").NoErrors(t); apitest.Path(r.Data, "createTask", "task", "title") != "over the socket" {
				t.Errorf("mutation: %v", r.Data)
			}
			if m := c.read(); m.Type != "complete" || m.ID != "m" {
				t.Errorf("after the result: %+v, want complete", m)
			}
			var aliases strings.Builder
			for i := range 40 {
				fmt.Fprintf(&aliases, "a%d: viewer { id } ", i)
			}
			c.subscribe("deep", "{ "+aliases.String()+"}", nil)
			m := c.read()
			var errs []apitest.GQLError
			_ = json.Unmarshal(m.Payload, &errs)
			if m.Type == "next" {
				var r apitest.Result
				_ = json.Unmarshal(m.Payload, &r)
				errs = r.Errors
			}
			if len(errs) == 0 || errs[0].Extensions["code"] != "QUERY_TOO_COMPLEX" {
				t.Errorf("an alias flood over the socket: %+v (%s), want QUERY_TOO_COMPLEX", m, m.Payload)
			}
		})
		t.Run("BadCursor", func(t *testing.T) {
			c := a.connectAs("bob")
			c.subscribe("1", eventSubscription, map[string]any{"after": start}) // alice's cursor
			m := c.read()
			var r apitest.Result
			_ = json.Unmarshal(m.Payload, &r)
			if m.Type != "next" || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "after" {
				t.Errorf("another user's cursor: %+v %s, want BAD_USER_INPUT for after", m, m.Payload)
			}
		})
	})
}

func TestWebsocketAuth(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		for name, payload := range map[string]map[string]any{
			"no token":        {},
			"bad token":       {"Authorization": "Bearer not.a.token"},
			"not bearer":      {"Authorization": tokenFor(t, "alice", time.Hour)},
			"expired token":   {"Authorization": "Bearer " + expiredToken(t, "alice")},
			"token in header": nil, // below: a bad token in the upgrade header closes with 4403 too, not 401
		} {
			t.Run(name, func(t *testing.T) {
				header := http.Header{}
				if payload == nil {
					header.Set("Authorization", "Bearer forged")
				}
				c, resp, err := a.dial(header)
				if err != nil {
					t.Fatalf("dial: %v (%v)", err, resp)
				}
				c.send(msg{Type: "connection_init", Payload: mustJSON(payload)})
				if code, _ := c.closed(); code != 4403 {
					t.Errorf("close code %d, want 4403", code)
				}
			})
		}
		t.Run("InitTimeout", func(t *testing.T) {
			c, _, err := a.dial(nil)
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, func() bool { return a.clock.pending() > 0 })
			a.clock.Advance(9 * time.Second)
			if a.clock.pending() == 0 {
				t.Fatal("the init timer fired before 10 s")
			}
			a.clock.Advance(time.Second)
			if code, _ := c.closed(); code != 4408 {
				t.Errorf("close code %d, want 4408", code)
			}
		})
		t.Run("ExpiryThenReconnectMissesNothing", func(t *testing.T) {
			c := a.connectAs("carol") // a token valid for an hour
			c.subscribe("1", eventSubscription, a.from("carol"))
			waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
			a.Create("carol", map[string]any{"title": "one"})
			_, _, last := c.event("1")
			a.clock.Advance(time.Hour)
			if code, _ := c.closed(); code != 4403 {
				t.Fatalf("at exp: close code %d, want 4403", code)
			}
			// Changes while the client is away, then it comes back with a fresh token and its last cursor.
			a.Create("carol", map[string]any{"title": "two"})
			a.Create("carol", map[string]any{"title": "three"})
			// (The fake clock is an hour ahead of the verifier's now.)
			c = a.connect(map[string]any{"Authorization": "Bearer " + tokenFor(t, "carol", 3*time.Hour)})
			c.subscribe("2", eventSubscription, map[string]any{"after": last})
			for _, want := range []string{"two", "three"} {
				if _, title, _ := c.event("2"); title != want {
					t.Fatalf("after reconnecting: %q, want %q", title, want)
				}
			}
			a.Create("carol", map[string]any{"title": "four"})
			if _, title, _ := c.event("2"); title != "four" {
				t.Fatalf("live after reconnecting: %q", title)
			}
		})
	})
}

func TestWebsocketOrigin(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{CORSOrigins: []string{"https://app.example.com", "https://*.preview.example.com"}}, live.Options{})
		for origin, ok := range map[string]bool{
			"https://app.example.com":          true,
			"https://pr-1.preview.example.com": true,
			"https://evil.example.net":         false,
			"http://app.example.com":           false,
		} {
			_, resp, err := a.dial(http.Header{"Origin": {origin}})
			if ok && err != nil {
				t.Errorf("Origin %s refused: %v", origin, err)
			}
			if !ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Errorf("Origin %s: %v, want 403", origin, err)
			}
		}
		dev := newLiveAPI(t, kind, httpapi.Options{AnyOrigin: true}, live.Options{})
		if _, _, err := dev.dial(http.Header{"Origin": {"http://localhost:5173"}}); err != nil {
			t.Errorf("development mode refused an origin: %v", err)
		}
	})
}

func TestWebsocketLimits(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{OperationTimeout: 50 * time.Millisecond}, live.Options{MaxPerUser: 2})
		c := a.connectAs("alice")
		c.subscribe("1", eventSubscription, a.from("alice"))
		c.subscribe("2", eventSubscription, a.from("alice"))
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 2 })
		c.subscribe("3", eventSubscription, nil)
		r := c.result("3")
		if r.Code(t) != "RATE_LIMITED" {
			t.Errorf("a third subscription: %+v, want RATE_LIMITED", r.Errors)
		}
		// The deadline of one operation does not end a subscription that waits longer for its next event.
		time.Sleep(200 * time.Millisecond)
		// Written through the store: over HTTP the write would be bound by the same 50 ms, which a busy machine
		// may not grant it.
		if _, err := a.store.CreateTask(context.Background(), "alice", model.CreateTaskInput{Title: "still here", Priority: model.PriorityMedium}); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for range 2 {
			m := c.read()
			if m.Type == "complete" && m.ID == "3" {
				m = c.read()
			}
			got[m.ID] = m.Type == "next" && strings.Contains(string(m.Payload), "still here")
		}
		if !got["1"] || !got["2"] {
			t.Errorf("the two subscriptions got %v, want the event on both", got)
		}
	})
}

func TestWebsocketShutdown(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		draining := make(chan struct{})
		a := newLiveAPI(t, kind, httpapi.Options{Draining: draining}, live.Options{})
		c := a.connectAs("alice")
		c.subscribe("1", eventSubscription, nil)
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
		_, events := a.sse(tokenFor(t, "alice", time.Hour), map[string]any{"query": eventSubscription})
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 2 })
		close(draining)
		if code, _ := c.closed(); code != 1012 {
			t.Errorf("close code %d, want 1012", code)
		}
		for ev := range events {
			if ev.name == "complete" {
				t.Error("the event stream completed at shutdown; it must end without complete so that clients reconnect")
			}
		}
		if _, resp, err := a.dial(nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a new socket while shutting down: %v, want 503", err)
		}
	})
}

// TestWebsocketNoLeak subscribes and aborts a thousand times, on sockets closed politely and on TCP connections
// broken without a word: afterwards the goroutines are back to what they were, and no subscription is left.
func TestWebsocketNoLeak(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		warm := a.connectAs("alice")
		warm.subscribe("w", `{ viewer { id } }`, nil)
		warm.result("w")
		_ = warm.conn.Close(websocket.StatusNormalClosure, "")
		before := settledGoroutines(t, -1)

		const sockets, cycles = 10, 100
		for range sockets {
			c := a.connectAs("alice")
			for i := range cycles {
				id := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
				c.subscribe(id, eventSubscription, nil)
				c.send(msg{ID: id, Type: "complete"})
			}
			c.subscribe("last", `{ viewer { id } }`, nil)
			for m := c.read(); m.ID != "last" || m.Type != "next"; m = c.read() {
			}
			_ = c.conn.Close(websocket.StatusNormalClosure, "")
		}
		for range 50 {
			c := a.connectAs("alice")
			c.subscribe("1", eventSubscription, nil)
			waitUntil(t, func() bool { return a.hub.Subscriptions() > 0 })
			_ = c.raw.Close() // no close frame, no FIN handshake of the protocol: the cable is cut
			waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
		}
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
		settledGoroutines(t, before)
	})
}

// expiredToken returns a well-signed token for user that expired an hour ago.
func expiredToken(t testing.TB, user string) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": user, "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix(),
	}).SignedString(apitest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// settledGoroutines waits until the goroutine count stops falling and returns it; with want >= 0, it fails the test
// unless the count comes down to want (give or take the test's own scheduling) within the wait.
func settledGoroutines(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if want < 0 {
			time.Sleep(100 * time.Millisecond)
			if runtime.NumGoroutine() >= n {
				return n
			}
			continue
		}
		if n <= want+2 {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", n, want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitUntil polls cond until it holds, failing the test after wait.
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestListThenSubscribe loads a list while another client writes, subscribes from the list's eventCursor, and
// applies the events as a cache would: once the writes are done, the client's state is the database's.
func TestListThenSubscribe(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		var ids []string
		for i := range 5 {
			ids = append(ids, apitest.Str(a.Create("dana", map[string]any{"title": fmt.Sprint("seed ", i)})["id"]))
		}
		writes := make(chan struct{})
		go func() {
			defer close(writes)
			for i := range 30 {
				id := ids[i%len(ids)]
				switch i % 4 {
				case 0:
					a.Create("dana", map[string]any{"title": fmt.Sprint("new ", i)})
				case 1:
					a.Do("dana", `mutation($id: ID!, $t: String!) { updateTask(id: $id, input: {title: $t}) { task { id } } }`,
						map[string]any{"id": id, "t": fmt.Sprint("edit ", i)})
				case 2:
					a.Do("dana", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": id})
				case 3:
					a.Do("dana", `mutation { clearCompletedTasks { count } }`, nil)
				}
			}
		}()
		const list = `{ tasks(first: 100) { nodes { id title completed } eventCursor } }`
		r := a.Do("dana", list, nil).NoErrors(t)
		state := map[string]string{}
		for _, n := range apitest.Path(r.Data, "tasks", "nodes").([]any) {
			state[apitest.Str(apitest.Path(n, "id"))] = fmt.Sprint(apitest.Path(n, "title"), apitest.Path(n, "completed"))
		}
		c := a.connectAs("dana")
		c.subscribe("1", `subscription($after: String) { taskEvents(after: $after) { cursor kind taskId task { id title completed } } }`,
			map[string]any{"after": apitest.Str(apitest.Path(r.Data, "tasks", "eventCursor"))})
		<-writes
		head := a.EventCursor("dana")
		for cursor := ""; cursor != head; {
			ev := apitest.Path(c.result("1").NoErrors(t).Data, "taskEvents")
			cursor = apitest.Str(apitest.Path(ev, "cursor"))
			switch id := apitest.Str(apitest.Path(ev, "taskId")); apitest.Path(ev, "kind") {
			case "DELETED":
				delete(state, id)
			default:
				state[id] = fmt.Sprint(apitest.Path(ev, "task", "title"), apitest.Path(ev, "task", "completed"))
			}
		}
		final := a.Do("dana", list, nil).NoErrors(t)
		nodes := apitest.Path(final.Data, "tasks", "nodes").([]any)
		if len(nodes) != len(state) {
			t.Fatalf("the client has %d tasks, the database %d", len(state), len(nodes))
		}
		for _, n := range nodes {
			if want := fmt.Sprint(apitest.Path(n, "title"), apitest.Path(n, "completed")); state[apitest.Str(apitest.Path(n, "id"))] != want {
				t.Errorf("task %v: the client has %q, the database %q", apitest.Path(n, "id"), state[apitest.Str(apitest.Path(n, "id"))], want)
			}
		}
	})
}

// TestWebsocketRateLimit counts each operation over a socket against the user's bucket, the same bucket that the
// user's HTTP requests use: one over the limit is refused with RATE_LIMITED, and the socket goes on.
func TestWebsocketRateLimit(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 3}}, live.Options{})
		a.Do("erin", `{ viewer { id } }`, nil).NoErrors(t)
		a.Do("erin", `{ viewer { id } }`, nil).NoErrors(t)
		c := a.connectAs("erin")
		c.subscribe("1", `{ viewer { id } }`, nil)
		c.result("1").NoErrors(t)
		if m := c.read(); m.Type != "complete" {
			t.Fatalf("%+v", m)
		}
		c.subscribe("2", `{ viewer { id } }`, nil)
		if r := c.result("2"); r.Code(t) != "RATE_LIMITED" {
			t.Errorf("the fourth operation of the user: %+v, want RATE_LIMITED", r.Errors)
		}
		if m := c.read(); m.Type != "complete" || m.ID != "2" {
			t.Errorf("after the refusal: %+v, want complete (the socket goes on)", m)
		}
		other := a.connectAs("frank")
		other.subscribe("1", `{ viewer { id } }`, nil)
		other.result("1").NoErrors(t)
	})
}

// TestWebsocketRateLimitBeforeParsing: once the user's bucket is empty, an operation over the socket is refused
// before its document is parsed. Each document sent is one that parsing would refuse (an unclosed selection set
// with a 32 KB name), so an answer of RATE_LIMITED rather than GRAPHQL_PARSE_FAILED shows it was never parsed.
func TestWebsocketRateLimitBeforeParsing(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 1},
			Limits: httpapi.Limits{MaxDocumentBytes: 64 << 10}}, live.Options{})
		c := a.connectAs("erin")
		c.subscribe("0", `{ viewer { id } }`, nil)
		c.result("0").NoErrors(t)
		c.read() // complete
		unparseable := "{ " + strings.Repeat("x", 32<<10)
		for i := range 20 {
			id := strconv.Itoa(i + 1)
			c.subscribe(id, unparseable, nil)
			r := c.result(id)
			if code := r.Code(t); code != "RATE_LIMITED" {
				t.Fatalf("operation %s over the limit: %s, want RATE_LIMITED (refused before parsing)", id, code)
			}
			if len(r.Errors[0].Message) > 200 {
				t.Errorf("a refusal of %d bytes", len(r.Errors[0].Message))
			}
			if m := c.read(); m.Type != "complete" || m.ID != id {
				t.Fatalf("after the refusal: %+v, want complete", m)
			}
		}
	})
}

// TestErrorsDoNotEchoLongNames: an unknown field with a 32 KB name is refused with a short message, over HTTP and
// over the socket, and so is a parse error quoting one.
func TestErrorsDoNotEchoLongNames(t *testing.T) {
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{Limits: httpapi.Limits{MaxDocumentBytes: 64 << 10}}, live.Options{})
	long := strings.Repeat("x", 32<<10)
	c := a.connectAs("erin")
	for i, tc := range []struct{ query, code string }{
		{"{ " + long + " }", "GRAPHQL_VALIDATION_FAILED"},
		{"{ viewer { id } } " + long, "GRAPHQL_PARSE_FAILED"},
	} {
		check := func(over string, r apitest.Result) {
			t.Helper()
			if code := r.Code(t); code != tc.code {
				t.Errorf("%s: %s, want %s", over, code, tc.code)
			}
			if m := r.Errors[0].Message; len(m) > 200 {
				t.Errorf("%s: a message of %d bytes: %.100s...", over, len(m), m)
			}
		}
		check("HTTP", a.Do("erin", tc.query, nil))
		// Over the socket, a document that does not parse or validate is answered with an error message (its
		// payload the list of errors).
		id := strconv.Itoa(i)
		c.subscribe(id, tc.query, nil)
		m := c.read()
		var r apitest.Result
		if m.Type != "error" || m.ID != id || json.Unmarshal(m.Payload, &r.Errors) != nil {
			t.Fatalf("got %+v (%.200s), want error of %s", m, m.Payload, id)
		}
		check("WebSocket", r)
		c.read() // complete, which the transport sends after the error
	}
}

// TestWebsocketDropsSilentPeer pings every 100 ms: a peer that answers stays, one that stops answering is dropped.
func TestWebsocketDropsSilentPeer(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{WebsocketPingInterval: 100 * time.Millisecond}, live.Options{})
		answering := a.connectAs("gina")
		received := make(chan msg, 10)
		go func() {
			defer close(received)
			for {
				m, err := answering.next() // answers each ping as it comes
				if err != nil {
					return
				}
				received <- m
			}
		}()
		silent := a.connectAs("gina")
		// The silent peer reads (so that TCP does not push back) but never answers a ping.
		pings := 0
		for {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			_, b, err := silent.conn.Read(ctx)
			cancel()
			if err != nil {
				break
			}
			if strings.Contains(string(b), `"ping"`) {
				pings++
			}
		}
		if pings == 0 {
			t.Error("the server never pinged")
		}
		// Meanwhile the answering peer, which has seen the same pings, is still served.
		answering.subscribe("1", `{ viewer { id } }`, nil)
		select {
		case m, ok := <-received:
			if !ok || m.Type != "next" || !strings.Contains(string(m.Payload), "gina") {
				t.Errorf("the answering peer: %+v (open %t)", m, ok)
			}
		case <-time.After(wait):
			t.Error("the answering peer got no answer")
		}
	})
}

// TestResumeAfterDroppedSocket cuts a subscriber's TCP connection without a word while changes go on; the client
// reconnects with its last cursor and gets exactly what it missed, in order, and then what follows, live.
func TestResumeAfterDroppedSocket(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		c := a.connectAs("hank")
		c.subscribe("1", eventSubscription, a.from("hank"))
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
		a.Create("hank", map[string]any{"title": "seen"})
		_, _, last := c.event("1")
		_ = c.raw.Close()
		for _, title := range []string{"missed 1", "missed 2", "missed 3"} {
			a.Create("hank", map[string]any{"title": title})
		}
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
		c = a.connectAs("hank")
		c.subscribe("2", eventSubscription, map[string]any{"after": last})
		var got []string
		for range 3 {
			_, title, _ := c.event("2")
			got = append(got, title)
		}
		a.Create("hank", map[string]any{"title": "live"})
		_, title, _ := c.event("2")
		got = append(got, title)
		if want := []string{"missed 1", "missed 2", "missed 3", "live"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("after reconnecting: %q, want %q", got, want)
		}
	})
}

// TestWebsocketOperationLoaders gives each operation over a socket its own loaders, as an HTTP request has: the
// task and node fields of one query are read in one statement.
func TestWebsocketOperationLoaders(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		id := apitest.Str(a.Create("ivan", map[string]any{"title": "loaded"})["id"])
		c := a.connectAs("ivan")
		a.reads.n.Store(0)
		c.subscribe("1", `query($id: ID!) { a: task(id: $id) { title } b: node(id: $id) { id } }`, map[string]any{"id": id})
		if r := c.result("1").NoErrors(t); apitest.Path(r.Data, "a", "title") != "loaded" || apitest.Path(r.Data, "b", "id") != id {
			t.Fatalf("%v", r.Data)
		}
		if n := a.reads.n.Load(); n != 1 {
			t.Errorf("%d statements read tasks, want 1 (task and node batched by the operation's loader)", n)
		}
	})
}

// taskReads counts the SELECTs on tasks.
type taskReads struct{ n atomic.Int32 }

func (c *taskReads) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.HasPrefix(e.Query, "SELECT") && strings.Contains(e.Query, `FROM "tasks"`) {
		c.n.Add(1)
	}
	return ctx
}

func (c *taskReads) AfterQuery(context.Context, *bun.QueryEvent) {}

// A connection_init whose payload is not an object ends gqlgen's handling of the socket without closing it; the
// server must close it (4400, a message the protocol does not allow), or each such message would hold a connection
// open for as long as the peer liked, with no token needed.
func TestWebsocketInitPayloadNotAnObject(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		for _, payload := range []string{`"Bearer x"`, `[1]`, `5`, `true`} {
			c, _, err := a.dial(nil)
			if err != nil {
				t.Fatal(err)
			}
			c.send(msg{Type: "connection_init", Payload: json.RawMessage(payload)})
			if code, _ := c.closed(); code != 4400 {
				t.Errorf("payload %s: close code %d, want 4400", payload, code)
			}
		}
		// The socket was refused before its init: a real one still gets in.
		c := a.connectAs("alice")
		c.subscribe("1", `{ viewer { id } }`, nil)
		if r := c.result("1").NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
			t.Errorf("%v", r.Data)
		}
	})
}

// graphql-transport-ws: a subscribe with the id of an operation still running closes the socket with 4409. An id
// may be used again once its operation has ended, by the server's complete or the client's.
func TestWebsocketDuplicateOperationID(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		c := a.connectAs("alice")
		for range 2 { // the server completed the query: its id is free again
			c.subscribe("q", `{ viewer { id } }`, nil)
			if r := c.result("q").NoErrors(t); apitest.Path(r.Data, "viewer", "id") != "alice" {
				t.Fatalf("%v", r.Data)
			}
			if m := c.read(); m.ID != "q" || m.Type != "complete" {
				t.Fatalf("after the result: %+v, want complete", m)
			}
		}
		for range 2 { // the client completed the subscription: free again
			c.subscribe("s", eventSubscription, nil)
			waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
			c.send(msg{ID: "s", Type: "complete"})
			if m := c.read(); m.ID != "s" || m.Type != "complete" { // gqlgen confirms it
				t.Fatalf("after complete: %+v, want complete", m)
			}
			waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
		}
		c.subscribe("s", eventSubscription, a.from("alice"))
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
		a.Create("alice", map[string]any{"title": "live"})
		if _, title, _ := c.event("s"); title != "live" { // the subscription is established
			t.Fatalf("event %q, want live", title)
		}
		c.subscribe("s", eventSubscription, nil)
		c.subscribe("probe", `{ viewer { id } }`, nil) // answered only if the socket stayed open
		var ce websocket.CloseError
		if m, err := c.next(); !errors.As(err, &ce) || ce.Code != 4409 {
			t.Errorf("a second subscribe with a running id: %+v, %v; want the socket closed with 4409", m, err)
		}
		// Neither operation outlives the socket.
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 0 })
	})
}

// An upgrade request that is not a valid WebSocket handshake is answered once, as a GraphQL-shaped BAD_REQUEST
// like every other refusal, before anything hijacks the connection.
func TestWebsocketBadHandshake(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		good := map[string]string{
			"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
			"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "graphql-transport-ws",
		}
		for name, tc := range map[string]struct {
			method string
			change map[string]string
		}{
			"no version":               {http.MethodGet, map[string]string{"Sec-WebSocket-Version": ""}},
			"version 8":                {http.MethodGet, map[string]string{"Sec-WebSocket-Version": "8"}},
			"no key":                   {http.MethodGet, map[string]string{"Sec-WebSocket-Key": ""}},
			"short key":                {http.MethodGet, map[string]string{"Sec-WebSocket-Key": "c2hvcnQ="}},
			"key not base64":           {http.MethodGet, map[string]string{"Sec-WebSocket-Key": "not base64 at all!!!!!!!"}},
			"no Upgrade in Connection": {http.MethodGet, map[string]string{"Connection": "keep-alive"}},
			"POST":                     {http.MethodPost, nil},
		} {
			headers := map[string]string{}
			for k, v := range good {
				headers[k] = v
			}
			for k, v := range tc.change {
				if v == "" {
					delete(headers, k)
				} else {
					headers[k] = v
				}
			}
			resp, body := a.Request(tc.method, "/graphql", headers, nil)
			var r apitest.Result
			if err := json.Unmarshal(body, &r); err != nil || resp.StatusCode != http.StatusBadRequest || r.Code(t) != "BAD_REQUEST" {
				t.Errorf("%s: %d %q, want 400 with one BAD_REQUEST error", name, resp.StatusCode, body)
			}
		}
	})
}

// A message over the body limit (MAX_BODY_BYTES, as over HTTP) closes the socket with 1009 before it is decoded.
func TestWebsocketMessageTooBig(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{MaxBodyBytes: 4096}, live.Options{})
		c := a.connectAs("alice")
		c.subscribe("1", `query($x: String) { viewer { id } }`, map[string]any{"x": strings.Repeat("a", 8192)})
		var ce websocket.CloseError
		if m, err := c.next(); !errors.As(err, &ce) || ce.Code != websocket.StatusMessageTooBig {
			t.Errorf("%+v, %v; want the socket closed with 1009", m, err)
		}
	})
}

// TestWebsocketUpgradesAreRateLimited: opening sockets is charged like requests, to the client's address, so one
// client cannot hold an unbounded number of sockets open without a token; the sockets it has go on.
func TestWebsocketUpgradesAreRateLimited(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 2}}, live.Options{})
		first := a.connectAs("alice")
		a.connectAs("alice")
		_, resp, err := a.dial(nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("a third upgrade within the burst of two: %v %+v, want 429 with Retry-After", err, resp)
		}
		first.subscribe("q", `{ viewer { id } }`, nil)
		if m := first.read(); m.Type != "next" || !strings.Contains(string(m.Payload), "alice") {
			t.Errorf("an open socket after the refusal: %+v", m)
		}
	})
}

// TestSubscriptionEventsReadFresh: each event of a subscription is resolved with loaders of its own, as each HTTP
// request is: a list renamed between two events is read under its new name for the second, not remembered from the
// first for the life of the subscription.
func TestSubscriptionEventsReadFresh(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := newLiveAPI(t, kind, httpapi.Options{}, live.Options{})
		c := a.connectAs("lena")
		c.subscribe("1", `subscription { taskEvents { kind task { title list { id name } } } }`, nil)
		waitUntil(t, func() bool { return a.hub.Subscriptions() == 1 })
		created := func(title string) (listID, listName string) {
			t.Helper()
			for {
				r := c.result("1").NoErrors(t)
				ev := apitest.Path(r.Data, "taskEvents")
				if apitest.Str(apitest.Path(ev, "kind")) == "CREATED" && apitest.Str(apitest.Path(ev, "task", "title")) == title {
					return apitest.Str(apitest.Path(ev, "task", "list", "id")), apitest.Str(apitest.Path(ev, "task", "list", "name"))
				}
			}
		}
		a.Create("lena", map[string]any{"title": "one"})
		listID, _ := created("one")
		a.Do("lena", `mutation($id: ID!) { updateList(id: $id, input: {name: "Renamed"}) { list { name } } }`,
			map[string]any{"id": listID}).NoErrors(t)
		a.Create("lena", map[string]any{"title": "two"})
		if _, name := created("two"); name != "Renamed" {
			t.Errorf("the second event's list is named %q, want Renamed", name)
		}
	})
}
