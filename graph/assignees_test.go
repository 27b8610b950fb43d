package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"taskapi/internal/apitest"
)

const assignTask = `mutation($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) {
	task { id version assignee { id name email } } userErrors { field code message } } }`

func TestAssigneesThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		a.Do("carol", `{ lists { id } }`, nil).NoErrors(t) // carol exists, and shares no list with alice

		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "milk", listId: $l, assigneeId: "bob"}) {
			task { id version assignee { id name email } } userErrors { code } } }`, map[string]any{"l": list}).NoErrors(t)
		task := apitest.Path(r.Data, "createTask", "task")
		id := apitest.Str(apitest.Path(task, "id"))
		if apitest.Path(task, "assignee", "id") != "bob" || apitest.Path(task, "assignee", "email") != "bob@example.com" ||
			apitest.Path(task, "version") != 1.0 {
			t.Fatalf("created for bob: %v", r.Data)
		}

		// Someone who shares another list with alice but not this one is INVALID at ["input", "assigneeId"].
		other := apitest.Str(createList(t, a, "alice", "Other")["id"])
		tok := invite(t, a, "alice", other, "EDITOR")
		a.Do("dave", `mutation($t: String!) { acceptListInvitation(token: $t) { userErrors { code } } }`,
			map[string]any{"t": tok}).NoErrors(t)
		r = a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "x", listId: $l, assigneeId: "dave"}) {
			task { id } userErrors { field code message } } }`, map[string]any{"l": list}).NoErrors(t)
		if p := apitest.Path(r.Data, "createTask"); apitest.Path(p, "task") != nil || apitest.Path(p, "userErrors", 0, "code") != "INVALID" ||
			fmt.Sprint(apitest.Path(p, "userErrors", 0, "field")) != "[input assigneeId]" {
			t.Errorf("createTask for dave: %v", p)
		}
		r = a.Do("alice", assignTask, map[string]any{"id": id, "input": map[string]any{"assigneeId": "dave"}}).NoErrors(t)
		if p := apitest.Path(r.Data, "updateTask"); apitest.Path(p, "task") != nil || apitest.Path(p, "userErrors", 0, "code") != "INVALID" {
			t.Errorf("updateTask for dave: %v", p)
		}
		// A user id alice shares no list with is NOT_FOUND, with the one message for a user that does not exist.
		var messages []string
		for _, who := range []string{"carol", "nobody"} {
			r = a.Do("alice", `mutation($l: ID!, $who: ID!) { createTask(input: {title: "x", listId: $l, assigneeId: $who}) {
				task { id } userErrors { field code message } } }`, map[string]any{"l": list, "who": who})
			if r.Code(t) != "NOT_FOUND" || apitest.Path(r.Data, "createTask") != nil {
				t.Errorf("createTask for %s: %+v %v", who, r.Errors, r.Data)
			}
			messages = append(messages, r.Errors[0].Message)
			r = a.Do("alice", assignTask, map[string]any{"id": id, "input": map[string]any{"assigneeId": who}})
			if r.Code(t) != "NOT_FOUND" || r.Errors[0].Message != messages[0] {
				t.Errorf("updateTask for %s: %+v", who, r.Errors)
			}
		}
		if messages[0] == "" || messages[0] != messages[1] {
			t.Errorf("the messages for a stranger and for nobody differ: %q", messages)
		}

		// An omitted assigneeId keeps the assignee; the same one again is a no-op; explicit null unassigns.
		for _, c := range []struct {
			input    map[string]any
			assignee any
			version  float64
		}{
			{map[string]any{"title": "oat milk"}, "bob", 2},
			{map[string]any{"assigneeId": "bob"}, "bob", 2},
			{map[string]any{"assigneeId": "alice"}, "alice", 3},
			{map[string]any{"assigneeId": nil}, nil, 4},
			{map[string]any{"assigneeId": "bob"}, "bob", 5},
		} {
			r = a.Do("alice", assignTask, map[string]any{"id": id, "input": c.input}).NoErrors(t)
			task := apitest.Path(r.Data, "updateTask", "task")
			if apitest.Path(task, "assignee", "id") != c.assignee || apitest.Path(task, "version") != c.version {
				t.Errorf("updateTask(%v): %v, want assignee %v at version %v", c.input, r.Data, c.assignee, c.version)
			}
		}

		// The filters: bob's own, alice's none; a stranger's id matches nothing and is no error.
		a.Create("alice", map[string]any{"title": "unassigned", "listId": list})
		const filtered = `query($f: TaskFilter) { tasks(filter: $f) { totalCount nodes { title } } }`
		for _, c := range []struct {
			user   string
			filter map[string]any
			want   []string
		}{
			{"bob", map[string]any{"assignedToMe": true}, []string{"oat milk"}},
			{"bob", map[string]any{"assignedToMe": false}, []string{"unassigned"}},
			{"alice", map[string]any{"assignedToMe": true}, nil},
			{"alice", map[string]any{"assigneeIds": []string{"bob"}}, []string{"oat milk"}},
			{"alice", map[string]any{"assigneeIds": []string{"carol", "nobody"}}, nil},
			{"carol", map[string]any{"assigneeIds": []string{"bob"}}, nil},
		} {
			r = a.Do(c.user, filtered, map[string]any{"f": c.filter}).NoErrors(t)
			var got []string
			for _, n := range apitest.Path(r.Data, "tasks", "nodes").([]any) {
				got = append(got, apitest.Str(apitest.Path(n, "title")))
			}
			if !slices.Equal(got, c.want) || apitest.Path(r.Data, "tasks", "totalCount") != float64(len(c.want)) {
				t.Errorf("%s's tasks with %v: %v", c.user, c.filter, r.Data)
			}
		}
		r = a.Do("alice", `query($l: ID!) { list(id: $l) { pendingCount tasks(filter: {assignedToMe: false}) { totalCount } } }`,
			map[string]any{"l": list}).NoErrors(t)
		if apitest.Path(r.Data, "list", "pendingCount") != 2.0 || apitest.Path(r.Data, "list", "tasks", "totalCount") != 2.0 {
			t.Errorf("the list's counts: %v", r.Data)
		}

		// Removing bob unassigns him, and the history says who did it.
		r = a.Do("alice", `mutation($l: ID!) { removeListMember(listId: $l, userId: "bob") { userErrors { code } } }`,
			map[string]any{"l": list}).NoErrors(t)
		r = a.Do("alice", `query($id: ID!) { task(id: $id) { version assignee { id } history(first: 1) { nodes { kind fields actor { id } } } } }`,
			map[string]any{"id": id}).NoErrors(t)
		got := apitest.Path(r.Data, "task")
		if apitest.Path(got, "assignee") != nil || apitest.Path(got, "version") != 6.0 ||
			apitest.Path(got, "history", "nodes", 0, "kind") != "UPDATED" ||
			fmt.Sprint(apitest.Path(got, "history", "nodes", 0, "fields")) != "[assignee]" ||
			apitest.Path(got, "history", "nodes", 0, "actor", "id") != "alice" {
			t.Errorf("after bob's removal: %v", got)
		}
	})
}
