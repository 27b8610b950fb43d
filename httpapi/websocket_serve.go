package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/live"
)

// The socket's loop: graphql-transport-ws over a connection that protocolConn has checked every message of. It was
// gqlgen's transport.Websocket, which holds, for each socket, a goroutine that waits for the socket's context to
// end (to close it), and for each operation one that waits for its next result: with the socket's reader and the
// hub's, four goroutines per idle subscription, their stacks most of what it cost. Here the socket holds one, its
// reader (which closes the socket itself when it is done), and a subscription of the hub's feed none: the hub hands
// each event over on its own goroutine (live.Push), which runs the operation's selection for it and writes the
// result, under the write deadline, then goes. Any other operation (a query or a mutation over the socket, or a
// subscription the hub does not serve) runs on a goroutine of its own until it is done, as before.

// wsOut is a message to the client, as gqlgen's transport wrote them.
type wsOut struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// wsIn is a message from the client, as protocolConn has let it through.
type wsIn struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// serve accepts the upgrade and runs the protocol until the socket closes.
func (s *sockets) serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ws, err := acceptor{s}.Accept(w, r, gqltransport.WebsocketAcceptOptions{
		ResponseHeader: http.Header{},
		Subprotocols:   []string{wsSubprotocol},
	})
	if err != nil {
		// coder/websocket has answered most refusals itself; badHandshake keeps those from coming here.
		s.logger.DebugContext(r.Context(), "websocket upgrade failed", "err", err)
		gqltransport.SendErrorf(w, http.StatusBadRequest, "unable to upgrade")
		return
	}
	sock := r.Context().Value(socketKey{}).(*socket)
	conn := ws.(*protocolConn)
	conn.SetReadLimit(s.maxPayload)
	l := &wsLoop{sock: sock, conn: conn, exec: exec, ctx: r.Context(), headers: r.Header, ops: map[string]*wsOp{}}
	if po, ok := exec.(perOperation); ok {
		l.perResult = po.perResult
	}
	// A connection_init that is refused closes the socket; one whose payload cannot be read leaves it to
	// closeAbandoned, as gqlgen's transport did.
	if !l.init() {
		return
	}
	defer l.end()
	l.run()
}

// wsLoop is one socket's protocol state.
type wsLoop struct {
	sock    *socket
	conn    *protocolConn
	exec    graphql.GraphExecutor
	ctx     context.Context // the socket's; once connection_init is accepted, the viewer's, cancelled by finish
	headers http.Header
	// perResult prepares the context of each result of a subscription: its loaders (perOperation).
	perResult func(context.Context) context.Context

	mu  sync.Mutex
	ops map[string]*wsOp
}

// send writes a message; a write that fails has broken the socket, which its reader then finds.
func (l *wsLoop) send(m wsOut) {
	if err := l.conn.WriteJSON(m); err != nil {
		l.sock.s.logger.DebugContext(l.ctx, "websocket write failed", "err", err)
	}
}

// init waits for connection_init and authenticates it: false when the socket is done.
func (l *wsLoop) init() bool {
	m, err := l.next()
	if err != nil {
		// A violation has closed the socket with its code already; else the peer went, or sent a broken frame.
		l.sock.noteClose(closeProtocolError, "")
		l.sock.close(closeProtocolError, "decoding error")
		return false
	}
	switch m.Type {
	case "connection_init":
	default:
		// protocolConn lets nothing else through before connection_init.
		l.sock.close(closeBadRequest, "Invalid message: expected connection_init")
		return false
	}
	var payload gqltransport.InitPayload
	if len(m.Payload) > 0 && !bytes.Equal(bytes.TrimSpace(m.Payload), []byte("null")) {
		if json.Unmarshal(m.Payload, &payload) != nil {
			return false // closeAbandoned closes it
		}
	}
	ctx, _, err := l.sock.s.init(l.ctx, payload)
	if err != nil {
		// init has recorded the code and reason.
		l.sock.mu.Lock()
		code, reason := l.sock.code, l.sock.reason
		l.sock.mu.Unlock()
		l.sock.close(code, reason)
		return false
	}
	l.ctx = ctx
	l.send(wsOut{Type: "connection_ack"})
	return true
}

// next reads the next message that protocolConn lets through.
func (l *wsLoop) next() (wsIn, error) {
	_, r, err := l.conn.NextReader()
	if err != nil {
		return wsIn{}, err
	}
	var m wsIn
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return wsIn{}, err
	}
	return m, nil
}

// run reads the client's messages until the socket closes.
func (l *wsLoop) run() {
	for {
		m, err := l.next()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.sock.s.logger.DebugContext(l.ctx, "websocket read ended", "err", err)
			}
			return
		}
		switch m.Type {
		case "subscribe":
			l.subscribe(m)
		case "complete":
			l.mu.Lock()
			op := l.ops[m.ID]
			l.mu.Unlock()
			if op != nil {
				op.cancel()
			}
		case "ping":
			l.send(wsOut{Type: "pong", Payload: m.Payload})
		case "pong":
			// protocolConn has noted it for the next ping; the peer answers, so no deadline until that ping.
			_ = l.conn.SetReadDeadline(time.Time{})
		case "connection_init":
			// protocolConn closes the socket on a second one.
		}
	}
}

// end runs when the reader is done: the socket is closing or closed; its operations end (the viewer's context is
// cancelled when the socket finishes).
func (l *wsLoop) end() {
	l.mu.Lock()
	ops := make([]*wsOp, 0, len(l.ops))
	for _, op := range l.ops {
		ops = append(ops, op)
	}
	l.mu.Unlock()
	for _, op := range ops {
		op.cancel()
	}
	// Recorded without a reason, as gqlgen's close did: the log says the protocol handler closed it.
	l.sock.noteClose(closeNormal, "")
	l.sock.close(closeNormal, "terminated")
}

// wsOp is one operation of a socket.
type wsOp struct {
	l      *wsLoop
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	rc     *graphql.OperationContext

	responses  graphql.ResponseHandler
	perResult  func(context.Context) context.Context // for a subscription: its loaders, a set for each result
	dispatched chan struct{}                         // closed once responses is set
	once       sync.Once                             // done
	mu         sync.Mutex                            // one result at a time
}

// subscribe runs an operation, as gqlgen's transport did: an operation that cannot start is answered with its
// errors (an error message for a protocol problem, else a result carrying them) and completed.
func (l *wsLoop) subscribe(m wsIn) {
	ctx := graphql.StartOperationTrace(l.ctx)
	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(m.Payload))
	dec.UseNumber() // as gqlgen's transports decode variables
	if err := dec.Decode(params); err != nil {
		l.sendErrors(m.ID, &gqlerror.Error{Message: "invalid json"})
		l.complete(m.ID)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = l.headers
	rc, errs := l.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := l.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			l.sendErrors(m.ID, resp.Errors...)
		} else {
			l.sendResult(m.ID, &graphql.Response{Errors: errs})
		}
		l.complete(m.ID)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	ctx, cancel := context.WithCancel(ctx)
	op := &wsOp{l: l, id: m.ID, cancel: cancel, rc: rc, dispatched: make(chan struct{})}
	if subscribes(rc) {
		op.perResult = l.perResult
	}
	l.mu.Lock()
	l.ops[m.ID] = op
	l.mu.Unlock()
	push := live.NewPush(func() { op.ready() })
	ctx = live.WithPush(ctx, push)
	op.ctx = ctx
	func() {
		defer func() {
			if v := recover(); v != nil {
				op.panicked(v)
			}
		}()
		op.responses, op.ctx = l.exec.DispatchOperation(ctx, rc)
	}()
	close(op.dispatched)
	if op.responses == nil {
		return // it panicked: answered and done
	}
	if push.Taken() {
		return // the hub hands each event over (ready)
	}
	go op.drain()
}

// drain takes the results of an operation the hub does not push until there are no more.
func (op *wsOp) drain() {
	for op.ready() {
	}
}

// ready takes the operation's next result and sends it: false when there is none and the operation is done. The hub
// calls it for each event it has handed to the subscription's channel, and once the channel is closed.
func (op *wsOp) ready() (more bool) {
	<-op.dispatched
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.responses == nil {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			op.panicked(v)
			more = false
		}
	}()
	ctx := op.ctx
	if op.perResult != nil {
		ctx = op.perResult(ctx)
	}
	resp := op.responses(ctx)
	if resp == nil {
		op.done(false)
		return false
	}
	op.l.sendResult(op.id, resp)
	return true
}

// panicked answers an operation whose execution panicked with the error the executor's recover function makes of
// it, and ends it.
func (op *wsOp) panicked(v any) {
	err := op.rc.Recover(op.ctx, v)
	var gqlerr *gqlerror.Error
	if !errors.As(err, &gqlerr) {
		gqlerr = &gqlerror.Error{}
		if err != nil {
			gqlerr.Message = err.Error()
		}
	}
	op.l.sendErrors(op.id, gqlerr)
	op.done(true)
}

// done ends the operation: complete, unless its socket is closing or an error message ended it already.
func (op *wsOp) done(errorSent bool) {
	op.once.Do(func() {
		l := op.l
		if !errorSent && l.ctx.Err() == nil {
			l.complete(op.id)
		}
		l.mu.Lock()
		if l.ops[op.id] == op {
			delete(l.ops, op.id)
		}
		l.mu.Unlock()
		op.responses = nil
		op.cancel()
	})
}

func (l *wsLoop) sendResult(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic(fmt.Sprintf("httpapi: encoding a result: %v", err))
	}
	l.send(wsOut{Type: "next", ID: id, Payload: b})
}

func (l *wsLoop) sendErrors(id string, errs ...*gqlerror.Error) {
	b, err := json.Marshal(errs)
	if err != nil {
		panic(fmt.Sprintf("httpapi: encoding errors: %v", err))
	}
	l.send(wsOut{Type: "error", ID: id, Payload: b})
}

func (l *wsLoop) complete(id string) { l.send(wsOut{Type: "complete", ID: id}) }
