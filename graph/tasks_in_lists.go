package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"taskapi/graph/gqlmodel"
	"taskapi/model"
)

// tasks is Query.tasks for the viewer of l: a page of the tasks of their lists (filter.listIds narrowing them).
func (r *Resolver) tasks(ctx context.Context, l *loaders, filter *model.TaskFilter, orderBy *model.TaskOrder, first *int,
	after *string, last *int, before *string) (*gqlmodel.TaskConnection, error) {
	q := model.ListQuery{Order: orderBy, First: first, After: after, Last: last, Before: before,
		WithEventCursor: selects(ctx, "eventCursor"), WithTotalCount: selects(ctx, "totalCount")}
	if filter != nil {
		q.Filter = *filter
	}
	page, err := l.listTasks(ctx, q)
	if err != nil {
		return nil, err
	}
	c := connection(page, q.Filter)
	c.EventCursor = page.EventCursor
	return c, nil
}

// listTasks is TaskList.tasks: Query.tasks with filter.listIds the list alone, so its cursors, totalCount and
// eventCursor work as there.
func (r *Resolver) listTasks(ctx context.Context, list *model.TaskList, filter *model.TaskFilter, orderBy *model.TaskOrder,
	first *int, after *string, last *int, before *string) (*gqlmodel.TaskConnection, error) {
	l, err := r.loaders(ctx)
	if err != nil {
		return nil, err
	}
	f := model.TaskFilter{}
	if filter != nil {
		f = *filter
	}
	f.ListIDs = []uuid.UUID{list.ID}
	return r.tasks(ctx, l, &f, orderBy, first, after, last, before)
}

// parseListIDs reads filter.listIds: an id that is not a list's is BAD_USER_INPUT at listIds, with the message of
// a list the viewer cannot see (the store's), so that the two cannot be told apart.
func parseListIDs(ids []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		u, ok := parseListID(id)
		if !ok {
			return nil, &model.InputError{Field: "listIds", Message: model.InvalidListIDMessage}
		}
		out = append(out, u)
	}
	return out, nil
}

// listArgument reads the listId argument of taskStats and tags: nil for none, BAD_USER_INPUT at listId for an id
// that is not a list's, as for a list the viewer cannot see.
func listArgument(id *string) (*uuid.UUID, error) {
	if id == nil {
		return nil, nil
	}
	u, ok := parseListID(*id)
	if !ok {
		return nil, &model.InputError{Field: "listId", Message: model.InvalidListIDMessage}
	}
	return &u, nil
}

// optionalListID reads UpdateTaskInput.listId: unset, explicit null (which the store refuses as INVALID), or a list's
// id; an id that cannot be a list's is NOT_FOUND, as a list the viewer cannot see.
func optionalListID(o graphql.Omittable[*string]) (model.Optional[uuid.UUID], error) {
	v, set := o.ValueOK()
	switch {
	case !set:
		return model.Optional[uuid.UUID]{}, nil
	case v == nil:
		return model.Null[uuid.UUID](), nil
	}
	u, ok := parseListID(*v)
	if !ok {
		return model.Optional[uuid.UUID]{}, model.ErrListNotFound
	}
	return model.Some(u), nil
}
