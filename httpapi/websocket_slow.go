package httpapi

import (
	"bufio"
	"net"
	"net/http"
)

// A client that stops reading its socket stops the server's writes to it once the kernel's buffers are full, and
// every write after that waits: the operation's goroutine with the result it holds (a page of up to 100 events per
// subscription), and behind it every other operation of the socket, each with its own, until the token expired.
// Each write to a socket therefore has a deadline (Options.LiveWriteTimeout): a write that has not gone out by
// then drops the socket, recorded with close code 4008 ("policy violation": too slow). The close frame cannot
// overtake the writes stuck before it, so the client mostly sees the connection end without one (1006); the
// graphql-ws client reconnects and resumes from its last cursor, and a client that reads again is served again.
// A slow consumer thus holds at most what one write timeout lets pile up, then nothing.

// hijackRecorder keeps the connection coder/websocket hijacks, so that a socket whose write is stuck can be cut at
// once: coder/websocket's own close waits for the stuck write (and its close handshake) for seconds. It hands
// coder/websocket small buffers in place of net/http's (websocket_buffers.go).
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return conn, rw, err
	}
	h.conn = conn
	small, err := smallBuffers(conn, rw)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	return conn, small, nil
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// dropSlow drops a socket whose write did not finish within the write timeout: it records 4008, tries the close
// frame, and closes the TCP connection, which fails the stuck write and ends the read loop, and with them the
// socket's operations.
func (sock *socket) dropSlow() {
	sock.close(closeTooSlow, "Too slow: the client did not read what was sent in time")
	sock.mu.Lock()
	raw := sock.raw
	sock.mu.Unlock()
	if raw != nil {
		_ = raw.Close()
	}
}
