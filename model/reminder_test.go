package model_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

func minutes(n int) model.ReminderInput  { return model.ReminderInput{MinutesBefore: &n} }
func at(t time.Time) model.ReminderInput { return model.ReminderInput{At: &t} }

// reminders reads a task's reminders through the store, as Task.reminders does.
func (e *env) reminders(t testing.TB, userID string, id uuid.UUID) []*model.Reminder {
	t.Helper()
	rs, err := e.store.Reminders(ctx, userID, []uuid.UUID{id})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func remindAts(rs []*model.Reminder) []time.Time {
	out := make([]time.Time, len(rs))
	for i, r := range rs {
		out[i] = r.RemindAt
	}
	return out
}

// fire runs FireDueReminders on the test's clock, across users as the scheduler does.
func (e *env) fire(t testing.TB) []model.FiredReminder {
	t.Helper()
	fired, err := e.store.FireDueReminders(model.AcrossUsers(ctx), e.clock.Now, 100)
	if err != nil {
		t.Fatal(err)
	}
	return fired
}

func TestReminders(t *testing.T) {
	due := start.Add(24 * time.Hour)
	t.Run("CreateOrderedByRemindAt", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			fixed := start.Add(2 * time.Hour)
			task := e.create(t, "u", model.CreateTaskInput{Title: "r", DueAt: &due,
				Reminders: []model.ReminderInput{minutes(0), at(fixed), minutes(60), minutes(60)}})
			want := []time.Time{fixed, due.Add(-time.Hour), due}
			if got := remindAts(task.Reminders); !slices.Equal(got, want) {
				t.Errorf("returned reminders at %v, want %v (the repeated one dropped)", got, want)
			}
			stored := e.reminders(t, "u", task.ID)
			if got := remindAts(stored); !slices.Equal(got, want) {
				t.Errorf("stored reminders at %v, want %v", got, want)
			}
			if stored[0].MinutesBefore != nil || *stored[1].MinutesBefore != 60 || stored[2].FiredAt != nil {
				t.Errorf("stored %+v %+v %+v", stored[0], stored[1], stored[2])
			}
			if other := e.reminders(t, "someone-else", task.ID); len(other) != 0 {
				t.Errorf("another user reads %d reminders of the task", len(other))
			}
		})
	})
	t.Run("Validation", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			six := []model.ReminderInput{minutes(1), minutes(2), minutes(3), minutes(4), minutes(5), minutes(6)}
			_, err := e.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "r", DueAt: &due, Reminders: six})
			if got := problems(t, err); !slices.Equal(got, []string{"input.reminders:TOO_MANY"}) {
				t.Errorf("six reminders: %v", got)
			}
			_, err = e.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "", Reminders: []model.ReminderInput{
				{}, {MinutesBefore: ptr(5), At: &due}, minutes(-1), minutes(40321), minutes(10), at(due), minutes(40320),
			}})
			want := []string{"input.reminders.0:INVALID", "input.reminders.1:INVALID", "input.reminders.2.minutesBefore:INVALID",
				"input.reminders.3.minutesBefore:INVALID", "input.reminders.4.minutesBefore:INVALID",
				"input.reminders.6.minutesBefore:INVALID", "input.title:BLANK"}
			if got := problems(t, err); !slices.Equal(got, want) {
				t.Errorf("problems %v, want %v", got, want)
			}
			if n := e.count(t, "u", model.TaskFilter{}); n != 0 {
				t.Errorf("%d tasks written", n)
			}
			task := e.create(t, "u", model.CreateTaskInput{Title: "r", DueAt: &due, Reminders: []model.ReminderInput{minutes(30)}})
			_, _, err = e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Null[time.Time]()})
			if got := problems(t, err); !slices.Equal(got, []string{"input.dueAt:INVALID"}) {
				t.Errorf("clearing dueAt under a relative reminder: %v", got)
			}
			_, _, err = e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{Reminders: model.Null[[]model.ReminderInput]()})
			if got := problems(t, err); !slices.Equal(got, []string{"input.reminders:INVALID"}) {
				t.Errorf("null reminders: %v", got)
			}
			_, _, err = e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Null[time.Time](),
				Reminders: model.Some([]model.ReminderInput{minutes(5)}), Title: model.Some(" ")})
			if got := problems(t, err); !slices.Equal(got, []string{"input.reminders.0.minutesBefore:INVALID", "input.title:BLANK"}) {
				t.Errorf("every problem at once: %v", got)
			}
			// Clearing dueAt together with the relative reminders is fine.
			updated, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Null[time.Time](),
				Reminders: model.Some([]model.ReminderInput{at(due)})})
			if err != nil || updated.DueAt != nil || len(updated.Reminders) != 1 || updated.Reminders[0].MinutesBefore != nil {
				t.Errorf("UpdateTask = %+v, %v", updated, err)
			}
		})
	})
	t.Run("UpdateReplacesKeepingWhatIsSentAgain", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			task := e.create(t, "u", model.CreateTaskInput{Title: "r", DueAt: &due,
				Reminders: []model.ReminderInput{minutes(10), minutes(20), at(start.Add(time.Hour))}})
			before := e.reminders(t, "u", task.ID)
			e.clock.Advance(time.Minute)
			updated, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{
				Reminders: model.Some([]model.ReminderInput{at(start.Add(time.Hour)), minutes(15), minutes(10)})})
			if err != nil {
				t.Fatal(err)
			}
			after := e.reminders(t, "u", task.ID)
			if got := remindAts(after); !slices.Equal(got, []time.Time{start.Add(time.Hour), due.Add(-15 * time.Minute), due.Add(-10 * time.Minute)}) {
				t.Fatalf("reminders at %v", got)
			}
			if after[0].ID != before[0].ID || after[2].ID != before[2].ID || after[1].ID == before[1].ID {
				t.Errorf("ids: before %v, after %v; the two sent again must keep theirs", before, after)
			}
			if !updated.UpdatedAt.Equal(start.Add(time.Minute)) || len(updated.Reminders) != 3 {
				t.Errorf("updatedAt %v, %d reminders returned", updated.UpdatedAt, len(updated.Reminders))
			}
			e.clock.Advance(time.Minute)
			same, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{
				Reminders: model.Some([]model.ReminderInput{minutes(10), minutes(15), at(start.Add(time.Hour))})})
			if err != nil || !same.UpdatedAt.Equal(updated.UpdatedAt) {
				t.Errorf("sending the same reminders moved updatedAt: %v, %v", same.UpdatedAt, err)
			}
			if _, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{Reminders: model.Some([]model.ReminderInput{})}); err != nil {
				t.Fatal(err)
			}
			if rs := e.reminders(t, "u", task.ID); len(rs) != 0 {
				t.Errorf("[] left %d reminders", len(rs))
			}
		})
	})
	t.Run("MovedDueDateMovesRelativeOnes", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			fixed := start.Add(time.Hour)
			task := e.create(t, "u", model.CreateTaskInput{Title: "r", DueAt: ptr(start.Add(2 * time.Hour)),
				Reminders: []model.ReminderInput{minutes(60), at(fixed)}})
			ids := []uuid.UUID{task.Reminders[0].ID, task.Reminders[1].ID}
			e.clock.Set(fixed.Add(time.Minute))
			if fired := e.fire(t); len(fired) != 2 {
				t.Fatalf("%d fired, want both", len(fired))
			}
			// The relative one moves into the future and fires again; the fixed one stays fired where it was.
			later := start.Add(5 * time.Hour)
			updated, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Some(later)})
			if err != nil {
				t.Fatal(err)
			}
			rs := e.reminders(t, "u", task.ID)
			if rs[0].ID != ids[1] || !rs[0].RemindAt.Equal(fixed) || rs[0].FiredAt == nil {
				t.Errorf("fixed reminder %+v", rs[0])
			}
			if rs[1].ID != ids[0] || !rs[1].RemindAt.Equal(later.Add(-time.Hour)) || rs[1].FiredAt != nil {
				t.Errorf("relative reminder %+v, want it at %v, same id, not fired", rs[1], later.Add(-time.Hour))
			}
			if !slices.Equal(remindAts(updated.Reminders), remindAts(rs)) {
				t.Errorf("returned %v, stored %v", remindAts(updated.Reminders), remindAts(rs))
			}
			// Moved into the past, it stays fired.
			e.clock.Set(later.Add(-time.Hour))
			if fired := e.fire(t); len(fired) != 1 || fired[0].Reminder.ID != ids[0] {
				t.Fatalf("fired %v, want the moved one", fired)
			}
			if _, _, err := e.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Some(later.Add(-10 * time.Minute))}); err != nil {
				t.Fatal(err)
			}
			if rs := e.reminders(t, "u", task.ID); rs[1].FiredAt == nil {
				t.Errorf("a reminder moved into the past lost its firedAt: %+v", rs[1])
			}
			if fired := e.fire(t); len(fired) != 0 {
				t.Errorf("fired again: %v", fired)
			}
		})
	})
	t.Run("FiresOnceOnlyForPendingTasks", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			soon := start.Add(time.Hour)
			pending := e.create(t, "a", model.CreateTaskInput{Title: "pending", Reminders: []model.ReminderInput{at(soon)}})
			done := e.create(t, "a", model.CreateTaskInput{Title: "done", Reminders: []model.ReminderInput{at(soon)}})
			gone := e.create(t, "b", model.CreateTaskInput{Title: "gone", Reminders: []model.ReminderInput{at(soon)}})
			past := e.create(t, "b", model.CreateTaskInput{Title: "past", Reminders: []model.ReminderInput{at(start.Add(-time.Hour))}})
			if _, _, err := e.store.SetTaskCompleted(ctx, "a", done.ID, true); err != nil {
				t.Fatal(err)
			}
			if err := e.store.DeleteTask(ctx, "b", gone.ID); err != nil {
				t.Fatal(err)
			}
			fired := e.fire(t) // a reminder set in the past fires at once
			if len(fired) != 1 || fired[0].Task.ID != past.ID || fired[0].Task.CreatedBy != "b" || fired[0].Reminder.FiredAt == nil {
				t.Fatalf("fired %+v, want the past one", fired)
			}
			if next, _, err := e.store.NextReminderDue(model.AcrossUsers(ctx), e.clock.Now); err != nil || next == nil || !next.Equal(soon) {
				t.Errorf("next due %v, %v; want %v", next, err, soon)
			}
			e.clock.Set(soon)
			fired = e.fire(t)
			if len(fired) != 1 || fired[0].Task.ID != pending.ID || fired[0].Task.CreatedBy != "a" {
				t.Fatalf("fired %+v, want only the pending task's", fired)
			}
			if r := fired[0].Task.Reminders; len(r) != 1 || r[0].FiredAt == nil || !r[0].FiredAt.Equal(soon) {
				t.Errorf("the fired task's snapshot has reminders %+v, want the fired one", r)
			}
			if again := e.fire(t); len(again) != 0 {
				t.Errorf("fired twice: %+v", again)
			}
			if next, _, err := e.store.NextReminderDue(model.AcrossUsers(ctx), e.clock.Now); err != nil || next != nil {
				t.Errorf("next due %v, %v; want none (the completed task's never fires)", next, err)
			}
			// Reopened, the completed task's reminder, whose time has passed, fires at once.
			if _, _, err := e.store.SetTaskCompleted(ctx, "a", done.ID, false); err != nil {
				t.Fatal(err)
			}
			if fired := e.fire(t); len(fired) != 1 || fired[0].Task.ID != done.ID {
				t.Errorf("after reopening: fired %+v", fired)
			}
		})
	})
}
