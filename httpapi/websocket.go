package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	rscors "github.com/rs/cors"

	"taskapi/auth"
	"taskapi/clock"
	"taskapi/graph"
)

// GraphQL over WebSocket, the graphql-transport-ws protocol of the graphql-ws library (Apollo Client's
// GraphQLWsLink, urql's subscriptionExchange), on /graphql. gqlgen's transport.Websocket speaks the protocol; this
// file adds what it leaves to us: authentication from connection_init (or the upgrade's header) with 4403 for a
// missing or bad token and at the token's exp, 4408 when connection_init does not come in time, the Origin check,
// closing every socket with 1012 when the server shuts down (http.Server.Shutdown does not touch hijacked
// connections), metrics, and a log line for each connect and close.

// The close codes of graphql-transport-ws and RFC 6455 that the server sends.
const (
	closeBadRequest   = 4400 // a message the protocol does not allow
	closeUnauthorized = 4401 // a subscribe before connection_ack
	closeForbidden    = 4403 // no token, a bad one, or one that has expired: reconnect with a fresh one
	closeInitTimeout  = 4408 // no connection_init within the init timeout
	closeDuplicateID  = 4409 // a subscribe with the id of an operation still running
	closeTooManyInits = 4429 // a second connection_init
	closeRestart      = 1012 // the server is shutting down: reconnect (to another instance) and resume
)

// maxCloseReason is the most bytes a close frame's reason may have (RFC 6455: 125 bytes of payload, 2 for the
// code); coder/websocket sends a longer one as 1011 without a reason.
const maxCloseReason = 123

// wsSubprotocol is the one subprotocol served; gqlgen also speaks the older subscriptions-transport-ws, whose
// close codes and keep-alives differ, and which the contract does not offer.
const wsSubprotocol = "graphql-transport-ws"

// sockets serves and keeps track of the WebSockets of one handler.
type sockets struct {
	verifier      auth.TokenVerifier
	logger        *slog.Logger
	clock         clock.Clock
	initTimeout   time.Duration
	originAllowed func(*http.Request) bool
	ws            gqltransport.Websocket
	open          prometheus.Gauge

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
	obs     *observation // the upgrade request's, for its log line

	mu      sync.Mutex
	conn    gqltransport.WebsocketConn // nil until accepted
	user    string
	inited  bool
	cancel  context.CancelFunc // ends the connection's context, and so its operations; set by init
	stops   []func() bool      // pending timers
	code    int                // the close code we sent, or gqlgen did (0: the peer closed, or the connection broke)
	reason  string
	closing bool
}

type socketKey struct{}

func newSockets(verifier auth.TokenVerifier, opts Options, reg prometheus.Registerer) *sockets {
	s := &sockets{
		verifier:    verifier,
		logger:      opts.Logger,
		clock:       opts.Clock,
		initTimeout: opts.WebsocketInitTimeout,
		conns:       map[*socket]struct{}{},
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricWebsockets,
			Help: "WebSocket connections open now.",
		}),
	}
	reg.MustRegister(s.open)
	s.originAllowed = originChecker(opts.CORSOrigins, opts.AnyOrigin)
	maxBody := opts.MaxBodyBytes
	s.ws = gqltransport.Websocket{
		Implementation:   acceptor{s},
		InitFunc:         s.init,
		PingPongInterval: opts.WebsocketPingInterval,
		PayloadReadLimit: &maxBody,
		CloseFunc: func(ctx context.Context, code int) {
			// gqlgen closed the socket itself (a protocol error, a refused init); keep the first code recorded.
			if sock, ok := ctx.Value(socketKey{}).(*socket); ok {
				sock.noteClose(code, "")
			}
		},
		ErrorFunc: func(ctx context.Context, err error) {
			s.logger.DebugContext(ctx, "websocket error", "err", err)
		},
	}
	if opts.Draining != nil {
		go func() {
			<-opts.Draining
			s.closeAll(context.Background())
		}()
	}
	return s
}

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

// perOperation gives each operation over a socket what one HTTP request gets (its loaders): the socket's context
// lives far longer than anything read may be cached, and the operations of one socket share nothing.
type perOperation struct {
	graphql.GraphExecutor
	prepare func(context.Context) context.Context
}

func (e perOperation) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return e.GraphExecutor.DispatchOperation(e.prepare(ctx), rc)
}

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
		// The server's read and write deadlines were set on the connection for this request; they would outlive
		// the hijack and cut the socket.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		r.Header.Set("Sec-WebSocket-Protocol", wsSubprotocol)

		sock := &socket{s: s, remote: clientIP(r), header: r.Header.Values("Authorization"), started: s.clock.Now(),
			obs: observationFrom(r.Context())}
		ctx := context.WithValue(r.Context(), socketKey{}, sock)
		// The request's observation collects a line's worth of operations; a socket's operations are not listed
		// there (they would grow without end), only its user.
		ctx = context.WithValue(ctx, observationKey{}, (*observation)(nil))
		s.ws.Do(w, r.WithContext(ctx), exec)
		sock.closeAbandoned()
		sock.finish()
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
	conn, err := impl.Accept(w, r, opts)
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
	sock.mu.Unlock()
	a.s.logger.InfoContext(r.Context(), "websocket connected", "requestId", graph.RequestID(r.Context()), "remote", sock.remote)
	if draining {
		sock.close(closeRestart, "server restarting")
		return conn, nil
	}
	sock.after(a.s.initTimeout, func() {
		sock.mu.Lock()
		inited := sock.inited
		sock.mu.Unlock()
		if !inited {
			sock.close(closeInitTimeout, "Connection initialisation timeout")
		}
	})
	return conn, nil
}

// protocolConn is a socket's connection as the transport reads and writes it. It holds every message from the
// client to what graphql-transport-ws allows before gqlgen's transport reads it, and closes the socket with the
// code the protocol gives a violation: 4400 for a message of a type or shape it does not specify (or one that only
// the server sends), 4401 for a subscribe before connection_ack, 4429 for a second connection_init, 4409 for a
// subscribe with the id of an operation still running. gqlgen would close with 1002, or with 1000 ("terminated"),
// which graphql-ws's client takes for a normal end, or run the operation of a subscribe without an id or under the
// id of a running one; in that last case it would forget how to stop the first, which would run on, deaf to
// complete, until the socket closed, holding one of the user's subscriptions, and the client would get the results
// of both under one id. Before connection_init it answers a ping and ignores a pong or a complete, as the protocol
// allows at any time, where gqlgen, waiting for connection_init, would close the socket.
type protocolConn struct {
	gqltransport.WebsocketConn
	sock *socket

	mu      sync.Mutex
	inited  bool                // connection_init has been read: the transport no longer waits for it
	acked   bool                // connection_ack has been sent
	running map[string]struct{} // from its subscribe until the client's complete or the server's complete or error
}

// errProtocol ends the transport's read loop after a message the protocol does not allow; it wraps net.ErrClosed
// because the socket is closed by then, and so that the transport does not report it as a read error.
var errProtocol = fmt.Errorf("httpapi: a message graphql-transport-ws does not allow: %w", net.ErrClosed)

// wsMessage is a message as gqlgen's transport decodes it (encoding/json into a struct: the last of repeated keys,
// matched without regard to case), so that what is checked here is what the transport acts on.
type wsMessage struct {
	ID      json.RawMessage `json:"id"`
	Type    json.RawMessage `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// wsSubscribePayload is a subscribe's payload as gqlgen's transport decodes it.
type wsSubscribePayload struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

func (c *protocolConn) NextReader() (int, io.Reader, error) {
	for {
		kind, r, err := c.WebsocketConn.NextReader()
		if err != nil {
			return kind, r, err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return kind, nil, err
		}
		pass, code, reason := c.check(b)
		if code != 0 {
			c.sock.close(code, reason)
			return kind, nil, errProtocol
		}
		if pass {
			// A binary frame is read as its text, as graphql-ws's servers do.
			return kind, bytes.NewReader(b), nil
		}
	}
}

// check decides what becomes of a message from the client: passed on to the transport, handled here (pass false,
// code 0), or the socket closed with code and reason.
func (c *protocolConn) check(b []byte) (pass bool, code int, reason string) {
	invalid := func(why string) (bool, int, string) { return false, closeBadRequest, "Invalid message: " + why }
	var m wsMessage
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &m) != nil {
		return invalid("not a JSON object")
	}
	var typ string
	if m.Type == nil || wsNull(m.Type) {
		return invalid("no type")
	}
	if json.Unmarshal(m.Type, &typ) != nil {
		return invalid("the type must be a string")
	}
	var id string
	if m.ID != nil && !wsNull(m.ID) && json.Unmarshal(m.ID, &id) != nil {
		return invalid("the id must be a string")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch typ {
	case "connection_init":
		if !objectOrNull(m.Payload) {
			return invalid("the connection_init payload must be a JSON object")
		}
		if c.inited {
			return false, closeTooManyInits, "Too many initialisation requests"
		}
		c.inited = true
		return true, 0, ""
	case "ping", "pong":
		if !objectOrNull(m.Payload) {
			return invalid("the " + typ + " payload must be a JSON object")
		}
		if !c.inited {
			// The transport, waiting for connection_init, would close the socket.
			if typ == "ping" {
				pong := map[string]any{"type": "pong"}
				if m.Payload != nil && !wsNull(m.Payload) {
					pong["payload"] = m.Payload
				}
				_ = c.WebsocketConn.WriteJSON(pong) // a write that fails has broken the socket: the next read says so
			}
			return false, 0, ""
		}
		return true, 0, ""
	case "subscribe":
		if id == "" {
			return invalid("a subscribe needs an id, a non-empty string")
		}
		var p wsSubscribePayload
		if t := bytes.TrimSpace(m.Payload); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &p) != nil {
			return invalid("a subscribe needs a payload object")
		}
		var query string
		switch {
		case p.Query == nil || wsNull(p.Query) || json.Unmarshal(p.Query, &query) != nil:
			return invalid("the subscribe payload needs a query, a string")
		case !stringOrNull(p.OperationName):
			return invalid("the subscribe payload's operationName must be a string")
		case !objectOrNull(p.Variables):
			return invalid("the subscribe payload's variables must be a JSON object")
		case !objectOrNull(p.Extensions):
			return invalid("the subscribe payload's extensions must be a JSON object")
		}
		if !c.acked {
			return false, closeUnauthorized, "Unauthorized: send connection_init and wait for connection_ack before subscribe"
		}
		if _, dup := c.running[id]; dup {
			reason := "Subscriber for " + id + " already exists"
			if len(reason) > maxCloseReason {
				reason = "Subscriber for this id already exists"
			}
			return false, closeDuplicateID, reason
		}
		c.running[id] = struct{}{}
		return true, 0, ""
	case "complete":
		if id == "" {
			return invalid("a complete needs an id, a non-empty string")
		}
		delete(c.running, id)
		// Before connection_init no operation has run, and the transport would close the socket.
		return c.inited, 0, ""
	case "connection_ack", "next", "error":
		return invalid(typ + " is sent by the server, not the client")
	}
	if why := "unknown type " + strconv.Quote(typ); len(why) <= maxCloseReason-len("Invalid message: ") {
		return invalid(why)
	}
	return invalid("unknown type")
}

// wsNull reports whether a field is JSON null.
func wsNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// objectOrNull reports whether a field is absent, null or a JSON object (the field is valid JSON).
func objectOrNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || t[0] == '{' || string(t) == "null"
}

// stringOrNull reports whether a field is absent, null or a JSON string (the field is valid JSON).
func stringOrNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || t[0] == '"' || string(t) == "null"
}

func (c *protocolConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(b, &m) == nil {
		switch m.Type {
		case "connection_ack":
			// Before it is sent: the client may subscribe as soon as it reads it.
			c.mu.Lock()
			c.acked = true
			c.mu.Unlock()
		case "complete", "error":
			// Forgotten before the client can read that the operation ended, and so reuse its id.
			c.forget(m.ID)
		}
	}
	return c.WebsocketConn.WriteJSON(json.RawMessage(b))
}

func (c *protocolConn) forget(id string) {
	c.mu.Lock()
	delete(c.running, id)
	c.mu.Unlock()
}

// SetReadLimit and SetReadDeadline pass on what the transport asks of coder/websocket's connection: the payload
// limit, and the deadline that drops a peer that stopped answering pings.
func (c *protocolConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(gqltransport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *protocolConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(gqltransport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// init authenticates connection_init: the token comes from its payload ({"Authorization": "Bearer <jwt>"}, also
// "authorization", or either inside "headers"), else from the upgrade request's Authorization header. Without a
// valid one the socket is closed with 4403; with one, it is closed with 4403 when the token expires.
func (s *sockets) init(ctx context.Context, payload gqltransport.InitPayload) (context.Context, *gqltransport.InitPayload, error) {
	sock := ctx.Value(socketKey{}).(*socket)
	sock.mu.Lock()
	sock.inited = true
	closing := sock.closing
	sock.mu.Unlock()
	refuse := func(reason string) (context.Context, *gqltransport.InitPayload, error) {
		sock.noteClose(closeForbidden, reason)
		ctx := gqltransport.WithWebsocketCloseCode(gqltransport.AppendCloseReason(ctx, reason), closeForbidden)
		return ctx, nil, errors.New(reason)
	}
	if closing {
		return refuse("Forbidden: the connection is closing")
	}
	header, ok := initAuthorization(payload)
	if !ok {
		if len(sock.header) != 1 {
			return refuse("Forbidden: send {\"Authorization\": \"Bearer <token>\"} in connection_init")
		}
		header = sock.header[0]
	}
	token, err := auth.BearerToken(header)
	if err != nil {
		return refuse("Forbidden: the Authorization value must be Bearer <token>")
	}
	viewer, err := s.verifier.Verify(ctx, token)
	if err != nil {
		s.logger.DebugContext(ctx, "websocket token refused", "err", err)
		return refuse("Forbidden: the token is invalid or expired")
	}
	ctx, cancel := context.WithCancel(auth.NewContext(ctx, viewer))
	sock.mu.Lock()
	sock.user = viewer.ID
	sock.cancel = cancel
	sock.mu.Unlock()
	sock.obs.setUser(viewer.ID)
	if !viewer.Expires.IsZero() {
		sock.after(viewer.Expires.Sub(s.clock.Now()), func() { sock.close(closeForbidden, "Forbidden: the token has expired") })
	}
	return ctx, nil, nil
}

// initAuthorization finds the Authorization value in a connection_init payload.
func initAuthorization(payload gqltransport.InitPayload) (string, bool) {
	look := func(m map[string]any) (string, bool) {
		for _, k := range []string{"Authorization", "authorization"} {
			if v, ok := m[k].(string); ok {
				return v, true
			}
		}
		return "", false
	}
	if v, ok := look(payload); ok {
		return v, true
	}
	if headers, ok := payload["headers"].(map[string]any); ok {
		return look(headers)
	}
	return "", false
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

// close sends a close frame with code and reason and closes the connection; gqlgen's read loop then ends, and with
// it the socket's operations.
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

// closeAbandoned closes a socket that the transport has given up on without closing it: gqlgen returns when
// connection_init's payload is not a JSON object, before the init function runs, and leaves the hijacked
// connection open. Nothing would ever close it (the init timer stops with the handler), so each such message
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

// finish runs when the transport is done with the socket.
func (sock *socket) finish() {
	sock.mu.Lock()
	stops, cancel, conn := sock.stops, sock.cancel, sock.conn
	code, reason, user := sock.code, sock.reason, sock.user
	sock.mu.Unlock()
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

// closeAll closes every socket with 1012 and refuses new ones: the server is shutting down, and clients reconnect
// to another instance and resume from their cursors. It waits until the sockets' handlers are done (their close
// handshakes finished, or the connections broke) or ctx ends.
func (s *sockets) closeAll(ctx context.Context) {
	s.mu.Lock()
	first := !s.draining
	s.draining = true
	open := make([]*socket, 0, len(s.conns))
	for sock := range s.conns {
		open = append(open, sock)
	}
	s.mu.Unlock()
	for _, sock := range open {
		sock.close(closeRestart, "server restarting")
	}
	if first && len(open) > 0 {
		s.logger.Info("shutting down: websockets closed with 1012", "sockets", len(open))
	}
	waitFor(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) == 0
	})
}

// waitFor polls done until it reports true or ctx ends.
func waitFor(ctx context.Context, done func() bool) {
	for !done() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
