// Package httpapi is the HTTP surface of the task API: GraphQL over HTTP, over WebSocket and over Server-Sent Events
// on the schema of package graph, with its limits, persisted queries, token verification, rate limit, CORS,
// security headers, request ids, logs, metrics and traces, GraphiQL, and the health and metrics endpoints.
// cmd/server reads the settings and hands them to NewHandler.
//
// Why the layout is this way. Package graph is the schema's world (generated code, resolvers, loaders, the error
// presenter) and knows nothing of HTTP; everything a request meets between the socket and the resolvers is here,
// and NewHandler shows it in the order a request meets it:
//
//	requestID -> clientAddress -> observe -> closeWhenDraining -> securityHeaders -> cors -> mux
//	/graphql:          verifyToken -> privateToViewer -> limitRequests -> transport
//	/graphql upgrade:  limitRequests -> sockets (token in connection_init; limitOperations per operation)
//	/graphql/stream:   verifyToken -> privateToViewer -> limitRequests -> streams
//	every transport's executor: persisted queries, document limits, variable scalars, operationTimeout, operations
//
// Each piece has one job and one file: requestid.go, clientaddr.go (the client's address, TRUSTED_PROXIES),
// observe.go and metrics.go (logs, metrics and traces, written through one *observation in the request's context),
// drain.go, headers.go, cors.go, verify.go, cachecontrol.go (privateToViewer), ratelimit.go and budget.go (what one
// request, a batch included, is charged); the transports transport.go (with jsoncount.go), sse.go and the
// WebSocket's files, one per job: websocket.go (the socket), websocket_origin.go, websocket_handshake.go,
// websocket_protocol.go, websocket_auth.go and websocket_shutdown.go; and for the executor persisted.go, limits.go
// (with doccost.go, the query cache's measure) and timeout.go (OPERATION_TIMEOUT).
//
// The three transports share one executor (newExecutor) and stand behind the same pieces: the token is verified
// when the connection is made (verifyToken on the POST, the GET or the stream's request; connection_init on a
// socket), the rate limiter and the operation timeout apply per operation, observe logs and counts the connection
// and its operations, request ids and draining (drainSignal ends streams and closes sockets on shutdown) work as
// they do for a POST. That is why every piece is an ordinary func(http.Handler) http.Handler and why the one
// writer that wraps the response (observe's statusWriter) passes http.Flusher and http.Hijacker through, as methods
// and by Unwrap for http.ResponseController: a piece added later must do the same.
package httpapi
