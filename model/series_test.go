package model_test

import (
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the series' zones must resolve on a machine without a zoneinfo database, as in the server

	"github.com/google/uuid"

	"taskapi/model"
)

// instant parses an RFC 3339 instant; the tests write instants with their local offset so that the wall clock shows.
func instant(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var berlinDaily = model.RecurrenceInput{Frequency: model.RecurrenceFrequencyDaily, Interval: 1, TimeZone: "Europe/Berlin"}

// series creates the first occurrence of a series due at due, or fails the test.
func (e *env) series(t testing.TB, userID string, due string, rec model.RecurrenceInput) *model.Task {
	t.Helper()
	d := instant(t, due)
	return e.create(t, userID, model.CreateTaskInput{
		Title: "water the plants", Description: ptr("the big ones"), Priority: model.PriorityHigh,
		Tags: []string{"home", "plants"}, DueAt: &d, Recurrence: &rec,
	})
}

// complete completes a task at the clock's time and returns it and its next occurrence, or fails the test.
func (e *env) complete(t testing.TB, userID string, id uuid.UUID) (task, next *model.Task) {
	t.Helper()
	task, next, err := e.store.SetTaskCompleted(ctx, userID, id, true)
	if err != nil {
		t.Fatalf("SetTaskCompleted: %v", err)
	}
	return task, next
}

// wantDue fails the test unless task is due at want.
func wantDue(t testing.TB, task *model.Task, want string) {
	t.Helper()
	if task == nil {
		t.Fatalf("no task, want one due %s", want)
	}
	if task.DueAt == nil || !task.DueAt.Equal(instant(t, want)) {
		t.Fatalf("due %v, want %s", task.DueAt, want)
	}
}

// wantTasks fails the test unless the user has exactly n tasks.
func wantTasks(t testing.TB, e *env, userID string, n int) {
	t.Helper()
	if got := e.count(t, userID, model.TaskFilter{}); got != n {
		t.Fatalf("%d tasks, want %d", got, n)
	}
}

func TestRecurrenceOnCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("StoredAndReadBack", func(t *testing.T) {
			rec := model.RecurrenceInput{
				Frequency: model.RecurrenceFrequencyWeekly, Interval: 2, TimeZone: "Europe/Berlin",
				Weekdays: []model.Weekday{model.WeekdayThursday, model.WeekdayMonday}, Count: ptr(5),
				Until: ptr(instant(t, "2027-06-30T00:00:00Z")),
			}
			task := e.series(t, "create", "2026-11-30T09:30:00+01:00", rec)
			got := e.get(t, "create", task.ID)
			if got.SeriesID == nil || *got.SeriesID != task.ID {
				t.Errorf("seriesId %v, want the task's own id %v", got.SeriesID, task.ID)
			}
			r := got.Recurrence()
			if r == nil {
				t.Fatal("no recurrence read back")
			}
			if r.Frequency() != model.RecurrenceFrequencyWeekly || r.Interval() != 2 ||
				!slices.Equal(r.Weekdays(), []model.Weekday{model.WeekdayMonday, model.WeekdayThursday}) ||
				r.MonthDay() != nil || r.TimeZone() != "Europe/Berlin" || *r.Count() != 5 ||
				!r.Until().Equal(*rec.Until) || r.FromCompletion() {
				t.Errorf("recurrence read back as %+v", r.Rule)
			}
			if want := "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5"; r.RRULE() != want {
				t.Errorf("rrule %s, want %s", r.RRULE(), want)
			}
			upcoming, err := r.Upcoming(3)
			if err != nil {
				t.Fatal(err)
			}
			want := []time.Time{instant(t, "2026-12-03T09:30:00+01:00"), instant(t, "2026-12-14T09:30:00+01:00"), instant(t, "2026-12-17T09:30:00+01:00")}
			if !slices.EqualFunc(upcoming, want, time.Time.Equal) {
				t.Errorf("upcoming %v, want %v", upcoming, want)
			}
			wantTasks(t, e, "create", 1) // upcoming created nothing
			for _, n := range []int{0, 21} {
				_, err := r.Upcoming(n)
				wantInputError(t, err, "first")
			}
		})

		t.Run("MonthDayReadBackAsTheDefaultDay", func(t *testing.T) {
			task := e.series(t, "monthday", "2026-01-30T23:00:00Z", model.RecurrenceInput{
				Frequency: model.RecurrenceFrequencyMonthly, Interval: 1, TimeZone: "Europe/Berlin"})
			if d := e.get(t, "monthday", task.ID).Recurrence().MonthDay(); d == nil || *d != 31 {
				t.Errorf("monthDay %v, want 31 (Jan 31 in Berlin)", d)
			}
		})

		t.Run("PlainTaskHasNone", func(t *testing.T) {
			task := e.create(t, "plain", model.CreateTaskInput{Title: "plain"})
			if got := e.get(t, "plain", task.ID); got.Recurrence() != nil || got.SeriesID != nil {
				t.Errorf("plain task has recurrence %v, series %v", got.Recurrence(), got.SeriesID)
			}
		})

		t.Run("Invalid", func(t *testing.T) {
			due := instant(t, "2026-12-01T09:00:00Z")
			cases := []struct {
				name string
				in   model.CreateTaskInput
				want []string
			}{
				{"NoDueDate", model.CreateTaskInput{Title: "x", Recurrence: &berlinDaily}, []string{"input.recurrence:INVALID"}},
				{
					"EveryProblemAtOnce",
					model.CreateTaskInput{Title: " ", DueAt: &due, Recurrence: &model.RecurrenceInput{
						Frequency: model.RecurrenceFrequencyDaily, Interval: 1000, TimeZone: "Nowhere/City",
						Weekdays: []model.Weekday{model.WeekdayMonday}, MonthDay: ptr(3), Count: ptr(0),
						Until: ptr(due.Add(-time.Hour)),
					}},
					[]string{
						"input.recurrence.count:INVALID", "input.recurrence.interval:INVALID", "input.recurrence.monthDay:INVALID",
						"input.recurrence.timeZone:INVALID", "input.recurrence.until:INVALID", "input.recurrence.weekdays:INVALID",
						"input.title:BLANK",
					},
				},
				{
					"MonthDayOutOfRange",
					model.CreateTaskInput{Title: "x", DueAt: &due, Recurrence: &model.RecurrenceInput{
						Frequency: model.RecurrenceFrequencyMonthly, Interval: 1, TimeZone: "UTC", MonthDay: ptr(32)}},
					[]string{"input.recurrence.monthDay:INVALID"},
				},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := e.store.CreateTask(ctx, "invalid", c.in)
					if got := problems(t, err); !slices.Equal(got, c.want) {
						t.Errorf("problems %q, want %q", got, c.want)
					}
				})
			}
			wantTasks(t, e, "invalid", 0)
		})
	})
}

func TestCompletingAnOccurrence(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// The clock stands at 2026-11-25 12:00 UTC, 13:00 in Berlin.
		t.Run("LateSkipsTheMissedOnes", func(t *testing.T) {
			first := e.series(t, "late", "2026-11-20T09:00:00+01:00", berlinDaily)
			done, next := e.complete(t, "late", first.ID)
			wantDue(t, next, "2026-11-26T09:00:00+01:00")
			if !done.Completed || done.Recurrence() != nil || done.Rule != nil || *done.SeriesID != first.ID {
				t.Errorf("the completed occurrence: completed %t, recurrence %v, series %v", done.Completed, done.Recurrence(), done.SeriesID)
			}
			stored := e.get(t, "late", next.ID)
			if stored.Title != first.Title || *stored.Description != *first.Description || stored.Priority != first.Priority ||
				!slices.Equal(stored.Tags, first.Tags) || stored.Completed || *stored.SeriesID != first.ID ||
				!stored.CreatedAt.Equal(e.clock.Now()) || stored.Recurrence() == nil {
				t.Errorf("next occurrence %s, series %v, recurrence %v", describe(stored), stored.SeriesID, stored.Recurrence())
			}
			if got := e.get(t, "late", first.ID); got.Recurrence() != nil || !got.Completed {
				t.Errorf("the completed occurrence as stored: %s, recurrence %v", describe(got), got.Recurrence())
			}
			tagged := e.count(t, "late", model.TaskFilter{Tags: []string{"plants"}})
			if tagged != 2 {
				t.Errorf("%d tasks tagged plants, want both occurrences", tagged)
			}
		})

		t.Run("EarlyIsStrictlyAfterTheDueDate", func(t *testing.T) {
			first := e.series(t, "early", "2026-11-30T09:00:00+01:00", berlinDaily)
			_, next := e.complete(t, "early", first.ID)
			wantDue(t, next, "2026-12-01T09:00:00+01:00")
		})

		t.Run("JustAfterLocalMidnight", func(t *testing.T) {
			// 23:30 UTC is 00:30 the next day in Berlin: the local date decides.
			c := &clock{t: instant(t, "2026-11-25T23:30:00Z")}
			s := e.store.WithClock(c.Now)
			first := e.series(t, "midnight", "2026-11-25T09:00:00+01:00", berlinDaily)
			_, next, err := s.SetTaskCompleted(ctx, "midnight", first.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			wantDue(t, next, "2026-11-26T09:00:00+01:00")

			fromCompletion := berlinDaily
			fromCompletion.FromCompletion = true
			first = e.series(t, "midnight", "2026-11-25T09:00:00+01:00", fromCompletion)
			_, next, err = s.SetTaskCompleted(ctx, "midnight", first.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			wantDue(t, next, "2026-11-27T09:00:00+01:00")
		})

		t.Run("FromCompletion", func(t *testing.T) {
			everyThree := model.RecurrenceInput{Frequency: model.RecurrenceFrequencyDaily, Interval: 3, TimeZone: "Europe/Berlin", FromCompletion: true}
			first := e.series(t, "fromcompletion", "2026-11-20T08:15:00+01:00", everyThree)
			_, next := e.complete(t, "fromcompletion", first.ID)
			wantDue(t, next, "2026-11-28T08:15:00+01:00")
			if !next.Recurrence().FromCompletion() {
				t.Error("the next occurrence is not from completion")
			}
		})

		t.Run("CarriesTheRemindersTiedToTheDueDate", func(t *testing.T) {
			due := instant(t, "2026-11-20T09:00:00+01:00")
			rec := berlinDaily
			first := e.create(t, "reminders", model.CreateTaskInput{Title: "pills", DueAt: &due, Recurrence: &rec,
				Reminders: []model.ReminderInput{minutes(30), at(due.Add(-24 * time.Hour))}})
			_, next := e.complete(t, "reminders", first.ID)
			got := e.reminders(t, "reminders", next.ID)
			if len(got) != 1 || got[0].MinutesBefore == nil || *got[0].MinutesBefore != 30 ||
				!got[0].RemindAt.Equal(next.DueAt.Add(-30*time.Minute)) || got[0].FiredAt != nil {
				t.Errorf("the next occurrence's reminders %+v, want one 30 minutes before %v", got, next.DueAt)
			}
			if len(next.Reminders) != 1 {
				t.Errorf("the returned next occurrence has reminders %+v", next.Reminders)
			}
			if kept := e.reminders(t, "reminders", first.ID); len(kept) != 2 {
				t.Errorf("the completed occurrence kept %d reminders, want its 2", len(kept))
			}
		})

		t.Run("TwiceIsIdempotent", func(t *testing.T) {
			first := e.series(t, "twice", "2026-11-25T09:00:00+01:00", berlinDaily)
			done, next := e.complete(t, "twice", first.ID)
			e.clock.Advance(time.Minute)
			again, againNext := e.complete(t, "twice", first.ID)
			if describe(again) != describe(done) {
				t.Errorf("again = %s, want %s", describe(again), describe(done))
			}
			if againNext == nil || againNext.ID != next.ID {
				t.Errorf("the repeated completion gave next %v, want the first one's %v", againNext, next.ID)
			}
			_, withEdit, err := e.store.UpdateTask(ctx, "twice", first.ID, model.TaskPatch{Title: model.Some("edited"), Completed: model.Some(true)})
			if err != nil || withEdit == nil || withEdit.ID != next.ID {
				t.Errorf("a repeated completion with an edit gave next %v, %v; want %v", withEdit, err, next.ID)
			}
			wantTasks(t, e, "twice", 2)
		})

		t.Run("ConcurrentCompletionsCreateOne", func(t *testing.T) {
			first := e.series(t, "concurrent", "2026-11-25T09:00:00+01:00", berlinDaily)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					_, _, err := e.store.SetTaskCompleted(ctx, "concurrent", first.ID, true)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			wantTasks(t, e, "concurrent", 2)
		})

		t.Run("ThroughUpdateTask", func(t *testing.T) {
			first := e.series(t, "update", "2026-11-25T09:00:00+01:00", berlinDaily)
			done, next, err := e.store.UpdateTask(ctx, "update", first.ID, model.TaskPatch{
				Title: model.Some("water the cactus"), Completed: model.Some(true)})
			if err != nil {
				t.Fatal(err)
			}
			wantDue(t, next, "2026-11-26T09:00:00+01:00")
			if !done.Completed || next.Title != "water the cactus" {
				t.Errorf("completed %t, next titled %q; want the patched title carried", done.Completed, next.Title)
			}
		})

		t.Run("CountEndsTheSeries", func(t *testing.T) {
			rec := berlinDaily
			rec.Count = ptr(2)
			first := e.series(t, "count", "2026-11-25T09:00:00+01:00", rec)
			_, second := e.complete(t, "count", first.ID)
			if c := second.Recurrence().Count(); c == nil || *c != 1 {
				t.Fatalf("count of the second %v, want 1", c)
			}
			done, third := e.complete(t, "count", second.ID)
			if third != nil || !done.Completed {
				t.Errorf("the last occurrence created %v", third)
			}
			wantTasks(t, e, "count", 2)
		})

		t.Run("UntilEndsTheSeries", func(t *testing.T) {
			rec := berlinDaily
			rec.Until = ptr(instant(t, "2026-11-27T09:00:00+01:00"))
			first := e.series(t, "until", "2026-11-26T09:00:00+01:00", rec)
			_, second := e.complete(t, "until", first.ID)
			wantDue(t, second, "2026-11-27T09:00:00+01:00") // exactly at until: still due
			_, third := e.complete(t, "until", second.ID)
			if third != nil {
				t.Errorf("an occurrence after until: %s", describe(third))
			}
			wantTasks(t, e, "until", 2)
		})

		t.Run("ListsAndStatsSeeOccurrencesAsPlainTasks", func(t *testing.T) {
			first := e.series(t, "lists", "2026-11-20T09:00:00+01:00", berlinDaily)
			_, next := e.complete(t, "lists", first.ID)
			pending := model.TaskStatusFilterPending
			page, err := e.store.ListTasks(ctx, "lists", model.ListQuery{Filter: model.TaskFilter{Status: &pending}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Edges) != 1 || page.Edges[0].Node.ID != next.ID {
				t.Errorf("pending tasks %v, want the next occurrence", page.Edges)
			}
			stats, err := e.store.Stats(ctx, "lists", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Total != 2 || stats.Completed != 1 || stats.Pending != 1 || stats.Overdue != 0 {
				t.Errorf("stats %+v, want 2 tasks, 1 completed, none overdue", stats)
			}
		})
	})
}

func TestUndoingACompletion(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("ReopeningDeletesTheUntouchedNextOne", func(t *testing.T) {
			rec := berlinDaily
			rec.Count = ptr(3)
			first := e.series(t, "undo", "2026-11-25T09:00:00+01:00", rec)
			before := e.get(t, "undo", first.ID)
			_, next := e.complete(t, "undo", first.ID)
			e.clock.Advance(time.Minute)
			reopened, created, err := e.store.SetTaskCompleted(ctx, "undo", first.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if created != nil {
				t.Errorf("reopening created %v", created)
			}
			_, err = e.store.Task(ctx, "undo", next.ID)
			wantNotFound(t, err)
			got := e.get(t, "undo", first.ID)
			if got.Completed || got.CompletedAt != nil || got.Recurrence() == nil ||
				got.Recurrence().RRULE() != before.Recurrence().RRULE() || *got.Recurrence().Count() != 3 ||
				describe(got) != describe(reopened) {
				t.Errorf("reopened %s with recurrence %v, want the rule back with count 3", describe(got), got.Recurrence())
			}
			// And it can be completed again.
			_, again := e.complete(t, "undo", first.ID)
			wantDue(t, again, "2026-11-26T09:00:00+01:00")
			wantTasks(t, e, "undo", 2)
		})

		t.Run("AChangedNextOneStaysAndTheReopenedIsPlain", func(t *testing.T) {
			first := e.series(t, "changed", "2026-11-25T09:00:00+01:00", berlinDaily)
			_, next := e.complete(t, "changed", first.ID)
			e.clock.Advance(time.Minute)
			if _, _, err := e.store.UpdateTask(ctx, "changed", next.ID, model.TaskPatch{Title: model.Some("edited")}); err != nil {
				t.Fatal(err)
			}
			reopened, _, err := e.store.SetTaskCompleted(ctx, "changed", first.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if reopened.Recurrence() != nil {
				t.Errorf("the reopened occurrence recurs: %v", reopened.Recurrence())
			}
			e.get(t, "changed", next.ID)
			if _, created := e.complete(t, "changed", first.ID); created != nil {
				t.Errorf("completing the plain task again created %s", describe(created))
			}
			wantTasks(t, e, "changed", 2)
		})

		t.Run("AnOlderOneReopensPlain", func(t *testing.T) {
			first := e.series(t, "older", "2026-11-25T09:00:00+01:00", berlinDaily)
			_, second := e.complete(t, "older", first.ID)
			_, third := e.complete(t, "older", second.ID)
			reopened, _, err := e.store.SetTaskCompleted(ctx, "older", first.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if reopened.Recurrence() != nil {
				t.Errorf("the older occurrence recurs again: %v", reopened.Recurrence())
			}
			e.get(t, "older", second.ID)
			if e.get(t, "older", third.ID).Recurrence() == nil {
				t.Error("the pending occurrence lost its recurrence")
			}
			wantTasks(t, e, "older", 3)
		})

		t.Run("ADeletedNextOneReopensPlain", func(t *testing.T) {
			first := e.series(t, "deleted", "2026-11-25T09:00:00+01:00", berlinDaily)
			_, next := e.complete(t, "deleted", first.ID)
			if err := e.store.DeleteTask(ctx, "deleted", next.ID); err != nil {
				t.Fatal(err)
			}
			reopened, _, err := e.store.SetTaskCompleted(ctx, "deleted", first.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if reopened.Recurrence() != nil || reopened.Completed {
				t.Errorf("reopened %s with recurrence %v", describe(reopened), reopened.Recurrence())
			}
		})
	})
}

func TestUpdatingTheRecurrence(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		t.Run("NullEndsTheSeries", func(t *testing.T) {
			first := e.series(t, "end", "2026-11-25T09:00:00+01:00", berlinDaily)
			e.clock.Advance(time.Minute)
			ended, _, err := e.store.UpdateTask(ctx, "end", first.ID, model.TaskPatch{Recurrence: model.Null[model.RecurrenceInput]()})
			if err != nil {
				t.Fatal(err)
			}
			if ended.Recurrence() != nil || e.get(t, "end", first.ID).Recurrence() != nil || *ended.SeriesID != first.ID ||
				!ended.UpdatedAt.Equal(e.clock.Now()) {
				t.Errorf("ended: %s, recurrence %v, series %v", describe(ended), ended.Recurrence(), ended.SeriesID)
			}
			if _, next := e.complete(t, "end", first.ID); next != nil {
				t.Errorf("completing an ended series created %s", describe(next))
			}
		})

		t.Run("OnAPlainTaskStartsASeries", func(t *testing.T) {
			due := instant(t, "2026-11-25T09:00:00+01:00")
			task := e.create(t, "start", model.CreateTaskInput{Title: "plain", DueAt: &due})
			got, _, err := e.store.UpdateTask(ctx, "start", task.ID, model.TaskPatch{Recurrence: model.Some(berlinDaily)})
			if err != nil {
				t.Fatal(err)
			}
			if got.Recurrence() == nil || got.SeriesID == nil || *got.SeriesID != task.ID {
				t.Errorf("recurrence %v, series %v", got.Recurrence(), got.SeriesID)
			}
			if again, _, _ := e.store.UpdateTask(ctx, "start", task.ID, model.TaskPatch{Recurrence: model.Some(berlinDaily)}); !again.UpdatedAt.Equal(got.UpdatedAt) {
				t.Error("setting the same recurrence again moved updatedAt")
			}
		})

		t.Run("MovingTheDueDateKeepsItsTimeOfDay", func(t *testing.T) {
			first := e.series(t, "move", "2026-11-25T09:00:00+01:00", berlinDaily)
			moved, _, err := e.store.UpdateTask(ctx, "move", first.ID, model.TaskPatch{DueAt: model.Some(instant(t, "2026-11-25T10:30:00+01:00"))})
			if err != nil {
				t.Fatal(err)
			}
			upcoming, _ := moved.Recurrence().Upcoming(1)
			if len(upcoming) != 1 || !upcoming[0].Equal(instant(t, "2026-11-26T10:30:00+01:00")) {
				t.Errorf("upcoming after moving to 10:30: %v", upcoming)
			}
		})

		t.Run("Invalid", func(t *testing.T) {
			first := e.series(t, "invalid", "2026-11-25T09:00:00+01:00", berlinDaily)
			until := berlinDaily
			until.Until = ptr(instant(t, "2026-12-01T09:00:00+01:00"))
			withUntil := e.series(t, "invalid", "2026-11-25T09:00:00+01:00", until)
			done := e.series(t, "invalid", "2026-11-25T09:00:00+01:00", berlinDaily)
			done, _ = e.complete(t, "invalid", done.ID)
			cases := []struct {
				name  string
				id    uuid.UUID
				patch model.TaskPatch
				want  []string
			}{
				{"ClearingTheDueDate", first.ID, model.TaskPatch{DueAt: model.Null[time.Time]()}, []string{"input.dueAt:INVALID"}},
				{"DueDateAfterUntil", withUntil.ID, model.TaskPatch{DueAt: model.Some(instant(t, "2026-12-02T09:00:00+01:00"))}, []string{"input.dueAt:INVALID"}},
				{"ClearingTheDueDateWithANewRecurrence", first.ID, model.TaskPatch{DueAt: model.Null[time.Time](), Recurrence: model.Some(berlinDaily)}, []string{"input.recurrence:INVALID"}},
				{"OnACompletedTask", done.ID, model.TaskPatch{Recurrence: model.Some(berlinDaily)}, []string{"input.recurrence:INVALID"}},
				{"WhileCompletingIt", first.ID, model.TaskPatch{Completed: model.Some(true), Recurrence: model.Some(berlinDaily)}, []string{"input.recurrence:INVALID"}},
				{
					"WithOtherProblems", first.ID,
					model.TaskPatch{Title: model.Some(""), Recurrence: model.Some(model.RecurrenceInput{Frequency: model.RecurrenceFrequencyYearly, Interval: 0, TimeZone: "Local"})},
					[]string{"input.recurrence.interval:INVALID", "input.recurrence.timeZone:INVALID", "input.title:BLANK"},
				},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := describe(e.get(t, "invalid", c.id))
					_, _, err := e.store.UpdateTask(ctx, "invalid", c.id, c.patch)
					if got := problems(t, err); !slices.Equal(got, c.want) {
						t.Errorf("problems %q, want %q", got, c.want)
					}
					if after := describe(e.get(t, "invalid", c.id)); after != before {
						t.Errorf("written despite the problems: %s, was %s", after, before)
					}
				})
			}
			wantTasks(t, e, "invalid", 4)
		})
	})
}

func TestSeriesIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.series(t, "owner", "2026-11-25T09:00:00+01:00", berlinDaily)
		_, _, err := e.store.SetTaskCompleted(ctx, "intruder", first.ID, true)
		wantNotFound(t, err)
		// Ownership is checked before input: an invalid recurrence for another user's task is not found.
		_, _, err = e.store.UpdateTask(ctx, "intruder", first.ID, model.TaskPatch{Recurrence: model.Some(model.RecurrenceInput{})})
		wantNotFound(t, err)
		_, _, err = e.store.UpdateTask(ctx, "intruder", first.ID, model.TaskPatch{Recurrence: model.Null[model.RecurrenceInput]()})
		wantNotFound(t, err)
		wantTasks(t, e, "intruder", 0)
		wantTasks(t, e, "owner", 1)
		if e.get(t, "owner", first.ID).Recurrence() == nil || e.get(t, "owner", first.ID).Completed {
			t.Error("another user changed the series")
		}

		// The owner's completion creates the next occurrence for the owner only, and the intruder cannot undo it.
		_, next := e.complete(t, "owner", first.ID)
		_, _, err = e.store.SetTaskCompleted(ctx, "intruder", first.ID, false)
		wantNotFound(t, err)
		_, err = e.store.Task(ctx, "intruder", next.ID)
		wantNotFound(t, err)
		if next.CreatedBy != "owner" {
			t.Errorf("the next occurrence belongs to %q", next.CreatedBy)
		}
		wantTasks(t, e, "owner", 2)
		wantTasks(t, e, "intruder", 0)
	})
}
