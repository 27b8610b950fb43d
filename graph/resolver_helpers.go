package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"taskapi/auth"
	"taskapi/graph/gqlmodel"
	"taskapi/model"
	"taskapi/recur"
)

// viewerID returns the verified user id that the auth middleware put in the context, or errUnauthenticated. The
// mutations read it once each; the queries have it from their loaders (Resolver.loaders).
func viewerID(ctx context.Context) (string, error) {
	v, ok := auth.FromContext(ctx)
	if !ok || v.ID == "" {
		return "", errUnauthenticated
	}
	return v.ID, nil
}

// viewerTask returns the verified user and the task UUID behind a global id for the mutations that take one: an id
// that cannot be a task is model.ErrNotFound, exactly like a task that is missing or someone else's.
func viewerTask(ctx context.Context, id string) (string, uuid.UUID, error) {
	userID, err := viewerID(ctx)
	if err != nil {
		return "", uuid.UUID{}, err
	}
	taskUUID, ok := parseTaskID(id)
	if !ok {
		return "", uuid.UUID{}, model.ErrNotFound
	}
	return userID, taskUUID, nil
}

// maxNodeIDs bounds nodes(ids), the one argument the store does not check itself.
const maxNodeIDs = 100

// userErrors splits a store error into the payload's userErrors (for invalid input) or a top-level error.
func userErrors(err error) ([]*model.UserError, error) {
	var verr *model.ValidationError
	if !errors.As(err, &verr) {
		return nil, err
	}
	out := make([]*model.UserError, len(verr.Problems))
	for i := range verr.Problems {
		out[i] = &verr.Problems[i]
	}
	return out, nil
}

// connection turns a store page into a Relay connection.
func connection(page *model.TaskPage, filter model.TaskFilter) *gqlmodel.TaskConnection {
	c := &gqlmodel.TaskConnection{
		Edges:      make([]*gqlmodel.TaskEdge, len(page.Edges)),
		Nodes:      make([]*model.Task, len(page.Edges)),
		PageInfo:   &gqlmodel.PageInfo{HasNextPage: page.HasNextPage, HasPreviousPage: page.HasPreviousPage},
		Filter:     filter,
		TotalCount: page.TotalCount,
	}
	for i, e := range page.Edges {
		c.Edges[i] = &gqlmodel.TaskEdge{Cursor: e.Cursor, Node: e.Node}
		c.Nodes[i] = e.Node
	}
	if n := len(page.Edges); n > 0 {
		c.PageInfo.StartCursor = &page.Edges[0].Cursor
		c.PageInfo.EndCursor = &page.Edges[n-1].Cursor
	}
	return c
}

// taskPatch turns the GraphQL input, where omitted and null differ, into the store's patch.
func taskPatch(in gqlmodel.UpdateTaskInput) (model.TaskPatch, error) {
	list, err := optionalListID(in.ListID)
	if err != nil {
		return model.TaskPatch{}, err
	}
	return model.TaskPatch{
		ListID:      list,
		Title:       optional(in.Title),
		Description: optional(in.Description),
		Priority:    optional(in.Priority),
		Tags:        optionalSlice(in.Tags),
		DueAt:       optional(in.DueAt),
		Completed:   optional(in.Completed),
		Reminders:   reminderInputs(in.Reminders),
		Recurrence:  optional(in.Recurrence),
		AssigneeID:  optional(in.AssigneeID),
		IfVersion:   in.IfVersion,
	}, nil
}

// timePtrs is what gqlgen wants for a list of DateTime.
func timePtrs(ts []time.Time) []*time.Time {
	out := make([]*time.Time, len(ts))
	for i := range ts {
		out[i] = &ts[i]
	}
	return out
}

func optional[T any](o graphql.Omittable[*T]) model.Optional[T] {
	v, set := o.ValueOK()
	switch {
	case !set:
		return model.Optional[T]{}
	case v == nil:
		return model.Null[T]()
	default:
		return model.Some(*v)
	}
}

func optionalSlice[T any](o graphql.Omittable[[]T]) model.Optional[[]T] {
	v, set := o.ValueOK()
	switch {
	case !set:
		return model.Optional[[]T]{}
	case v == nil:
		return model.Null[[]T]()
	default:
		return model.Some(v)
	}
}

// taskIDs writes task ids out as global ids.
func taskIDs(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = taskID(id)
	}
	return out
}

// location resolves an IANA time zone name as recur.Zone does: canonical names only, none that depends on the
// server ("", "Local"), loaded zones kept in recur's bounded cache rather than read from the zone database each time.
func location(name string) (*time.Location, error) {
	loc, err := recur.Zone(name)
	if err != nil {
		return nil, &model.InputError{Field: "timeZone", Message: recur.ZoneNameError(name)}
	}
	return loc, nil
}

// selects reports whether the field being resolved selects the named field of its result (through fragments too).
func selects(ctx context.Context, name string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return false
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
