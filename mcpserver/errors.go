package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"taskapi/graph"
	"taskapi/model"
)

// notFound is the one answer for a task id that is not the user's, whether it belongs to someone else, never
// existed, was deleted or is no task id at all: nothing in it tells the cases apart.
func notFound(id string) error {
	return fmt.Errorf("no task with id %s; list_tasks shows the ids of the user's tasks", quote(id))
}

// listNotFound is the one answer for a list id the user cannot use: a list they are not a member of, one that
// never existed or was deleted, or no list id at all.
func listNotFound(id string) error {
	return fmt.Errorf("no list with id %s; list_lists shows the ids of the user's lists", quote(id))
}

// errForbidden answers a write that the user's role does not allow: they see the task or the list, as a viewer. It
// names no list, so it says nothing the user could not learn from list_lists.
var errForbidden = errors.New("not allowed, nothing was changed: the user is a viewer of this list, and a viewer " +
	"may only read its tasks (and set their own reminders). Ask the list's owner for the editor role, or use a list " +
	"where list_lists shows the role owner or editor")

// fail turns a store error into the message of an isError result, one a model can act on. Invalid arguments are
// named by their argument names; an outage says to try again; anything else is logged with the request id and
// answered with no detail of ours.
//
// taskID and listID are the ids the call named, for the not-found answers; listID is nil when the call named none.
func (t *tools) fail(ctx context.Context, err error, taskID string, listID *string) error {
	var verr *model.ValidationError
	var ierr *model.InputError
	switch {
	case listID != nil && (errors.Is(err, model.ErrListNotFound) || errors.As(err, &ierr) && ierr.Field == "listIds"):
		return listNotFound(*listID)
	case errors.Is(err, model.ErrNotFound):
		return notFound(taskID)
	case errors.Is(err, model.ErrForbidden):
		return errForbidden
	case errors.As(err, &verr):
		problems := make([]string, len(verr.Problems))
		for i, p := range verr.Problems {
			problems[i] = argument(p.Field) + ": " + p.Message
		}
		return fmt.Errorf("invalid arguments, nothing was changed: %s", strings.Join(problems, "; "))
	case errors.As(err, &ierr):
		return fmt.Errorf("invalid arguments: %s: %s", argument(strings.Split(ierr.Field, ".")), ierr.Message)
	case errors.Is(err, model.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		t.logger.WarnContext(ctx, "tool call failed", "err", err, "requestId", graph.RequestID(ctx))
		return errors.New("the task database is not answering right now; try again in a moment")
	default:
		id := graph.RequestID(ctx)
		t.logger.ErrorContext(ctx, "tool call failed", "err", err, "requestId", id)
		return fmt.Errorf("something went wrong on the server (request id %s); try again later", id)
	}
}

// argumentNames are the tools' names for the store's (GraphQL's) field names.
var argumentNames = map[string]string{
	"dueAt":         "due_at",
	"minutesBefore": "minutes_before",
	"first":         "limit",
	"after":         "cursor",
	"filter":        "",
	"input":         "",
	"timeZone":      "time_zone",
}

// argument names the argument that a store field path points into: ["input", "tags", "3"] is tags[3].
func argument(path []string) string {
	var b strings.Builder
	for _, part := range path {
		if name, ok := argumentNames[part]; ok {
			part = name
		}
		switch {
		case part == "":
		case part[0] >= '0' && part[0] <= '9':
			b.WriteString("[" + part + "]")
		default:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(part)
		}
	}
	if b.Len() == 0 {
		return "arguments"
	}
	return b.String()
}
