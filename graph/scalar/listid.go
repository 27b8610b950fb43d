package scalar

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// Lists and invitations have global ids of the same form as tasks' (see TaskID), each with its own prefix, so that
// an id of one type is never one of another. They are written far less often than task ids, so they take the
// plain path.
const (
	listIDPrefix       = "TaskList:"
	invitationIDPrefix = "ListInvitation:"
)

// ListID returns the global id of the list id.
func ListID(id uuid.UUID) string { return prefixedID(listIDPrefix, id) }

// ParseListID returns the list UUID behind a global id. ok is false for anything that is not the canonical id of a
// list; callers treat that exactly like a list that does not exist.
func ParseListID(id string) (uuid.UUID, bool) { return parsePrefixedID(listIDPrefix, id) }

// InvitationID returns the global id of the list invitation id.
func InvitationID(id uuid.UUID) string { return prefixedID(invitationIDPrefix, id) }

// ParseInvitationID returns the invitation UUID behind a global id; ok is false for anything that is not the
// canonical id of an invitation.
func ParseInvitationID(id string) (uuid.UUID, bool) { return parsePrefixedID(invitationIDPrefix, id) }

func prefixedID(prefix string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + id.String()))
}

func parsePrefixedID(prefix, id string) (uuid.UUID, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return uuid.UUID{}, false
	}
	s, found := strings.CutPrefix(string(raw), prefix)
	if !found {
		return uuid.UUID{}, false
	}
	u, err := uuid.Parse(s)
	if err != nil || prefixedID(prefix, u) != id {
		return uuid.UUID{}, false
	}
	return u, true
}
