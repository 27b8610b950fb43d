package httpapi

import "net/http"

// securityHeaders sets the headers every API response should carry: no MIME sniffing of JSON into something
// executable, no Referer leaking URLs elsewhere, no framing. A handler that needs otherwise (GraphiQL's page sets
// its own Content-Security-Policy) overrides them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
