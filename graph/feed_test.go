package graph_test

import (
	"slices"
	"testing"

	"taskapi/internal/apitest"
)

const eventFields = `cursor kind taskId at task { id title completed }`

// feed reads the viewer's events after cursor over HTTP.
func feed(a *apitest.API, user, after string) []any {
	a.T.Helper()
	r := a.Do(user, `query($after: String!) { taskEvents(after: $after, first: 500) { events { `+eventFields+` } endCursor hasMore } }`,
		map[string]any{"after": after}).NoErrors(a.T)
	return apitest.Path(r.Data, "taskEvents", "events").([]any)
}

func TestTaskEventsOverHTTP(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		start := a.EventCursor("alice")
		task := a.Create("alice", map[string]any{"title": "first"})
		id := apitest.Str(task["id"])
		a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": id}).NoErrors(t)
		a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": id}).NoErrors(t)
		a.Do("alice", `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id}).NoErrors(t)

		events := feed(a, "alice", start)
		var kinds, cursors []string
		for _, ev := range events {
			kinds = append(kinds, apitest.Str(apitest.Path(ev, "kind")))
			cursors = append(cursors, apitest.Str(apitest.Path(ev, "cursor")))
			if apitest.Path(ev, "taskId") != id || !dateTimeFormat.MatchString(apitest.Str(apitest.Path(ev, "at"))) {
				t.Errorf("event %v: want taskId %s and a DateTime at", ev, id)
			}
		}
		if !slices.Equal(kinds, []string{"CREATED", "UPDATED", "DELETED"}) {
			t.Fatalf("kinds = %q", kinds)
		}
		if apitest.Path(events[0], "task", "title") != "first" || apitest.Path(events[1], "task", "completed") != true || apitest.Path(events[2], "task") != nil {
			t.Errorf("snapshots: %v", events)
		}
		if got := feed(a, "alice", cursors[1]); len(got) != 1 || apitest.Path(got[0], "kind") != "DELETED" {
			t.Errorf("after the second event: %v", got)
		}
		if a.EventCursor("alice") != cursors[2] {
			t.Errorf("taskEventCursor is not the last event's cursor")
		}

		t.Run("EventCursorOfAPage", func(t *testing.T) {
			a.Create("alice", map[string]any{"title": "second"})
			r := a.Do("alice", `{ tasks { nodes { title } eventCursor totalCount } }`, nil).NoErrors(t)
			c := apitest.Str(apitest.Path(r.Data, "tasks", "eventCursor"))
			if c != a.EventCursor("alice") || apitest.Path(r.Data, "tasks", "totalCount") != 1.0 {
				t.Errorf("eventCursor %q, taskEventCursor %q, data %v", c, a.EventCursor("alice"), r.Data)
			}
			a.Create("alice", map[string]any{"title": "third"})
			if got := feed(a, "alice", c); len(got) != 1 || apitest.Path(got[0], "task", "title") != "third" {
				t.Errorf("after the page's eventCursor: %v", got)
			}
			// Through a fragment, too.
			r = a.Do("alice", `{ tasks { ...page } } fragment page on TaskConnection { eventCursor }`, nil).NoErrors(t)
			if apitest.Str(apitest.Path(r.Data, "tasks", "eventCursor")) != a.EventCursor("alice") {
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
