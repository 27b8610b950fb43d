package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"taskapi/internal/apitest"
)

const moveTask = `mutation($id: ID!, $input: MoveTaskInput!) { moveTask(id: $id, input: $input) {
	task { id title version list { id } } currentTask { id version } userErrors { field code message } } }`

// listOrder returns the titles of a list's tasks in its manual order, as user reads them.
func listOrder(t *testing.T, a *apitest.API, user, list string) []string {
	t.Helper()
	r := a.Do(user, `query($l: ID!) { tasks(filter: {listIds: [$l]}, orderBy: {field: POSITION, direction: ASC}, first: 100) {
		nodes { title position } } }`, map[string]any{"l": list}).NoErrors(t)
	var out, keys []string
	for _, n := range apitest.Path(r.Data, "tasks", "nodes").([]any) {
		out = append(out, apitest.Str(apitest.Path(n, "title")))
		keys = append(keys, apitest.Str(apitest.Path(n, "position")))
	}
	// Task.position sorts as the list does, compared as plain strings, which is how a client orders its cache.
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		t.Errorf("positions %q of the order %q", keys, out)
	}
	return out
}

func TestMoveTaskThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		ids := map[string]string{}
		for _, title := range []string{"a", "b", "c"} {
			r := a.Do("alice", `mutation($l: ID!, $t: String!) { createTask(input: {title: $t, listId: $l}) { task { id } } }`,
				map[string]any{"l": list, "t": title}).NoErrors(t)
			ids[title] = apitest.Str(apitest.Path(r.Data, "createTask", "task", "id"))
		}
		r := a.Do("alice", `mutation($l: ID!, $after: ID) { createTask(input: {title: "a2", listId: $l, afterTaskId: $after}) {
			task { id } userErrors { code } } }`, map[string]any{"l": list, "after": ids["a"]}).NoErrors(t)
		if got := listOrder(t, a, "bob", list); !slices.Equal(got, []string{"a", "a2", "b", "c"}) {
			t.Fatalf("after createTask with afterTaskId: %q", got)
		}

		// Explicit null: the top; omitted: the end; an id: right after it.
		steps := []struct {
			task  string
			input map[string]any
			want  []string
		}{
			{"c", map[string]any{"afterTaskId": nil}, []string{"c", "a", "a2", "b"}},
			{"c", map[string]any{}, []string{"a", "a2", "b", "c"}},
			{"c", map[string]any{"afterTaskId": ids["a"]}, []string{"a", "c", "a2", "b"}},
		}
		for i, step := range steps {
			r := a.Do("bob", moveTask, map[string]any{"id": ids[step.task], "input": step.input}).NoErrors(t)
			p := apitest.Path(r.Data, "moveTask")
			if apitest.Path(p, "task", "title") != step.task || len(apitest.Path(p, "userErrors").([]any)) != 0 ||
				apitest.Path(p, "currentTask") != nil || apitest.Path(p, "task", "version") != float64(i+2) {
				t.Errorf("step %d: %v", i, p)
			}
			if got := listOrder(t, a, "alice", list); !slices.Equal(got, step.want) {
				t.Errorf("step %d: order %q, want %q", i, got, step.want)
			}
		}
		// Where it already is: a no-op, the version stays.
		r = a.Do("bob", moveTask, map[string]any{"id": ids["c"], "input": map[string]any{"afterTaskId": ids["a"]}}).NoErrors(t)
		if apitest.Path(r.Data, "moveTask", "task", "version") != 4.0 {
			t.Errorf("a move to where the task is: %v", r.Data)
		}

		// A stale ifVersion: CONFLICT with the current task.
		r = a.Do("bob", moveTask, map[string]any{"id": ids["c"], "input": map[string]any{"ifVersion": 1}}).NoErrors(t)
		p := apitest.Path(r.Data, "moveTask")
		if apitest.Path(p, "task") != nil || apitest.Path(p, "currentTask", "version") != 4.0 ||
			apitest.Path(p, "userErrors", 0, "code") != "CONFLICT" || fmt.Sprint(apitest.Path(p, "userErrors", 0, "field")) != "[input ifVersion]" {
			t.Errorf("stale move: %v", p)
		}

		// afterTaskId that is not a task of the target list, or not a task id at all: INVALID.
		inbox := a.Do("alice", `mutation { createTask(input: {title: "inbox"}) { task { id list { id } } } }`, nil).NoErrors(t)
		for _, after := range []string{apitest.Str(apitest.Path(inbox.Data, "createTask", "task", "id")), "nonsense", list} {
			r = a.Do("bob", moveTask, map[string]any{"id": ids["c"], "input": map[string]any{"afterTaskId": after}}).NoErrors(t)
			p := apitest.Path(r.Data, "moveTask")
			if apitest.Path(p, "task") != nil || apitest.Path(p, "userErrors", 0, "code") != "INVALID" ||
				fmt.Sprint(apitest.Path(p, "userErrors", 0, "field")) != "[input afterTaskId]" {
				t.Errorf("move after %q: %v", after, p)
			}
			r = a.Do("alice", `mutation($l: ID!, $after: ID) { createTask(input: {title: "x", listId: $l, afterTaskId: $after}) {
				task { id } userErrors { field code } } }`, map[string]any{"l": list, "after": after}).NoErrors(t)
			if apitest.Path(r.Data, "createTask", "task") != nil || apitest.Path(r.Data, "createTask", "userErrors", 0, "code") != "INVALID" ||
				fmt.Sprint(apitest.Path(r.Data, "createTask", "userErrors", 0, "field")) != "[input afterTaskId]" {
				t.Errorf("create after %q: %v", after, r.Data)
			}
		}

		// Another list: alice's Inbox, where bob is no member: NOT_FOUND; bob's own list: moved.
		inboxList := apitest.Str(apitest.Path(inbox.Data, "createTask", "task", "list", "id"))
		r = a.Do("bob", moveTask, map[string]any{"id": ids["c"], "input": map[string]any{"listId": inboxList}})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("a move to a list bob cannot see: %+v", r.Errors)
		}
		bobs := apitest.Str(createList(t, a, "bob", "bob's")["id"])
		r = a.Do("bob", moveTask, map[string]any{"id": ids["c"], "input": map[string]any{"listId": bobs}}).NoErrors(t)
		if apitest.Path(r.Data, "moveTask", "task", "list", "id") != bobs {
			t.Errorf("a move to bob's list: %v", r.Data)
		}
		// carol, no member: NOT_FOUND.
		r = a.Do("carol", moveTask, map[string]any{"id": ids["a"], "input": map[string]any{}})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("carol's move: %+v", r.Errors)
		}
	})
}

func TestMoveTaskByAViewerIsForbidden(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "VIEWER")
		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "a", listId: $l}) { task { id } } }`,
			map[string]any{"l": list}).NoErrors(t)
		id := apitest.Str(apitest.Path(r.Data, "createTask", "task", "id"))
		r = a.Do("bob", moveTask, map[string]any{"id": id, "input": map[string]any{"afterTaskId": nil}}).NoErrors(t)
		p := apitest.Path(r.Data, "moveTask")
		if apitest.Path(p, "task") != nil || apitest.Path(p, "userErrors", 0, "code") != "FORBIDDEN" ||
			fmt.Sprint(apitest.Path(p, "userErrors", 0, "field")) != "[id]" {
			t.Errorf("a VIEWER's move: %v", p)
		}
	})
}
