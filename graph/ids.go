package graph

import (
	"github.com/google/uuid"

	"taskapi/graph/scalar"
)

// taskID returns the global id of a task (see scalar.TaskID, which also writes Task.id).
func taskID(id uuid.UUID) string { return scalar.TaskID(id) }

// parseTaskID returns the task UUID behind a global id. ok is false for anything that is not the canonical id of
// a task; callers treat that exactly like a task that does not exist.
func parseTaskID(id string) (uuid.UUID, bool) { return scalar.ParseTaskID(id) }
