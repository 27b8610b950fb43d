package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// TokenVerifier turns a bearer token into the viewer it names. *Verifier implements it; tests can stub it.
type TokenVerifier interface {
	// Verify returns the viewer for a valid token, or an error (wrapping ErrInvalidToken) for any other.
	Verify(ctx context.Context, token string) (*Viewer, error)
}

// Middleware authenticates requests from their `Authorization: Bearer <token>` header (the scheme matched without
// regard to case).
//
// Without an Authorization header the request goes on to next with no viewer in its context: whether that is allowed
// is the handler's decision (introspection needs no user). With a valid token the request goes on with the *Viewer
// in its context (see FromContext). Anything else, a header that is not exactly one well-formed Bearer credential or
// a token that v refuses, is answered here: the response gets `WWW-Authenticate: Bearer error="invalid_token"` and
// unauthorized(w, r, err) writes the 401 itself, since the body's format belongs to the caller. err wraps
// ErrInvalidToken for a malformed header and is whatever v returned otherwise; it is for logs, not for clients.
func Middleware(v TokenVerifier, unauthorized func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			values := r.Header.Values("Authorization")
			if len(values) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			viewer, err := authenticate(r.Context(), v, values)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				unauthorized(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), viewer)))
		})
	}
}

func authenticate(ctx context.Context, v TokenVerifier, values []string) (*Viewer, error) {
	// Two Authorization headers could be read differently by a proxy and by us, so neither is trusted.
	if len(values) != 1 {
		return nil, fmt.Errorf("%w: %d Authorization headers", ErrInvalidToken, len(values))
	}
	token, err := bearerToken(values[0])
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, token)
}

// BearerToken returns the token of an Authorization header value ("Bearer <token>", the scheme matched without
// regard to case), for transports that carry the header elsewhere (a WebSocket's connection_init). Returns an error
// wrapping ErrInvalidToken for anything else.
func BearerToken(header string) (string, error) { return bearerToken(header) }

// bearerToken extracts the token from a header value of the form RFC 6750 section 2.1 gives:
// "Bearer" 1*SP b64token.
func bearerToken(header string) (string, error) {
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: Authorization header does not use the Bearer scheme", ErrInvalidToken)
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.IndexFunc(token, notB64Token) >= 0 {
		return "", fmt.Errorf("%w: Authorization header does not hold a well-formed bearer token", ErrInvalidToken)
	}
	return token, nil
}

func notB64Token(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	case strings.ContainsRune("-._~+/=", r):
		return false
	}
	return true
}
