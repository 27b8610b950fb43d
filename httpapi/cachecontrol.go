package httpapi

import (
	"net/http"

	"taskapi/auth"
)

// privateToViewer is the piece of the chain that keeps every answer given for a verified viewer out of shared
// caches: Cache-Control: private, no-store, since the answer is that user's data (or their rate limit, or their
// errors) and a CDN caching hashed GETs must never serve it to someone else. Every /graphql answer also varies by
// Authorization and Accept, so that a cache that keeps what is the same for everyone (introspection without a
// token) keys it on them. It runs after token verification, which has answered a bad token already, generically.
func privateToViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Authorization")
		w.Header().Add("Vary", "Accept")
		if _, ok := auth.FromContext(r.Context()); ok {
			w.Header().Set("Cache-Control", "private, no-store")
		}
		next.ServeHTTP(w, r)
	})
}
