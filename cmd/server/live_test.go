package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"taskapi/model/modeltest"
)

// liveWait bounds the waits of these tests; a passing test never waits it out.
const liveWait = 30 * time.Second

// socket is a minimal graphql-transport-ws client.
type socket struct {
	t    testing.TB
	conn *websocket.Conn
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// openSocket connects to baseURL's /graphql as user and subscribes to the feed after cursor (nil: from now).
func openSocket(t testing.TB, baseURL, user string, after *string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	s := &socket{t: t, conn: conn}
	s.send(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"Authorization":"Bearer ` + userToken(t, user) + `"}`)})
	if m, err := s.next(); err != nil || m.Type != "connection_ack" {
		t.Fatalf("connection_init: %+v %v", m, err)
	}
	vars, _ := json.Marshal(map[string]any{"after": after})
	s.send(wsMsg{ID: "1", Type: "subscribe", Payload: json.RawMessage(
		`{"query":"subscription($after: String) { taskEvents(after: $after) { cursor kind task { title } } }","variables":` + string(vars) + `}`)})
	return s
}

func (s *socket) send(m wsMsg) {
	s.t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatal(err)
	}
}

// next reads a message, answering pings. The wait is bounded as a whole: the server's pings must not stretch it.
func (s *socket) next() (wsMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			return wsMsg{}, err
		}
		var m wsMsg
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMsg{}, err
		}
		if m.Type != "ping" {
			return m, nil
		}
		s.send(wsMsg{Type: "pong"})
	}
}

// feedEvent is the part of a TaskEvent these tests look at.
type feedEvent struct {
	Cursor string
	Kind   string
	Task   *struct{ Title string }
}

// event reads the next event; err is the socket's end (a *websocket.CloseError for a close frame).
func (s *socket) event() (feedEvent, error) {
	m, err := s.next()
	if err != nil {
		return feedEvent{}, err
	}
	var r struct {
		Data   struct{ TaskEvents feedEvent }
		Errors []any
	}
	if m.Type != "next" || json.Unmarshal(m.Payload, &r) != nil || len(r.Errors) > 0 {
		return feedEvent{}, fmt.Errorf("unexpected message %+v %s", m, m.Payload)
	}
	return r.Data.TaskEvents, nil
}

// feedCursor is user's latest feed position. A subscription from it sees every change made after this call, however
// long the server takes to set the subscription up; one "from now" could miss a change that raced with it.
func feedCursor(t testing.TB, baseURL, user string) string {
	t.Helper()
	r, _, err := graphqlPost(context.Background(), http.DefaultClient, baseURL, userToken(t, user), `{ taskEventCursor }`, nil)
	var d struct{ TaskEventCursor string }
	if err != nil || json.Unmarshal(r.Data, &d) != nil || d.TaskEventCursor == "" {
		t.Fatalf("taskEventCursor: %v %+v", err, r)
	}
	return d.TaskEventCursor
}

func createTitled(t testing.TB, baseURL, tok, title string) {
	t.Helper()
	r, _, err := graphqlPost(context.Background(), http.DefaultClient, baseURL, tok, createTaskMutation,
		map[string]any{"input": map[string]any{"title": title}})
	if err != nil || createdID(r) == "" {
		t.Fatalf("create %q: %v %+v", title, err, r)
	}
}

// TestLiveOutlastsServerTimeouts keeps a WebSocket and an event stream open well past the server's read and write
// timeouts, which are for plain requests: both still deliver.
func TestLiveOutlastsServerTimeouts(t *testing.T) {
	srv := startServer(t, func(c *Config) {
		c.HTTP.Read, c.HTTP.Write, c.HTTP.ReadHeader = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	}, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0")
	tok := userToken(t, "u")
	start := feedCursor(t, srv.url, "u")
	ws := openSocket(t, srv.url, "u", &start)

	req, _ := http.NewRequest(http.MethodPost, srv.url+"/graphql/stream", strings.NewReader(
		`{"query":"subscription($after: String) { taskEvents(after: $after) { task { title } } }","variables":{"after":"`+
			start+`"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	time.Sleep(time.Second) // three times the timeouts
	createTitled(t, srv.url, tok, "late")
	if ev, err := ws.event(); err != nil || ev.Task == nil || ev.Task.Title != "late" {
		t.Errorf("the socket after the timeouts: %+v, %v", ev, err)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			if !strings.Contains(lines.Text(), `"late"`) {
				t.Errorf("the stream after the timeouts: %s", lines.Text())
			}
			return
		}
	}
	t.Errorf("the stream ended after the timeouts: %v", lines.Err())
}

// TestShutdownMovesSubscribersToAnotherInstance runs two instances on one PostgreSQL database while tasks are
// created through the second: the first one's shutdown closes the subscriber's socket with 1012, the subscriber
// resumes on the second from its last cursor, and it has then seen every event once, in order.
func TestShutdownMovesSubscribersToAnotherInstance(t *testing.T) {
	var pg bool
	for _, kind := range modeltest.Databases(t) {
		pg = pg || kind == modeltest.Postgres
	}
	if !pg {
		t.Skip("PostgreSQL is not reachable (and CI is not set)")
	}
	url := modeltest.MustURL(t, modeltest.MustOpenDB(t, modeltest.Postgres))
	settings := []string{"DATABASE_URL", url, "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "100ms", "MIGRATE_ON_START", "false"}
	a := startServer(t, nil, settings...)
	b := startServer(t, nil, settings...)
	tok := userToken(t, "mover")
	start := feedCursor(t, b.url, "mover")
	ws := openSocket(t, a.url, "mover", &start)

	const n = 40
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := range n {
			createTitled(t, b.url, tok, fmt.Sprint("t", i))
		}
	}()
	var got []string
	last := start
	for len(got) < 5 {
		ev, err := ws.event()
		if err != nil {
			t.Fatal(err)
		}
		got, last = append(got, ev.Task.Title), ev.Cursor
	}
	stopped := make(chan error, 1)
	go func() { stopped <- a.stop() }()
	for {
		ev, err := ws.event()
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != 1012 {
				t.Fatalf("close code %d, want 1012", ce.Code)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, last = append(got, ev.Task.Title), ev.Cursor
	}
	if err := <-stopped; err != nil {
		t.Errorf("the first instance's shutdown: %v", err)
	}
	ws = openSocket(t, b.url, "mover", &last)
	for len(got) < n {
		ev, err := ws.event()
		if err != nil {
			t.Fatalf("after %d events on the second instance: %v", len(got), err)
		}
		got = append(got, ev.Task.Title)
	}
	<-written
	for i, title := range got {
		if title != fmt.Sprint("t", i) {
			t.Fatalf("event %d is %q; the subscriber saw %q", i, title, got)
		}
	}
}

// TestLiveMetrics checks the live series of the whole server: open sockets, subscriptions, events delivered and
// their delivery lag.
func TestLiveMetrics(t *testing.T) {
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0", "RATE_LIMIT_RPS", "0")
	start := feedCursor(t, srv.url, "watcher")
	ws := openSocket(t, srv.url, "watcher", &start)
	tok := userToken(t, "watcher")
	// The subscription is open once an event written after it arrives.
	createTitled(t, srv.url, tok, "first")
	if ev, err := ws.event(); err != nil || ev.Task.Title != "first" {
		t.Fatalf("%+v %v", ev, err)
	}
	got := scrape(t, srv.url)
	for series, want := range map[string]float64{
		"taskapi_websocket_connections":                   1,
		"taskapi_event_streams":                           0,
		"taskapi_subscriptions":                           1,
		"taskapi_subscription_events_delivered_total":     1,
		"taskapi_subscription_delivery_lag_seconds_count": 1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}

	// Each connect and close has its log line, the close with its code and reason.
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	bad, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.CloseNow()
	if err := bad.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bad.Read(ctx); websocket.CloseStatus(err) != 4403 {
		t.Fatalf("without a token: %v, want 4403", err)
	}
	deadline := time.Now().Add(liveWait)
	for !strings.Contains(srv.logs.String(), `"code":4403`) {
		if time.Now().After(deadline) {
			t.Fatalf("no close line with code 4403:\n%s", srv.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var connects, closes int
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var l struct {
			Msg, Reason string
			Code        int
		}
		_ = json.Unmarshal([]byte(line), &l)
		switch l.Msg {
		case "websocket connected":
			connects++
		case "websocket closed":
			closes++
			if l.Code == 4403 && !strings.Contains(l.Reason, "Forbidden") {
				t.Errorf("the close line gives no reason: %s", line)
			}
		}
	}
	if connects != 2 || closes != 1 {
		t.Errorf("%d connect lines and %d close lines, want 2 and 1", connects, closes)
	}
}
