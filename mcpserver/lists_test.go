package mcpserver_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"taskapi/graph/scalar"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// shareList makes a list of owner's named name and has each member join it with their role, through GraphQL.
func (e *env) shareList(owner, name string, roles map[string]string) string {
	t := e.T
	t.Helper()
	id := str(path(e.Do(owner, `mutation($n: String!) { createList(input: {name: $n}) { list { id } } }`,
		map[string]any{"n": name}).NoErrors(t).Data, "createList", "list", "id"))
	for member, role := range roles {
		token := str(path(e.Do(owner, `mutation($id: ID!, $r: ListRole!) { createListInvitation(listId: $id, role: $r) { token } }`,
			map[string]any{"id": id, "r": role}).NoErrors(t).Data, "createListInvitation", "token"))
		e.Do(member, `mutation($t: String!) { acceptListInvitation(token: $t) { userErrors { code } } }`,
			map[string]any{"t": token}).NoErrors(t)
	}
	return id
}

// inbox is user's Inbox id.
func (e *env) inbox(user string) string {
	e.T.Helper()
	return str(path(e.Do(user, `{ lists { id isInbox } }`, nil).NoErrors(e.T).Data, "lists", 0, "id"))
}

// TestListTools drives the list_id arguments over a list that alice shares with bob (EDITOR) and carol (VIEWER):
// the members read and write it through the tools, dave (no member) gets the answer of a list that does not exist,
// and carol's writes are refused with the role's message.
func TestListTools(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		groceries := e.shareList("alice", "Groceries", map[string]string{"bob": "EDITOR", "carol": "VIEWER"})
		aliceInbox := e.inbox("alice")
		alice, bob, carol, dave := e.connect("alice"), e.connect("bob"), e.connect("carol"), e.connect("dave")
		bobsFeed := e.subscribe("bob")

		var milk string
		t.Run("AddTaskToList", func(t *testing.T) {
			out := ok(t, alice, "add_task", map[string]any{"title": "Milk", "list_id": groceries})
			milk = str(out["task_id"])
			if out["list_id"] != groceries || out["status"] != "created" {
				t.Fatalf("add_task: %v", out)
			}
			got := e.Do("bob", `query($id: ID!) { task(id: $id) { title list { id } } }`, map[string]any{"id": milk}).NoErrors(t)
			if path(got.Data, "task", "list", "id") != groceries || path(got.Data, "task", "title") != "Milk" {
				t.Fatalf("bob over GraphQL: %v", got.Data)
			}
			// Without list_id the task goes to the Inbox, and says so.
			if out := ok(t, alice, "add_task", map[string]any{"title": "Diary"}); out["list_id"] != aliceInbox {
				t.Fatalf("default list %v, want the Inbox %s", out["list_id"], aliceInbox)
			}
		})

		t.Run("ReachesTheOtherMembersSubscription", func(t *testing.T) {
			ev := receive(t, bobsFeed)
			if path(ev, "data", "taskEvents", "kind") != "CREATED" || path(ev, "data", "taskEvents", "taskId") != milk ||
				path(ev, "data", "taskEvents", "task", "title") != "Milk" {
				t.Fatalf("bob's event %v", ev)
			}
		})

		t.Run("ListTasksOfList", func(t *testing.T) {
			if got := titles(ok(t, alice, "list_tasks", map[string]any{"list_id": groceries})); got != "Milk" {
				t.Fatalf("alice, groceries: %s", got)
			}
			if got := titles(ok(t, alice, "list_tasks", map[string]any{"list_id": aliceInbox})); got != "Diary" {
				t.Fatalf("alice, Inbox: %s", got)
			}
			all := ok(t, alice, "list_tasks", nil)
			if titles(all) != "Diary,Milk" || path(all, "tasks", 1, "list_id") != groceries {
				t.Fatalf("alice, every list: %v", all)
			}
			// Both members see the shared task, in their own list_tasks and with list_id.
			for _, cs := range []*mcp.ClientSession{bob, carol} {
				if got := titles(ok(t, cs, "list_tasks", nil)); got != "Milk" {
					t.Fatalf("a member's tasks: %s", got)
				}
				if got := titles(ok(t, cs, "list_tasks", map[string]any{"list_id": groceries})); got != "Milk" {
					t.Fatalf("a member's groceries: %s", got)
				}
				if got := ok(t, cs, "get_task", map[string]any{"task_id": milk}); got["list_id"] != groceries {
					t.Fatalf("get_task: %v", got)
				}
			}
		})

		t.Run("EditorWrites", func(t *testing.T) {
			out := ok(t, bob, "update_task", map[string]any{"task_id": milk, "title": "Oat milk"})
			if out["list_id"] != groceries {
				t.Fatalf("update_task: %v", out)
			}
			added := ok(t, bob, "add_task", map[string]any{"title": "Bread", "list_id": groceries})
			ok(t, bob, "complete_task", map[string]any{"task_id": added["task_id"]})
			if got := titles(ok(t, alice, "list_tasks", map[string]any{"list_id": groceries, "status": "pending"})); got != "Oat milk" {
				t.Fatalf("alice after bob's writes: %s", got)
			}
			ok(t, bob, "delete_task", map[string]any{"task_id": added["task_id"]})
		})

		t.Run("MoveWithUpdateTask", func(t *testing.T) {
			eggs := str(ok(t, bob, "add_task", map[string]any{"title": "Eggs"})["task_id"]) // bob's Inbox
			out := ok(t, bob, "update_task", map[string]any{"task_id": eggs, "list_id": groceries})
			if out["list_id"] != groceries || out["status"] != "updated" {
				t.Fatalf("move: %v", out)
			}
			if got := titles(ok(t, alice, "list_tasks", map[string]any{"list_id": groceries})); got != "Eggs,Oat milk" {
				t.Fatalf("alice's groceries after the move: %s", got)
			}
			// And back: alice no longer sees it.
			ok(t, bob, "update_task", map[string]any{"task_id": eggs, "list_id": e.inbox("bob")})
			if got := titles(ok(t, alice, "list_tasks", nil)); got != "Diary,Oat milk" {
				t.Fatalf("alice after the move back: %s", got)
			}
		})

		t.Run("NonMemberGetsNotFound", func(t *testing.T) {
			never := scalar.ListID(uuid.Must(uuid.NewV7()))
			for _, c := range []struct {
				tool string
				args map[string]any
			}{
				{"add_task", map[string]any{"title": "Sneaky"}},
				{"list_tasks", nil},
				{"update_task", map[string]any{"task_id": str(ok(t, dave, "add_task", map[string]any{"title": "Dave's"})["task_id"])}},
			} {
				answer := func(id string) string {
					args := map[string]any{"list_id": id}
					for k, v := range c.args {
						args[k] = v
					}
					return strings.ReplaceAll(fails(t, dave, c.tool, args), id, "ID")
				}
				shared, missing, malformed, aTaskID := answer(groceries), answer(never), answer("not-an-id"), answer(milk)
				if shared != missing || shared != malformed || shared != aTaskID {
					t.Errorf("%s: a list of others %q, a missing one %q, a malformed id %q, a task id %q", c.tool,
						shared, missing, malformed, aTaskID)
				}
				if !strings.Contains(shared, `no list with id "ID"; list_lists`) || strings.Contains(shared, "Groceries") {
					t.Errorf("%s: %q", c.tool, shared)
				}
			}
			// The list's tasks are missing tasks to dave.
			if msg := fails(t, dave, "update_task", map[string]any{"task_id": milk, "title": "mine"}); !strings.Contains(msg, "no task with id") {
				t.Errorf("dave's update of a shared task: %q", msg)
			}
			if got := titles(ok(t, dave, "list_tasks", nil)); got != "Dave's" {
				t.Errorf("dave lists %s", got)
			}
		})

		t.Run("ViewerIsRefused", func(t *testing.T) {
			before := ok(t, alice, "list_tasks", map[string]any{"list_id": groceries})
			own := str(ok(t, carol, "add_task", map[string]any{"title": "Carol's"})["task_id"])
			for _, c := range []struct {
				tool string
				args map[string]any
			}{
				{"add_task", map[string]any{"title": "Crisps", "list_id": groceries}},
				{"update_task", map[string]any{"task_id": milk, "title": "Cream"}},
				{"update_task", map[string]any{"task_id": own, "list_id": groceries}},
				{"complete_task", map[string]any{"task_id": milk}},
				{"reopen_task", map[string]any{"task_id": milk}},
				{"delete_task", map[string]any{"task_id": milk}},
			} {
				msg := fails(t, carol, c.tool, c.args)
				if !strings.Contains(msg, "not allowed") || !strings.Contains(msg, "viewer") ||
					strings.Contains(msg, "went wrong") {
					t.Errorf("%s(%v): %q", c.tool, c.args, msg)
				}
			}
			if after := ok(t, alice, "list_tasks", map[string]any{"list_id": groceries}); !equalJSON(before, after) {
				t.Errorf("groceries changed: %v -> %v", before, after)
			}
		})
	})
}
