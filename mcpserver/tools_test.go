package mcpserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/graph/scalar"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

var (
	path = apitest.Path
	str  = apitest.Str
)

// TestTools drives every tool through the Go SDK's client and checks what it did through GraphQL, which reads the
// same store.
func TestTools(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		cs := e.connect("alice")

		t.Run("ToolsListed", func(t *testing.T) {
			res, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range res.Tools {
				names = append(names, tool.Name)
				if tool.Description == "" || tool.InputSchema == nil || tool.OutputSchema == nil {
					t.Errorf("%s: description, input and output schema wanted", tool.Name)
				}
			}
			want := "add_task complete_task delete_task get_task list_lists list_tasks reopen_task set_reminder task_stats update_task"
			if got := strings.Join(names, " "); got != want {
				t.Errorf("tools %s, want %s", got, want)
			}
		})

		var milkID string
		t.Run("AddTask", func(t *testing.T) {
			out := ok(t, cs, "add_task", map[string]any{"title": "  Buy milk ", "description": "two litres",
				"due_at": "2030-01-02T10:00:00+01:00", "priority": "high", "tags": []string{"Groceries", "groceries"}})
			milkID = str(out["task_id"])
			if out["status"] != "created" || out["title"] != "Buy milk" || milkID == "" {
				t.Fatalf("add_task: %v", out)
			}
			task := path(e.Do("alice", `query($id: ID!) { task(id: $id) { title description priority tags dueAt } }`,
				map[string]any{"id": milkID}).NoErrors(t).Data, "task")
			want := map[string]any{"title": "Buy milk", "description": "two litres", "priority": "HIGH",
				"tags": []any{"groceries"}, "dueAt": "2030-01-02T09:00:00.000Z"}
			if !equalJSON(task, want) {
				t.Fatalf("through GraphQL: %v, want %v", task, want)
			}
			// The defaults: medium priority, no tags, no due date.
			out = ok(t, cs, "add_task", map[string]any{"title": "Call Bob"})
			got := ok(t, cs, "get_task", map[string]any{"task_id": out["task_id"]})
			if got["priority"] != "medium" || len(got["tags"].([]any)) != 0 || got["due_at"] != nil {
				t.Fatalf("defaults: %v", got)
			}
		})

		t.Run("GetTask", func(t *testing.T) {
			got := ok(t, cs, "get_task", map[string]any{"task_id": milkID})
			for k, v := range map[string]any{"task_id": milkID, "title": "Buy milk", "description": "two litres",
				"status": "pending", "overdue": false, "priority": "high", "due_at": "2030-01-02T09:00:00.000Z",
				"recurring": false} {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if rs := got["reminders"].([]any); len(rs) != 0 {
				t.Errorf("reminders %v", rs)
			}
		})

		t.Run("UpdateTask", func(t *testing.T) {
			out := ok(t, cs, "update_task", map[string]any{"task_id": milkID, "title": "Buy oat milk",
				"priority": "low", "tags": []string{"shop"}})
			if out["status"] != "updated" || out["title"] != "Buy oat milk" || out["task_id"] != milkID {
				t.Fatalf("update_task: %v", out)
			}
			got := ok(t, cs, "get_task", map[string]any{"task_id": milkID})
			if got["priority"] != "low" || !equalJSON(got["tags"], []string{"shop"}) || got["description"] != "two litres" {
				t.Fatalf("after update: %v", got)
			}
			// Empty strings remove the description and the due date; what is left out stays.
			ok(t, cs, "update_task", map[string]any{"task_id": milkID, "description": "", "due_at": ""})
			got = ok(t, cs, "get_task", map[string]any{"task_id": milkID})
			if got["description"] != nil || got["due_at"] != nil || got["title"] != "Buy oat milk" {
				t.Fatalf("after clearing: %v", got)
			}
			ok(t, cs, "update_task", map[string]any{"task_id": milkID, "due_at": "2030-01-03T09:00:00Z"})
		})

		t.Run("CompleteAndReopen", func(t *testing.T) {
			out := ok(t, cs, "complete_task", map[string]any{"task_id": milkID})
			if out["status"] != "completed" || out["title"] != "Buy oat milk" {
				t.Fatalf("complete_task: %v", out)
			}
			if got := ok(t, cs, "get_task", map[string]any{"task_id": milkID}); got["status"] != "completed" || got["completed_at"] == nil {
				t.Fatalf("after complete: %v", got)
			}
			ok(t, cs, "complete_task", map[string]any{"task_id": milkID}) // idempotent
			out = ok(t, cs, "reopen_task", map[string]any{"task_id": milkID})
			if out["status"] != "reopened" {
				t.Fatalf("reopen_task: %v", out)
			}
			if got := ok(t, cs, "get_task", map[string]any{"task_id": milkID}); got["status"] != "pending" || got["completed_at"] != nil {
				t.Fatalf("after reopen: %v", got)
			}
		})

		t.Run("CompleteRecurring", func(t *testing.T) {
			created := e.Create("alice", map[string]any{"title": "Water plants", "dueAt": "2030-02-01T08:00:00Z",
				"recurrence": map[string]any{"frequency": "DAILY", "timeZone": "UTC"}})
			id := str(created["id"])
			if got := ok(t, cs, "get_task", map[string]any{"task_id": id}); got["recurring"] != true {
				t.Fatalf("recurring: %v", got)
			}
			out := ok(t, cs, "complete_task", map[string]any{"task_id": id})
			next := str(out["next_task_id"])
			if next == "" || next == id || out["next_due_at"] != "2030-02-02T08:00:00.000Z" {
				t.Fatalf("next occurrence: %v", out)
			}
			ok(t, cs, "delete_task", map[string]any{"task_id": next})
			ok(t, cs, "delete_task", map[string]any{"task_id": id})
		})

		t.Run("SetReminder", func(t *testing.T) {
			out := ok(t, cs, "set_reminder", map[string]any{"task_id": milkID, "minutes_before": 30})
			if out["status"] != "reminder_set" || out["remind_at"] != "2030-01-03T08:30:00.000Z" || out["reminder_id"] == "" {
				t.Fatalf("set_reminder: %v", out)
			}
			first := out["reminder_id"]
			out = ok(t, cs, "set_reminder", map[string]any{"task_id": milkID, "at": "2030-01-01T12:00:00+02:00"})
			if out["remind_at"] != "2030-01-01T10:00:00.000Z" {
				t.Fatalf("set_reminder at: %v", out)
			}
			got := ok(t, cs, "get_task", map[string]any{"task_id": milkID})
			rs := got["reminders"].([]any)
			if len(rs) != 2 || path(rs, 1, "reminder_id") != first || path(rs, 1, "minutes_before") != float64(30) {
				t.Fatalf("reminders kept and added: %v", rs)
			}
			// The same ids as GraphQL's.
			gql := e.Do("alice", `query($id: ID!) { task(id: $id) { reminders { id } } }`, map[string]any{"id": milkID}).NoErrors(t)
			if path(gql.Data, "task", "reminders", 1, "id") != first {
				t.Fatalf("GraphQL reminders: %v", gql.Data)
			}
		})

		t.Run("ListTasks", func(t *testing.T) {
			for _, title := range []string{"Pay rent", "Pay taxes", "Book flights"} {
				ok(t, cs, "add_task", map[string]any{"title": title, "due_at": "2031-05-01T00:00:00Z"})
			}
			all := ok(t, cs, "list_tasks", nil)
			if n := len(all["tasks"].([]any)); n != 5 || all["next_cursor"] != nil {
				t.Fatalf("all: %d tasks, next_cursor %v", n, all["next_cursor"])
			}
			if first := path(all, "tasks", 0, "title"); first != "Book flights" {
				t.Fatalf("newest first: %v", first)
			}
			search := ok(t, cs, "list_tasks", map[string]any{"search": "PAY"})
			if titles(search) != "Pay taxes,Pay rent" {
				t.Fatalf("search: %s", titles(search))
			}
			due := ok(t, cs, "list_tasks", map[string]any{"due_after": "2031-01-01T00:00:00Z", "due_before": "2031-05-01T00:00:01Z"})
			if titles(due) != "Book flights,Pay taxes,Pay rent" {
				t.Fatalf("due range: %s", titles(due))
			}
			ok(t, cs, "complete_task", map[string]any{"task_id": path(all, "tasks", 0, "task_id")})
			if got := titles(ok(t, cs, "list_tasks", map[string]any{"status": "completed"})); got != "Book flights" {
				t.Fatalf("completed: %s", got)
			}
			if got := titles(ok(t, cs, "list_tasks", map[string]any{"status": "pending", "search": "flights"})); got != "" {
				t.Fatalf("pending flights: %s", got)
			}
			// Pages of two, following next_cursor with the same filters, see every task once.
			var seen []string
			args := map[string]any{"limit": 2, "status": "all"}
			for range 5 {
				page := ok(t, cs, "list_tasks", args)
				seen = append(seen, titles(page))
				next, more := page["next_cursor"].(string)
				if !more {
					break
				}
				args["cursor"] = next
			}
			if got := strings.Join(seen, "|"); got != "Book flights,Pay taxes|Pay rent,Call Bob|Buy oat milk" {
				t.Fatalf("pages: %s", got)
			}
		})

		t.Run("ListLists", func(t *testing.T) {
			created := str(path(e.Do("alice", `mutation { createList(input: {name: "groceries"}) { list { id } } }`, nil).
				NoErrors(t).Data, "createList", "list", "id"))
			shared := str(path(e.Do("carol", `mutation { createList(input: {name: "Book club"}) { list { id } } }`, nil).
				NoErrors(t).Data, "createList", "list", "id"))
			token := str(path(e.Do("carol", `mutation($id: ID!) { createListInvitation(listId: $id, role: VIEWER) { token } }`,
				map[string]any{"id": shared}).NoErrors(t).Data, "createListInvitation", "token"))
			e.Do("alice", `mutation($t: String!) { acceptListInvitation(token: $t) { userErrors { code } } }`,
				map[string]any{"t": token}).NoErrors(t)
			inbox := str(path(e.Do("alice", `{ lists { id isInbox } }`, nil).NoErrors(t).Data, "lists", 0, "id"))

			out := ok(t, cs, "list_lists", nil)
			want := map[string]any{"lists": []map[string]any{
				{"list_id": inbox, "name": "Inbox", "is_inbox": true, "role": "owner"},
				{"list_id": shared, "name": "Book club", "is_inbox": false, "role": "viewer"},
				{"list_id": created, "name": "groceries", "is_inbox": false, "role": "owner"},
			}}
			if !equalJSON(out, want) {
				t.Fatalf("list_lists: %v, want %v", out, want)
			}
			// Someone who shares nothing with alice sees only their own Inbox.
			bob := ok(t, e.connect("bob"), "list_lists", nil)
			if lists := bob["lists"].([]any); len(lists) != 1 || path(bob, "lists", 0, "is_inbox") != true {
				t.Fatalf("bob's list_lists: %v", bob)
			}
		})

		t.Run("TaskStats", func(t *testing.T) {
			ok(t, cs, "add_task", map[string]any{"title": "Late", "due_at": "2001-01-01T00:00:00Z", "tags": []string{"work"}})
			out := ok(t, cs, "task_stats", map[string]any{"time_zone": "Europe/Berlin"})
			want := map[string]any{"total": 6, "completed": 1, "pending": 5, "overdue": 1, "due_today": 0,
				"completion_rate": 1.0 / 6,
				"by_priority":     []map[string]any{{"name": "high", "count": 0}, {"name": "medium", "count": 5}, {"name": "low", "count": 1}},
				"by_tag":          []map[string]any{{"name": "shop", "count": 1}, {"name": "work", "count": 1}}}
			if !equalJSON(out, want) {
				t.Fatalf("task_stats: %v, want %v", out, want)
			}
			late := ok(t, cs, "list_tasks", map[string]any{"search": "late"})
			if path(late, "tasks", 0, "overdue") != true {
				t.Fatalf("overdue flag: %v", late)
			}
		})

		t.Run("DeleteTask", func(t *testing.T) {
			out := ok(t, cs, "delete_task", map[string]any{"task_id": milkID})
			if out["status"] != "deleted" || out["title"] != "Buy oat milk" || out["task_id"] != milkID {
				t.Fatalf("delete_task: %v", out)
			}
			if got := e.Do("alice", `query($id: ID!) { task(id: $id) { id } }`, map[string]any{"id": milkID}).NoErrors(t); path(got.Data, "task") != nil {
				t.Fatal("still there")
			}
			// A retried delete finds nothing, as over GraphQL.
			if msg := fails(t, cs, "delete_task", map[string]any{"task_id": milkID}); !strings.Contains(msg, "no task with id") {
				t.Fatalf("retried delete: %s", msg)
			}
		})
	})
}

// TestToolErrors pins the isError results of the contract's error cases: each says what was wrong in the tool's
// own argument names, and nothing is written.
func TestToolErrors(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		cs := e.connect("alice")
		id := str(ok(t, cs, "add_task", map[string]any{"title": "Plain"})["task_id"])
		missing := scalar.TaskID(uuid.Must(uuid.NewV7()))
		for _, c := range []struct {
			name, tool string
			args       map[string]any
			want       string
		}{
			{"BlankTitle", "add_task", map[string]any{"title": "   "}, "title: "},
			{"TitleTooLong", "add_task", map[string]any{"title": strings.Repeat("x", 201)}, "title: "},
			{"NULInTitle", "add_task", map[string]any{"title": "a\x00b"}, "title: "},
			{"TooManyTags", "add_task", map[string]any{"title": "t", "tags": []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}}, "tags: "},
			{"TagTooLong", "add_task", map[string]any{"title": "t", "tags": []string{"ok", strings.Repeat("y", 33)}}, "tags[1]: "},
			{"UnknownPriority", "add_task", map[string]any{"title": "t", "priority": "urgent"}, "priority"},
			{"BadDueAt", "add_task", map[string]any{"title": "t", "due_at": "tomorrow"}, "due_at must be an RFC 3339 date-time"},
			{"DueAtOutOfRange", "add_task", map[string]any{"title": "t", "due_at": "0000-01-01T00:00:00Z"}, "due_at must be"},
			{"WrongType", "add_task", map[string]any{"title": 42}, "title"},
			{"MissingTitle", "add_task", map[string]any{}, "title"},
			{"UnknownArgument", "add_task", map[string]any{"title": "t", "colour": "red"}, "colour"},
			{"UpdateBlankTitle", "update_task", map[string]any{"task_id": id, "title": ""}, "title: "},
			{"UpdateBadDueAt", "update_task", map[string]any{"task_id": id, "due_at": "soon"}, "due_at must be"},
			{"UpdateMissing", "update_task", map[string]any{"task_id": missing, "title": ""}, "no task with id"},
			{"LimitZero", "list_tasks", map[string]any{"limit": 0}, "limit"},
			{"LimitTooLarge", "list_tasks", map[string]any{"limit": 101}, "limit"},
			{"BadStatus", "list_tasks", map[string]any{"status": "done"}, "status"},
			{"ForgedCursor", "list_tasks", map[string]any{"cursor": "nonsense"}, "cursor: "},
			{"SearchTooLong", "list_tasks", map[string]any{"search": strings.Repeat("s", 101)}, "search: "},
			{"UnknownTimeZone", "task_stats", map[string]any{"time_zone": "Mars/Olympus"}, "unknown time_zone"},
			{"LocalTimeZone", "task_stats", map[string]any{"time_zone": "Local"}, "unknown time_zone"},
			{"ReminderNeither", "set_reminder", map[string]any{"task_id": id}, "exactly one of minutes_before"},
			{"ReminderBoth", "set_reminder", map[string]any{"task_id": id, "minutes_before": 5, "at": "2030-01-01T00:00:00Z"}, "exactly one"},
			{"ReminderWithoutDueDate", "set_reminder", map[string]any{"task_id": id, "minutes_before": 5}, "reminders[0].minutes_before: "},
			{"ReminderTooEarly", "set_reminder", map[string]any{"task_id": id, "minutes_before": -1}, "minutes_before"},
			{"MissingTask", "get_task", map[string]any{"task_id": missing}, "no task with id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				msg := fails(t, cs, c.tool, c.args)
				if !strings.Contains(msg, c.want) {
					t.Fatalf("%q does not contain %q", msg, c.want)
				}
				for _, leak := range []string{"sql", "SQL", "bun", "model:", "pq:", "sqlite"} {
					if strings.Contains(msg, leak) {
						t.Fatalf("%q leaks %q", msg, leak)
					}
				}
			})
		}
		t.Run("TooManyReminders", func(t *testing.T) {
			for i := range 5 {
				ok(t, cs, "set_reminder", map[string]any{"task_id": id, "at": time.Date(2030, 1, 1, i, 0, 0, 0, time.UTC).Format(time.RFC3339)})
			}
			msg := fails(t, cs, "set_reminder", map[string]any{"task_id": id, "at": "2030-02-01T00:00:00Z"})
			if !strings.Contains(msg, "reminders: ") {
				t.Fatalf("sixth reminder: %s", msg)
			}
			if n := len(ok(t, cs, "get_task", map[string]any{"task_id": id})["reminders"].([]any)); n != 5 {
				t.Fatalf("%d reminders", n)
			}
		})
		t.Run("NothingWritten", func(t *testing.T) {
			if got := titles(ok(t, cs, "list_tasks", nil)); got != "Plain" {
				t.Fatalf("tasks after the refusals: %s", got)
			}
		})
	})
}

// TestIsolation hands one user's task ids to another: every tool answers exactly as for an id that never existed
// (or is no id at all), and the owner's task is unchanged.
func TestIsolation(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		alice, bob := e.connect("alice"), e.connect("bob")
		theirs := str(ok(t, alice, "add_task", map[string]any{"title": "Alice's secret", "due_at": "2030-01-01T00:00:00Z"})["task_id"])
		before := ok(t, alice, "get_task", map[string]any{"task_id": theirs})
		never := scalar.TaskID(uuid.Must(uuid.NewV7()))
		for _, c := range []struct {
			tool string
			args map[string]any
		}{
			{"get_task", nil},
			{"update_task", map[string]any{"title": "mine now"}},
			{"update_task", map[string]any{"title": ""}}, // ownership before input
			{"complete_task", nil},
			{"reopen_task", nil},
			{"set_reminder", map[string]any{"minutes_before": 5}},
			{"delete_task", nil},
		} {
			answer := func(id string) string {
				args := map[string]any{"task_id": id}
				for k, v := range c.args {
					args[k] = v
				}
				return strings.ReplaceAll(fails(t, bob, c.tool, args), id, "ID")
			}
			other, missing, malformed := answer(theirs), answer(never), answer("not-an-id")
			if other != missing || other != malformed {
				t.Errorf("%s: another user's task %q, a missing one %q, a malformed id %q", c.tool, other, missing, malformed)
			}
			if strings.Contains(other, "secret") {
				t.Errorf("%s leaks the title: %q", c.tool, other)
			}
		}
		if got := titles(ok(t, bob, "list_tasks", nil)); got != "" {
			t.Errorf("bob lists %s", got)
		}
		if out := ok(t, bob, "task_stats", nil); out["total"] != float64(0) {
			t.Errorf("bob's stats %v", out)
		}
		if after := ok(t, alice, "get_task", map[string]any{"task_id": theirs}); !equalJSON(before, after) {
			t.Errorf("alice's task changed: %v -> %v", before, after)
		}
	})
}

// TestUserID pins the user_id rule: the token's own id is ignored, any other refused with nothing done.
func TestUserID(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, httpapi.Options{})
		cs := e.connect("alice")
		out := ok(t, cs, "add_task", map[string]any{"title": "Mine", "user_id": "alice"})
		if got := titles(ok(t, cs, "list_tasks", map[string]any{"user_id": "alice"})); got != "Mine" {
			t.Fatalf("list with own user_id: %s", got)
		}
		for _, other := range []any{"bob", "", 7, nil, "ALICE"} {
			msg := fails(t, cs, "add_task", map[string]any{"title": "Theirs", "user_id": other})
			if !strings.Contains(msg, "user_id") {
				t.Errorf("user_id %v: %q", other, msg)
			}
			fails(t, cs, "get_task", map[string]any{"task_id": out["task_id"], "user_id": other})
		}
		if got := titles(ok(t, cs, "list_tasks", nil)); got != "Mine" {
			t.Fatalf("after refusals: %s", got)
		}
		bob := e.connect("bob")
		if got := titles(ok(t, bob, "list_tasks", nil)); got != "" {
			t.Fatalf("bob has %s", got)
		}
	})
}

// titles joins the titles of a list_tasks result.
func titles(out map[string]any) string {
	var ts []string
	for _, task := range out["tasks"].([]any) {
		ts = append(ts, str(path(task, "title")))
	}
	return strings.Join(ts, ",")
}
