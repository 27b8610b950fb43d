package model_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"taskapi/model"
)

// TestInstantsAtTheEdgesOfTheRange stores tasks whose instants lie at both ends of the years 0001-9999 and reads
// them back every way a client can: nothing a client can store makes a later read fail. Instants outside the range
// are refused before anything is written.
func TestInstantsAtTheEdgesOfTheRange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "edges"
		lowest, highest := model.MinInstant, model.MaxInstant
		e.create(t, user, model.CreateTaskInput{Title: "first instant", Priority: model.PriorityLow, DueAt: &lowest})
		e.create(t, user, model.CreateTaskInput{Title: "last instant", Priority: model.PriorityHigh, DueAt: &highest})
		e.create(t, user, model.CreateTaskInput{Title: "no due date", Priority: model.PriorityMedium})
		// Created and updated at both ends too: the store's clock is the only source of those.
		e.clock.Set(lowest)
		early := e.create(t, user, model.CreateTaskInput{Title: "created at the first instant", Priority: model.PriorityMedium})
		e.clock.Set(highest)
		if _, _, err := e.store.UpdateTask(ctx, user, early.ID, model.TaskPatch{Title: model.Some("updated at the last instant")}); err != nil {
			t.Fatal(err)
		}

		t.Run("EveryOrderBothWays", func(t *testing.T) {
			for _, field := range model.TaskOrderFields {
				for _, dir := range []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc} {
					q := model.ListQuery{Order: &model.TaskOrder{Field: field, Direction: dir}}
					if got := walkForward(t, e.store, user, q, 1); len(got) != 4 {
						t.Errorf("%s %s forward: %d tasks", field, dir, len(got))
					}
					if got := walkBackward(t, e.store, user, q, 1); len(got) != 4 {
						t.Errorf("%s %s backward: %d tasks", field, dir, len(got))
					}
				}
			}
		})
		t.Run("FiltersAtTheEdges", func(t *testing.T) {
			if n := e.count(t, user, model.TaskFilter{DueAfter: &lowest}); n != 2 {
				t.Errorf("dueAfter the first instant: %d", n)
			}
			if n := e.count(t, user, model.TaskFilter{DueBefore: &highest}); n != 1 {
				t.Errorf("dueBefore the last instant: %d", n)
			}
		})
		t.Run("Stats", func(t *testing.T) {
			stats, err := e.store.Stats(ctx, user, time.UTC, nil)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Total != 4 {
				t.Errorf("total = %d", stats.Total)
			}
		})
		t.Run("OutOfRangeIsRefused", func(t *testing.T) {
			for _, due := range []time.Time{lowest.Add(-time.Millisecond), highest.Add(time.Millisecond)} {
				_, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: "x", Priority: model.PriorityLow, DueAt: &due})
				if got := problems(t, err); len(got) != 1 || got[0] != "input.dueAt:INVALID" {
					t.Errorf("create due %s: %v", due, got)
				}
				_, _, err = e.store.UpdateTask(ctx, user, early.ID, model.TaskPatch{DueAt: model.Some(due)})
				if got := problems(t, err); len(got) != 1 || got[0] != "input.dueAt:INVALID" {
					t.Errorf("update due %s: %v", due, got)
				}
				_, err = e.store.CountTasks(ctx, user, model.TaskFilter{DueAfter: &due})
				wantInputError(t, err, "filter.dueAfter")
				_, err = e.store.ListTasks(ctx, user, model.ListQuery{Filter: model.TaskFilter{DueBefore: &due}})
				wantInputError(t, err, "filter.dueBefore")
			}
			if n := e.count(t, user, model.TaskFilter{}); n != 4 {
				t.Errorf("%d tasks after refusals, want 4", n)
			}
		})
	})
}

// TestTextThatNoColumnHolds: a NUL character or invalid UTF-8 in a filter is the client's mistake, answered before
// the database sees it (PostgreSQL refuses such a parameter).
func TestTextThatNoColumnHolds(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, bad := range []string{"a\x00b", "\xff"} {
			_, err := e.store.ListTasks(ctx, "u", model.ListQuery{Filter: model.TaskFilter{Search: &bad}})
			wantInputError(t, err, "filter.search")
			_, err = e.store.CountTasks(ctx, "u", model.TaskFilter{Tags: []string{"ok", bad}})
			wantInputError(t, err, "filter.tags")
		}
	})
}

// TestForgedCursors: cursors are not signed, so a client can write any sort value into one. Values that no task can
// have are refused as malformed cursors rather than reaching the database.
func TestForgedCursors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const user = "forger"
		e.create(t, user, model.CreateTaskInput{Title: "a", Priority: model.PriorityLow})
		forge := func(order *model.TaskOrder, value any) string {
			page, err := e.store.ListTasks(ctx, user, model.ListQuery{Order: order})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.RawURLEncoding.DecodeString(page.Edges[0].Cursor)
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			c["v"] = value
			b, _ := json.Marshal(c)
			return base64.RawURLEncoding.EncodeToString(b)
		}
		byTitle := &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}
		byDue := &model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc}
		cases := map[string]struct {
			order  *model.TaskOrder
			cursor string
		}{
			"Int64Max":     {nil, forge(nil, json.Number("9223372036854775807"))},
			"Int64Min":     {nil, forge(nil, json.Number("-9223372036854775808"))},
			"YearZero":     {byDue, forge(byDue, model.MinInstant.UnixMilli()-1)},
			"YearTenThous": {byDue, forge(byDue, model.MaxInstant.UnixMilli()+1)},
			"NULInTitle":   {byTitle, forge(byTitle, "a\x00")},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := e.store.ListTasks(ctx, user, model.ListQuery{Order: c.order, After: &c.cursor})
				wantInputError(t, err, "after")
				_, err = e.store.ListTasks(ctx, user, model.ListQuery{Order: c.order, Last: ptr(1), Before: &c.cursor})
				wantInputError(t, err, "before")
			})
		}
	})
}
