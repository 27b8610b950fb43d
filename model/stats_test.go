package model_test

import (
	"fmt"
	"testing"
	"time"

	"taskapi/model"
)

func TestStats(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("NoTasks", func(t *testing.T) {
			stats, err := e.store.Stats(ctx, "nobody", time.UTC, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := "{Total:0 Completed:0 Pending:0 Overdue:0 DueToday:0 CompletionRate:0 ByPriority:[{Priority:HIGH Count:0} {Priority:MEDIUM Count:0} {Priority:LOW Count:0}] ByTag:[]}"
			if got := fmt.Sprintf("%+v", *stats); got != want {
				t.Errorf("stats = %s\nwant    %s", got, want)
			}
		})

		// Now is 2026-11-25 12:00 UTC, 07:00 in New York and 21:00 in Tokyo.
		const user = "stats"
		ny, _ := time.LoadLocation("America/New_York")
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		at := func(s string) *time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return &tm
		}
		type seed struct {
			priority  model.Priority
			tags      []string
			due       *time.Time
			completed bool
		}
		for _, s := range []seed{
			{model.PriorityHigh, []string{"work", "urgent"}, at("2026-11-25T11:00:00Z"), false}, // overdue; today everywhere
			{model.PriorityHigh, []string{"work"}, at("2026-11-24T23:00:00Z"), false},           // overdue; today in Tokyo only (08:00 there)
			{model.PriorityHigh, nil, at("2026-11-25T18:00:00Z"), false},                        // due later today in UTC and New York; tomorrow in Tokyo
			{model.PriorityLow, []string{"home"}, at("2026-11-25T10:00:00Z"), true},             // completed: neither overdue nor due today
			{model.PriorityLow, []string{"home", "work"}, nil, false},                           // no due date
			{model.PriorityLow, []string{"errand"}, at("2026-11-26T04:59:59.999Z"), false},      // the last millisecond of today in New York
			{model.PriorityLow, []string{"errand", "home"}, at("2026-11-26T05:00:00Z"), false},  // the first of tomorrow in New York
			{model.PriorityLow, []string{"zzz"}, nil, true},
		} {
			task := e.create(t, user, model.CreateTaskInput{Priority: s.priority, Title: "t", Tags: s.tags, DueAt: s.due})
			if s.completed {
				if _, _, err := e.store.SetTaskCompleted(ctx, user, task.ID, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.create(t, "other", model.CreateTaskInput{Title: "theirs", Priority: model.PriorityMedium, Tags: []string{"work"}, DueAt: at("2026-11-25T11:00:00Z")})

		for _, tc := range []struct {
			loc      *time.Location
			dueToday int
		}{{time.UTC, 2}, {ny, 3}, {tokyo, 2}} {
			t.Run("DueTodayIn"+tc.loc.String(), func(t *testing.T) {
				stats, err := e.store.Stats(ctx, user, tc.loc, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("{Total:8 Completed:2 Pending:6 Overdue:2 DueToday:%d CompletionRate:0.25 "+
					"ByPriority:[{Priority:HIGH Count:3} {Priority:MEDIUM Count:0} {Priority:LOW Count:5}] "+
					"ByTag:[{Tag:home Count:3} {Tag:work Count:3} {Tag:errand Count:2} {Tag:urgent Count:1} {Tag:zzz Count:1}]}", tc.dueToday)
				if got := fmt.Sprintf("%+v", *stats); got != want {
					t.Errorf("stats = %s\nwant    %s", got, want)
				}
			})
		}

		t.Run("OneStatement", func(t *testing.T) {
			if n := e.statements(t, func(s *model.Store) {
				if _, err := s.Stats(ctx, user, ny, nil); err != nil {
					t.Fatal(err)
				}
			}); n != 1 {
				t.Errorf("Stats ran %d statements, want 1", n)
			}
		})
	})
}

// TestStatsDueTodayAcrossDST checks that "today" is a calendar day, 23 or 25 hours long when the clocks change.
func TestStatsDueTodayAcrossDST(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ny, _ := time.LoadLocation("America/New_York")
		for _, tc := range []struct {
			name     string
			now      time.Time
			due      []time.Time // all on that day in New York
			tomorrow time.Time
		}{
			{"SpringForward", time.Date(2026, 3, 8, 12, 0, 0, 0, ny),
				[]time.Time{time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 8, 23, 59, 59, 0, ny)},
				time.Date(2026, 3, 9, 0, 0, 0, 0, ny)},
			{"FallBack", time.Date(2026, 11, 1, 12, 0, 0, 0, ny),
				[]time.Time{time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 1, 23, 59, 59, 0, ny)},
				time.Date(2026, 11, 2, 0, 0, 0, 0, ny)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				user := "dst-" + tc.name
				e.clock.Set(tc.now.Add(-48 * time.Hour)) // created earlier, so none is overdue at creation
				for _, due := range append(tc.due, tc.tomorrow) {
					e.create(t, user, model.CreateTaskInput{Title: "t", DueAt: &due})
				}
				e.clock.Set(tc.now)
				stats, err := e.store.Stats(ctx, user, ny, nil)
				if err != nil {
					t.Fatal(err)
				}
				if stats.DueToday != len(tc.due) {
					t.Errorf("dueToday = %d, want %d", stats.DueToday, len(tc.due))
				}
			})
		}
	})
}

func TestTags(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, tags := range [][]string{
			{"b", "Alpha", "ä"}, {"b", "alpha"}, {"B", "c", "Z"}, {"c"}, {"z"},
		} {
			e.create(t, "u", model.CreateTaskInput{Title: "t", Tags: tags})
		}
		e.create(t, "other", model.CreateTaskInput{Title: "t", Tags: []string{"a", "b", "c", "d"}})
		for _, tc := range []struct {
			limit int
			want  string
		}{
			{100, "[{b 3} {alpha 2} {c 2} {z 2} {ä 1}]"},
			{3, "[{b 3} {alpha 2} {c 2}]"},
			{1, "[{b 3}]"},
		} {
			tags, err := e.store.Tags(ctx, "u", tc.limit, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(tags); got != tc.want {
				t.Errorf("Tags(%d) = %s, want %s", tc.limit, got, tc.want)
			}
		}
		if tags, err := e.store.Tags(ctx, "nobody", 10, nil); err != nil || tags == nil || len(tags) != 0 {
			t.Errorf("Tags of nobody = %#v, %v; want an empty list", tags, err)
		}
		// The range of tags(first) is the store's to check, as ListTasks checks first and last.
		for _, limit := range []int{0, -1, model.MaxTagsPage + 1} {
			_, err := e.store.Tags(ctx, "u", limit, nil)
			wantInputError(t, err, "first")
		}
	})
}

func TestTagsLimit(t *testing.T) {
	if n, err := model.TagsLimit(nil); err != nil || n != model.MaxTagsPage {
		t.Errorf("TagsLimit(nil) = %d, %v; want %d", n, err, model.MaxTagsPage)
	}
	for _, first := range []int{1, model.MaxTagsPage} {
		if n, err := model.TagsLimit(&first); err != nil || n != first {
			t.Errorf("TagsLimit(%d) = %d, %v", first, n, err)
		}
	}
	for _, first := range []int{0, model.MaxTagsPage + 1} {
		_, err := model.TagsLimit(&first)
		wantInputError(t, err, "first")
	}
}
