package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
)

// maxCloseReason is the most bytes a close frame's reason may have (RFC 6455: 125 bytes of payload, 2 for the
// code); coder/websocket sends a longer one as 1011 without a reason.
const maxCloseReason = 123

// protocolConn is a socket's connection as the loop (websocket_serve.go) reads and writes it. It holds every message
// from the client to what graphql-transport-ws allows before the loop reads it, and closes the socket with the code
// the protocol gives a violation: 4400 for a message of a type or shape it does not specify (or one that only the
// server sends), 4401 for a subscribe before connection_ack, 4429 for a second connection_init, 4409 for a subscribe
// with the id of an operation still running. gqlgen's transport, which the loop replaced, would close with 1002, or
// with 1000 ("terminated"), which graphql-ws's client takes for a normal end, or run the operation of a subscribe
// without an id or under the id of a running one; in that last case it would forget how to stop the first, which
// would run on, deaf to complete, until the socket closed, holding one of the user's subscriptions, and the client
// would get the results of both under one id. Before connection_init it answers a ping and ignores a pong or a
// complete, as the protocol allows at any time, where gqlgen, waiting for connection_init, would close the socket.
type protocolConn struct {
	gqltransport.WebsocketConn
	sock *socket

	mu      sync.Mutex
	inited  bool                // connection_init has been read: the transport no longer waits for it
	acked   bool                // connection_ack has been sent
	running map[string]struct{} // from its subscribe until the client's complete or the server's complete or error

	// The pings (websocket_ping.go).
	pinger       *time.Timer
	pingEvery    time.Duration
	ponged       bool // a pong has come since the last ping
	pingsStopped bool
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
	if m.Type == nil || isNull(m.Type) {
		return invalid("no type")
	}
	if json.Unmarshal(m.Type, &typ) != nil {
		return invalid("the type must be a string")
	}
	var id string
	if m.ID != nil && !isNull(m.ID) && json.Unmarshal(m.ID, &id) != nil {
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
		if typ == "pong" {
			c.ponged = true
		}
		if !c.inited {
			// The transport, waiting for connection_init, would close the socket.
			if typ == "ping" {
				pong := map[string]any{"type": "pong"}
				if m.Payload != nil && !isNull(m.Payload) {
					pong["payload"] = m.Payload
				}
				_ = c.write(pong) // a write that fails has broken the socket: the next read says so
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
		case p.Query == nil || isNull(p.Query) || json.Unmarshal(p.Query, &query) != nil:
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
			c.startPings(c.sock.s.pingInterval)
		case "complete", "error":
			// Forgotten before the client can read that the operation ended, and so reuse its id.
			c.forget(m.ID)
		}
	}
	return c.write(json.RawMessage(b))
}

// write writes v within the socket's write timeout, or drops the socket (websocket_slow.go). The deadline is the
// network's, on the system clock like any socket deadline: moving the handler's clock (to a token's expiry) must not
// cut a write that is merely in flight.
func (c *protocolConn) write(v any) error {
	t := time.AfterFunc(c.sock.s.writeTimeout, c.sock.dropSlow)
	defer t.Stop()
	return c.WebsocketConn.WriteJSON(v)
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
