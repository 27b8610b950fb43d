package mcpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
	"taskapi/mcpserver"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// wait bounds every wait of these tests: long enough for a busy CI machine; a passing test never waits it out.
const wait = 30 * time.Second

// env is the whole HTTP surface, GraphQL and /mcp mounted as cmd/server mounts it, over a fresh database, with a
// running hub for subscriptions.
type env struct {
	*apitest.API
	store *model.Store
}

func newEnv(t *testing.T, kind string, opts httpapi.Options) *env {
	t.Helper()
	db := modeltest.MustOpenDB(t, kind)
	store := model.NewStore(db)
	hub := live.New(store, live.Options{Poll: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(verifier.Close)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := mcpserver.Config{Store: store, Verifier: verifier, Logger: logger,
		AuthorizationServers: []string{"https://auth.example.com"}}
	metadata := func(httpapi.Shared) http.Handler { return mcpserver.Metadata(cfg) }
	opts.Mounts = []httpapi.Mount{
		{Pattern: mcpserver.Path, New: func(s httpapi.Shared) http.Handler { return mcpserver.New(cfg, s) }},
		{Pattern: "GET " + mcpserver.MetadataPath, New: metadata},
		{Pattern: "GET " + mcpserver.MetadataPath + mcpserver.Path, New: metadata},
	}
	opts.Hub = hub
	opts.Logger = logger
	h := httpapi.NewHandler(store, verifier, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{API: &apitest.API{T: t, Server: srv, Handler: h, DB: db}, store: store}
}

// bearer adds a token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// connect returns a session of the Go SDK's client with user's token.
func (e *env) connect(user string) *mcp.ClientSession {
	e.T.Helper()
	transport := &mcp.StreamableClientTransport{
		Endpoint:   e.Server.URL + mcpserver.Path,
		HTTPClient: &http.Client{Transport: bearer{apitest.Token(e.T, user), e.Server.Client().Transport}},
		MaxRetries: -1,
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cs, err := client.Connect(ctx, transport, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { _ = cs.Close() })
	return cs
}

// call calls a tool and fails the test on a protocol error.
func call(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// ok calls a tool, fails the test when the result is an error, and returns its structuredContent.
func ok(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	res := call(t, cs, name, args)
	if res.IsError {
		t.Fatalf("%s(%v): %s", name, args, text(res))
	}
	out, isMap := res.StructuredContent.(map[string]any)
	if !isMap {
		t.Fatalf("%s: structuredContent %T", name, res.StructuredContent)
	}
	if text(res) == "" {
		t.Fatalf("%s: no text summary", name)
	}
	return out
}

// fails calls a tool, fails the test unless the result is an error, and returns its text.
func fails(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res := call(t, cs, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded: %s", name, args, text(res))
	}
	return text(res)
}

// text is the text content of a result.
func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, isText := c.(*mcp.TextContent); isText {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// post sends a raw body to /mcp with user's token ("" for none) and returns the status, headers and body.
func (e *env) post(user string, body []byte) (*http.Response, []byte) {
	e.T.Helper()
	headers := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
	if user != "" {
		headers["Authorization"] = "Bearer " + apitest.Token(e.T, user)
	}
	return e.Request(http.MethodPost, mcpserver.Path, headers, body)
}

// rpcResponse is a decoded JSON-RPC response.
type rpcResponse struct {
	ID     any             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeRPC(t testing.TB, raw []byte) rpcResponse {
	t.Helper()
	var r rpcResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("not JSON-RPC: %q: %v", raw, err)
	}
	return r
}

// sseEvent is one event of a Server-Sent Events stream.
type sseEvent struct{ name, data string }

// subscribe opens a taskEvents subscription for user over /graphql/stream, after the user's current feed
// position, so that no later change is missed, and returns its events.
func (e *env) subscribe(user string) <-chan sseEvent {
	e.T.Helper()
	cursor, err := e.store.TaskEventCursor(context.Background(), user)
	if err != nil {
		e.T.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `subscription($after: String) { taskEvents(after: $after) { kind taskId task { title } } }`,
		"variables": map[string]any{"after": cursor},
	})
	req, err := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql/stream", bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+apitest.Token(e.T, user))
	ctx, cancel := context.WithCancel(context.Background())
	e.T.Cleanup(cancel)
	resp, err := e.Server.Client().Do(req.WithContext(ctx))
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		e.T.Fatalf("subscribe: status %d", resp.StatusCode)
	}
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
	return events
}

// receive takes the next "next" event from a stream and returns its data, failing the test when the stream ends
// first.
func receive(t testing.TB, events <-chan sseEvent) map[string]any {
	t.Helper()
	for {
		select {
		case ev, open := <-events:
			if !open {
				t.Fatal("the stream ended")
			}
			if ev.name != "next" {
				continue
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(ev.data), &out); err != nil {
				t.Fatal(err)
			}
			return out
		case <-time.After(wait):
			t.Fatal("no event")
		}
	}
}

// equalJSON reports whether a and b encode to the same JSON, map keys in order.
func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	var xv, yv any
	_ = json.Unmarshal(x, &xv)
	_ = json.Unmarshal(y, &yv)
	x, _ = json.Marshal(xv)
	y, _ = json.Marshal(yv)
	return string(x) == string(y)
}
