package httpapi

import (
	"net/http"

	"github.com/rs/cors"
)

// corsMaxAge is how long a browser may cache a preflight's answer, in seconds: two hours, the most Chromium honours.
// Removing an origin from the list still takes effect at once, since every actual response is checked again.
const corsMaxAge = 7200

// withCORS lets browser frontends on the listed origins call the API with credentials: the Authorization header
// (and cookies, should a deployment use them) may be sent, and the request id and rate-limit headers read. With no
// origins it adds nothing, so browsers refuse every cross-origin call. Origins are exact (scheme://host[:port]) or
// have one wildcard, such as https://*.example.com; "*" is refused when the configuration is read, since with
// credentials it would let any site act for a signed-in user.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	c := cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{
			"Authorization", "Content-Type", "Accept", "X-Request-Id",
			// Apollo Client's client awareness and CSRF-prevention headers, and W3C trace context from browser
			// instrumentation.
			"Apollographql-Client-Name", "Apollographql-Client-Version", "Apollo-Require-Preflight",
			"Traceparent", "Tracestate",
		},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After", "WWW-Authenticate"},
		AllowCredentials: true,
		MaxAge:           corsMaxAge,
	})
	return c.Handler(next)
}

// withSecurityHeaders sets the headers every API response should carry: no MIME sniffing of JSON into something
// executable, no Referer leaking URLs elsewhere, no framing. A handler that needs otherwise (GraphiQL's page sets
// its own Content-Security-Policy) overrides them.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
