package httpapi

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestChainPassesStreamingThrough checks that a handler behind every piece of the surface's chain can flush and
// hijack its connection, through type assertions and through http.ResponseController, as the SSE and WebSocket
// transports will.
func TestChainPassesStreamingThrough(t *testing.T) {
	obs := newObserver(slog.New(slog.DiscardHandler), newMetrics(prometheus.NewRegistry()))
	drain := drainSignal(make(chan struct{}))
	pieces := chain(requestID, obs.observe, drain.closeWhenDraining, securityHeaders,
		cors([]string{"https://app.example.com"}), verifyToken(nil, slog.New(slog.DiscardHandler), false), newRateLimiter(RateLimit{RPS: 100}).limitRequests)

	t.Run("Flush", func(t *testing.T) {
		flushed := make(chan struct{})
		srv := httptest.NewServer(pieces(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(http.Flusher); !ok {
				t.Error("the writer is not an http.Flusher")
			}
			_, _ = io.WriteString(w, "first\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("ResponseController.Flush: %v", err)
			}
			close(flushed)
			<-r.Context().Done() // hold the response open: the client must have the first line already
		})))
		defer srv.Close()
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || line != "first\n" {
			t.Fatalf("read %q, %v before the handler returned", line, err)
		}
		<-flushed
	})

	t.Run("Hijack", func(t *testing.T) {
		srv := httptest.NewServer(pieces(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := w.(http.Hijacker); !ok {
				t.Error("the writer is not an http.Hijacker")
			}
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("ResponseController.Hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello")
			_ = buf.Flush()
		})))
		defer srv.Close()
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
		raw, _ := io.ReadAll(conn)
		if !strings.HasPrefix(string(raw), "HTTP/1.1 101 ") || !strings.HasSuffix(string(raw), "hello") {
			t.Fatalf("got %q", raw)
		}
	})
}
