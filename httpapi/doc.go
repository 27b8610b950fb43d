// Package httpapi is the HTTP surface of the task API: GraphQL over HTTP on the schema of package graph, with its
// limits, persisted queries, token verification, rate limit, CORS, security headers, request ids, logs, metrics and
// traces, GraphiQL, and the health and metrics endpoints. cmd/server reads the settings and hands them to
// NewHandler.
//
// Why the layout is this way. Package graph is the schema's world (generated code, resolvers, loaders, the error
// presenter) and knows nothing of HTTP; everything a request meets between the socket and the resolvers is here,
// and NewHandler shows it in the order a request meets it:
//
//	requestID -> clientAddress -> observe -> closeWhenDraining -> securityHeaders -> cors -> mux
//	/graphql: verifyToken -> rateLimit -> transport (executor: persisted queries, limits, operationTimeout, operations)
//
// Each piece has one job and one file: requestid.go, clientaddr.go (the client's address, TRUSTED_PROXIES),
// observe.go (logs, metrics and traces, written through one *observation in the request's context), drain.go,
// headers.go, cors.go, verify.go, ratelimit.go, transport.go, and for the executor persisted.go, limits.go and
// timeout.go (OPERATION_TIMEOUT).
//
// The WebSocket and SSE transports to come are further transports beside transport.go, on the same executor
// (newGraphQL) and behind the same pieces: the token is verified when the connection is made (verifyToken on the
// upgrade or the stream's request), the rate limiter and the operation timeout apply per operation, observe logs and
// counts the connection and its operations, request ids and draining (drainSignal ends streams on shutdown) work
// as they do for a POST. That is why every piece is an ordinary func(http.Handler) http.Handler and why the one
// writer that wraps the response (observe's statusWriter) passes http.Flusher and http.Hijacker through, as methods
// and by Unwrap for http.ResponseController: a piece added later must do the same.
package httpapi
