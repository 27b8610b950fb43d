package model_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

// The trash and versions rules that TestATrashedTaskLeavesEveryRead, TestTrashRestoreAndPurge and TestIfVersionRace
// leave open: the series' read of the next occurrence, racing completions and restores, and a list deleted with
// its trash.

// TestReopeningDoesNotUndoATrashedOccurrence: completing a recurring task creates its next occurrence, and
// reopening it deletes that occurrence while it is untouched (an undo). An occurrence in the trash is not there for
// the series: the reopen leaves it in the trash, restorable, and the reopened task does not take the series back.
func TestReopeningDoesNotUndoATrashedOccurrence(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.series(t, "alice", "2026-12-01T09:00:00+01:00", berlinDaily)
		_, next := e.complete(t, "alice", first.ID)
		if next == nil {
			t.Fatal("completing created no next occurrence")
		}
		if err := e.store.DeleteTask(ctx, "alice", next.ID); err != nil {
			t.Fatal(err)
		}
		before := e.cursor(t, "alice")
		reopened, created, err := e.store.SetTaskCompleted(ctx, "alice", first.ID, false)
		if err != nil || created != nil {
			t.Fatalf("reopen: %v, created %v", err, created)
		}
		if reopened.Recurrence() != nil {
			t.Errorf("the reopened task took the series back from a trashed occurrence: %v", reopened.Recurrence())
		}
		if got := e.kindsAfter(t, "alice", before); !slices.Equal(got, []string{"UPDATED:water the plants"}) {
			t.Errorf("the reopen emitted %v, want its own UPDATED alone", got)
		}
		page, err := e.store.Trash(ctx, "alice", nil, nil, nil)
		if err != nil || len(page.Edges) != 1 || page.Edges[0].Node.ID != next.ID {
			t.Fatalf("alice's trash after the reopen: %+v, %v", page, err)
		}
		if _, err := e.store.RestoreTask(ctx, "alice", next.ID); err != nil {
			t.Errorf("restoring the occurrence: %v", err)
		}
	})
}

// TestSetTaskCompletedIfVersionRace races n completions with the same ifVersion: exactly one lands, every other
// is refused with the task at the winner's version, and one UPDATED reaches the feed.
func TestSetTaskCompletedIfVersionRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "start", ListID: &l.ID})
		before := e.cursor(t, "alice")
		const n = 8
		errs := make([]error, n)
		users := []string{"alice", "bob"}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, _, errs[i] = e.store.SetTaskCompletedIf(ctx, users[i%2], task.ID, true, ptr(1))
			})
		}
		wg.Wait()
		winners := 0
		final := e.get(t, "alice", task.ID)
		for i, err := range errs {
			if err == nil {
				winners++
				if final.CompletedBy == nil || *final.CompletedBy != users[i%2] {
					t.Errorf("winner %d (%s), but completed by %v", i, users[i%2], final.CompletedBy)
				}
				continue
			}
			if current := conflict(t, err); current.Version != 2 || !current.Completed {
				t.Errorf("loser %d saw %s", i, describe(current))
			}
		}
		if winners != 1 || final.Version != 2 || !final.Completed {
			t.Errorf("%d winners, final %s; want 1 winner, completed at version 2", winners, describe(final))
		}
		if got := e.kindsAfter(t, "alice", before); len(got) != 1 {
			t.Errorf("the race emitted %v, want one UPDATED", got)
		}
	})
}

// TestRacingRestoresRestoreOnce races n restores of one task: one restores it, every other is INVALID (not in the
// trash), the version moves once and one RESTORED reaches the feed: never a second task.
func TestRacingRestoresRestoreOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "milk", ListID: &l.ID})
		if err := e.store.DeleteTask(ctx, "bob", task.ID); err != nil {
			t.Fatal(err)
		}
		before := e.cursor(t, "alice")
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = e.store.RestoreTask(ctx, []string{"alice", "bob"}[i%2], task.ID) })
		}
		wg.Wait()
		restored := 0
		for i, err := range errs {
			if err == nil {
				restored++
				continue
			}
			if got := problems(t, err); !slices.Equal(got, []string{"id:INVALID"}) {
				t.Errorf("restore %d: %v", i, got)
			}
		}
		if restored != 1 {
			t.Errorf("%d restores succeeded, want 1", restored)
		}
		if got := e.kindsAfter(t, "alice", before); !slices.Equal(got, []string{"RESTORED:milk"}) {
			t.Errorf("alice's feed after the race: %v", got)
		}
		if got := e.get(t, "alice", task.ID); got.Version != 3 {
			t.Errorf("version %d after one deletion and one restore, want 3", got.Version)
		}
		if n := e.count(t, "alice", model.TaskFilter{}); n != 1 {
			t.Errorf("alice has %d tasks, want the one", n)
		}
	})
}

// TestNoOpsKeepTheVersion: writes that change nothing keep the version, whatever asks for them, ifVersion included.
func TestNoOpsKeepTheVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		due := start.Add(24 * time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "a", DueAt: &due, Priority: model.PriorityHigh,
			Tags: []string{"x", "y"}})
		for name, patch := range map[string]model.TaskPatch{
			"empty":           {},
			"same title":      {Title: model.Some("a"), IfVersion: ptr(1)},
			"same due":        {DueAt: model.Some(due)},
			"same priority":   {Priority: model.Some(model.PriorityHigh)},
			"same tags":       {Tags: model.Some([]string{"x", "y"})},
			"same completion": {Completed: model.Some(false)},
			"same list":       {ListID: model.Some(model.InboxID("alice"))},
		} {
			e.clock.Advance(time.Second)
			got, _, err := e.store.UpdateTask(ctx, "alice", task.ID, patch)
			if err != nil || got.Version != 1 || !got.UpdatedAt.Equal(task.UpdatedAt) {
				t.Errorf("%s: %v, %v; want version 1, updatedAt unchanged", name, describe(got), err)
			}
		}
		if got, _, err := e.store.SetTaskCompletedIf(ctx, "alice", task.ID, false, ptr(1)); err != nil || got.Version != 1 {
			t.Errorf("reopening a pending task: %v, %v", got, err)
		}
		if got := e.get(t, "alice", task.ID); got.Version != 1 {
			t.Errorf("after the no-ops: version %d", got.Version)
		}
	})
}

// TestRestoreAfterDeleteList: a list's deletion takes its trash with it, so no restore finds the list gone (the
// contract's fallback to the restorer's Inbox does not arise): the trashed task is NOT_FOUND, and no task turns up
// in the Inbox.
func TestRestoreAfterDeleteList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		trashed := e.create(t, "alice", model.CreateTaskInput{Title: "trashed", ListID: &l.ID})
		if err := e.store.DeleteTask(ctx, "bob", trashed.ID); err != nil {
			t.Fatal(err)
		}
		deleted, err := e.store.DeleteList(ctx, "alice", l.ID)
		if err != nil || !slices.Equal(deleted, []uuid.UUID{trashed.ID}) {
			t.Fatalf("DeleteList = %v, %v; want the trashed task named", deleted, err)
		}
		for _, u := range []string{"alice", "bob"} {
			if _, err := e.store.RestoreTask(ctx, u, trashed.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("%s restores a task of a deleted list: %v", u, err)
			}
			if n := e.count(t, u, model.TaskFilter{}); n != 0 {
				t.Errorf("%s has %d tasks after the restore", u, n)
			}
			if page, err := e.store.Trash(ctx, u, nil, nil, nil); err != nil || len(page.Edges) != 0 {
				t.Errorf("%s's trash: %+v, %v", u, page, err)
			}
		}
	})
}
