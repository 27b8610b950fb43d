package httpapi

import (
	"context"
	"net/http"
	"time"
)

// drainSignal is the server's shutdown as the handler sees it: once the channel is closed, /readyz answers 503 and
// every response closes its connection, so that load balancers and keep-alive clients move to another instance
// before the listener closes. A streaming transport watches the same channel to end its streams.
type drainSignal <-chan struct{}

// draining reports whether the server is shutting down.
func (d drainSignal) draining() bool {
	if d == nil {
		return false
	}
	select {
	case <-d:
		return true
	default:
		return false
	}
}

// closeWhenDraining is the piece of the chain that asks the client to close its connection once the server drains.
func (d drainSignal) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.draining() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// waitFor polls done until it reports true or ctx ends: how the live transports' closeAll wait for their
// connections' handlers to return.
func waitFor(ctx context.Context, done func() bool) {
	for !done() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
