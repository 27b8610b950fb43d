package httpapi

import (
	"net/http"
	"strings"

	rscors "github.com/rs/cors"
)

// originChecker allows browsers' Origin headers that CORS allows (any in development mode), and requests without
// one (clients that are not browsers) or from the API's own origin.
func originChecker(origins []string, any bool) func(*http.Request) bool {
	if any {
		return func(*http.Request) bool { return true }
	}
	var c *rscors.Cors
	if len(origins) > 0 {
		c = rscors.New(rscors.Options{AllowedOrigins: origins, AllowCredentials: true})
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		if o, ok := strings.CutPrefix(origin, "http://"); ok && strings.EqualFold(o, r.Host) {
			return true
		}
		if o, ok := strings.CutPrefix(origin, "https://"); ok && strings.EqualFold(o, r.Host) {
			return true
		}
		return c != nil && c.OriginAllowed(r)
	}
}
