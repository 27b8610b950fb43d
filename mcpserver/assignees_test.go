package mcpserver_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// TestAssignedToMe: list_tasks filters by assigned_to_me, and tasks show their assignee_id.
func TestAssignedToMe(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		cs := e.connect("alice")

		res, err := cs.ListTools(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range res.Tools {
			if tool.Name != "list_tasks" {
				continue
			}
			schema := apitest.Path(toJSON(t, tool.InputSchema), "properties", "assigned_to_me")
			if !strings.Contains(fmt.Sprint(apitest.Path(schema, "type")), "boolean") || !strings.Contains(apitest.Str(apitest.Path(schema, "description")), "assigned to the user") {
				t.Errorf("list_tasks' assigned_to_me: %v", schema)
			}
			out := apitest.Path(toJSON(t, tool.OutputSchema), "properties", "tasks", "items", "properties", "assignee_id")
			if !strings.Contains(fmt.Sprint(apitest.Path(out, "type")), "string") || apitest.Str(apitest.Path(out, "description")) == "" {
				t.Errorf("list_tasks' assignee_id: %v", out)
			}
		}

		mine := e.Do("alice", `mutation { createTask(input: {title: "mine", assigneeId: "alice"}) { task { id } } }`, nil).NoErrors(t)
		mineID := apitest.Str(apitest.Path(mine.Data, "createTask", "task", "id"))
		ok(t, cs, "add_task", map[string]any{"title": "nobody's"})

		got := ok(t, cs, "list_tasks", map[string]any{"assigned_to_me": true})
		if titles(got) != "mine" || path(got, "tasks", 0, "assignee_id") != "alice" {
			t.Errorf("assigned_to_me true: %v", got)
		}
		got = ok(t, cs, "list_tasks", map[string]any{"assigned_to_me": false})
		if titles(got) != "nobody's" || path(got, "tasks", 0, "assignee_id") != nil {
			t.Errorf("assigned_to_me false: %v", got)
		}
		if got := ok(t, cs, "get_task", map[string]any{"task_id": mineID}); got["assignee_id"] != "alice" {
			t.Errorf("get_task: %v", got)
		}
	})
}

// toJSON returns v as the JSON a client reads: maps, slices and scalars.
func toJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
