package graph_test

import (
	"slices"
	"testing"
)

const eventFields = `cursor kind taskId at task { id title completed }`

// feed reads the viewer's events after cursor over HTTP.
func (a *api) feed(user, after string) []any {
	a.T.Helper()
	r := a.Do(user, `query($after: String!) { taskEvents(after: $after, first: 500) { events { `+eventFields+` } endCursor hasMore } }`,
		map[string]any{"after": after}).NoErrors(a.T)
	return path(r.Data, "taskEvents", "events").([]any)
}

func (a *api) eventCursor(user string) string {
	a.T.Helper()
	return str(path(a.Do(user, `{ taskEventCursor }`, nil).NoErrors(a.T).Data, "taskEventCursor"))
}

func TestTaskEventsOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, kind string) {
		a := newAPI(t, kind)
		start := a.eventCursor("alice")
		task := a.Create("alice", map[string]any{"title": "first"})
		id := str(task["id"])
		a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": id}).NoErrors(t)
		a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": id}).NoErrors(t)
		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id}).NoErrors(t)

		events := a.feed("alice", start)
		var kinds, cursors []string
		for _, ev := range events {
			kinds = append(kinds, str(path(ev, "kind")))
			cursors = append(cursors, str(path(ev, "cursor")))
			if path(ev, "taskId") != id || !dateTimeFormat.MatchString(str(path(ev, "at"))) {
				t.Errorf("event %v: want taskId %s and a DateTime at", ev, id)
			}
		}
		if !slices.Equal(kinds, []string{"CREATED", "UPDATED", "DELETED"}) {
			t.Fatalf("kinds = %q", kinds)
		}
		if path(events[0], "task", "title") != "first" || path(events[1], "task", "completed") != true || path(events[2], "task") != nil {
			t.Errorf("snapshots: %v", events)
		}
		if got := a.feed("alice", cursors[1]); len(got) != 1 || path(got[0], "kind") != "DELETED" {
			t.Errorf("after the second event: %v", got)
		}
		if a.eventCursor("alice") != cursors[2] {
			t.Errorf("taskEventCursor is not the last event's cursor")
		}

		t.Run("EventCursorOfAPage", func(t *testing.T) {
			a.Create("alice", map[string]any{"title": "second"})
			r := a.Do("alice", `{ tasks { nodes { title } eventCursor totalCount } }`, nil).NoErrors(t)
			c := str(path(r.Data, "tasks", "eventCursor"))
			if c != a.eventCursor("alice") || path(r.Data, "tasks", "totalCount") != 1.0 {
				t.Errorf("eventCursor %q, taskEventCursor %q, data %v", c, a.eventCursor("alice"), r.Data)
			}
			a.Create("alice", map[string]any{"title": "third"})
			if got := a.feed("alice", c); len(got) != 1 || path(got[0], "task", "title") != "third" {
				t.Errorf("after the page's eventCursor: %v", got)
			}
			// Through a fragment, too.
			r = a.Do("alice", `{ tasks { ...page } } fragment page on TaskConnection { eventCursor }`, nil).NoErrors(t)
			if str(path(r.Data, "tasks", "eventCursor")) != a.eventCursor("alice") {
				t.Errorf("eventCursor through a fragment: %v", r.Data)
			}
		})
		t.Run("BadArguments", func(t *testing.T) {
			for _, tc := range []struct {
				user, query, field string
			}{
				{"alice", `{ taskEvents(after: "nonsense") { endCursor } }`, "after"},
				{"bob", `{ taskEvents(after: "` + start + `") { endCursor } }`, "after"},
				{"alice", `{ taskEvents(after: "` + start + `", first: 0) { endCursor } }`, "first"},
				{"alice", `{ taskEvents(after: "` + start + `", first: 501) { endCursor } }`, "first"},
			} {
				r := a.Do(tc.user, tc.query, nil)
				if r.Code(t) != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != tc.field {
					t.Errorf("%s as %s: %+v, want BAD_USER_INPUT for %s", tc.query, tc.user, r.Errors, tc.field)
				}
			}
			if r := a.Do("", `{ taskEventCursor }`, nil); r.Code(t) != "UNAUTHENTICATED" {
				t.Errorf("without a token: %+v", r.Errors)
			}
		})
		t.Run("SubscriptionOverPlainHTTP", func(t *testing.T) {
			r := a.Do("alice", `subscription { taskEvents { kind } }`, nil)
			if r.Code(t) != "BAD_REQUEST" || r.HasData {
				t.Errorf("a subscription over POST: %+v, want a BAD_REQUEST request error", r)
			}
		})
	})
}
