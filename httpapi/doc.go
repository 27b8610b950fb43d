// Package httpapi is the HTTP surface of the task API: GraphQL over HTTP on the schema of package graph, with its
// limits, persisted queries, token verification, rate limit, CORS, security headers, request ids, logs, metrics and
// traces, GraphiQL, and the health and metrics endpoints. cmd/server reads the settings and hands them to
// NewHandler.
package httpapi
