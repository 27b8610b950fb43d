package httpapi

import (
	"context"
	"net/http"
	"time"
)

// Mount is a handler that NewHandler serves beside GraphQL (Options.Mounts): behind the same outer chain (request
// id, client address, logs, metrics and traces, draining, security headers, CORS) and the body limit, and with the
// same per-user rate limit, which it reaches through the Shared it is built with. It verifies tokens itself, since
// how it answers a missing or bad one is its own business.
type Mount struct {
	// Pattern is the http.ServeMux pattern it serves, such as "/mcp" or "GET /.well-known/thing".
	Pattern string
	// New builds the handler, once, when NewHandler runs.
	New func(shared Shared) http.Handler
}

// Shared is what a mounted handler shares with GraphQL.
type Shared struct {
	limiter *rateLimiter
}

// Charge takes one request from the verified user's rate-limit bucket, the one their GraphQL requests, operations
// over a WebSocket and event streams take from, and returns 0; or, when the bucket is empty, takes nothing and
// returns how long until it holds a token again. With rate limiting off it always returns 0.
func (s Shared) Charge(userID string) time.Duration {
	if s.limiter == nil {
		return 0
	}
	return s.limiter.wait("user:"+userID, time.Now())
}

// SetUser names the verified user of the request that ctx belongs to on its log line, as token verification does
// for GraphQL.
func (Shared) SetUser(ctx context.Context, userID string) {
	observationFrom(ctx).setUser(userID)
}

// AddOperation names an operation of the request that ctx belongs to on its log line, as GraphQL's operations are
// ("tool add_task" for an MCP tool call: kind "tool", name "add_task").
func (Shared) AddOperation(ctx context.Context, kind, name string) {
	observationFrom(ctx).addOperation(kind, name)
}

// mountAll registers the mounts on mux, each behind the body limit.
func mountAll(mux *http.ServeMux, mounts []Mount, shared Shared, maxBodyBytes int64) {
	for _, m := range mounts {
		h := m.New(shared)
		mux.Handle(m.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
			}
			h.ServeHTTP(w, r)
		}))
	}
}
