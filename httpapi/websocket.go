package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/clock"
	"taskapi/graph"
)

// GraphQL over WebSocket, the graphql-transport-ws protocol of the graphql-ws library (Apollo Client's
// GraphQLWsLink, urql's subscriptionExchange), on /graphql, one file per job:
//
//   - websocket_serve.go: the protocol's loop, on the socket's one goroutine, its reader; operations run with
//     gqlgen's executor, and a taskEvents subscription holds no goroutine while it waits (the hub hands its events
//     over, live.Push);
//   - websocket_origin.go: which browser origins may open a socket;
//   - websocket_handshake.go: the upgrade, refused with an answer of ours when it is malformed, from an origin not
//     allowed, without the subprotocol, while shutting down or at the instance's cap (livecaps.go), and the socket
//     accepted and counted;
//   - websocket_protocol.go: every message from the client held to what graphql-transport-ws allows, with the close
//     code the protocol gives a violation;
//   - websocket_auth.go: authentication from connection_init (or the upgrade's header), 4403 for a missing or bad
//     token and at the token's exp, 4408 when connection_init does not come in time, 4429 past the user's cap on
//     live connections (livecaps.go);
//   - websocket_slow.go: a client that does not read what is written to it is dropped (4008);
//   - websocket_ping.go: the pings, on a timer, and the drop of a peer that stops answering them;
//   - websocket_shutdown.go: every socket closed with 1012 when the server shuts down (http.Server.Shutdown does not
//     touch hijacked connections).
//
// This file is the socket itself: what it holds, its timers, how it closes, and the log line when it has.

// The close codes of graphql-transport-ws and RFC 6455 that the server sends.
const (
	closeBadRequest   = 4400 // a message the protocol does not allow
	closeUnauthorized = 4401 // a subscribe before connection_ack
	closeForbidden    = 4403 // no token, a bad one, or one that has expired: reconnect with a fresh one
	closeInitTimeout  = 4408 // no connection_init within the init timeout
	closeDuplicateID  = 4409 // a subscribe with the id of an operation still running
	closeTooManyInits = 4429 // a second connection_init
	closeTooMany      = 4429 // the user has MaxSocketsPerUser live connections already: close one, or retry later
	closeTooSlow      = 4008 // a write the client did not take within the write timeout (websocket_slow.go)
	closeRestart      = 1012 // the server is shutting down: reconnect (to another instance) and resume
)

// closeInternalError is RFC 6455's close code for a server that failed: a panic serving the socket.
const closeInternalError = 1011

// closeNormal ends a socket whose reader is done (the peer closed it, or the connection broke); closeProtocolError
// one that broke before connection_init was read.
const (
	closeNormal        = 1000
	closeProtocolError = 1002
)

// sockets serves and keeps track of the WebSockets of one handler.
type sockets struct {
	verifier      auth.TokenVerifier
	logger        *slog.Logger
	clock         clock.Clock
	initTimeout   time.Duration
	writeTimeout  time.Duration
	pingInterval  time.Duration
	originAllowed func(*http.Request) bool
	maxPayload    int64 // the largest message read from a client
	open          prometheus.Gauge
	slots         *liveSlots

	mu       sync.Mutex
	conns    map[*socket]struct{}
	draining bool
}

// socket is one WebSocket connection.
type socket struct {
	s       *sockets
	remote  string
	header  []string // the upgrade request's Authorization values
	started time.Time
	// upgraded is closed once the connection is hijacked: the handler that served the upgrade returns, and the
	// socket goes on on a goroutine of its own (websocket_handshake.go).
	upgraded chan struct{}

	mu      sync.Mutex
	conn    gqltransport.WebsocketConn // nil until accepted
	raw     net.Conn                   // the hijacked TCP connection, nil until accepted
	user    string
	slotFor string // the user whose slot the socket holds, released when it finishes
	inited  bool
	cancel  context.CancelFunc // ends the connection's context, and so its operations; set by init
	stops   []func() bool      // pending timers
	code    int                // the close code we sent (0: the peer closed, or the connection broke)
	reason  string
	closing bool
	done    bool // finish has run
}

type socketKey struct{}

func newSockets(verifier auth.TokenVerifier, opts Options, reg prometheus.Registerer, slots *liveSlots) *sockets {
	s := &sockets{
		slots:        slots,
		verifier:     verifier,
		logger:       opts.Logger,
		clock:        opts.Clock,
		initTimeout:  opts.WebsocketInitTimeout,
		writeTimeout: opts.LiveWriteTimeout,
		pingInterval: opts.WebsocketPingInterval,
		conns:        map[*socket]struct{}{},
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricWebsockets,
			Help: "WebSocket connections open now.",
		}),
	}
	reg.MustRegister(s.open)
	s.originAllowed = originChecker(opts.CORSOrigins, opts.AnyOrigin)
	s.maxPayload = opts.MaxBodyBytes
	s.closeOnDrain(opts.Draining)
	return s
}

// perOperation gives each operation over a socket what one HTTP request gets (its loaders): the socket's context
// lives far longer than anything read may be cached, and the operations of one socket share nothing.
type perOperation struct {
	graphql.GraphExecutor
	prepare func(context.Context) context.Context
}

// CreateOperationContext bounds the messages of the errors it returns: the transport sends them as they are, without
// the error presenter, and a parse or validation error quotes the client's document.
func (e perOperation) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	rc, errs := e.GraphExecutor.CreateOperationContext(ctx, params)
	graph.BoundMessages(errs)
	return rc, errs
}

// DispatchOperation gives a query or a mutation its loaders. A subscription gets a set for each of its results
// instead (perResult): one set for its whole life would remember what it read (a list's name, a user's) for as long
// as the client stays subscribed, and hold it all that time.
func (e perOperation) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	if subscribes(rc) {
		return e.GraphExecutor.DispatchOperation(ctx, rc)
	}
	return e.GraphExecutor.DispatchOperation(e.prepare(ctx), rc)
}

// perResult prepares the context of one result of a subscription (see DispatchOperation).
func (e perOperation) perResult(ctx context.Context) context.Context { return e.prepare(ctx) }

func subscribes(rc *graphql.OperationContext) bool {
	return rc != nil && rc.Operation != nil && rc.Operation.Operation == ast.Subscription
}

// after runs f after d unless the socket has finished by then.
func (sock *socket) after(d time.Duration, f func()) {
	stop := sock.s.clock.AfterFunc(max(d, 0), f)
	sock.mu.Lock()
	sock.stops = append(sock.stops, stop)
	sock.mu.Unlock()
}

// noteClose records why the socket closed, keeping the first reason.
func (sock *socket) noteClose(code int, reason string) {
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if sock.code == 0 {
		sock.code, sock.reason = code, reason
	}
}

// close sends a close frame with code and reason and closes the connection; the socket's read loop then ends, and
// with it the socket's operations.
func (sock *socket) close(code int, reason string) {
	sock.noteClose(code, reason)
	sock.mu.Lock()
	conn, already := sock.conn, sock.closing
	sock.closing = true
	sock.mu.Unlock()
	if conn == nil || already {
		return
	}
	_ = conn.WriteClose(code, reason)
	_ = conn.Close()
}

// closeAbandoned closes a socket that the loop has given up on without closing it: it returns when
// connection_init's payload is not a JSON object, before the init function runs, and leaves the hijacked
// connection open (as gqlgen's transport did). Nothing would ever close it (the init timer stops with the handler), so each such message
// would hold a connection and its goroutines for as long as the peer liked, unseen by metrics and shutdown.
// protocolConn refuses such a payload before the transport reads it; this stays as the net under that check.
// Every other way out of the transport has closed the socket, and recorded its code, by now.
func (sock *socket) closeAbandoned() {
	sock.mu.Lock()
	abandoned := !sock.inited && sock.code == 0
	sock.mu.Unlock()
	if abandoned {
		sock.close(closeBadRequest, "Invalid message: the connection_init payload must be a JSON object")
	}
}

// recoverPanic, deferred on the socket's goroutine, does for a panic what net/http does for one in a handler (the
// socket runs off net/http's goroutine, websocket_handshake.go): it logs it with its stack and closes the socket,
// where the panic would otherwise end the process. finish runs after it.
func (sock *socket) recoverPanic() {
	v := recover()
	if v == nil {
		return
	}
	sock.s.logger.Error("websocket: panic serving the socket", "panic", fmt.Sprint(v), "stack", string(debug.Stack()),
		"remote", sock.remote)
	sock.close(closeInternalError, "Internal error")
	sock.mu.Lock()
	raw := sock.raw
	sock.mu.Unlock()
	if raw != nil {
		_ = raw.Close()
	}
	sock.finish()
}

// finish runs when the transport is done with the socket.
func (sock *socket) finish() {
	sock.mu.Lock()
	if sock.done {
		sock.mu.Unlock()
		return
	}
	sock.done = true
	stops, cancel, conn := sock.stops, sock.cancel, sock.conn
	code, reason, user, slotFor := sock.code, sock.reason, sock.user, sock.slotFor
	sock.mu.Unlock()
	if pc, ok := conn.(*protocolConn); ok {
		pc.stopPings()
	}
	if slotFor != "" {
		sock.s.slots.releaseUser(slotFor)
	}
	for _, stop := range stops {
		stop()
	}
	if cancel != nil {
		cancel()
	}
	if conn == nil {
		return // never upgraded: the HTTP answer said why
	}
	s := sock.s
	s.mu.Lock()
	delete(s.conns, sock)
	s.mu.Unlock()
	s.open.Dec()
	if reason == "" {
		reason = "closed by the client or the network"
		if code != 0 {
			reason = "closed by the protocol handler"
		}
	}
	s.logger.Info("websocket closed", "code", code, "reason", reason, "user", user, "remote", sock.remote,
		"durationMs", s.clock.Now().Sub(sock.started).Milliseconds())
}
