package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"taskapi/graph"
)

// requestID gives every request an id: the incoming X-Request-Id when it is a sane token, a new random one
// otherwise. It is echoed in the response, logged by observe and carried in internal errors (graph.RequestID), so a
// user's report finds its log line. It is the first piece of the chain, so that everything after it has the id.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(graph.WithRequestID(r.Context(), id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
