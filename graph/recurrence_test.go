package graph_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	_ "time/tzdata" // the series' zones must resolve on a machine without a zoneinfo database, as in the server

	"taskapi/internal/apitest"
)

const recurrenceFields = `recurrence { frequency interval weekdays monthDay timeZone count until fromCompletion rrule upcoming(first: 3) }`

const seriesFields = `id title completed dueAt seriesId tags priority ` + recurrenceFields

// The handler runs on the real clock, so these series are due years ahead: completing one is always early, and
// the next occurrence is the schedule's first after its due date.

func TestRecurrenceOverGraphQL(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		createSeries := func(user string, input map[string]any) map[string]any {
			t.Helper()
			r := a.Do(user, `mutation($input: CreateTaskInput!) { createTask(input: $input) {
				task { `+seriesFields+` } userErrors { field code } } }`, map[string]any{"input": input}).NoErrors(t)
			if errs := apitest.Path(r.Data, "createTask", "userErrors").([]any); len(errs) > 0 {
				t.Fatalf("userErrors: %v", errs)
			}
			return apitest.Path(r.Data, "createTask", "task").(map[string]any)
		}
		weekdays := createSeries("alice", map[string]any{
			"title": "stand-up", "tags": []any{"work"}, "priority": "HIGH", "dueAt": "2030-01-07T08:30:00Z", // Monday 09:30 in Berlin
			"recurrence": map[string]any{"frequency": "WEEKLY", "weekdays": []any{"THURSDAY", "MONDAY"}, "timeZone": "Europe/Berlin", "count": 10},
		})
		id := apitest.Str(weekdays["id"])

		t.Run("CreateReadsBackTheRule", func(t *testing.T) {
			want := map[string]any{
				"frequency": "WEEKLY", "interval": 1.0, "weekdays": []any{"MONDAY", "THURSDAY"}, "monthDay": nil,
				"timeZone": "Europe/Berlin", "count": 10.0, "until": nil, "fromCompletion": false,
				"rrule":    "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10",
				"upcoming": []any{"2030-01-10T08:30:00.000Z", "2030-01-14T08:30:00.000Z", "2030-01-17T08:30:00.000Z"},
			}
			if got := weekdays["recurrence"]; !reflect.DeepEqual(got, want) {
				t.Errorf("recurrence\n%v\nwant\n%v", got, want)
			}
			if weekdays["seriesId"] != id {
				t.Errorf("seriesId %v, want the first occurrence's id %s", weekdays["seriesId"], id)
			}
		})

		t.Run("MonthlyOnTheLastDay", func(t *testing.T) {
			task := createSeries("alice", map[string]any{
				"title": "rent", "dueAt": "2030-01-31T09:00:00Z",
				"recurrence": map[string]any{"frequency": "MONTHLY", "monthDay": -1, "timeZone": "UTC"},
			})
			if got := apitest.Path(task, "recurrence", "upcoming"); !reflect.DeepEqual(got, []any{"2030-02-28T09:00:00.000Z", "2030-03-31T09:00:00.000Z", "2030-04-30T09:00:00.000Z"}) {
				t.Errorf("upcoming %v", got)
			}
			if apitest.Path(task, "recurrence", "monthDay") != -1.0 || apitest.Path(task, "recurrence", "weekdays") == nil {
				t.Errorf("recurrence %v", task["recurrence"])
			}
		})

		t.Run("UpcomingOutOfRangeIsBadUserInput", func(t *testing.T) {
			for _, n := range []int{0, 21} {
				r := a.Do("alice", `query($id: ID!, $n: Int!) { task(id: $id) { recurrence { upcoming(first: $n) } } }`,
					map[string]any{"id": id, "n": n})
				if code := r.Code(t); code != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "first" {
					t.Errorf("first: %d gave %s %v", n, code, r.Errors[0].Extensions)
				}
			}
			r := a.Do("alice", `query($id: ID!) { task(id: $id) { recurrence { upcoming(first: 20) } } }`, map[string]any{"id": id}).NoErrors(t)
			if n := len(apitest.Path(r.Data, "task", "recurrence", "upcoming").([]any)); n != 9 {
				t.Errorf("upcoming(first: 20) with count 10 gave %d, want the 9 left", n)
			}
		})

		t.Run("ValidationIsUserErrors", func(t *testing.T) {
			r := a.Do("alice", `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field code message } } }`,
				map[string]any{"input": map[string]any{"title": "bad", "recurrence": map[string]any{
					"frequency": "DAILY", "interval": 0, "weekdays": []any{"MONDAY"}, "monthDay": 3,
					"timeZone": "Mars/Olympus", "count": 1001,
				}}}).NoErrors(t)
			if apitest.Path(r.Data, "createTask", "task") != nil {
				t.Error("a task was created")
			}
			var fields []any
			for _, e := range apitest.Path(r.Data, "createTask", "userErrors").([]any) {
				if apitest.Path(e, "code") != "INVALID" || apitest.Str(apitest.Path(e, "message")) == "" {
					t.Errorf("userError %v", e)
				}
				fields = append(fields, apitest.Path(e, "field"))
			}
			want := []any{
				[]any{"input", "recurrence"}, []any{"input", "recurrence", "interval"}, []any{"input", "recurrence", "weekdays"},
				[]any{"input", "recurrence", "monthDay"}, []any{"input", "recurrence", "timeZone"}, []any{"input", "recurrence", "count"},
			}
			if !reflect.DeepEqual(fields, want) {
				t.Errorf("fields %v\nwant %v", fields, want)
			}
		})

		t.Run("LaxTimeZoneNamesAreInvalid", func(t *testing.T) {
			for _, zone := range []string{"Europe/./Berlin", "Europe//Berlin", "posix/Europe//Berlin"} {
				r := a.Do("alice", `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field code } } }`,
					map[string]any{"input": map[string]any{"title": "lax", "dueAt": "2026-12-03T09:00:00Z",
						"recurrence": map[string]any{"frequency": "DAILY", "timeZone": zone}}}).NoErrors(t)
				errs, _ := apitest.Path(r.Data, "createTask", "userErrors").([]any)
				if apitest.Path(r.Data, "createTask", "task") != nil || len(errs) != 1 || apitest.Path(errs[0], "code") != "INVALID" ||
					!reflect.DeepEqual(apitest.Path(errs[0], "field"), []any{"input", "recurrence", "timeZone"}) {
					t.Errorf("%s: %v", zone, r.Data)
				}
			}
		})

		const complete = `mutation($id: ID!, $c: Boolean!) { setTaskCompleted(id: $id, completed: $c) {
			task { ` + seriesFields + ` } nextOccurrence { ` + seriesFields + ` } } }`
		var next map[string]any
		t.Run("CompletingCreatesTheNextOccurrence", func(t *testing.T) {
			r := a.Do("alice", complete, map[string]any{"id": id, "c": true}).NoErrors(t)
			done := apitest.Path(r.Data, "setTaskCompleted", "task").(map[string]any)
			next, _ = apitest.Path(r.Data, "setTaskCompleted", "nextOccurrence").(map[string]any)
			if done["completed"] != true || done["recurrence"] != nil || done["seriesId"] != id {
				t.Errorf("completed occurrence %v", done)
			}
			if next == nil || next["dueAt"] != "2030-01-10T08:30:00.000Z" || next["seriesId"] != id || next["completed"] != false ||
				next["title"] != "stand-up" || next["priority"] != "HIGH" || !reflect.DeepEqual(next["tags"], []any{"work"}) ||
				apitest.Path(next, "recurrence", "count") != 9.0 || apitest.Path(next, "recurrence", "rrule") != "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=9" {
				t.Fatalf("next occurrence %v", next)
			}
			again := a.Do("alice", complete, map[string]any{"id": id, "c": true}).NoErrors(t)
			if apitest.Path(again.Data, "setTaskCompleted", "nextOccurrence", "id") != next["id"] {
				t.Errorf("a repeated completion gave next %v, want %v", apitest.Path(again.Data, "setTaskCompleted", "nextOccurrence"), next["id"])
			}
		})

		t.Run("IsolatedFromOtherUsers", func(t *testing.T) {
			for _, c := range []bool{true, false} {
				r := a.Do("bob", complete, map[string]any{"id": next["id"], "c": c})
				if r.Code(t) != "NOT_FOUND" {
					t.Errorf("bob completing alice's occurrence: %v", r.Errors)
				}
			}
			r := a.Do("bob", `mutation($id: ID!) { updateTask(id: $id, input: {recurrence: null}) { task { id } } }`, map[string]any{"id": next["id"]})
			if r.Code(t) != "NOT_FOUND" {
				t.Errorf("bob ending alice's series: %v", r.Errors)
			}
			r = a.Do("bob", `{ tasks { totalCount } }`, nil).NoErrors(t)
			if apitest.Path(r.Data, "tasks", "totalCount") != 0.0 {
				t.Errorf("bob sees %v tasks", apitest.Path(r.Data, "tasks", "totalCount"))
			}
		})

		t.Run("ReopeningUndoes", func(t *testing.T) {
			r := a.Do("alice", complete, map[string]any{"id": id, "c": false}).NoErrors(t)
			reopened := apitest.Path(r.Data, "setTaskCompleted", "task").(map[string]any)
			if reopened["completed"] != false || apitest.Path(reopened, "recurrence", "count") != 10.0 ||
				apitest.Path(r.Data, "setTaskCompleted", "nextOccurrence") != nil {
				t.Errorf("reopened %v", r.Data)
			}
			gone := a.Do("alice", `query($id: ID!) { task(id: $id) { id } }`, map[string]any{"id": next["id"]}).NoErrors(t)
			if apitest.Path(gone.Data, "task") != nil {
				t.Errorf("the undone occurrence is still there: %v", gone.Data)
			}
		})

		t.Run("UpdateTaskCompletesAndEnds", func(t *testing.T) {
			r := a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {completed: true}) {
				task { completed } nextOccurrence { id dueAt } userErrors { field } } }`, map[string]any{"id": id}).NoErrors(t)
			nextID := apitest.Path(r.Data, "updateTask", "nextOccurrence", "id")
			if apitest.Path(r.Data, "updateTask", "nextOccurrence", "dueAt") != "2030-01-10T08:30:00.000Z" {
				t.Fatalf("updateTask completing: %v", r.Data)
			}
			r = a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {recurrence: null}) {
				task { recurrence { rrule } seriesId } nextOccurrence { id } userErrors { field } } }`, map[string]any{"id": nextID}).NoErrors(t)
			if apitest.Path(r.Data, "updateTask", "task", "recurrence") != nil || apitest.Path(r.Data, "updateTask", "task", "seriesId") != id ||
				apitest.Path(r.Data, "updateTask", "nextOccurrence") != nil {
				t.Errorf("ending the series: %v", r.Data)
			}
			r = a.Do("alice", `mutation($id: ID!) { updateTask(id: $id, input: {recurrence: {frequency: DAILY, timeZone: "UTC"}, completed: true}) {
				task { id } userErrors { field code } } }`, map[string]any{"id": nextID}).NoErrors(t)
			if got := apitest.Path(r.Data, "updateTask", "userErrors"); !reflect.DeepEqual(got, []any{map[string]any{"field": []any{"input", "recurrence"}, "code": "INVALID"}}) {
				t.Errorf("a recurrence while completing: %v", got)
			}
		})

		t.Run("TheFeedCarriesBothOccurrences", func(t *testing.T) {
			first := createSeries("alice", map[string]any{
				"title": "plants", "dueAt": "2030-03-01T17:00:00Z",
				"recurrence": map[string]any{"frequency": "DAILY", "interval": 3, "timeZone": "Europe/Berlin", "count": 4},
			})
			cursor := apitest.Str(apitest.Path(a.Do("alice", `{ taskEventCursor }`, nil).NoErrors(t).Data, "taskEventCursor"))
			r := a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { nextOccurrence { id } } }`,
				map[string]any{"id": first["id"]}).NoErrors(t)
			next := apitest.Path(r.Data, "setTaskCompleted", "nextOccurrence", "id")
			r = a.Do("alice", `query($after: String!) { taskEvents(after: $after) { events { kind taskId
				task { completed dueAt seriesId recurrence { count } } } } }`, map[string]any{"after": cursor}).NoErrors(t)
			want := []any{
				map[string]any{"kind": "UPDATED", "taskId": first["id"], "task": map[string]any{
					"completed": true, "dueAt": "2030-03-01T17:00:00.000Z", "seriesId": first["id"], "recurrence": nil}},
				map[string]any{"kind": "CREATED", "taskId": next, "task": map[string]any{
					"completed": false, "dueAt": "2030-03-04T17:00:00.000Z", "seriesId": first["id"], "recurrence": map[string]any{"count": 3.0}}},
			}
			if got := apitest.Path(r.Data, "taskEvents", "events"); !reflect.DeepEqual(got, want) {
				t.Errorf("events\n%v\nwant\n%v", got, want)
			}
		})

		t.Run("PlainTasksHaveNone", func(t *testing.T) {
			task := a.Create("alice", map[string]any{"title": "plain"})
			r := a.Do("alice", `query($id: ID!) { task(id: $id) { recurrence { rrule } seriesId } }`, map[string]any{"id": task["id"]}).NoErrors(t)
			if apitest.Path(r.Data, "task", "recurrence") != nil || apitest.Path(r.Data, "task", "seriesId") != nil {
				t.Errorf("plain task: %v", r.Data)
			}
			r = a.Do("alice", `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { nextOccurrence { id } } }`, map[string]any{"id": task["id"]}).NoErrors(t)
			if apitest.Path(r.Data, "setTaskCompleted", "nextOccurrence") != nil {
				t.Errorf("completing a plain task: %v", r.Data)
			}
		})
	})
}

// The example of docs/recurrence.md runs as written.
func TestRecurrenceDocExample(t *testing.T) {
	raw, err := os.ReadFile("../docs/recurrence.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(raw), "```graphql\n")
	doc, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("no GraphQL example in docs/recurrence.md")
	}
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		r := apitest.New(t, kind).Do("alice", doc, nil).NoErrors(t)
		for _, name := range []string{"standUp", "plants", "rent"} {
			if errs := apitest.Path(r.Data, name, "userErrors").([]any); len(errs) > 0 || apitest.Path(r.Data, name, "task", "id") == nil {
				t.Errorf("%s: %v", name, r.Data[name])
			}
		}
		if got := apitest.Path(r.Data, "standUp", "task", "recurrence", "rrule"); got != "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" {
			t.Errorf("stand-up rrule %v", got)
		}
	})
}
