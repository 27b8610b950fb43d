package graph_test

import (
	"testing"

	"taskapi/internal/apitest"
)

// share makes a list of alice's with bob as role, and returns its id.
func shareList(t *testing.T, a *apitest.API, role string) string {
	t.Helper()
	id := apitest.Str(createList(t, a, "alice", "Groceries")["id"])
	tok := invite(t, a, "alice", id, role)
	r := a.Do("bob", `mutation($t: String!) { acceptListInvitation(token: $t) { userErrors { code } } }`,
		map[string]any{"t": tok}).NoErrors(t)
	if errs := apitest.Path(r.Data, "acceptListInvitation", "userErrors").([]any); len(errs) > 0 {
		t.Fatalf("accept: %v", errs)
	}
	return id
}

func TestTasksInListsThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		cursor := a.EventCursor("bob")

		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "milk", tags: ["shop"], listId: $l}) {
			task { id list { id name } createdBy { id name email } } userErrors { code } } }`, map[string]any{"l": list}).NoErrors(t)
		task := apitest.Path(r.Data, "createTask", "task").(map[string]any)
		id := apitest.Str(task["id"])
		if apitest.Path(task, "list", "id") != list || apitest.Path(task, "createdBy", "id") != "alice" ||
			apitest.Path(task, "createdBy", "email") != "alice@example.com" {
			t.Errorf("the created task: %v", task)
		}
		a.Create("alice", map[string]any{"title": "alice's own"})

		// bob sees it through the list: in tasks, in the list's tasks, its pending count, stats and tags.
		r = a.Do("bob", `query($l: ID!) {
			tasks { totalCount nodes { id title list { name viewerRole } } }
			narrowed: tasks(filter: {listIds: [$l]}) { totalCount }
			lists { name pendingCount tasks(first: 5) { totalCount eventCursor nodes { title } } }
			taskStats(listId: $l) { total }
			tags(listId: $l) { tag count }
		}`, map[string]any{"l": list}).NoErrors(t)
		if apitest.Path(r.Data, "tasks", "totalCount") != 1.0 || apitest.Path(r.Data, "tasks", "nodes", 0, "id") != id ||
			apitest.Path(r.Data, "tasks", "nodes", 0, "list", "viewerRole") != "EDITOR" ||
			apitest.Path(r.Data, "narrowed", "totalCount") != 1.0 || apitest.Path(r.Data, "taskStats", "total") != 1.0 ||
			apitest.Path(r.Data, "tags", 0, "tag") != "shop" {
			t.Errorf("bob's reads: %v", r.Data)
		}
		lists := apitest.Path(r.Data, "lists").([]any)
		if len(lists) != 2 || apitest.Path(lists[0], "pendingCount") != 0.0 || apitest.Path(lists[1], "pendingCount") != 1.0 ||
			apitest.Path(lists[1], "tasks", "totalCount") != 1.0 || apitest.Path(lists[1], "tasks", "nodes", 0, "title") != "milk" ||
			apitest.Str(apitest.Path(lists[1], "tasks", "eventCursor")) == "" {
			t.Errorf("bob's lists: %v", lists)
		}

		// bob's feed: the task's CREATED, with the list and alice as the actor.
		r = a.Do("bob", `query($after: String!) { taskEvents(after: $after) { events { kind taskId listId actor { id } task { title } } } }`,
			map[string]any{"after": cursor}).NoErrors(t)
		evs := apitest.Path(r.Data, "taskEvents", "events").([]any)
		last := evs[len(evs)-1]
		if apitest.Path(last, "kind") != "CREATED" || apitest.Path(last, "listId") != list || apitest.Path(last, "actor", "id") != "alice" ||
			apitest.Path(last, "taskId") != id {
			t.Errorf("bob's feed: %v", evs)
		}

		// carol sees nothing of it, and her listIds naming it is refused as a malformed id is.
		r = a.Do("carol", `query($id: ID!) { task(id: $id) { id } node(id: $id) { id } tasks { totalCount } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "task") != nil || apitest.Path(r.Data, "node") != nil || apitest.Path(r.Data, "tasks", "totalCount") != 0.0 {
			t.Errorf("carol's reads: %v", r.Data)
		}
		for _, l := range []string{list, "not-an-id"} {
			r = a.Do("carol", `query($l: ID!) { tasks(filter: {listIds: [$l]}) { totalCount } }`, map[string]any{"l": l})
			if r.Code(t) != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "listIds" {
				t.Errorf("carol's listIds %q: %+v", l, r.Errors)
			}
			if l == list {
				seen := r.Errors[0].Message
				r = a.Do("carol", `{ tasks(filter: {listIds: ["not-an-id"]}) { totalCount } }`, nil)
				if len(r.Errors) != 1 || r.Errors[0].Message != seen {
					t.Errorf("the messages differ: %q and %+v", seen, r.Errors)
				}
			}
			r = a.Do("carol", `query($l: ID!) { taskStats(listId: $l) { total } }`, map[string]any{"l": l})
			if r.Code(t) != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "listId" {
				t.Errorf("carol's taskStats(listId: %q): %+v", l, r.Errors)
			}
		}
		r = a.Do("carol", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("carol deleting: %+v", r.Errors)
		}
		r = a.Do("carol", `mutation($l: ID!) { createTask(input: {title: "x", listId: $l}) { task { id } } }`, map[string]any{"l": list})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("carol creating in the list: %+v", r.Errors)
		}

		// A move: an explicit null list is INVALID; to alice's Inbox, which bob cannot see, NOT_FOUND for bob.
		r = a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {listId: null}) { task { id } userErrors { code field } } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "updateTask", "userErrors", 0, "code") != "INVALID" {
			t.Errorf("a null listId: %v", r.Data)
		}
		r = a.Do("alice", `{ lists { id isInbox } }`, nil).NoErrors(t)
		inbox := apitest.Str(apitest.Path(r.Data, "lists", 0, "id"))
		r = a.Do("bob", `mutation($id: ID!, $l: ID!) { updateTask(id: $id, input: {listId: $l}) { task { id } } }`,
			map[string]any{"id": id, "l": inbox})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("bob moving to alice's Inbox: %+v", r.Errors)
		}
	})
}

func TestViewersAreForbiddenThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "VIEWER")
		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "milk", listId: $l}) { task { id } } }`,
			map[string]any{"l": list}).NoErrors(t)
		id := apitest.Str(apitest.Path(r.Data, "createTask", "task", "id"))

		r = a.Do("bob", `mutation($l: ID!) { createTask(input: {title: "x", listId: $l}) { task { id } userErrors { code field } } }`,
			map[string]any{"l": list}).NoErrors(t)
		if apitest.Path(r.Data, "createTask", "task") != nil || apitest.Path(r.Data, "createTask", "userErrors", 0, "code") != "FORBIDDEN" {
			t.Errorf("a VIEWER creating: %v", r.Data)
		}
		r = a.Do("bob", `mutation($id: ID!) { updateTask(id: $id, input: {title: "x"}) { task { id } userErrors { code } } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "updateTask", "userErrors", 0, "code") != "FORBIDDEN" {
			t.Errorf("a VIEWER updating: %v", r.Data)
		}
		for name, q := range map[string]string{
			"setTaskCompleted": `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`,
			"deleteTask":       `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`,
		} {
			if r := a.Do("bob", q, map[string]any{"id": id}); r.Code(t) != "FORBIDDEN" {
				t.Errorf("a VIEWER's %s: %+v", name, r.Errors)
			}
		}
		// Their own reminders they may set, and they see only theirs.
		r = a.Do("bob", `mutation($id: ID!) { updateTask(id: $id, input: {reminders: [{at: "2030-01-01T00:00:00Z"}]}) {
			task { reminders { remindAt } } userErrors { code } } }`, map[string]any{"id": id}).NoErrors(t)
		if rs := apitest.Path(r.Data, "updateTask", "task", "reminders"); rs == nil || len(rs.([]any)) != 1 {
			t.Errorf("a VIEWER's reminder: %v", r.Data)
		}
		r = a.Do("alice", `query($id: ID!) { task(id: $id) { reminders { remindAt } } }`, map[string]any{"id": id}).NoErrors(t)
		if rs := apitest.Path(r.Data, "task", "reminders").([]any); len(rs) != 0 {
			t.Errorf("alice sees bob's reminders: %v", rs)
		}
	})
}

func TestListEventsThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		cursor := a.EventCursor("bob")
		list := shareList(t, a, "EDITOR")
		r := a.Do("alice", `mutation($l: ID!) { removeListMember(listId: $l, userId: "bob") { userErrors { code } } }`,
			map[string]any{"l": list}).NoErrors(t)
		r = a.Do("bob", `query($after: String!) { taskEvents(after: $after) { events { kind taskId listId actor { id } } } }`,
			map[string]any{"after": cursor}).NoErrors(t)
		evs := apitest.Path(r.Data, "taskEvents", "events").([]any)
		var got []string
		for _, ev := range evs {
			got = append(got, apitest.Str(apitest.Path(ev, "kind")))
			if apitest.Path(ev, "taskId") != nil || apitest.Path(ev, "listId") != list {
				t.Errorf("bob's event: %v", ev)
			}
		}
		if len(got) != 3 || got[0] != "LIST_ADDED" || got[1] != "LIST_UPDATED" || got[2] != "LIST_REMOVED" ||
			apitest.Path(evs[2], "actor", "id") != "alice" {
			t.Errorf("bob's feed: %v", evs)
		}
	})
}
