package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// wait bounds every wait of these tests: long enough for a busy CI machine; a passing test never waits it out.
const wait = 30 * time.Second

// fakeClock is a clock.Clock that moves only when told to; timers fire when it passes them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	if d <= 0 {
		go f()
		return func() bool { return false }
	}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock on and fires the timers it passes.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		go t.f()
	}
}

// pending counts the timers that have not fired or been stopped.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// liveAPI is a handler with a running hub over a fresh database.
type liveAPI struct {
	*apitest.API
	store *model.Store
	hub   *live.Hub
	clock *fakeClock
	reads *taskReads // counts the statements that read tasks
}

// from returns variables that subscribe user to the feed after its latest position, read now. A subscription "from
// now" (no after) starts wherever the feed is when the server has set it up, so a change made right after the
// subscribe message may precede that start; from a cursor read first, no later change can be missed.
func (a *liveAPI) from(user string) map[string]any {
	a.T.Helper()
	cursor, err := a.store.TaskEventCursor(context.Background(), user)
	if err != nil {
		a.T.Fatal(err)
	}
	return map[string]any{"after": cursor}
}

func newLiveAPI(t *testing.T, kind string, opts httpapi.Options, hubOpts live.Options) *liveAPI {
	t.Helper()
	db := modeltest.MustOpenDB(t, kind)
	reads := &taskReads{}
	db.AddQueryHook(reads) // before anything runs on db: adding a hook races with statements under way
	store := model.NewStore(db)
	if hubOpts.Poll == 0 {
		hubOpts.Poll = 50 * time.Millisecond
	}
	hub := live.New(store, hubOpts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if kind == modeltest.Postgres {
		// The hub listens from a moment after Run starts (with the goroutines of its listener): wait for it, so that
		// a test that counts goroutines or waits for a notification starts from a hub that is fully up.
		waitUntil(t, func() bool {
			var n int
			err := db.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`).
				Scan(context.Background(), &n)
			return err == nil && n > 0
		})
	}

	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(verifier.Close)
	clock := newFakeClock()
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	opts.Hub = hub
	h := httpapi.NewHandler(store, verifier, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &liveAPI{API: &apitest.API{T: t, Server: srv, Handler: h, DB: db}, store: store, hub: hub, clock: clock, reads: reads}
}

// tokenFor returns a token for user that expires after ttl.
func tokenFor(t testing.TB, user string, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.SignHS256(apitest.Secret, auth.Viewer{ID: user}, ttl, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wsClient speaks graphql-transport-ws, as the graphql-ws library does.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	raw  net.Conn // the TCP connection, to break it abruptly
}

// msg is one protocol message.
type msg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dial opens a socket to the API; header goes with the upgrade request.
func (a *liveAPI) dial(header http.Header) (*wsClient, *http.Response, error) {
	a.T.Helper()
	c := &wsClient{t: a.T}
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		c.raw = conn
		return conn, err
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.Server.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header, HTTPClient: client,
	})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(1 << 20)
	c.conn = conn
	a.T.Cleanup(func() { _ = conn.CloseNow() })
	return c, resp, nil
}

// connect dials and sends connection_init with payload, failing the test unless it is acknowledged.
func (a *liveAPI) connect(payload map[string]any) *wsClient {
	a.T.Helper()
	c, _, err := a.dial(nil)
	if err != nil {
		a.T.Fatal(err)
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(payload)})
	if m := c.read(); m.Type != "connection_ack" {
		a.T.Fatalf("after connection_init: %+v, want connection_ack", m)
	}
	return c
}

// connectAs connects with a token for user in connection_init.
func (a *liveAPI) connectAs(user string) *wsClient {
	a.T.Helper()
	return a.connect(map[string]any{"Authorization": "Bearer " + tokenFor(a.T, user, time.Hour)})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (c *wsClient) send(m msg) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	b, _ := json.Marshal(m)
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", m.Type, err)
	}
}

// next reads the next message, answering pings; err is the read's error (a close, with its status).
func (c *wsClient) next() (msg, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, b, err := c.conn.Read(ctx)
		cancel()
		if err != nil {
			return msg{}, err
		}
		var m msg
		if err := json.Unmarshal(b, &m); err != nil {
			return msg{}, fmt.Errorf("decode %s: %w", b, err)
		}
		if m.Type == "ping" {
			// Not c.send: next may run on a goroutine of its own, where failing the test is not allowed; a pong
			// that cannot be written means the socket is gone, which the next read reports.
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			_ = c.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
			cancel()
			continue
		}
		return m, nil
	}
}

func (c *wsClient) read() msg {
	c.t.Helper()
	m, err := c.next()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// closed reads until the socket closes and returns the close code and reason.
func (c *wsClient) closed() (websocket.StatusCode, string) {
	c.t.Helper()
	for {
		_, err := c.next()
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		c.t.Fatalf("the socket ended without a close frame: %v", err)
	}
}

// subscribe starts operation id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	c.send(msg{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// result reads the next message, which must be a result (next) of operation id, and decodes its payload.
func (c *wsClient) result(id string) apitest.Result {
	c.t.Helper()
	m := c.read()
	if m.Type != "next" || m.ID != id {
		c.t.Fatalf("got %+v (%s), want next of %s", m, m.Payload, id)
	}
	var r apitest.Result
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

const eventSubscription = `subscription($after: String) { taskEvents(after: $after) { cursor kind taskId task { title } } }`

// event reads the next taskEvents result of operation id and returns its kind, the task's title and the cursor.
func (c *wsClient) event(id string) (kind, title, cursor string) {
	c.t.Helper()
	r := c.result(id).NoErrors(c.t)
	ev := apitest.Path(r.Data, "taskEvents")
	return apitest.Str(apitest.Path(ev, "kind")), apitest.Str(apitest.Path(ev, "task", "title")), apitest.Str(apitest.Path(ev, "cursor"))
}

// sseEvent is one event of a Server-Sent Events stream.
type sseEvent struct{ name, data string }

// sse opens an event stream with the body, as the graphql-sse client does, and returns the response and a channel
// of its events, closed when the stream ends.
func (a *liveAPI) sse(token string, body map[string]any) (*http.Response, <-chan sseEvent) {
	a.T.Helper()
	req, err := http.NewRequest(http.MethodPost, a.Server.URL+"/graphql/stream", strings.NewReader(string(mustJSON(body))))
	if err != nil {
		a.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.T.Cleanup(cancel)
	resp, err := a.Server.Client().Do(req.WithContext(ctx))
	if err != nil {
		a.T.Fatal(err)
	}
	a.T.Cleanup(func() { _ = resp.Body.Close() })
	events := make(chan sseEvent, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return resp, events
}

// receive takes the next event from a stream, failing the test when the stream ends first.
func receive(t testing.TB, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(wait):
		t.Fatal("no event")
	}
	return sseEvent{}
}
