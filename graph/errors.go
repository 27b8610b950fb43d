package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/graph/scalar"
	"taskapi/model"
)

// The extensions.code values of the contract.
const (
	CodeUnauthenticated       = "UNAUTHENTICATED"
	CodeNotFound              = "NOT_FOUND"
	CodeBadUserInput          = "BAD_USER_INPUT"
	CodeParseFailed           = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed      = "GRAPHQL_VALIDATION_FAILED"
	CodePersistedQueryMissing = "PERSISTED_QUERY_NOT_FOUND"
	CodeQueryTooComplex       = "QUERY_TOO_COMPLEX"
	CodeRateLimited           = "RATE_LIMITED"
	CodeServiceUnavailable    = "SERVICE_UNAVAILABLE"
	CodeBadRequest            = "BAD_REQUEST"
	CodeInternal              = "INTERNAL_SERVER_ERROR"
	// CodeForbidden refuses a write the viewer's role in a list does not allow, where the payload has no userErrors.
	CodeForbidden = "FORBIDDEN"
)

// errUnauthenticated is returned by every field but introspection when the request carries no verified user.
var errUnauthenticated = errors.New("authentication required")

// errNoSubscriptions answers a subscription on a handler built without a hub (a test's, a tool's).
var errNoSubscriptions = fmt.Errorf("graph: no live hub to serve subscriptions: %w", model.ErrUnavailable)

// Messages clients see. The not-found message is the same whether the task is someone else's, deleted, never
// existed or has a malformed id.
const (
	msgUnauthenticated = "You must be signed in: send Authorization: Bearer <token>."
	msgNotFound        = "Task not found."
	// The same holds for lists, invitations and users: not a member, never existed, or malformed, one message.
	msgListNotFound       = "List not found."
	msgInvitationNotFound = "Invitation not found."
	msgUserNotFound       = "User not found."
	msgUnavailable        = "The database is unavailable; try again shortly."
	msgCancelled          = "The request was cancelled by the client."
)

// MsgInternal is the message of every INTERNAL_SERVER_ERROR: what went wrong is logged, never shown. A transport
// that fails after execution (a response that cannot be encoded) answers with it too.
const MsgInternal = "Internal server error."

// ErrorPresenter is the one place where errors become what clients see: domain errors get their extensions.code,
// and anything unexpected is logged in full and answered with a generic message and the request id (see
// RequestID). Every transport installs it on its executor.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Parse and validation errors quote the client's document; none may repeat it at length.
			gqlErr.Message = BoundMessage(gqlErr.Message)
			if isVariableError(gqlErr) {
				// A variable that does not coerce to its type: the client's input, named by its path.
				setCode(gqlErr, CodeBadUserInput)
				gqlErr.Extensions["field"] = variableField(gqlErr.Path)
				gqlErr.Path = nil
				return gqlErr
			}
			// Parse and validation errors made by gqlgen itself already carry their code.
			if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
				setCode(gqlErr, CodeBadUserInput)
			}
			return gqlErr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		var inputErr *model.InputError
		var scalarErr *scalar.Error
		var validationErr *model.ValidationError
		var conflictErr *model.ConflictError
		switch {
		case errors.As(err, &scalarErr):
			// A literal argument that does not coerce. gqlgen puts the argument's path after the field's in the
			// error's path; the field is where the error belongs, the rest is the argument.
			field := fieldPath(ctx)
			out.Message = scalarErr.Message
			setCode(out, CodeBadUserInput)
			out.Extensions["field"] = argumentField(out.Path, field)
			if field != nil {
				out.Path = field
			}
		case errors.Is(err, errUnauthenticated):
			out.Message = msgUnauthenticated
			setCode(out, CodeUnauthenticated)
		case errors.Is(err, model.ErrListNotFound):
			out.Message = msgListNotFound
			setCode(out, CodeNotFound)
		case errors.Is(err, model.ErrInvitationNotFound):
			out.Message = msgInvitationNotFound
			setCode(out, CodeNotFound)
		case errors.Is(err, model.ErrUserNotFound):
			out.Message = msgUserNotFound
			setCode(out, CodeNotFound)
		case errors.Is(err, model.ErrNotFound):
			out.Message = msgNotFound
			setCode(out, CodeNotFound)
		case errors.Is(err, model.ErrForbidden):
			out.Message = msgForbidden
			setCode(out, CodeForbidden)
		case errors.As(err, &conflictErr):
			// A write refused for its ifVersion, where the payload has no userErrors (setTaskCompleted).
			out.Message = conflictMessage(conflictErr.Current)
			setCode(out, CodeConflict)
			out.Extensions["currentVersion"] = conflictErr.Current.Version
		case errors.As(err, &validationErr) && len(validationErr.Problems) > 0:
			// A refusal where the payload has no userErrors (deleteList of the Inbox): the client's to act on.
			out.Message = validationErr.Problems[0].Message
			setCode(out, CodeBadUserInput)
			out.Extensions["field"] = strings.Join(validationErr.Problems[0].Field, ".")
		case errors.Is(err, model.ErrTooManySubscriptions):
			out.Message = "You have too many live subscriptions open; close one first."
			setCode(out, CodeRateLimited)
		case errors.As(err, &inputErr):
			out.Message = inputErr.Message
			setCode(out, CodeBadUserInput)
			out.Extensions["field"] = inputErr.Field
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			// The client went away (an aborted fetch, a completed operation, a closed socket or stream): nobody
			// reads this answer, and nothing of ours failed, so it is neither internal nor worth an alert.
			logger.DebugContext(ctx, "request cancelled by the client", "err", err, "requestId", RequestID(ctx))
			out.Message = msgCancelled
			setCode(out, CodeBadRequest)
		case errors.Is(err, model.ErrUnavailable):
			logger.WarnContext(ctx, "database unavailable", "err", err, "requestId", RequestID(ctx))
			out.Message = msgUnavailable
			setCode(out, CodeServiceUnavailable)
		default:
			logger.ErrorContext(ctx, "internal error", "err", err, "path", out.Path.String(), "requestId", RequestID(ctx))
			out.Message = MsgInternal
			setCode(out, CodeInternal)
			out.Extensions["requestId"] = RequestID(ctx)
		}
		return out
	}
}

// RecoverPanic turns a resolver panic into an internal error; the presenter logs it, stack included, with the
// request id. Every transport installs it on its executor.
func RecoverPanic(_ context.Context, p any) error {
	return fmt.Errorf("panic: %v\n%s", p, debug.Stack())
}

// isVariableError tells the errors of coercing the request's variables, which gqlgen and the DateTime check of
// variables.go report with a path that starts at "variable".
func isVariableError(e *gqlerror.Error) bool {
	if len(e.Path) < 2 {
		return false
	}
	name, ok := e.Path[0].(ast.PathName)
	return ok && name == "variable"
}

// variableField writes the path of a variable error after "variable" as the client wrote it: $input.tags.3.
func variableField(p ast.Path) string {
	parts := make([]string, 0, len(p)-1)
	for _, e := range p[1:] {
		parts = append(parts, pathElement(e))
	}
	return "$" + strings.Join(parts, ".")
}

// fieldPath is the response path of the field being resolved, nil outside one.
func fieldPath(ctx context.Context) ast.Path {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Path()
	}
	return nil
}

// argumentField is the part of an argument error's path after the field's own path, written as input.dueAt.
func argumentField(p, field ast.Path) string {
	if len(field) <= len(p) && slices.EqualFunc(field, p[:len(field)], func(a, b ast.PathElement) bool { return a == b }) {
		p = p[len(field):]
	}
	parts := make([]string, 0, len(p))
	for _, e := range p {
		parts = append(parts, pathElement(e))
	}
	return strings.Join(parts, ".")
}

func pathElement(e ast.PathElement) string {
	switch e := e.(type) {
	case ast.PathName:
		return string(e)
	case ast.PathIndex:
		return strconv.Itoa(int(e))
	}
	return fmt.Sprint(e)
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the request it serves, which the presenter logs and puts in
// internal errors. The transports set it once per request (or per connection and message), before anything runs.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id of the request ctx belongs to, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
