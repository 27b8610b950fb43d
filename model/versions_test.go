package model_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

// Versions, ifVersion, completedBy and history: the tests of several hands on one task.

// conflict returns the task a *model.ConflictError carries, failing the test when err is not one.
func conflict(t testing.TB, err error) *model.Task {
	t.Helper()
	var c *model.ConflictError
	if !errors.As(err, &c) || !errors.Is(err, model.ErrConflict) || c.Current == nil {
		t.Fatalf("error = %v, want *model.ConflictError with the current task", err)
	}
	return c.Current
}

func TestVersionCountsCommittedChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		task := e.create(t, "alice", model.CreateTaskInput{Title: "a"})
		if task.Version != 1 || e.get(t, "alice", task.ID).Version != 1 {
			t.Fatalf("a new task is at version %d", task.Version)
		}
		e.clock.Advance(time.Second)
		got, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Title: model.Some("b")})
		if err != nil || got.Version != 2 || e.get(t, "alice", task.ID).Version != 2 {
			t.Fatalf("after a change: %+v, %v", got, err)
		}
		// A no-op writes nothing and keeps the version.
		got, _, err = e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Title: model.Some("b")})
		if err != nil || got.Version != 2 || e.get(t, "alice", task.ID).Version != 2 {
			t.Fatalf("after a no-op: %+v, %v", got, err)
		}
		if got, _, err = e.store.SetTaskCompleted(ctx, "alice", task.ID, true); err != nil || got.Version != 3 {
			t.Fatalf("after completing: %+v, %v", got, err)
		}
		if got, _, err = e.store.SetTaskCompleted(ctx, "alice", task.ID, true); err != nil || got.Version != 3 {
			t.Fatalf("after completing again: %+v, %v", got, err)
		}
		// The events carry the version the change committed.
		events := e.feedOf(t, "alice")
		var versions []int
		for _, ev := range events {
			versions = append(versions, ev.Task.Version)
		}
		if !slices.Equal(versions, []int{1, 2, 3}) {
			t.Errorf("the events carry versions %v, want [1 2 3]", versions)
		}
	})
}

func TestIfVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})

		t.Run("OK", func(t *testing.T) {
			got, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{Title: model.Some("b"), IfVersion: ptr(1)})
			if err != nil || got.Version != 2 || got.Title != "b" {
				t.Fatalf("update at the right version: %+v, %v", got, err)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			before := e.cursor(t, "alice")
			_, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Title: model.Some("c"), IfVersion: ptr(1)})
			if current := conflict(t, err); current.Version != 2 || current.Title != "b" {
				t.Errorf("the conflict carries %+v, want the task at version 2", current)
			}
			if got := e.get(t, "alice", task.ID); got.Title != "b" || got.Version != 2 {
				t.Errorf("a conflicting update wrote: %+v", got)
			}
			if k := e.kindsAfter(t, "alice", before); len(k) != 0 {
				t.Errorf("a conflicting update emitted %v", k)
			}
		})
		t.Run("SetTaskCompletedConflict", func(t *testing.T) {
			_, _, err := e.store.SetTaskCompletedIf(ctx, "bob", task.ID, true, ptr(7))
			if current := conflict(t, err); current.Version != 2 || current.Completed {
				t.Errorf("the conflict carries %+v", current)
			}
			if got := e.get(t, "bob", task.ID); got.Completed || got.Version != 2 {
				t.Errorf("a conflicting completion wrote: %+v", got)
			}
			got, _, err := e.store.SetTaskCompletedIf(ctx, "bob", task.ID, true, ptr(2))
			if err != nil || !got.Completed || got.Version != 3 {
				t.Errorf("completion at the right version: %+v, %v", got, err)
			}
		})
		t.Run("NonMemberGetsNotFound", func(t *testing.T) {
			// carol cannot see the task: a wrong version tells her nothing more than a missing task.
			for _, v := range []int{1, 3} {
				_, _, err := e.store.UpdateTask(ctx, "carol", task.ID, model.TaskPatch{Title: model.Some("x"), IfVersion: ptr(v)})
				if !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrConflict) {
					t.Errorf("carol's update with ifVersion %d: %v, want ErrNotFound", v, err)
				}
				if _, _, err := e.store.SetTaskCompletedIf(ctx, "carol", task.ID, false, ptr(v)); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("carol's completion with ifVersion %d: %v, want ErrNotFound", v, err)
				}
			}
		})
		t.Run("ViewerGetsForbidden", func(t *testing.T) {
			e.share(t, "alice", l.ID, "dave", model.ListRoleViewer)
			_, _, err := e.store.UpdateTask(ctx, "dave", task.ID, model.TaskPatch{Title: model.Some("x"), IfVersion: ptr(1)})
			if !errors.Is(err, model.ErrForbidden) {
				t.Errorf("a VIEWER's update with a stale ifVersion: %v, want ErrForbidden", err)
			}
		})
	})
}

// TestIfVersionRace races n updates with the same ifVersion: exactly one lands, every other is refused with the
// task at the winner's version.
func TestIfVersionRace(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "start", ListID: &l.ID})
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			user := []string{"alice", "bob"}[i%2]
			wg.Go(func() {
				_, _, errs[i] = e.store.UpdateTask(ctx, user, task.ID,
					model.TaskPatch{Title: model.Some("title " + strconv.Itoa(i)), IfVersion: ptr(1)})
			})
		}
		wg.Wait()
		winners := 0
		final := e.get(t, "alice", task.ID)
		for i, err := range errs {
			if err == nil {
				winners++
				if final.Title != "title "+strconv.Itoa(i) {
					t.Errorf("winner %d, but the title is %q", i, final.Title)
				}
				continue
			}
			if current := conflict(t, err); current.Version != 2 || current.Title != final.Title {
				t.Errorf("loser %d saw %q at version %d, want %q at 2", i, current.Title, current.Version, final.Title)
			}
		}
		if winners != 1 || final.Version != 2 {
			t.Errorf("%d winners, final version %d; want 1 winner at version 2", winners, final.Version)
		}
	})
}

func TestCompletedBy(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		if task.CompletedBy != nil {
			t.Fatalf("a pending task was completed by %q", *task.CompletedBy)
		}
		got, _, err := e.store.SetTaskCompleted(ctx, "bob", task.ID, true)
		if err != nil || got.CompletedBy == nil || *got.CompletedBy != "bob" {
			t.Fatalf("completed by bob: %+v, %v", got, err)
		}
		if read := e.get(t, "alice", task.ID); read.CompletedBy == nil || *read.CompletedBy != "bob" {
			t.Errorf("alice reads completedBy %v", read.CompletedBy)
		}
		// Completing again is a no-op: bob stays who completed it.
		if got, _, _ := e.store.SetTaskCompleted(ctx, "alice", task.ID, true); got.CompletedBy == nil || *got.CompletedBy != "bob" {
			t.Errorf("after alice completes it again: %v", got.CompletedBy)
		}
		got, _, err = e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Completed: model.Some(false)})
		if err != nil || got.CompletedBy != nil || e.get(t, "bob", task.ID).CompletedBy != nil {
			t.Errorf("reopened: %+v, %v", got, err)
		}
	})
}

// history returns the user's history of a task as "KIND actor field,field", newest first, failing on an error.
func (e *env) history(t testing.TB, userID string, task *model.Task) []string {
	t.Helper()
	page, err := e.store.TaskHistory(ctx, userID, task.ID, model.MaxHistoryPageSize, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range page.Changes {
		actor := "-"
		if c.ActorID != nil {
			actor = *c.ActorID
		}
		out = append(out, string(c.Kind)+" "+actor+" "+strings.Join(c.Fields, ","))
	}
	return out
}

func TestHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		other := e.newList(t, "alice", "Other")
		e.share(t, "alice", other.ID, "bob", model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		due := start.Add(24 * time.Hour)
		steps := []struct {
			user  string
			patch model.TaskPatch
		}{
			{"bob", model.TaskPatch{Title: model.Some("b")}},
			{"alice", model.TaskPatch{DueAt: model.Some(due), Title: model.Some("c")}},
			{"alice", model.TaskPatch{Title: model.Some("c")}}, // a no-op: no change in the history
			{"bob", model.TaskPatch{Completed: model.Some(true)}},
			{"alice", model.TaskPatch{ListID: model.Some(other.ID)}},
			{"bob", model.TaskPatch{Reminders: model.Some([]model.ReminderInput{{MinutesBefore: ptr(10)}})}},
		}
		for _, s := range steps {
			e.clock.Advance(time.Second)
			if _, _, err := e.store.UpdateTask(ctx, s.user, task.ID, s.patch); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{
			"UPDATED bob reminders",
			"UPDATED alice list,position",
			"UPDATED bob completed,completedAt,completedBy",
			"UPDATED alice title,dueAt",
			"UPDATED bob title",
			"CREATED alice ",
		}
		for _, u := range []string{"alice", "bob"} {
			if got := e.history(t, u, task); !slices.Equal(got, want) {
				t.Errorf("%s's history:\n got %q\nwant %q", u, got, want)
			}
		}

		t.Run("Paged", func(t *testing.T) {
			var got []string
			var after *string
			for range 10 {
				page, err := e.store.TaskHistory(ctx, "bob", task.ID, 4, after)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Changes) > 4 || page.HasNextPage && len(page.Changes) != 4 {
					t.Errorf("a page of %d, hasNextPage %v", len(page.Changes), page.HasNextPage)
				}
				for _, c := range page.Changes {
					got = append(got, string(c.Kind)+" "+*c.ActorID+" "+strings.Join(c.Fields, ","))
				}
				if !page.HasNextPage {
					break
				}
				after = &page.EndCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged by 4:\n got %q\nwant %q", got, want)
			}
		})
		t.Run("BadInput", func(t *testing.T) {
			for _, first := range []int{0, -1, model.MaxHistoryPageSize + 1} {
				var in *model.InputError
				if _, err := e.store.TaskHistory(ctx, "bob", task.ID, first, nil); !errors.As(err, &in) || in.Field != "first" {
					t.Errorf("first %d: %v", first, err)
				}
			}
			for _, after := range []string{"", "!!", "aGlzdG9yeTp4", "eyJoIjoxfQ"} {
				var in *model.InputError
				if _, err := e.store.TaskHistory(ctx, "bob", task.ID, 5, &after); !errors.As(err, &in) || in.Field != "after" {
					t.Errorf("after %q: %v", after, err)
				}
			}
		})
		t.Run("OnlyWhileVisible", func(t *testing.T) {
			// carol joins the list the task is in now: she sees what happened there since, nothing before.
			e.share(t, "alice", other.ID, "carol", model.ListRoleEditor)
			e.clock.Advance(time.Second)
			if _, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Priority: model.Some(model.PriorityHigh)}); err != nil {
				t.Fatal(err)
			}
			if got := e.history(t, "carol", task); !slices.Equal(got, []string{"UPDATED alice priority"}) {
				t.Errorf("carol's history: %q", got)
			}
			// bob leaves the first list: what happened while the task was there drops out of his history.
			if _, err := e.store.RemoveListMember(ctx, "bob", l.ID, "bob"); err != nil {
				t.Fatal(err)
			}
			want := []string{"UPDATED alice priority", "UPDATED bob reminders", "UPDATED alice list,position"}
			if got := e.history(t, "bob", task); !slices.Equal(got, want) {
				t.Errorf("bob's history after leaving the first list:\n got %q\nwant %q", got, want)
			}
			// Removed from the list the task is in, bob sees none of it.
			if _, err := e.store.RemoveListMember(ctx, "alice", other.ID, "bob"); err != nil {
				t.Fatal(err)
			}
			if got := e.history(t, "bob", task); len(got) != 0 {
				t.Errorf("bob's history after his removal: %q", got)
			}
		})
	})
}

// TestTaskHistories reads the histories of several tasks in one call: each gets the page TaskHistory gives it
// alone, a task the user cannot see and a missing one get empty pages, and the page arguments apply to each.
func TestTaskHistories(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		b := e.create(t, "bob", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		carols := e.create(t, "carol", model.CreateTaskInput{Title: "carol's"})
		for i := range 3 {
			e.clock.Advance(time.Second)
			if _, _, err := e.store.UpdateTask(ctx, "bob", a.ID, model.TaskPatch{Title: model.Some("a" + strconv.Itoa(i))}); err != nil {
				t.Fatal(err)
			}
		}
		ids := []uuid.UUID{a.ID, carols.ID, b.ID, uuid.New(), a.ID}
		for _, first := range []int{1, 2, 10} {
			pages, err := e.store.TaskHistories(ctx, "alice", ids, first, nil)
			if err != nil || len(pages) != len(ids) {
				t.Fatalf("TaskHistories(first %d) = %d pages, %v", first, len(pages), err)
			}
			for i, id := range ids {
				alone, err := e.store.TaskHistory(ctx, "alice", id, first, nil)
				if err != nil {
					t.Fatal(err)
				}
				if describeHistory(pages[i]) != describeHistory(alone) {
					t.Errorf("first %d, task %d: together %s, alone %s", first, i, describeHistory(pages[i]), describeHistory(alone))
				}
			}
			if len(pages[1].Changes) != 0 || len(pages[3].Changes) != 0 {
				t.Errorf("first %d: carol's task or a missing one has a history for alice", first)
			}
			if want := min(first, 4); len(pages[0].Changes) != want || pages[0].HasNextPage != (first < 4) {
				t.Errorf("first %d: a's page %s", first, describeHistory(pages[0]))
			}
		}
		// After a cursor: the same position applies to every task.
		page, err := e.store.TaskHistory(ctx, "alice", a.ID, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		pages, err := e.store.TaskHistories(ctx, "alice", []uuid.UUID{a.ID, b.ID}, 10, &page.EndCursor)
		if err != nil || len(pages[0].Changes) != 2 || pages[0].Changes[1].Kind != model.TaskEventCreated {
			t.Errorf("after the cursor: %v, %v", pages, err)
		}
		if _, err := e.store.TaskHistories(ctx, "alice", ids, 0, nil); err == nil {
			t.Error("first 0 was taken")
		}
	})
}

func describeHistory(p *model.TaskHistoryPage) string {
	var b strings.Builder
	for _, c := range p.Changes {
		b.WriteString(string(c.Kind) + " " + c.Cursor + " " + strings.Join(c.Fields, ",") + "; ")
	}
	b.WriteString("next " + strconv.FormatBool(p.HasNextPage) + " end " + p.EndCursor)
	return b.String()
}
