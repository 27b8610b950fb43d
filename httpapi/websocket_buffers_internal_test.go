package httpapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestHijackSmallBuffers: the connection a socket is served through has small buffers, not net/http's 4 KiB ones,
// and coder/websocket reads the frame the client sent right behind the upgrade request, which net/http had read
// with the request already.
func TestHijackSmallBuffers(t *testing.T) {
	const first = "hello, frames"
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(got)
		h := &hijackRecorder{ResponseWriter: w}
		conn, err := websocket.Accept(h, r, nil)
		if err != nil {
			t.Errorf("Accept: %v", err)
			return
		}
		defer conn.CloseNow()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Errorf("reading the first frame: %v", err)
		}
		got <- string(b)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// One write, the upgrade request and a text frame masked with a zero key: net/http reads both at once.
	frame := append([]byte{0x81, 0x80 | byte(len(first)), 0, 0, 0, 0}, first...)
	_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"+string(frame))
	if b := <-got; b != first {
		t.Errorf("the first frame read %q, want %q", b, first)
	}

	// The buffers themselves.
	hijacked := make(chan [2]int, 1)
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, rw, err := (&hijackRecorder{ResponseWriter: w}).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			close(hijacked)
			return
		}
		defer conn.Close()
		hijacked <- [2]int{rw.Reader.Size(), rw.Writer.Size()}
	}))
	defer srv2.Close()
	conn2, err := net.Dial("tcp", strings.TrimPrefix(srv2.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	_, _ = io.WriteString(conn2, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	if sizes, ok := <-hijacked; ok && (sizes[0] > socketBuffer || sizes[1] > socketBuffer) {
		t.Errorf("buffers of %d and %d bytes, want at most %d", sizes[0], sizes[1], socketBuffer)
	}
}
