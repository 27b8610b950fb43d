package httpapi

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// operationTimeout is the executor extension that bounds each GraphQL operation's resolvers, and so its database
// work, by OPERATION_TIMEOUT (Options.OperationTimeout): a database that stops answering, or a pool with no free
// connection, fails the operation with SERVICE_UNAVAILABLE when the deadline passes, instead of holding the request
// (and a connection) for as long as the client waits. Each operation of a batch gets the whole bound, and so does each
// query or mutation over a WebSocket; subscriptions are not bound (their resolvers read the feed under the hub's
// own retries).
type operationTimeout time.Duration

var (
	_ graphql.HandlerExtension    = operationTimeout(0)
	_ graphql.ResponseInterceptor = operationTimeout(0)
)

func (operationTimeout) ExtensionName() string                   { return "OperationTimeout" }
func (operationTimeout) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs one operation under the deadline; 0 is no bound. A subscription's responses are exempt:
// each waits for the next event, however long that takes, and ends the subscription when its deadline passes.
func (d operationTimeout) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if d <= 0 || isSubscription(ctx) {
		return next(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(d))
	defer cancel()
	return next(ctx)
}

// isSubscription reports whether ctx is a subscription's operation.
func isSubscription(ctx context.Context) bool {
	return graphql.HasOperationContext(ctx) && graphql.GetOperationContext(ctx).Operation != nil &&
		graphql.GetOperationContext(ctx).Operation.Operation == ast.Subscription
}
