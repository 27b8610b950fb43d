package httpapi

import (
	"net/http"

	rscors "github.com/rs/cors"
)

// corsMaxAge is how long a browser may cache a preflight's answer, in seconds: two hours, the most Chromium honours.
// Removing an origin from the list still takes effect at once, since every actual response is checked again.
const corsMaxAge = 7200

// cors lets browser frontends on the listed origins call the API with credentials: the Authorization header
// (and cookies, should a deployment use them) may be sent, and the request id and rate-limit headers read. With no
// origins it adds nothing, so browsers refuse every cross-origin call. Origins are exact (scheme://host[:port]) or
// have one wildcard, such as https://*.example.com; "*" is refused when the configuration is read, since with
// credentials it would let any site act for a signed-in user.
func cors(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	c := rscors.New(rscors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{
			"Authorization", "Content-Type", "Accept", "X-Request-Id",
			// Apollo Client's client awareness and CSRF-prevention headers, and W3C trace context from browser
			// instrumentation.
			"Apollographql-Client-Name", "Apollographql-Client-Version", "Apollo-Require-Preflight",
			"Traceparent", "Tracestate",
			// The Model Context Protocol's Streamable HTTP headers, for agents running in a browser (/mcp).
			"Mcp-Protocol-Version", "Mcp-Session-Id", "Last-Event-Id",
		},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After", "WWW-Authenticate", "Mcp-Session-Id"},
		AllowCredentials: true,
		MaxAge:           corsMaxAge,
	})
	return c.Handler
}
