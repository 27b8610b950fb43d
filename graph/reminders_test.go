package graph_test

import (
	"strings"
	"testing"

	"taskapi/internal/apitest"
)

const reminderFields = `reminders { id remindAt minutesBefore firedAt }`

// userErrorMap returns a payload's userErrors as field path -> code.
func userErrorMap(t *testing.T, v any) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, e := range v.([]any) {
		var field []string
		for _, f := range apitest.Path(e, "field").([]any) {
			field = append(field, f.(string))
		}
		got[strings.Join(field, ".")] = apitest.Str(apitest.Path(e, "code"))
	}
	return got
}

func TestRemindersThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		const create = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id ` + reminderFields + ` } userErrors { field code } } }`
		r := a.Do("alice", create, map[string]any{"input": map[string]any{"title": "t", "reminders": []any{
			map[string]any{}, map[string]any{"minutesBefore": 5}, map[string]any{"minutesBefore": 40321, "at": nil},
			map[string]any{"at": "2026-12-01T10:00:00Z", "minutesBefore": 1},
		}}}).NoErrors(t)
		got := userErrorMap(t, apitest.Path(r.Data, "createTask", "userErrors"))
		want := map[string]string{"input.reminders.0": "INVALID", "input.reminders.1.minutesBefore": "INVALID",
			"input.reminders.2.minutesBefore": "INVALID", "input.reminders.3": "INVALID"}
		if len(got) != len(want) {
			t.Errorf("userErrors %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("userErrors[%s] = %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		six := make([]any, 6)
		for i := range six {
			six[i] = map[string]any{"minutesBefore": i}
		}
		r = a.Do("alice", create, map[string]any{"input": map[string]any{"title": "t", "dueAt": "2030-01-01T12:00:00Z", "reminders": six}}).NoErrors(t)
		if got := userErrorMap(t, apitest.Path(r.Data, "createTask", "userErrors")); got["input.reminders"] != "TOO_MANY" {
			t.Errorf("six reminders: %v", got)
		}

		r = a.Do("alice", create, map[string]any{"input": map[string]any{"title": "t", "dueAt": "2030-01-01T12:00:00Z",
			"reminders": []any{map[string]any{"minutesBefore": 60}, map[string]any{"at": "2030-01-01T09:00:00+01:00"}}}}).NoErrors(t)
		task := apitest.Path(r.Data, "createTask", "task")
		if apitest.Path(task, "reminders", 0, "remindAt") != "2030-01-01T08:00:00.000Z" || apitest.Path(task, "reminders", 1, "minutesBefore") != float64(60) ||
			apitest.Path(task, "reminders", 1, "remindAt") != "2030-01-01T11:00:00.000Z" || apitest.Path(task, "reminders", 0, "firedAt") != nil {
			t.Fatalf("created %v", task)
		}
		relative := apitest.Path(task, "reminders", 1, "id")
		const update = `mutation($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) { task { dueAt ` + reminderFields + ` } userErrors { field code } } }`
		r = a.Do("alice", update, map[string]any{"id": apitest.Path(task, "id"), "input": map[string]any{"dueAt": "2030-01-02T12:00:00Z"}}).NoErrors(t)
		moved := apitest.Path(r.Data, "updateTask", "task")
		if apitest.Path(moved, "reminders", 1, "id") != relative || apitest.Path(moved, "reminders", 1, "remindAt") != "2030-01-02T11:00:00.000Z" {
			t.Errorf("after moving dueAt: %v", moved)
		}
		r = a.Do("alice", update, map[string]any{"id": apitest.Path(task, "id"), "input": map[string]any{"reminders": nil, "dueAt": nil}}).NoErrors(t)
		if got := userErrorMap(t, apitest.Path(r.Data, "updateTask", "userErrors")); got["input.reminders"] != "INVALID" || len(got) != 1 {
			t.Errorf("null reminders: %v", got)
		}
		r = a.Do("alice", update, map[string]any{"id": apitest.Path(task, "id"), "input": map[string]any{"dueAt": nil}}).NoErrors(t)
		if got := userErrorMap(t, apitest.Path(r.Data, "updateTask", "userErrors")); got["input.dueAt"] != "INVALID" {
			t.Errorf("clearing dueAt under a relative reminder: %v", got)
		}
		r = a.Do("alice", update, map[string]any{"id": apitest.Path(task, "id"), "input": map[string]any{"reminders": []any{}}}).NoErrors(t)
		if rs := apitest.Path(r.Data, "updateTask", "task", "reminders").([]any); len(rs) != 0 {
			t.Errorf("[] left %v", rs)
		}

		// Read back in a list (one statement for every task's reminders), and never by another user.
		a.Create("alice", map[string]any{"title": "u", "reminders": []any{map[string]any{"at": "2030-01-01T00:00:00Z"}}})
		r = a.Do("alice", `{ tasks(orderBy: {field: CREATED_AT, direction: ASC}) { nodes { title `+reminderFields+` } } }`, nil).NoErrors(t)
		nodes := apitest.Path(r.Data, "tasks", "nodes").([]any)
		if len(nodes) != 2 || len(apitest.Path(nodes[0], "reminders").([]any)) != 0 || len(apitest.Path(nodes[1], "reminders").([]any)) != 1 {
			t.Errorf("list: %v", nodes)
		}
		r = a.Do("bob", `query($id: ID!) { task(id: $id) { id } }`, map[string]any{"id": apitest.Path(task, "id")}).NoErrors(t)
		if apitest.Path(r.Data, "task") != nil {
			t.Errorf("bob reads alice's task")
		}
	})
}
