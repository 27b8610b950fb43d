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

// listID returns the global id of a list.
func listID(id uuid.UUID) string { return scalar.ListID(id) }

// parseListID returns the list UUID behind a global id; ok is false for anything that is not a list's id, which
// callers treat exactly like a list that does not exist.
func parseListID(id string) (uuid.UUID, bool) { return scalar.ParseListID(id) }

// invitationID returns the global id of a list invitation.
func invitationID(id uuid.UUID) string { return scalar.InvitationID(id) }

// parseInvitationID returns the invitation UUID behind a global id; ok is false for anything that is not an
// invitation's id.
func parseInvitationID(id string) (uuid.UUID, bool) { return scalar.ParseInvitationID(id) }
