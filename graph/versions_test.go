package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"taskapi/internal/apitest"
)

const updateIfVersion = `mutation($id: ID!, $input: UpdateTaskInput!) { updateTask(id: $id, input: $input) {
	task { id title version } currentTask { id title version } userErrors { field code message } } }`

func TestVersionsThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		r := a.Do("alice", `mutation($l: ID!) { createTask(input: {title: "a", listId: $l}) { task { id version completedBy { id } } } }`,
			map[string]any{"l": list}).NoErrors(t)
		id := apitest.Str(apitest.Path(r.Data, "createTask", "task", "id"))
		if apitest.Path(r.Data, "createTask", "task", "version") != 1.0 || apitest.Path(r.Data, "createTask", "task", "completedBy") != nil {
			t.Fatalf("created: %v", r.Data)
		}

		// bob edits at version 1: it lands, at version 2.
		r = a.Do("bob", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"title": "bob's", "ifVersion": 1}}).NoErrors(t)
		if apitest.Path(r.Data, "updateTask", "task", "version") != 2.0 || apitest.Path(r.Data, "updateTask", "currentTask") != nil {
			t.Fatalf("bob's update: %v", r.Data)
		}
		// alice, offline since version 1, meets bob's change: nothing written, the task as it now is.
		r = a.Do("alice", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"title": "alice's", "ifVersion": 1}}).NoErrors(t)
		p := apitest.Path(r.Data, "updateTask").(map[string]any)
		if p["task"] != nil || apitest.Path(p, "currentTask", "title") != "bob's" || apitest.Path(p, "currentTask", "version") != 2.0 ||
			apitest.Path(p, "userErrors", 0, "code") != "CONFLICT" ||
			fmt.Sprint(apitest.Path(p, "userErrors", 0, "field")) != "[input ifVersion]" ||
			apitest.Str(apitest.Path(p, "userErrors", 0, "message")) == "" {
			t.Errorf("alice's stale update: %v", p)
		}
		// Without ifVersion, last write wins as before.
		r = a.Do("alice", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"title": "alice's"}}).NoErrors(t)
		if apitest.Path(r.Data, "updateTask", "task", "version") != 3.0 {
			t.Errorf("alice's update without ifVersion: %v", r.Data)
		}

		// setTaskCompleted: a stale ifVersion is a top-level CONFLICT, with the current task in the payload.
		const complete = `mutation($id: ID!, $v: Int) { setTaskCompleted(id: $id, completed: true, ifVersion: $v) {
			task { id version completed completedBy { id } } } }`
		r = a.Do("bob", complete, map[string]any{"id": id, "v": 2})
		if r.Code(t) != "CONFLICT" || r.Errors[0].Extensions["currentVersion"] != 3.0 ||
			apitest.Path(r.Data, "setTaskCompleted", "task", "version") != 3.0 ||
			apitest.Path(r.Data, "setTaskCompleted", "task", "completed") != false {
			t.Errorf("bob's stale completion: %+v %v", r.Errors, r.Data)
		}
		r = a.Do("bob", complete, map[string]any{"id": id, "v": 3}).NoErrors(t)
		task := apitest.Path(r.Data, "setTaskCompleted", "task")
		if apitest.Path(task, "version") != 4.0 || apitest.Path(task, "completedBy", "id") != "bob" {
			t.Errorf("bob's completion: %v", task)
		}
		r = a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: false) { task { version completedBy { id } } } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "setTaskCompleted", "task", "completedBy") != nil || apitest.Path(r.Data, "setTaskCompleted", "task", "version") != 5.0 {
			t.Errorf("reopened: %v", r.Data)
		}

		// carol, no member, gets the plain NOT_FOUND whatever the version.
		for _, v := range []int{1, 5} {
			r = a.Do("carol", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"title": "x", "ifVersion": v}})
			if r.Code(t) != "NOT_FOUND" || strings.Contains(fmt.Sprint(r.Errors[0]), "version") {
				t.Errorf("carol's update at %d: %+v", v, r.Errors)
			}
			r = a.Do("carol", complete, map[string]any{"id": id, "v": v})
			if r.Code(t) != "NOT_FOUND" || r.Errors[0].Extensions["currentVersion"] != nil {
				t.Errorf("carol's completion at %d: %+v", v, r.Errors)
			}
		}
	})
}

// TestIfVersionRaceThroughAPI races n clients updating with the same ifVersion: exactly one wins, the others get
// CONFLICT with the task at the winner's version.
func TestIfVersionRaceThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		id := apitest.Str(a.Create("alice", map[string]any{"title": "start", "listId": list})["id"])
		const n = 6
		results := make([]apitest.Result, n)
		var wg sync.WaitGroup
		for i := range n {
			user := []string{"alice", "bob"}[i%2]
			wg.Go(func() {
				results[i] = a.Do(user, updateIfVersion, map[string]any{"id": id, "input": map[string]any{"title": fmt.Sprint("t", i), "ifVersion": 1}})
			})
		}
		wg.Wait()
		var winners, losers []string
		for _, r := range results {
			r.NoErrors(t)
			p := apitest.Path(r.Data, "updateTask")
			if task := apitest.Path(p, "task"); task != nil {
				winners = append(winners, apitest.Str(apitest.Path(task, "title")))
				continue
			}
			if apitest.Path(p, "userErrors", 0, "code") != "CONFLICT" || apitest.Path(p, "currentTask", "version") != 2.0 {
				t.Errorf("a loser got %v", p)
			}
			losers = append(losers, apitest.Str(apitest.Path(p, "currentTask", "title")))
		}
		if len(winners) != 1 {
			t.Fatalf("%d winners: %q", len(winners), winners)
		}
		for _, l := range losers {
			if l != winners[0] {
				t.Errorf("a loser saw %q, the winner wrote %q", l, winners[0])
			}
		}
	})
}

func TestHistoryThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		list := shareList(t, a, "EDITOR")
		inbox := apitest.Str(apitest.Path(a.Do("alice", `{ lists { id } }`, nil).NoErrors(t).Data, "lists", 0, "id"))
		id := apitest.Str(a.Create("alice", map[string]any{"title": "a", "listId": list})["id"])
		for _, step := range []struct {
			user  string
			input map[string]any
		}{
			{"bob", map[string]any{"title": "b"}},
			{"alice", map[string]any{"dueAt": "2027-01-02T10:00:00Z"}},
			{"bob", map[string]any{"completed": true}},
			{"alice", map[string]any{"title": "b"}}, // a no-op
		} {
			a.Do(step.user, updateIfVersion, map[string]any{"id": id, "input": step.input}).NoErrors(t)
		}

		const history = `query($id: ID!, $first: Int, $after: String) { task(id: $id) { history(first: $first, after: $after) {
			nodes { at kind actor { id } fields } pageInfo { hasNextPage endCursor } } } }`
		read := func(user string, first int, after any) (got []string, next any) {
			t.Helper()
			r := a.Do(user, history, map[string]any{"id": id, "first": first, "after": after}).NoErrors(t)
			h := apitest.Path(r.Data, "task", "history")
			if h == nil {
				return nil, nil
			}
			for _, n := range apitest.Path(h, "nodes").([]any) {
				if apitest.Str(apitest.Path(n, "at")) == "" {
					t.Errorf("a change without at: %v", n)
				}
				got = append(got, fmt.Sprint(apitest.Path(n, "kind"), " ", apitest.Path(n, "actor", "id"), " ", apitest.Path(n, "fields")))
			}
			if apitest.Path(h, "pageInfo", "hasNextPage") == true {
				next = apitest.Path(h, "pageInfo", "endCursor")
			}
			return got, next
		}
		want := []string{
			"UPDATED bob [completed completedAt completedBy]",
			"UPDATED alice [dueAt]",
			"UPDATED bob [title]",
			"CREATED alice []",
		}
		if got, _ := read("bob", 20, nil); !slices.Equal(got, want) {
			t.Errorf("bob's history:\n got %q\nwant %q", got, want)
		}
		first, after := read("alice", 3, nil)
		rest, end := read("alice", 3, after)
		if !slices.Equal(append(first, rest...), want) || after == nil || end != nil {
			t.Errorf("alice's history by 3: %q then %q", first, rest)
		}

		// Bad page arguments are the client's error.
		for _, vars := range []map[string]any{{"first": 0}, {"first": 101}, {"first": 5, "after": "nope"}} {
			vars["id"] = id
			r := a.Do("bob", history, vars)
			if r.Code(t) != "BAD_USER_INPUT" {
				t.Errorf("%v: %+v", vars, r.Errors)
			}
		}

		// A move records the list.
		a.Do("alice", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"listId": inbox}}).NoErrors(t)
		if got, _ := read("alice", 1, nil); !slices.Equal(got, []string{"UPDATED alice [list position]"}) {
			t.Errorf("after the move: %q", got)
		}
		a.Do("alice", updateIfVersion, map[string]any{"id": id, "input": map[string]any{"listId": list}}).NoErrors(t)

		// Removed from the list, bob no longer sees the task, nor its history.
		a.Do("alice", `mutation($l: ID!) { removeListMember(listId: $l, userId: "bob") { userErrors { code } } }`,
			map[string]any{"l": list}).NoErrors(t)
		if got, _ := read("bob", 20, nil); got != nil {
			t.Errorf("bob's history after his removal: %q", got)
		}
	})
}
