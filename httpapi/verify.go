package httpapi

import (
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/graph"
)

// verifyToken is the piece of the chain that verifies the bearer token (auth.Middleware): a request without one goes
// on with no viewer, a request with a bad one is answered 401 here, and a verified viewer goes on in the context and
// into the request's observation, for the log line. A WebSocket transport runs the same piece on its upgrade
// request, so that a connection is verified once, when it is made.
func verifyToken(verifier auth.TokenVerifier) func(http.Handler) http.Handler {
	verify := auth.Middleware(verifier, unauthorized)
	return func(next http.Handler) http.Handler {
		return verify(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v, ok := auth.FromContext(r.Context()); ok {
				observationFrom(r.Context()).setUser(v.ID)
			}
			next.ServeHTTP(w, r)
		}))
	}
}

// unauthorized answers a request whose token failed verification: 401 with a GraphQL-shaped body. The auth
// middleware has set WWW-Authenticate already.
func unauthorized(w http.ResponseWriter, r *http.Request, _ error) {
	refuse(w, r, http.StatusUnauthorized, &gqlerror.Error{
		Message: "The token is invalid or expired.", Extensions: map[string]any{"code": graph.CodeUnauthenticated},
	})
}
