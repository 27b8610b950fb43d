package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// The phases of an operation at which a client can go away, as the request's context sees it.
const (
	beforeParsing    = "parse"    // before the document is parsed
	duringValidation = "validate" // once it is validated, while its cost is checked
	duringExecution  = "execute"  // while its resolvers run
)

// cancelHeader names the phase at which the test's middleware cancels a request's context.
const cancelHeader = "X-Test-Cancel-At"

type cancelKey struct{}

type cancelAt struct {
	phase  string
	cancel context.CancelFunc
}

// canceller is an executor extension that cancels the request's context at the phase its request asks for.
type canceller struct{}

var (
	_ graphql.OperationParameterMutator = canceller{}
	_ graphql.OperationContextMutator   = canceller{}
	_ graphql.FieldInterceptor          = canceller{}
)

func (canceller) ExtensionName() string                   { return "TestCanceller" }
func (canceller) Validate(graphql.ExecutableSchema) error { return nil }

func (canceller) at(ctx context.Context, phase string) {
	if c, ok := ctx.Value(cancelKey{}).(cancelAt); ok && c.phase == phase {
		c.cancel()
	}
}

func (c canceller) MutateOperationParameters(ctx context.Context, _ *graphql.RawParams) *gqlerror.Error {
	c.at(ctx, beforeParsing)
	return nil
}

func (c canceller) MutateOperationContext(ctx context.Context, _ *graphql.OperationContext) *gqlerror.Error {
	c.at(ctx, duringValidation)
	return nil
}

func (c canceller) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	c.at(ctx, duringExecution)
	return next(ctx)
}

// accessLine returns the access log line of the request with id.
func accessLine(t *testing.T, logs *lockedBuffer, id string) map[string]any {
	t.Helper()
	for _, m := range requestLines(t, logs.String()) {
		if m["requestId"] == id {
			return m
		}
	}
	t.Fatalf("no access log line for request %s in\n%s", id, logs.String())
	return nil
}

// TestClientGoneAtEveryPhase cancels requests before parsing, during validation and during execution, over every
// transport (POST, GET, a batch, Server-Sent Events, and a query over a WebSocket), and finds no panic: the HTTP
// transports answer nothing more, and the access log and the metrics count the request as 499, the client's
// leaving; the WebSocket, whose client breaks the connection at the phase, ends the socket and the server serves the
// next one.
func TestClientGoneAtEveryPhase(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		db := modeltest.MustOpenDB(t, kind)
		verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(verifier.Close)
		logs := &lockedBuffer{}
		h := httpapi.NewHandler(model.NewStore(db), verifier, httpapi.WithExtensions(httpapi.Options{
			Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		}, canceller{}))
		var panics []any
		var mu sync.Mutex
		// A socket outlives its upgrade request, whose context ends with the upgrade: its client goes away by
		// breaking the connection, which leave does.
		var leave func()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panics = append(panics, p)
					mu.Unlock()
					panic(http.ErrAbortHandler)
				}
			}()
			if phase := r.Header.Get(cancelHeader); phase != "" && r.Header.Get("Upgrade") != "" {
				r = r.WithContext(context.WithValue(r.Context(), cancelKey{}, cancelAt{phase, func() {
					mu.Lock()
					defer mu.Unlock()
					leave()
				}}))
			} else if phase != "" {
				ctx, cancel := context.WithCancel(r.Context())
				defer cancel()
				r = r.WithContext(context.WithValue(ctx, cancelKey{}, cancelAt{phase, cancel}))
			}
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		a := &liveAPI{API: &apitest.API{T: t, Server: srv, Handler: h, DB: db}}
		tok := apitest.Token(t, "alice")
		const query = `{ tasks(first: 1) { totalCount } }`

		do := func(t *testing.T, req *http.Request, phase string) (*http.Response, string) {
			t.Helper()
			id := fmt.Sprintf("gone-%s-%s", strings.ReplaceAll(t.Name(), "/", "-"), phase)
			req.Header.Set("X-Request-Id", id)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set(cancelHeader, phase)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("the server broke the connection (a panic?): %v", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return resp, id
		}
		post := func(body string) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return req
		}
		transports := []struct {
			name string
			req  func() *http.Request
		}{
			{"POST", func() *http.Request { return post(string(mustJSON(map[string]any{"query": query}))) }},
			{"GET", func() *http.Request {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?query="+url.QueryEscape(query), nil)
				return req
			}},
			{"Batch", func() *http.Request {
				return post(string(mustJSON([]any{map[string]any{"query": query}, map[string]any{"query": query}})))
			}},
			{"SSE", func() *http.Request {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql/stream", strings.NewReader(string(mustJSON(map[string]any{"query": query}))))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "text/event-stream")
				return req
			}},
		}
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				for _, phase := range []string{beforeParsing, duringValidation, duringExecution} {
					resp, id := do(t, tr.req(), phase)
					if tr.name != "SSE" && resp.StatusCode != 499 {
						t.Errorf("%s: answered %d, want 499 (nothing but the client's leaving)", phase, resp.StatusCode)
					}
					line := accessLine(t, logs, id)
					if line["status"] != 499.0 || line["clientGone"] != true {
						t.Errorf("%s: access log %v, want status 499 and clientGone", phase, line)
					}
				}
			})
		}

		t.Run("WebSocket", func(t *testing.T) {
			for _, phase := range []string{beforeParsing, duringValidation, duringExecution} {
				c, _, err := a.dial(http.Header{cancelHeader: {phase}})
				if err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				leave = func() { _ = c.raw.Close() }
				mu.Unlock()
				c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"Authorization": "Bearer " + tok})})
				if m := c.read(); m.Type != "connection_ack" {
					t.Fatalf("%s: %+v, want connection_ack", phase, m)
				}
				c.subscribe("1", query, nil)
				for {
					if _, err := c.next(); err != nil {
						break // the socket ended with its context
					}
				}
			}
			// The server goes on serving.
			c := a.connectAs("alice")
			c.subscribe("1", query, nil)
			if r := c.result("1").NoErrors(t); apitest.Path(r.Data, "tasks", "totalCount") != 0.0 {
				t.Errorf("data %v", r.Data)
			}
		})

		mu.Lock()
		defer mu.Unlock()
		for _, p := range panics {
			t.Errorf("panic: %v", p)
		}
	})
}
