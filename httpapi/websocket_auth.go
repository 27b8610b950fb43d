package httpapi

import (
	"context"
	"errors"
	"time"

	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"

	"taskapi/auth"
)

// awaitInit closes the socket with 4408 unless connection_init has come within d.
func (sock *socket) awaitInit(d time.Duration) {
	sock.after(d, func() {
		sock.mu.Lock()
		inited := sock.inited
		sock.mu.Unlock()
		if !inited {
			sock.close(closeInitTimeout, "Connection initialisation timeout")
		}
	})
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
	refuseWith := func(code int, reason string) (context.Context, *gqltransport.InitPayload, error) {
		sock.noteClose(code, reason)
		ctx := gqltransport.WithWebsocketCloseCode(gqltransport.AppendCloseReason(ctx, reason), code)
		return ctx, nil, errors.New(reason)
	}
	refuse := func(reason string) (context.Context, *gqltransport.InitPayload, error) {
		return refuseWith(closeForbidden, reason)
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
	if !s.slots.takeUser(viewer.ID) {
		// 4429, graphql-ws's "too many": its client takes the code as fatal and hands the close event to the
		// application rather than retrying, which is right here: only closing one of the user's other connections
		// (a tab, a device) makes room, and reconnecting in a loop would not.
		return refuseWith(closeTooMany, "Too many live connections for this user; close one")
	}
	ctx, cancel := context.WithCancel(auth.NewContext(ctx, viewer))
	sock.mu.Lock()
	sock.slotFor = viewer.ID
	sock.user = viewer.ID
	sock.cancel = cancel
	sock.mu.Unlock()
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
