package mcpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/mcpserver"
	"taskapi/model"
)

const listTools = `{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}`

// TestAuth: /mcp needs a token the GraphQL verifier accepts; without one, or with a bad one, the answer is 401 with
// the RFC 9728 pointer to the protected resource metadata, which names the authorization server.
func TestAuth(t *testing.T) {
	e := newEnv(t, "sqlite", httpapi.Options{})
	origin := e.Server.URL
	metadataURL := origin + mcpserver.MetadataPath
	for _, c := range []struct {
		name, authorization, challenge string
	}{
		{"NoToken", "", `Bearer resource_metadata="` + metadataURL + `"`},
		{"ForgedToken", "Bearer " + forged(t), `Bearer error="invalid_token", resource_metadata="` + metadataURL + `"`},
		{"Malformed", "Bearer a b", `Bearer error="invalid_token", resource_metadata="` + metadataURL + `"`},
		{"NotBearer", "Basic YTpi", `Bearer error="invalid_token", resource_metadata="` + metadataURL + `"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			headers := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
			if c.authorization != "" {
				headers["Authorization"] = c.authorization
			}
			resp, raw := e.Request(http.MethodPost, mcpserver.Path, headers, []byte(listTools))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != c.challenge {
				t.Fatalf("WWW-Authenticate %q, want %q", got, c.challenge)
			}
			if r := decodeRPC(t, raw); r.Error == nil || r.Error.Message == "" {
				t.Fatalf("body %s", raw)
			}
			if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("not behind httpapi's chain")
			}
		})
	}
	t.Run("BehindAProxy", func(t *testing.T) {
		resp, _ := e.Request(http.MethodPost, mcpserver.Path, map[string]string{"X-Forwarded-Proto": "https"}, []byte(listTools))
		want := `Bearer resource_metadata="https://` + strings.TrimPrefix(origin, "http://") + mcpserver.MetadataPath + `"`
		if got := resp.Header.Get("WWW-Authenticate"); got != want {
			t.Fatalf("WWW-Authenticate %q, want %q", got, want)
		}
	})
	for _, p := range []string{mcpserver.MetadataPath, mcpserver.MetadataPath + mcpserver.Path} {
		t.Run("Metadata"+p, func(t *testing.T) {
			resp, raw := e.Request(http.MethodGet, p, nil, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
			var doc struct {
				Resource             string   `json:"resource"`
				AuthorizationServers []string `json:"authorization_servers"`
				BearerMethods        []string `json:"bearer_methods_supported"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Resource != origin+"/mcp" || !equalJSON(doc.AuthorizationServers, []string{"https://auth.example.com"}) ||
				!equalJSON(doc.BearerMethods, []string{"header"}) {
				t.Fatalf("metadata %s", raw)
			}
		})
	}
	t.Run("GoodToken", func(t *testing.T) {
		resp, raw := e.post("alice", []byte(listTools))
		if resp.StatusCode != http.StatusOK || decodeRPC(t, raw).Error != nil {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("Cache-Control %q", cc)
		}
	})
}

// forged is a token signed with a key the server does not know.
func forged(t *testing.T) string {
	tok := apitest.Token(t, "alice")
	return tok[:strings.LastIndexByte(tok, '.')] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}

// TestBadInput sends what no client should: each gets a JSON-RPC error or an isError result, never a crash, a
// plain-text body or an internal detail.
func TestBadInput(t *testing.T) {
	e := newEnv(t, "sqlite", httpapi.Options{MaxBodyBytes: 64 << 10})
	for _, c := range []struct {
		name   string
		body   string
		status int
		code   int // the JSON-RPC error's; 0: a result
	}{
		{"NotJSON", `{"jsonrpc": "2.0",`, http.StatusBadRequest, -32700},
		{"Garbage", "\x00\x01\x02", http.StatusBadRequest, -32700},
		{"Empty", ``, http.StatusBadRequest, -32700},
		{"NotJSONRPC", `{"hello": "world"}`, http.StatusBadRequest, -32600},
		{"WrongVersion", `{"jsonrpc": "1.0", "id": 1, "method": "tools/list"}`, http.StatusBadRequest, -32600},
		{"EmptyBatch", `[]`, http.StatusBadRequest, -32600},
		{"Number", `42`, http.StatusBadRequest, -32600},
		{"DeeplyNested", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), http.StatusBadRequest, -32700},
		{"UnknownMethod", `{"jsonrpc": "2.0", "id": 1, "method": "tasks/steal"}`, http.StatusBadRequest, -32601},
		{"UnknownTool", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "drop_database", "arguments": {}}}`, http.StatusOK, -32602},
		{"ArgumentsNotAnObject", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_task", "arguments": [1, 2]}}`, http.StatusOK, 0},
		{"ParamsNotAnObject", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": "add_task"}`, http.StatusOK, -32602},
		{"WrongArgumentType", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_tasks", "arguments": {"limit": "ten"}}}`, http.StatusOK, 0},
		{"HugeArgument", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "` + strings.Repeat("x", 60<<10) + `"}}}`, http.StatusOK, 0},
		{"WrongAccept", `{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}`, http.StatusBadRequest, -32600},
		{"OverTheLimit", `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "` + strings.Repeat("x", 70<<10) + `"}}}`, http.StatusRequestEntityTooLarge, -32600},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, raw := e.post("alice", []byte(c.body))
			if c.name == "WrongAccept" {
				resp, raw = e.Request(http.MethodPost, mcpserver.Path, map[string]string{"Content-Type": "application/json",
					"Accept": "text/html", "Authorization": "Bearer " + apitest.Token(t, "alice")}, []byte(c.body))
			}
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, c.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q: %.300s", ct, raw)
			}
			r := decodeRPC(t, raw)
			switch {
			case c.code != 0 && (r.Error == nil || r.Error.Code != c.code):
				t.Fatalf("want JSON-RPC error %d: %.300s", c.code, raw)
			case c.code == 0:
				var res struct {
					IsError bool `json:"isError"`
				}
				if r.Error != nil || json.Unmarshal(r.Result, &res) != nil || !res.IsError {
					t.Fatalf("want an isError result: %.300s", raw)
				}
			}
		})
	}
	t.Run("StillServing", func(t *testing.T) {
		if got := titles(ok(t, e.connect("alice"), "list_tasks", nil)); got != "" {
			t.Fatalf("tasks %s", got)
		}
	})
}

// TestStateless: a tool call needs no session: one POST, without initialize or Mcp-Session-Id, as a request that a
// load balancer sent to an instance that never saw the client.
func TestStateless(t *testing.T) {
	e := newEnv(t, "sqlite", httpapi.Options{})
	resp, raw := e.post("alice", []byte(`{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "From nowhere"}}}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var res struct {
		IsError           bool           `json:"isError"`
		StructuredContent map[string]any `json:"structuredContent"`
	}
	if r := decodeRPC(t, raw); r.Error != nil || json.Unmarshal(r.Result, &res) != nil || res.IsError ||
		res.StructuredContent["status"] != "created" || r.ID != float64(7) {
		t.Fatalf("answer %s", raw)
	}
	if resp.Header.Get("Mcp-Session-Id") != "" {
		t.Fatal("a session id was handed out")
	}
}

// TestRateLimitShared: GraphQL requests and tool calls take from one bucket per user.
func TestRateLimitShared(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		// A bucket of 4 that refills once in a thousand seconds: nothing refills during the test.
		e := newEnv(t, kind, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 4}})
		cs := e.connect("alice")                                        // initialize: 1
		ok(t, cs, "add_task", map[string]any{"title": "one"})           // 2
		e.Do("alice", `{ viewer { id } }`, nil).NoErrors(t)             // 3, over GraphQL
		ok(t, cs, "list_tasks", nil)                                    // 4
		msg := fails(t, cs, "add_task", map[string]any{"title": "two"}) // over the limit
		if !strings.Contains(msg, "Too many requests; try again in") {
			t.Fatalf("tool over the limit: %s", msg)
		}
		resp, raw := e.Request(http.MethodPost, "/graphql", map[string]string{"Content-Type": "application/json",
			"Authorization": "Bearer " + apitest.Token(t, "alice")}, []byte(`{"query": "{ viewer { id } }"}`))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("GraphQL after the tools used the bucket: %d %s", resp.StatusCode, raw)
		}
		// A request other than a tool call gets a JSON-RPC error.
		if _, raw := e.post("alice", []byte(listTools)); decodeRPC(t, raw).Error == nil || decodeRPC(t, raw).Error.Code != -32029 {
			t.Fatalf("tools/list over the limit: %s", raw)
		}
		// Another user has a bucket of their own, and the refused call wrote nothing.
		bob := e.connect("bob")
		if got := titles(ok(t, bob, "list_tasks", nil)); got != "" {
			t.Fatalf("bob: %s", got)
		}
		if n, err := e.store.CountTasks(t.Context(), "alice", modelFilter()); err != nil || n != 1 {
			t.Fatalf("alice has %d tasks (%v)", n, err)
		}
	})
}

// TestChangeReachesSubscription: a task added, changed and deleted through tools arrives in the owner's GraphQL
// subscription, as the same events a GraphQL mutation emits.
func TestChangeReachesSubscription(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		events := e.subscribe("alice")
		others := e.subscribe("bob")
		cs := e.connect("alice")
		id := str(ok(t, cs, "add_task", map[string]any{"title": "Live"})["task_id"])
		ok(t, cs, "complete_task", map[string]any{"task_id": id})
		ok(t, cs, "delete_task", map[string]any{"task_id": id})
		for _, want := range []string{"CREATED Live", "UPDATED Live", "DELETED "} {
			ev := receive(t, events)
			got := str(path(ev, "data", "taskEvents", "kind")) + " " + str(path(ev, "data", "taskEvents", "task", "title"))
			if got != want || path(ev, "data", "taskEvents", "taskId") != id {
				t.Fatalf("event %v, want %s of %s", ev, want, id)
			}
		}
		// Bob's feed got nothing of it: his next event is his own change.
		ok(t, e.connect("bob"), "add_task", map[string]any{"title": "Bob's"})
		if ev := receive(t, others); path(ev, "data", "taskEvents", "task", "title") != "Bob's" {
			t.Fatalf("bob's event %v", ev)
		}
	})
}

func modelFilter() model.TaskFilter { return model.TaskFilter{} }

// noShared is a Shared without a rate limit or a log line, for handlers tested without httpapi's chain.
type noShared struct{}

func (noShared) Charge(string) time.Duration                  { return 0 }
func (noShared) SetUser(context.Context, string)              {}
func (noShared) AddOperation(context.Context, string, string) {}

// TestPanicIsAnInternalError: a defect in a tool (here: no store at all) answers that request with a JSON-RPC
// internal error that names no detail, and the server goes on serving.
func TestPanicIsAnInternalError(t *testing.T) {
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(verifier.Close)
	h := mcpserver.New(mcpserver.Config{Verifier: verifier, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, noShared{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{API: &apitest.API{T: t, Server: srv, Handler: h}}
	for range 2 {
		resp, raw := e.post("alice", []byte(`{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_tasks", "arguments": {}}}`))
		r := decodeRPC(t, raw)
		if resp.StatusCode != http.StatusOK || r.Error == nil || r.Error.Code != -32603 ||
			!strings.HasPrefix(r.Error.Message, "Internal error (request id") || strings.Contains(r.Error.Message, "nil") {
			t.Fatalf("status %d: %s", resp.StatusCode, raw)
		}
	}
}
