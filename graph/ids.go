package graph

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// Global ids are base64url("Task:" + UUID): opaque to clients, unique across every type node serves, and decodable
// without a database round trip. Only the canonical spelling of an id is accepted, so each task has exactly one id.
const taskIDPrefix = "Task:"

// taskID returns the global id of a task.
func taskID(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(taskIDPrefix + id.String()))
}

// parseTaskID returns the task UUID behind a global id. ok is false for anything that is not the canonical id of
// a task; callers treat that exactly like a task that does not exist.
func parseTaskID(id string) (uuid.UUID, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return uuid.UUID{}, false
	}
	s, found := strings.CutPrefix(string(raw), taskIDPrefix)
	if !found {
		return uuid.UUID{}, false
	}
	u, err := uuid.Parse(s)
	if err != nil || taskID(u) != id {
		return uuid.UUID{}, false
	}
	return u, true
}
