package httpapi

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// statementTimeout is the executor extension that bounds each GraphQL operation's resolvers, and so its database
// work, by DB_STATEMENT_TIMEOUT (Options.StatementTimeout): a database that stops answering, or a pool with no free
// connection, fails the operation with SERVICE_UNAVAILABLE when the deadline passes, instead of holding the request
// (and a connection) for as long as the client waits. Each operation of a batch gets the whole bound; a streaming
// transport applies it to each operation (or event) it executes, not to the connection.
type statementTimeout time.Duration

var (
	_ graphql.HandlerExtension    = statementTimeout(0)
	_ graphql.ResponseInterceptor = statementTimeout(0)
)

func (statementTimeout) ExtensionName() string                   { return "StatementTimeout" }
func (statementTimeout) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs one operation under the deadline; 0 is no bound.
func (d statementTimeout) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if d <= 0 {
		return next(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(d))
	defer cancel()
	return next(ctx)
}
