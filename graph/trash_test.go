package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"taskapi/internal/apitest"
)

// TestTrashThroughAPI deletes a task of a shared list, finds it in the trash, restores it (RESTORED reaches every
// member), and purges what is left; VIEWERs, strangers and bad arguments get the errors of the contract.
func TestTrashThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		r := a.Do("alice", `mutation($l: ID!) { a: createTask(input: {title: "milk", listId: $l}) { task { id } }
			b: createTask(input: {title: "eggs", listId: $l}) { task { id } } }`, map[string]any{"l": list}).NoErrors(t)
		milk, eggs := apitest.Str(apitest.Path(r.Data, "a", "task", "id")), apitest.Str(apitest.Path(r.Data, "b", "task", "id"))
		for _, id := range []string{milk, eggs} {
			a.Do("bob", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id}).NoErrors(t)
		}

		r = a.Do("alice", `query($l: ID!) { tasks { totalCount } node: task(id: "x") { id }
			trash(listId: $l, first: 1) { totalCount nodes { id title deletedAt } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"l": list}).NoErrors(t)
		if apitest.Path(r.Data, "tasks", "totalCount") != 0.0 || apitest.Path(r.Data, "trash", "totalCount") != 2.0 ||
			apitest.Path(r.Data, "trash", "nodes", 0, "id") != eggs || apitest.Path(r.Data, "trash", "nodes", 0, "deletedAt") == nil ||
			apitest.Path(r.Data, "trash", "pageInfo", "hasNextPage") != true {
			t.Fatalf("alice's trash: %v", r.Data)
		}
		if code := a.Do("alice", `{ trash(after: "nope") { totalCount } }`, nil).Code(t); code != "BAD_USER_INPUT" {
			t.Errorf("a malformed cursor: %s", code)
		}
		if code := a.Do("carol", `query($l: ID!) { trash(listId: $l) { totalCount } }`, map[string]any{"l": list}).Code(t); code != "BAD_USER_INPUT" {
			t.Errorf("a stranger's trash of the list: %s", code)
		}
		if code := a.Do("carol", `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": milk}).Code(t); code != "NOT_FOUND" {
			t.Errorf("a stranger restores: %s", code)
		}

		cursor := a.EventCursor("alice")
		r = a.Do("bob", `mutation($id: ID!) { restoreTask(id: $id) { task { id title deletedAt } userErrors { code field } } }`,
			map[string]any{"id": milk}).NoErrors(t)
		if apitest.Path(r.Data, "restoreTask", "task", "title") != "milk" || apitest.Path(r.Data, "restoreTask", "task", "deletedAt") != nil {
			t.Fatalf("restore: %v", r.Data)
		}
		r = a.Do("alice", `query($after: String!) { taskEvents(after: $after) { events { kind taskId actor { id } task { title } } } }`,
			map[string]any{"after": cursor}).NoErrors(t)
		if ev := apitest.Path(r.Data, "taskEvents", "events", 0); apitest.Path(ev, "kind") != "RESTORED" ||
			apitest.Path(ev, "taskId") != milk || apitest.Path(ev, "actor", "id") != "bob" || apitest.Path(ev, "task", "title") != "milk" {
			t.Errorf("alice's feed after the restore: %v", r.Data)
		}
		r = a.Do("bob", `mutation($id: ID!) { restoreTask(id: $id) { task { id } userErrors { code field } } }`,
			map[string]any{"id": milk}).NoErrors(t)
		if apitest.Path(r.Data, "restoreTask", "userErrors", 0, "code") != "INVALID" ||
			apitest.Path(r.Data, "restoreTask", "userErrors", 0, "field", 0) != "id" {
			t.Errorf("a retried restore: %v", r.Data)
		}

		r = a.Do("bob", `mutation { purgeTrash { purgedTaskIds count } }`, nil).NoErrors(t)
		if apitest.Path(r.Data, "purgeTrash", "count") != 1.0 || apitest.Path(r.Data, "purgeTrash", "purgedTaskIds", 0) != eggs {
			t.Errorf("purge: %v", r.Data)
		}
		if code := a.Do("bob", `mutation { purgeTrash(listId: "nope") { count } }`, nil).Code(t); code != "BAD_USER_INPUT" {
			t.Errorf("a purge of a malformed list id: %s", code)
		}
	})
}

// TestViewersCannotRestore: a VIEWER of the list gets FORBIDDEN, and sees no trash.
func TestViewersCannotRestore(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "VIEWER")
		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "milk", listId: $l}) { task { id } } }`,
			map[string]any{"l": list}).NoErrors(t)
		id := apitest.Str(apitest.Path(r.Data, "createTask", "task", "id"))
		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id}).NoErrors(t)
		if code := a.Do("bob", `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": id}).Code(t); code != "FORBIDDEN" {
			t.Errorf("a viewer restores: %s", code)
		}
		r = a.Do("bob", `{ trash { totalCount } }`, nil).NoErrors(t)
		if apitest.Path(r.Data, "trash", "totalCount") != 0.0 {
			t.Errorf("a viewer's trash: %v", r.Data)
		}
	})
}

// TestATrashedTaskLeavesTheAPI reads a trashed task through the API's reads of one task or a list's (task, node,
// nodes, a list's tasks and pendingCount, tags, taskStats): none shows it, for the member who deleted it or another;
// restored, it is back in each. deleteList then names the task it deletes for good, in the trash or not.
func TestATrashedTaskLeavesTheAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		r := a.Do("alice", `mutation($l: ID!) { a: createTask(input: {title: "milk", tags: ["shop"], listId: $l}) { task { id } }
			b: createTask(input: {title: "bread", listId: $l}) { task { id } } }`, map[string]any{"l": list}).NoErrors(t)
		milk, bread := apitest.Str(apitest.Path(r.Data, "a", "task", "id")), apitest.Str(apitest.Path(r.Data, "b", "task", "id"))
		const reads = `query($id: ID!, $l: ID!) { task(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id }
			list(id: $l) { pendingCount tasks(first: 10) { totalCount nodes { id } } }
			tags { tag } taskStats { total } }`
		check := func(user string, shown bool) {
			t.Helper()
			r := a.Do(user, reads, map[string]any{"id": milk, "l": list}).NoErrors(t)
			want := map[bool][]any{
				true:  {milk, milk, milk, 2.0, 2.0, 2, 1, 2.0},
				false: {nil, nil, nil, 1.0, 1.0, 1, 0, 1.0},
			}[shown]
			got := []any{apitest.Path(r.Data, "task", "id"), apitest.Path(r.Data, "node", "id"), apitest.Path(r.Data, "nodes", 0, "id"),
				apitest.Path(r.Data, "list", "pendingCount"), apitest.Path(r.Data, "list", "tasks", "totalCount"),
				len(apitest.Path(r.Data, "list", "tasks", "nodes").([]any)), len(apitest.Path(r.Data, "tags").([]any)),
				apitest.Path(r.Data, "taskStats", "total")}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s's reads, the task shown %v: got %v, want %v", user, shown, got, want)
			}
		}
		check("bob", true)
		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": milk}).NoErrors(t)
		check("alice", false)
		check("bob", false)
		a.Do("bob", `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": milk}).NoErrors(t)
		check("alice", true)

		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": milk}).NoErrors(t)
		r = a.Do("alice", `mutation($l: ID!) { deleteList(id: $l) { deletedListId deletedTaskIds } }`, map[string]any{"l": list}).NoErrors(t)
		ids := fmt.Sprint(apitest.Path(r.Data, "deleteList", "deletedTaskIds"))
		if !strings.Contains(ids, milk) || !strings.Contains(ids, bread) || len(apitest.Path(r.Data, "deleteList", "deletedTaskIds").([]any)) != 2 {
			t.Errorf("deleteList named %s, want the live and the trashed task", ids)
		}
		r = a.Do("alice", `{ trash { totalCount } }`, nil).NoErrors(t)
		if apitest.Path(r.Data, "trash", "totalCount") != 0.0 {
			t.Errorf("alice's trash after deleteList: %v", r.Data)
		}
		if code := a.Do("alice", `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": milk}).Code(t); code != "NOT_FOUND" {
			t.Errorf("restoring a task of a deleted list: %s", code)
		}
	})
}
