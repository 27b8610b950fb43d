package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"taskapi/graph/gqlmodel"
	"taskapi/model"
)

// Versions, conflicts, completedBy and history: the helpers of their resolvers.

// CodeConflict is the extensions.code of a write refused because its ifVersion is not the task's version, where the
// payload has no userErrors (setTaskCompleted).
const CodeConflict = "CONFLICT"

// conflictTask returns the task as it now is when err refused a write for its ifVersion.
func conflictTask(err error) (*model.Task, bool) {
	var c *model.ConflictError
	if errors.As(err, &c) {
		return c.Current, true
	}
	return nil, false
}

// conflictMessage says what a CONFLICT means, for people.
func conflictMessage(current *model.Task) string {
	return fmt.Sprintf("The task has changed: it is at version %d. Nothing was written; merge with the current task and retry.", current.Version)
}

// conflictUserErrors is the userErrors of a payload refused for its ifVersion.
func conflictUserErrors(current *model.Task) []*model.UserError {
	return []*model.UserError{{Field: []string{"input", "ifVersion"}, Message: conflictMessage(current), Code: model.UserErrorCodeConflict}}
}

// setTaskCompletedConflict answers a setTaskCompleted refused for its ifVersion: a top-level error with
// extensions.code CONFLICT and extensions.currentVersion, and the payload's task as it now is, so that a client
// reads the current task in its own selection (Apollo Client with errorPolicy "all").
func setTaskCompletedConflict(ctx context.Context, current *model.Task, err error) *gqlmodel.SetTaskCompletedPayload {
	graphql.AddError(ctx, err) // the error presenter gives it its code and currentVersion
	return &gqlmodel.SetTaskCompletedPayload{Task: current}
}

// user loads the user id names, nil for none.
func (r *Resolver) user(ctx context.Context, id *string) (*model.User, error) {
	if id == nil {
		return nil, nil
	}
	l, err := r.loaders(ctx)
	if err != nil {
		return nil, err
	}
	return l.users.Load(ctx, *id)
}

// taskHistory reads a page of a task's history from the viewer's feed, together with the other tasks' of the
// response (one statement per page arguments).
func (r *Resolver) taskHistory(ctx context.Context, task *model.Task, first *int, after *string) (*gqlmodel.TaskHistoryConnection, error) {
	l, err := r.loaders(ctx)
	if err != nil {
		return nil, err
	}
	n := model.DefaultHistoryPageSize
	if first != nil {
		n = *first
	}
	page, err := l.taskHistory(ctx, task.ID, n, after, siblingTasks(ctx))
	if err != nil {
		return nil, err
	}
	info := &gqlmodel.PageInfo{HasNextPage: page.HasNextPage, HasPreviousPage: after != nil}
	if len(page.Changes) > 0 {
		start, end := page.Changes[0].Cursor, page.EndCursor
		info.StartCursor, info.EndCursor = &start, &end
	}
	return &gqlmodel.TaskHistoryConnection{Nodes: page.Changes, PageInfo: info}, nil
}

// siblingTasks returns the ids of the tasks of the nearest list of tasks that the field in ctx is under (a page's
// nodes or edges, as gqlgen keeps their results in the field contexts), or nil when there is none. The tasks of a
// page then read what each of them asks for together, in one statement, whatever order gqlgen resolves them in.
func siblingTasks(ctx context.Context) []uuid.UUID {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		switch list := fc.Result.(type) {
		case []*model.Task:
			ids := make([]uuid.UUID, 0, len(list))
			for _, t := range list {
				if t != nil {
					ids = append(ids, t.ID)
				}
			}
			return ids
		case []*gqlmodel.TaskEdge:
			ids := make([]uuid.UUID, 0, len(list))
			for _, e := range list {
				if e != nil && e.Node != nil {
					ids = append(ids, e.Node.ID)
				}
			}
			return ids
		}
	}
	return nil
}
