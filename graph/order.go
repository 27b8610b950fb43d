package graph

import (
	"github.com/google/uuid"

	"taskapi/graph/gqlmodel"
	"taskapi/model"
)

// The manual order: the helpers of moveTask and createTask's afterTaskId.

// anchorID reads an afterTaskId. An id that cannot be a task's is kept as the zero id, which no task has, so that
// the store answers it as it answers a task that is not in the list: INVALID at ["input", "afterTaskId"].
func anchorID(id string) uuid.UUID {
	u, ok := parseTaskID(id)
	if !ok {
		return uuid.UUID{}
	}
	return u
}

// taskMove reads moveTask's input. A listId that cannot be a list's is ErrListNotFound, as a list the viewer cannot
// see.
func taskMove(in gqlmodel.MoveTaskInput) (model.TaskMove, error) {
	out := model.TaskMove{IfVersion: in.IfVersion}
	if in.ListID != nil {
		id, ok := parseListID(*in.ListID)
		if !ok {
			return out, model.ErrListNotFound
		}
		out.ListID = &id
	}
	if v, set := in.AfterTaskID.ValueOK(); set {
		if v == nil {
			out.Place.After = model.Null[uuid.UUID]()
		} else {
			out.Place.After = model.Some(anchorID(*v))
		}
	}
	return out, nil
}
