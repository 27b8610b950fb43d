package scalar_test

import (
	"testing"

	"github.com/google/uuid"

	"taskapi/graph/scalar"
)

// An id of one type is never accepted as another's, and only its canonical spelling is accepted.
func TestListAndInvitationIDs(t *testing.T) {
	id := uuid.Must(uuid.NewV7())
	list, inv, task := scalar.ListID(id), scalar.InvitationID(id), scalar.TaskID(id)
	if got, ok := scalar.ParseListID(list); !ok || got != id {
		t.Errorf("ParseListID(ListID) = %v, %v", got, ok)
	}
	if got, ok := scalar.ParseInvitationID(inv); !ok || got != id {
		t.Errorf("ParseInvitationID(InvitationID) = %v, %v", got, ok)
	}
	for _, other := range []string{inv, task, "", "not-an-id", list + "=", list[:len(list)-1]} {
		if _, ok := scalar.ParseListID(other); ok {
			t.Errorf("ParseListID(%q) accepted it", other)
		}
	}
	for _, other := range []string{list, task} {
		if _, ok := scalar.ParseInvitationID(other); ok {
			t.Errorf("ParseInvitationID(%q) accepted it", other)
		}
		if _, ok := scalar.ParseTaskID(other); ok && other != task {
			t.Errorf("ParseTaskID(%q) accepted it", other)
		}
	}
}
