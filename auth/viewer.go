// Package auth decides who is asking: it verifies the JSON Web Tokens that Better Auth (or anything signing with the
// shared secret) issues, and carries the verified user through a request's context.
package auth

import (
	"context"
	"time"
)

// Viewer is the verified user making a request, as the token's claims describe them.
type Viewer struct {
	ID    string // the JWT `sub`: 1 to 255 characters, opaque (Better Auth's ids are 32 letters and digits, not UUIDs)
	Email string // the `email` claim, empty when the token has none
	Name  string // the `name` claim, empty when the token has none
	// Expires is the token's `exp`: a connection that outlives it (a WebSocket, an event stream) is closed then, so
	// that the client comes back with a fresh token.
	Expires time.Time
}

type viewerKey struct{}

// NewContext returns a copy of ctx that carries v, for FromContext to find further down the request.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer that NewContext put into ctx. It reports false when there is none (a request
// without credentials), so callers never see a nil *Viewer with ok true.
func FromContext(ctx context.Context) (*Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(*Viewer)
	return v, ok && v != nil
}
