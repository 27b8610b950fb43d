package model_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// The hand scan of task rows reads exactly the columns bun maps to Task; a column added to Task must be added to
// it too (until then tasks are read by bun, slower but whole).
func TestTaskColumnsMatchTheModel(t *testing.T) {
	if got := model.ModelTaskColumns(); !slices.Equal(got, model.TaskColumns) {
		t.Errorf("Task's columns are %v; the hand scan reads %v", got, model.TaskColumns)
	}
}

// A page's tasks, read by the hand scan on PostgreSQL and by bun on SQLite, are the tasks as bun reads them one by
// one, every field included, set or null.
func TestListTasksReadsEveryField(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		due := start.Add(48 * time.Hour)
		full := e.create(t, "alice", model.CreateTaskInput{Title: "Ünïcode <b> & \"quotes\"", Description: ptr("Say \\ and \u2028"),
			Priority: model.PriorityHigh, Tags: []string{"work", "a\"b", "ü"}, DueAt: &due})
		if _, _, err := e.store.SetTaskCompleted(ctx, "alice", full.ID, true); err != nil {
			t.Fatal(err)
		}
		// A recurring task, completed: its rule, series and next occurrence (and that occurrence, with its own rule).
		recurring := e.create(t, "alice", model.CreateTaskInput{Title: "weekly", DueAt: &due, Recurrence: &model.RecurrenceInput{
			Frequency: model.RecurrenceFrequencyWeekly, Interval: 1, TimeZone: "Europe/Berlin", Weekdays: []model.Weekday{model.WeekdayMonday}}})
		if _, _, err := e.store.SetTaskCompleted(ctx, "alice", recurring.ID, true); err != nil {
			t.Fatal(err)
		}
		bare := e.create(t, "alice", model.CreateTaskInput{Title: "bare", Priority: model.PriorityLow})
		page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Edges) != 4 {
			t.Fatalf("%d tasks, want 4", len(page.Edges))
		}
		var withRule, withNext bool
		for _, edge := range page.Edges {
			withRule = withRule || edge.Node.Rule != nil
			withNext = withNext || (edge.Node.CompletedRule != nil && edge.Node.NextOccurrenceID != nil && edge.Node.SeriesID != nil)
		}
		if !withRule || !withNext {
			t.Errorf("the series' rule read: %v; the completed occurrence's rule, series and next occurrence: %v", withRule, withNext)
		}
		for _, edge := range page.Edges {
			want := e.get(t, "alice", edge.Node.ID)
			if !reflect.DeepEqual(edge.Node, want) {
				t.Errorf("listed %+v\nread   %+v", edge.Node, want)
			}
		}
		if got := page.Edges[0].Node; got.ID != bare.ID || got.Tags == nil || len(got.Tags) != 0 || got.DueAt != nil {
			t.Errorf("the bare task reads as %+v", got)
		}
	})
}

// The fast path for stored tag arrays agrees with encoding/json wherever it answers, and declines the rest.
func TestParsePlainArray(t *testing.T) {
	for _, in := range []string{
		`[]`, `["work"]`, `["work","home","ü"]`, `["a b","c,d"]`, `["<&>"]`,
		`["a\"b"]`, `["\u00fc"]`, `[ "a" ]`, `["a", "b"]`, `["a",]`, `[,"a"]`, `["a""b"]`, `["a"`, `"a"`, `[1]`,
		"[\"a\x01\"]", "[\"\xff\"]", `[""]`, `["",""]`,
	} {
		got, ok := model.ParsePlainArray([]byte(in))
		var want []string
		jsonErr := json.Unmarshal([]byte(in), &want)
		switch {
		case ok && jsonErr != nil:
			t.Errorf("%s: read as %q, but it is not valid JSON", in, got)
		case ok && !slices.Equal(got, want):
			t.Errorf("%s: read as %q, JSON says %q", in, got, want)
		case ok && got == nil:
			t.Errorf("%s: read as nil, want an empty list", in)
		}
	}
	for _, in := range []string{`[]`, `["work"]`, `["work","home","ü"]`, `["a b","c,d"]`, `[""]`} {
		if _, ok := model.ParsePlainArray([]byte(in)); !ok {
			t.Errorf("%s: declined, though Value writes it so", in)
		}
	}
}

// ListTasks with WithTotalCount gives the count CountTasks gives, wherever the page is (first, past the end, after
// the tasks with a due date, backward); on PostgreSQL the first page and its count are one statement.
func TestListTasksWithTotalCount(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		due := start.Add(24 * time.Hour)
		for i := range 7 {
			in := model.CreateTaskInput{Title: "task " + string(rune('a'+i)), Tags: []string{"work"}}
			if i%2 == 0 {
				in.DueAt = &due
			}
			if i == 6 {
				in.Tags = []string{"home"}
			}
			e.create(t, "alice", in)
		}
		e.create(t, "bob", model.CreateTaskInput{Title: "not alice's", Tags: []string{"work"}})
		work := model.TaskFilter{Tags: []string{"work"}}
		byDue := &model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc}
		list := func(q model.ListQuery) *model.TaskPage {
			t.Helper()
			q.WithTotalCount = true
			page, err := e.store.ListTasks(ctx, "alice", q)
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount == nil {
				t.Fatal("no TotalCount")
			}
			return page
		}
		first := list(model.ListQuery{Filter: work, Order: byDue, First: ptr(2)})
		if *first.TotalCount != 6 {
			t.Errorf("first page: totalCount %d, want 6", *first.TotalCount)
		}
		// Past the tasks with a due date (three of them): the page comes from the second segment.
		second := list(model.ListQuery{Filter: work, Order: byDue, First: ptr(2), After: &first.Edges[1].Cursor})
		third := list(model.ListQuery{Filter: work, Order: byDue, First: ptr(2), After: &second.Edges[1].Cursor})
		end := list(model.ListQuery{Filter: work, Order: byDue, First: ptr(2), After: &third.Edges[1].Cursor})
		back := list(model.ListQuery{Filter: work, Order: byDue, Last: ptr(3), Before: &third.Edges[1].Cursor})
		for name, p := range map[string]*model.TaskPage{"second": second, "third": third, "past the end": end, "backward": back} {
			if *p.TotalCount != 6 {
				t.Errorf("%s page: totalCount %d, want 6", name, *p.TotalCount)
			}
		}
		if len(end.Edges) != 0 {
			t.Errorf("past the end: %d tasks", len(end.Edges))
		}
		none := list(model.ListQuery{Filter: model.TaskFilter{Tags: []string{"nothing"}}})
		if *none.TotalCount != 0 {
			t.Errorf("an empty list: totalCount %d", *none.TotalCount)
		}
		if page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Filter: work}); err != nil || page.TotalCount != nil {
			t.Errorf("without WithTotalCount: TotalCount %v, %v", page.TotalCount, err)
		}

		want := 2 // page and count
		if e.kind == modeltest.Postgres {
			want = 1
		}
		if n := e.statements(t, func(s *model.Store) {
			if _, err := s.ListTasks(ctx, "alice", model.ListQuery{Filter: work, Order: byDue, First: ptr(2), WithTotalCount: true}); err != nil {
				t.Fatal(err)
			}
		}); n != want {
			t.Errorf("the first page with its count ran %d statements, want %d", n, want)
		}
	})
}

// Cursors are written without encoding/json's reflection, in exactly the bytes it would write, for every kind of
// sort value: instants, priorities, no due date, and titles that need escaping or not.
func TestCursorEncodingMatchesJSON(t *testing.T) {
	due := time.Date(2026, 12, 1, 10, 0, 0, 123e6, time.UTC)
	tasks := []*model.Task{
		{ID: uuid.MustParse("0192f5a8-7c3e-7b1a-9d2e-4f6a8b0c1d2e"), TitleFold: "plain title", Priority: model.PriorityHigh,
			CreatedAt: due, UpdatedAt: due.Add(time.Hour), DueAt: &due},
		{ID: uuid.New(), TitleFold: `quote " backslash \ <b> & ünïcode` + "\u2028\x01", Priority: model.PriorityLow,
			CreatedAt: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
	}
	for _, task := range tasks {
		for _, field := range []model.TaskOrderField{model.TaskOrderFieldCreatedAt, model.TaskOrderFieldUpdatedAt,
			model.TaskOrderFieldDueAt, model.TaskOrderFieldPriority, model.TaskOrderFieldTitle} {
			got, want := model.CursorOf(task, field)
			if got != want {
				t.Errorf("%s cursor of %q: %s, json.Marshal writes %s", field, task.TitleFold, got, want)
			}
		}
	}
}

// The feed position a page reflects rides in the page's own statement on PostgreSQL: the dashboard's read with its
// count and its eventCursor is one statement, and gives the cursor TaskEventCursor gives when nothing changes in
// between. A page without rows, which cannot carry it, still gets it (in a read transaction).
func TestListTasksEventCursorInThePageStatement(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		cursor := func(user string) string {
			t.Helper()
			c, err := e.store.TaskEventCursor(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		q := model.ListQuery{Filter: model.TaskFilter{Tags: []string{"work"}}, First: ptr(2), WithTotalCount: true, WithEventCursor: true}
		empty, err := e.store.ListTasks(ctx, "alice", q)
		if err != nil {
			t.Fatal(err)
		}
		if empty.EventCursor != cursor("alice") || len(empty.Edges) != 0 || *empty.TotalCount != 0 {
			t.Errorf("before any task: cursor %q (want %q), %d tasks, count %d", empty.EventCursor, cursor("alice"), len(empty.Edges), *empty.TotalCount)
		}
		for i := range 3 {
			e.create(t, "alice", model.CreateTaskInput{Title: "task " + string(rune('a'+i)), Tags: []string{"work"}})
		}
		e.create(t, "bob", model.CreateTaskInput{Title: "bob's", Tags: []string{"work"}})
		page, err := e.store.ListTasks(ctx, "alice", q)
		if err != nil {
			t.Fatal(err)
		}
		if page.EventCursor != cursor("alice") || page.EventCursor == empty.EventCursor {
			t.Errorf("after three creates: cursor %q, want %q (and not the empty list's %q)", page.EventCursor, cursor("alice"), empty.EventCursor)
		}
		if len(page.Edges) != 2 || *page.TotalCount != 3 {
			t.Errorf("%d tasks, count %d; want 2 of 3", len(page.Edges), *page.TotalCount)
		}

		want := 5 // BEGIN, page, count, feed head, COMMIT
		if e.kind == modeltest.Postgres {
			want = 1
		}
		if n := e.statements(t, func(s *model.Store) {
			if _, err := s.ListTasks(ctx, "alice", q); err != nil {
				t.Fatal(err)
			}
		}); n != want {
			t.Errorf("the page with its count and eventCursor ran %d statements, want %d", n, want)
		}
	})
}
