package mcpserver_test

import (
	"strings"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// TestTrashedTaskLeavesTheTools: a task deleted through delete_task is in the trash, and the tools read only live
// tasks: list_tasks (with a search too) and task_stats leave it out, get_task and complete_task answer as for a
// missing task; restored through GraphQL, it is back in list_tasks.
func TestTrashedTaskLeavesTheTools(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		alice := e.connect("alice")
		milk := str(ok(t, alice, "add_task", map[string]any{"title": "Milk"})["task_id"])
		ok(t, alice, "add_task", map[string]any{"title": "Bread"})
		ok(t, alice, "delete_task", map[string]any{"task_id": milk})

		if got := titles(ok(t, alice, "list_tasks", map[string]any{"status": "all"})); got != "Bread" {
			t.Errorf("list_tasks after the deletion: %s", got)
		}
		if got := titles(ok(t, alice, "list_tasks", map[string]any{"search": "mil"})); got != "" {
			t.Errorf("list_tasks searching the deleted task: %s", got)
		}
		if out := ok(t, alice, "task_stats", nil); path(out, "total") != 1.0 {
			t.Errorf("task_stats after the deletion: %v", out)
		}
		for _, tool := range []string{"get_task", "complete_task"} {
			if msg := fails(t, alice, tool, map[string]any{"task_id": milk}); !strings.Contains(msg, "no task") {
				t.Errorf("%s of the deleted task: %q", tool, msg)
			}
		}

		e.Do("alice", `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": milk}).NoErrors(t)
		if got := titles(ok(t, alice, "list_tasks", map[string]any{"status": "all"})); !strings.Contains(got, "Milk") {
			t.Errorf("list_tasks after the restore: %s", got)
		}
	})
}
