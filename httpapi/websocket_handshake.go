package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"

	"taskapi/graph"
)

// wsSubprotocol is the one subprotocol served; gqlgen also speaks the older subscriptions-transport-ws, whose
// close codes and keep-alives differ, and which the contract does not offer.
const wsSubprotocol = "graphql-transport-ws"

// isUpgrade reports whether r asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		if strings.EqualFold(strings.TrimSpace(v), "websocket") {
			return true
		}
	}
	return false
}

// handler upgrades a request to a WebSocket served by exec, runs the protocol until the socket closes, and logs
// the close.
//
// The socket is served on a goroutine of its own, and the handler returns as soon as the upgrade is done: net/http's
// goroutine for the connection then ends, and with it what it held for the socket's whole life, its deep stack (the
// handler chain), its connection state and its 4 KiB read and write buffers, which the upgrade no longer uses
// (coder/websocket reads and writes through buffers of its own, websocket_buffers.go). So the request's log line and
// span end at the upgrade, with status 101, and its context, which net/http cancels then, is not the socket's: the
// socket's keeps its values without its cancellation.
func (s *sockets) handler(exec graphql.GraphExecutor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if problem := badHandshake(r); problem != "" {
			w.Header().Set("Sec-WebSocket-Version", "13")
			writeError(w, r, mediaJSON, http.StatusBadRequest, graph.CodeBadRequest, problem)
			return
		}
		if !s.originAllowed(r) {
			writeError(w, r, mediaJSON, http.StatusForbidden, graph.CodeBadRequest, "This Origin may not open a WebSocket; add it to CORS_ORIGINS.")
			return
		}
		if !offersSubprotocol(r) {
			writeError(w, r, mediaJSON, http.StatusBadRequest, graph.CodeBadRequest,
				"Use the graphql-transport-ws subprotocol (the graphql-ws library).")
			return
		}
		s.mu.Lock()
		draining := s.draining
		s.mu.Unlock()
		if draining {
			w.Header().Set("Retry-After", "1")
			writeError(w, r, mediaJSON, http.StatusServiceUnavailable, graph.CodeServiceUnavailable, "The server is shutting down; connect again.")
			return
		}
		addr := clientIP(r)
		if refusal := s.slots.take(addr); refusal != "" {
			refuseLive(w, r, refusal)
			return
		}
		// The server's read and write deadlines were set on the connection for this request; they would outlive
		// the hijack and cut the socket.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		r.Header.Set("Sec-WebSocket-Protocol", wsSubprotocol)

		sock := &socket{s: s, remote: addr, header: r.Header.Values("Authorization"), started: s.clock.Now(),
			upgraded: make(chan struct{})}
		ctx := context.WithValue(context.WithoutCancel(r.Context()), socketKey{}, sock)
		// The request's observation collects a line's worth of operations; a socket's operations are not listed
		// there (they would grow without end).
		ctx = context.WithValue(ctx, observationKey{}, (*observation)(nil))
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer s.slots.release(addr)
			defer sock.recoverPanic()
			s.serve(w, r.WithContext(ctx), exec)
			sock.closeAbandoned()
			sock.finish()
		}()
		// Until the upgrade is done, the goroutine uses w, which is net/http's only while the handler runs; a
		// refused upgrade is answered through it.
		select {
		case <-sock.upgraded:
		case <-done:
		}
	})
}

// badHandshake says what is wrong with an upgrade request that coder/websocket would refuse, or "". Refused
// there, it would be answered twice (coder/websocket's plain-text error, then gqlgen's, which has no code) and
// logged outside the server's log, with a warning about the second answer: noise anyone could make.
func badHandshake(r *http.Request) string {
	hasToken := func(name, token string) bool {
		for _, v := range r.Header.Values(name) {
			for _, t := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(t), token) {
					return true
				}
			}
		}
		return false
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	switch {
	case r.Method != http.MethodGet || !r.ProtoAtLeast(1, 1):
		return "A WebSocket is opened with an HTTP/1.1 GET."
	case !hasToken("Connection", "upgrade"):
		return "A WebSocket upgrade needs Connection: Upgrade."
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return "Only version 13 of the WebSocket protocol is served (Sec-WebSocket-Version: 13)."
	case len(keys) != 1:
		return "A WebSocket upgrade needs one Sec-WebSocket-Key."
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(key) != 16 {
		return "Sec-WebSocket-Key must be 16 bytes in base64."
	}
	return ""
}

func offersSubprotocol(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == wsSubprotocol {
				return true
			}
		}
	}
	return false
}

// acceptor accepts the upgrade with coder/websocket (gqlgen's default) and registers the socket.
type acceptor struct{ s *sockets }

func (a acceptor) Accept(w http.ResponseWriter, r *http.Request, opts gqltransport.WebsocketAcceptOptions) (gqltransport.WebsocketConn, error) {
	sock := r.Context().Value(socketKey{}).(*socket)
	impl := gqltransport.CoderWebsocketImplementation{}
	impl.AcceptOptions.InsecureSkipVerify = true // the Origin was checked already, against CORS_ORIGINS
	hijacked := &hijackRecorder{ResponseWriter: w}
	conn, err := impl.Accept(hijacked, r, opts)
	if err != nil {
		return nil, err
	}
	a.s.mu.Lock()
	a.s.conns[sock] = struct{}{}
	draining := a.s.draining
	a.s.mu.Unlock()
	a.s.open.Inc()
	conn = &protocolConn{WebsocketConn: conn, sock: sock, running: map[string]struct{}{}}
	sock.mu.Lock()
	sock.conn = conn
	sock.raw = hijacked.conn
	sock.mu.Unlock()
	close(sock.upgraded) // the handler returns: w is not used again
	a.s.logger.InfoContext(r.Context(), "websocket connected", "requestId", graph.RequestID(r.Context()), "remote", sock.remote)
	if draining {
		sock.close(closeRestart, "server restarting")
		return conn, nil
	}
	sock.awaitInit(a.s.initTimeout)
	return conn, nil
}
