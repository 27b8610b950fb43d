package scalar_test

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"taskapi/graph/scalar"
)

// A task's global id is base64url of "Task:" and its UUID; Task.id (MarshalTaskID) and the resolvers (TaskID) write
// the same, and only that spelling parses back.
func TestTaskID(t *testing.T) {
	id := uuid.MustParse("0192f5a8-7c3e-7b1a-9d2e-4f6a8b0c1d2e")
	want := base64.RawURLEncoding.EncodeToString([]byte("Task:" + id.String()))
	if got := scalar.TaskID(id); got != want {
		t.Fatalf("TaskID = %s, want %s", got, want)
	}
	var buf bytes.Buffer
	scalar.MarshalTaskID(id).MarshalGQL(&buf)
	if buf.String() != strconv.Quote(want) {
		t.Errorf("MarshalTaskID wrote %s, want %q", buf.String(), want)
	}
	if got, ok := scalar.ParseTaskID(want); !ok || got != id {
		t.Errorf("ParseTaskID(TaskID(id)) = %v, %v", got, ok)
	}
	if got, err := scalar.UnmarshalTaskID(want); err != nil || got != id {
		t.Errorf("UnmarshalTaskID(TaskID(id)) = %v, %v", got, err)
	}
	for _, bad := range []string{
		"",
		id.String(),
		base64.RawURLEncoding.EncodeToString([]byte("User:" + id.String())),
		base64.RawURLEncoding.EncodeToString([]byte("Task:" + "0192F5A8-7C3E-7B1A-9D2E-4F6A8B0C1D2E")), // not canonical
		base64.URLEncoding.EncodeToString([]byte("Task:" + id.String())),                               // padded
		base64.RawURLEncoding.EncodeToString([]byte("Task:{" + id.String() + "}")),
	} {
		if _, ok := scalar.ParseTaskID(bad); ok {
			t.Errorf("ParseTaskID(%q) accepted a non-canonical id", bad)
		}
		if _, err := scalar.UnmarshalTaskID(bad); err == nil {
			t.Errorf("UnmarshalTaskID(%q) accepted a non-canonical id", bad)
		}
	}
	if _, err := scalar.UnmarshalTaskID(42); err == nil {
		t.Error("UnmarshalTaskID(42) accepted a number")
	}
}

// Writing a task id allocates nothing beyond the string it returns.
func TestTaskIDAllocations(t *testing.T) {
	id := uuid.New()
	if n := testing.AllocsPerRun(100, func() { _ = scalar.TaskID(id) }); n > 1 {
		t.Errorf("TaskID allocates %v times, want 1", n)
	}
}
