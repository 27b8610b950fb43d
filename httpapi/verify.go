package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/graph"
)

// verifyToken is the piece of the chain that verifies the bearer token (auth.Middleware): a request without one goes
// on with no viewer, a request with a bad one is answered 401 here, and a verified viewer goes on in the context and
// into the request's observation, for the log line. A WebSocket's upgrade skips it: the socket authenticates in
// connection_init, where a bad token closes it with 4403 (see websocket_auth.go).
//
// Every refusal's reason is logged; explain also puts it into the 401's extensions.reason (development mode).
func verifyToken(verifier auth.TokenVerifier, logger *slog.Logger, explain bool) func(http.Handler) http.Handler {
	verify := auth.Middleware(verifier, unauthorized(logger, explain))
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
// middleware has set WWW-Authenticate already. The reason (expired since when, the iss or aud received against the
// expected, an unknown kid...) is logged at info level, since it is the client's problem but someone must be able to
// find out why a frontend cannot sign in; it goes to the client only when explain is set. The auth package never
// puts the token into the reason.
func unauthorized(logger *slog.Logger, explain bool) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		logger.InfoContext(r.Context(), "token refused", "reason", err.Error(), "requestId", graph.RequestID(r.Context()))
		ext := map[string]any{"code": graph.CodeUnauthenticated}
		if explain {
			ext["reason"] = err.Error()
		}
		refuse(w, r, http.StatusUnauthorized, &gqlerror.Error{Message: "The token is invalid or expired.", Extensions: ext})
	}
}
