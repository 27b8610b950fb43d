package graph_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"taskapi/internal/apitest"
)

var dateTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestTaskLifecycle(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		task := a.Create("alice", map[string]any{
			"title": "  Write report  ", "description": "", "priority": "HIGH",
			"tags": []any{" Work ", "work", "Q4"}, "dueAt": "2026-12-01T18:00:00.123456+01:00",
		})
		t.Run("CreateNormalizes", func(t *testing.T) {
			if task["title"] != "Write report" || task["description"] != nil || task["priority"] != "HIGH" {
				t.Errorf("task = %v", task)
			}
			if tags := task["tags"].([]any); len(tags) != 2 || tags[0] != "work" || tags[1] != "q4" {
				t.Errorf("tags = %v", tags)
			}
			if task["dueAt"] != "2026-12-01T17:00:00.123Z" {
				t.Errorf("dueAt = %v, want UTC with milliseconds", task["dueAt"])
			}
			for _, f := range []string{"createdAt", "updatedAt"} {
				if !dateTimeFormat.MatchString(apitest.Str(task[f])) {
					t.Errorf("%s = %v", f, task[f])
				}
			}
			if task["completed"] != false || task["completedAt"] != nil {
				t.Errorf("new task completed: %v", task)
			}
		})
		id := apitest.Str(task["id"])
		t.Run("IDsAreOpaque", func(t *testing.T) {
			if strings.Contains(id, "-") || strings.HasPrefix(id, "Task") {
				t.Errorf("id %q looks parseable", id)
			}
			if _, err := base64.RawURLEncoding.DecodeString(id); err != nil {
				t.Errorf("id %q: %v", id, err)
			}
		})
		t.Run("TaskAndNode", func(t *testing.T) {
			r := a.Do("alice", `query($id: ID!) { task(id: $id) { id title } node(id: $id) { __typename id ... on Task { title } } }`,
				map[string]any{"id": id}).NoErrors(t)
			if apitest.Path(r.Data, "task", "id") != id || apitest.Path(r.Data, "node", "__typename") != "Task" || apitest.Path(r.Data, "node", "title") != "Write report" {
				t.Errorf("data = %v", r.Data)
			}
		})
		t.Run("Nodes", func(t *testing.T) {
			r := a.Do("alice", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				map[string]any{"ids": []any{id, "garbage", id}}).NoErrors(t)
			nodes := apitest.Path(r.Data, "nodes").([]any)
			if len(nodes) != 3 || apitest.Path(nodes[0], "id") != id || nodes[1] != nil || apitest.Path(nodes[2], "id") != id {
				t.Errorf("nodes = %v", nodes)
			}
		})
		t.Run("UpdateIsAPatch", func(t *testing.T) {
			r := a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {description: "details", dueAt: null}) {
				task { title description dueAt priority tags updatedAt } userErrors { code } } }`, map[string]any{"id": id}).NoErrors(t)
			got := apitest.Path(r.Data, "updateTask", "task").(map[string]any)
			if got["title"] != "Write report" || got["description"] != "details" || got["dueAt"] != nil || got["priority"] != "HIGH" {
				t.Errorf("after patch: %v", got)
			}
		})
		t.Run("UpdateNoOpKeepsUpdatedAt", func(t *testing.T) {
			before := a.Do("alice", `query($id: ID!) { task(id: $id) { updatedAt } }`, map[string]any{"id": id}).NoErrors(t)
			r := a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {title: "Write report"}) { task { updatedAt } } }`,
				map[string]any{"id": id}).NoErrors(t)
			if apitest.Path(r.Data, "updateTask", "task", "updatedAt") != apitest.Path(before.Data, "task", "updatedAt") {
				t.Errorf("no-op moved updatedAt")
			}
		})
		t.Run("NullForUnclearableFieldsIsInvalid", func(t *testing.T) {
			r := a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {title: null, priority: null, tags: null, completed: null}) {
				task { id } userErrors { field code } } }`, map[string]any{"id": id}).NoErrors(t)
			if apitest.Path(r.Data, "updateTask", "task") != nil {
				t.Errorf("task returned with userErrors")
			}
			errs := apitest.Path(r.Data, "updateTask", "userErrors").([]any)
			if len(errs) != 4 {
				t.Fatalf("userErrors = %v", errs)
			}
			for _, e := range errs {
				if apitest.Path(e, "code") != "INVALID" {
					t.Errorf("userError %v", e)
				}
			}
		})
		t.Run("SetTaskCompletedIsIdempotent", func(t *testing.T) {
			q := `mutation($id: ID!, $c: Boolean!) { setTaskCompleted(id: $id, completed: $c) { task { completed completedAt updatedAt } } }`
			first := a.Do("alice", q, map[string]any{"id": id, "c": true}).NoErrors(t)
			second := a.Do("alice", q, map[string]any{"id": id, "c": true}).NoErrors(t)
			if apitest.Path(first.Data, "setTaskCompleted", "task", "completedAt") == nil ||
				apitest.Path(first.Data, "setTaskCompleted", "task", "completedAt") != apitest.Path(second.Data, "setTaskCompleted", "task", "completedAt") ||
				apitest.Path(first.Data, "setTaskCompleted", "task", "updatedAt") != apitest.Path(second.Data, "setTaskCompleted", "task", "updatedAt") {
				t.Errorf("first %v second %v", first.Data, second.Data)
			}
			reopened := a.Do("alice", q, map[string]any{"id": id, "c": false}).NoErrors(t)
			if apitest.Path(reopened.Data, "setTaskCompleted", "task", "completedAt") != nil {
				t.Errorf("reopened task keeps completedAt")
			}
		})
		t.Run("StatsAndTags", func(t *testing.T) {
			r := a.Do("alice", `{ taskStats(timeZone: "Europe/Berlin") { total completed pending completionRate byPriority { priority count } byTag { tag count } }
				tags { tag count } }`, nil).NoErrors(t)
			if apitest.Path(r.Data, "taskStats", "total") != float64(1) || apitest.Path(r.Data, "taskStats", "byPriority", 0, "priority") != "HIGH" {
				t.Errorf("stats = %v", r.Data)
			}
			if len(apitest.Path(r.Data, "taskStats", "byPriority").([]any)) != 3 || len(apitest.Path(r.Data, "tags").([]any)) != 2 {
				t.Errorf("stats = %v", r.Data)
			}
		})
		t.Run("UnknownTimeZoneIsBadUserInput", func(t *testing.T) {
			// Names the zoneinfo directory resolves but IANA does not write that way are unknown too.
			for _, zone := range []string{"Mars/Olympus", "Europe//Berlin", "Europe/./Berlin", "posix/Europe//Berlin", "right/UTC"} {
				r := a.Do("alice", `query($z: String) { taskStats(timeZone: $z) { total } }`, map[string]any{"z": zone})
				if r.Code(t) != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "timeZone" {
					t.Errorf("%s: errors = %+v", zone, r.Errors)
				}
			}
		})
		t.Run("DeleteThenRetryIsNotFound", func(t *testing.T) {
			q := `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`
			r := a.Do("alice", q, map[string]any{"id": id}).NoErrors(t)
			if apitest.Path(r.Data, "deleteTask", "deletedTaskId") != id {
				t.Errorf("data = %v", r.Data)
			}
			if c := a.Do("alice", q, map[string]any{"id": id}).Code(t); c != "NOT_FOUND" {
				t.Errorf("retry code = %q", c)
			}
		})
		t.Run("ClearCompleted", func(t *testing.T) {
			done := a.Create("alice", map[string]any{"title": "done"})
			a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": done["id"]}).NoErrors(t)
			a.Create("alice", map[string]any{"title": "pending"})
			r := a.Do("alice", `mutation { clearCompletedTasks { deletedTaskIds count } }`, nil).NoErrors(t)
			ids := apitest.Path(r.Data, "clearCompletedTasks", "deletedTaskIds").([]any)
			if apitest.Path(r.Data, "clearCompletedTasks", "count") != float64(1) || len(ids) != 1 || ids[0] != done["id"] {
				t.Errorf("data = %v", r.Data)
			}
		})
	})
}

func TestCreateTaskUserErrors(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		tags := []any{"ok", "", strings.Repeat("x", 33), "fine"}
		r := a.Do("alice", apitest.CreateTask, map[string]any{"input": map[string]any{
			"title": "   ", "description": strings.Repeat("d", 1001), "tags": tags, "idempotencyKey": strings.Repeat("k", 101),
		}}).NoErrors(t)
		if apitest.Path(r.Data, "createTask", "task") != nil || apitest.Path(r.Data, "createTask", "taskEdge") != nil {
			t.Errorf("task returned with userErrors: %v", r.Data)
		}
		got := map[string]string{}
		for _, e := range apitest.Path(r.Data, "createTask", "userErrors").([]any) {
			var field []string
			for _, f := range apitest.Path(e, "field").([]any) {
				field = append(field, f.(string))
			}
			got[strings.Join(field, ".")] = apitest.Str(apitest.Path(e, "code"))
		}
		want := map[string]string{
			"input.title": "BLANK", "input.description": "TOO_LONG", "input.tags.1": "BLANK", "input.tags.2": "TOO_LONG",
			"input.idempotencyKey": "TOO_LONG",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("userErrors[%s] = %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		if n := a.Do("alice", `{ tasks { totalCount } }`, nil).NoErrors(t); apitest.Path(n.Data, "tasks", "totalCount") != float64(0) {
			t.Errorf("invalid input wrote a task")
		}
		eleven := make([]any, 11)
		for i := range eleven {
			eleven[i] = string(rune('a' + i))
		}
		r = a.Do("alice", apitest.CreateTask, map[string]any{"input": map[string]any{"title": "t", "tags": eleven}}).NoErrors(t)
		if e := apitest.Path(r.Data, "createTask", "userErrors", 0); apitest.Path(e, "code") != "TOO_MANY" || apitest.Path(e, "field", 1) != "tags" {
			t.Errorf("eleven tags: %v", r.Data)
		}
	})
}

func TestIdempotentCreate(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		input := map[string]any{"title": "once", "idempotencyKey": "key-1"}
		first := a.Create("alice", input)
		a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {title: "renamed"}) { task { id } } }`, map[string]any{"id": first["id"]}).NoErrors(t)
		again := a.Create("alice", input)
		if again["id"] != first["id"] || again["title"] != "renamed" {
			t.Errorf("replay = %v, want the first task as it is now", again)
		}
		other := a.Create("bob", input)
		if other["id"] == first["id"] {
			t.Errorf("keys must be per user")
		}
		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": first["id"]}).NoErrors(t)
		r := a.Do("alice", apitest.CreateTask, map[string]any{"input": input})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("replay after delete: %+v", r)
		}
	})
}

// TestIsolation checks every operation that takes an id: another user's task must look exactly like a random id,
// and stay unchanged.
func TestIsolation(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		owned := a.Create("alice", map[string]any{"title": "alice's", "tags": []any{"secret"}, "dueAt": "2020-01-01T00:00:00Z"})
		done := a.Create("alice", map[string]any{"title": "alice's done"})
		a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": done["id"]}).NoErrors(t)
		foreign := apitest.Str(owned["id"])
		missing := base64.RawURLEncoding.EncodeToString([]byte("Task:0193a0f2-7e5c-7bbb-8000-000000000000"))
		malformed := "not-an-id"

		mutations := map[string]string{
			"updateTask":       `mutation($id: ID!) { updateTask(id: $id, input: {title: ""}) { task { id } userErrors { code } } }`,
			"setTaskCompleted": `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`,
			"deleteTask":       `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`,
		}
		for name, q := range mutations {
			t.Run(name, func(t *testing.T) {
				var messages []string
				for _, id := range []string{foreign, missing, malformed} {
					r := a.Do("bob", q, map[string]any{"id": id})
					if r.Code(t) != "NOT_FOUND" || apitest.Path(r.Data, name) != nil {
						t.Errorf("id %s: %+v", id, r)
					}
					messages = append(messages, r.Errors[0].Message)
				}
				if messages[0] != messages[1] || messages[1] != messages[2] {
					t.Errorf("messages differ: %q", messages)
				}
			})
		}
		t.Run("Reads", func(t *testing.T) {
			for _, id := range []string{foreign, missing, malformed} {
				r := a.Do("bob", `query($id: ID!) { task(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id } }`,
					map[string]any{"id": id}).NoErrors(t)
				if apitest.Path(r.Data, "task") != nil || apitest.Path(r.Data, "node") != nil || apitest.Path(r.Data, "nodes", 0) != nil {
					t.Errorf("id %s: %v", id, r.Data)
				}
			}
		})
		t.Run("ListsCountsStatsAndTags", func(t *testing.T) {
			a.Create("bob", map[string]any{"title": "bob's"})
			a.Do("bob", `mutation { clearCompletedTasks { count } }`, nil).NoErrors(t)
			r := a.Do("bob", `{ tasks(filter: {search: "alice"}) { totalCount nodes { id } }
				all: tasks { totalCount } taskStats { total completed overdue byTag { tag } } tags { tag } }`, nil).NoErrors(t)
			if apitest.Path(r.Data, "tasks", "totalCount") != float64(0) || apitest.Path(r.Data, "all", "totalCount") != float64(1) ||
				apitest.Path(r.Data, "taskStats", "total") != float64(1) || apitest.Path(r.Data, "taskStats", "overdue") != float64(0) ||
				len(apitest.Path(r.Data, "taskStats", "byTag").([]any)) != 0 || len(apitest.Path(r.Data, "tags").([]any)) != 0 {
				t.Errorf("bob sees alice's tasks: %v", r.Data)
			}
		})
		t.Run("OwnerTasksUnchanged", func(t *testing.T) {
			r := a.Do("alice", `query($a: ID!, $b: ID!) { a: task(id: $a) { title completed } b: task(id: $b) { completed } }`,
				map[string]any{"a": foreign, "b": done["id"]}).NoErrors(t)
			if apitest.Path(r.Data, "a", "title") != "alice's" || apitest.Path(r.Data, "a", "completed") != false || apitest.Path(r.Data, "b", "completed") != true {
				t.Errorf("alice's tasks changed: %v", r.Data)
			}
		})
	})
}

func TestPaginationThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		var created []string
		for i := 0; i < 7; i++ {
			created = append(created, apitest.Str(a.Create("alice", map[string]any{"title": "t"})["id"]))
		}
		q := `query($first: Int, $after: String, $last: Int, $before: String) {
			tasks(first: $first, after: $after, last: $last, before: $before) {
				edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`
		var seen []string
		vars := map[string]any{"first": 3}
		for {
			r := a.Do("alice", q, vars).NoErrors(t)
			for _, e := range apitest.Path(r.Data, "tasks", "edges").([]any) {
				seen = append(seen, apitest.Str(apitest.Path(e, "node", "id")))
			}
			if apitest.Path(r.Data, "tasks", "totalCount") != float64(7) {
				t.Fatalf("totalCount = %v", apitest.Path(r.Data, "tasks", "totalCount"))
			}
			if apitest.Path(r.Data, "tasks", "pageInfo", "hasNextPage") != true {
				break
			}
			vars = map[string]any{"first": 3, "after": apitest.Path(r.Data, "tasks", "pageInfo", "endCursor")}
		}
		if len(seen) != 7 {
			t.Fatalf("saw %d tasks", len(seen))
		}
		for i := range seen {
			if seen[i] != created[len(created)-1-i] {
				t.Fatalf("default order is not newest first: %v vs %v", seen, created)
			}
		}
		for _, bad := range []map[string]any{{"first": 0}, {"first": 101}, {"last": -1}, {"first": 1, "last": 1}, {"after": "bogus"}} {
			r := a.Do("alice", q, bad)
			if r.Code(t) != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] == nil {
				t.Errorf("%v: %+v", bad, r.Errors)
			}
		}
		// A cursor of another order is refused.
		r := a.Do("alice", `{ tasks(orderBy: {field: TITLE, direction: ASC}, first: 1) { pageInfo { endCursor } } }`, nil).NoErrors(t)
		cursor := apitest.Path(r.Data, "tasks", "pageInfo", "endCursor")
		if r := a.Do("alice", q, map[string]any{"first": 1, "after": cursor}); r.Code(t) != "BAD_USER_INPUT" {
			t.Errorf("foreign cursor accepted")
		}
		// createTask's edge cursor belongs to the default order.
		created8 := a.Do("alice", apitest.CreateTask, map[string]any{"input": map[string]any{"title": "eighth"}}).NoErrors(t)
		edgeCursor := apitest.Path(created8.Data, "createTask", "taskEdge", "cursor")
		next := a.Do("alice", q, map[string]any{"first": 1, "after": edgeCursor}).NoErrors(t)
		if apitest.Path(next.Data, "tasks", "edges", 0, "node", "id") != created[6] {
			t.Errorf("the edge cursor does not continue the default list: %v", next.Data)
		}
	})
}
