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

// TestATrashedTaskLeavesEveryRead deletes a task and reads it back through every read of tasks: none shows it,
// while a live task beside it stays; restored, every read shows it again.
func TestATrashedTaskLeavesEveryRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		due := start.Add(2 * time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "milk", Tags: []string{"shop"}, ListID: &l.ID,
			DueAt: &due, Reminders: []model.ReminderInput{{MinutesBefore: ptr(30)}}})
		e.create(t, "alice", model.CreateTaskInput{Title: "bread", ListID: &l.ID})
		cached := e.store.WithReadCache(model.NewReadCache(1 << 20))

		type read struct {
			name  string
			shows func(user string) bool // whether the read shows task
		}
		listed := func(store *model.Store, q model.ListQuery) func(string) bool {
			return func(user string) bool {
				page, err := store.ListTasks(ctx, user, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, edge := range page.Edges {
					if edge.Node.ID == task.ID {
						return true
					}
				}
				return false
			}
		}
		reads := []read{
			{"node", func(u string) bool {
				_, err := e.store.Task(ctx, u, task.ID)
				if err != nil && !errors.Is(err, model.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}},
			{"tasks by id", func(u string) bool {
				got, err := e.store.TasksByID(ctx, u, []uuid.UUID{task.ID})
				if err != nil {
					t.Fatal(err)
				}
				return got[0] != nil
			}},
			{"tasks", listed(e.store, model.ListQuery{})},
			{"tasks by title", listed(e.store, model.ListQuery{Order: &model.TaskOrder{Field: model.TaskOrderFieldTitle, Direction: model.OrderDirectionAsc}})},
			{"tasks of the list", listed(e.store, model.ListQuery{Filter: model.TaskFilter{ListIDs: []uuid.UUID{l.ID}}})},
			{"search", listed(e.store, model.ListQuery{Filter: model.TaskFilter{Search: ptr("mil")}})},
			{"tag filter", listed(e.store, model.ListQuery{Filter: model.TaskFilter{Tags: []string{"shop"}}})},
			{"with total count", func(u string) bool {
				page, err := e.store.ListTasks(ctx, u, model.ListQuery{WithTotalCount: true})
				if err != nil {
					t.Fatal(err)
				}
				return *page.TotalCount == 2
			}},
			{"read cache", listed(cached, model.ListQuery{})},
			{"count", func(u string) bool { return e.count(t, u, model.TaskFilter{}) == 2 }},
			{"pending count", func(u string) bool {
				n, err := e.store.PendingCounts(ctx, u, []uuid.UUID{l.ID})
				if err != nil {
					t.Fatal(err)
				}
				return n[0] == 2
			}},
			{"stats", func(u string) bool {
				s, err := e.store.Stats(ctx, u, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				return s.Total == 2 && len(s.ByTag) == 1
			}},
			{"cached stats", func(u string) bool {
				s, err := cached.Stats(ctx, u, nil, &l.ID)
				if err != nil {
					t.Fatal(err)
				}
				return s.Total == 2
			}},
			{"tags", func(u string) bool {
				tags, err := cached.Tags(ctx, u, 10, nil)
				if err != nil {
					t.Fatal(err)
				}
				return len(tags) == 1
			}},
		}
		check := func(want bool) {
			t.Helper()
			for _, r := range reads {
				for _, u := range []string{"alice", "bob"} {
					if got := r.shows(u); got != want {
						t.Errorf("%s of %s shows the task: %v, want %v", r.name, u, got, want)
					}
				}
			}
		}
		check(true)
		if err := e.store.DeleteTask(ctx, "bob", task.ID); err != nil {
			t.Fatal(err)
		}
		check(false)

		// Its reminder does not fire while it is in the trash, and nothing can change it.
		e.clock.Set(due)
		if fired := e.fire(t); len(fired) != 0 {
			t.Errorf("a trashed task's reminder fired: %+v", fired)
		}
		if next, _, err := e.store.NextReminderDue(model.AcrossUsers(ctx), e.clock.Now); err != nil || next != nil {
			t.Errorf("next reminder of a trashed task: %v, %v", next, err)
		}
		if _, _, err := e.store.SetTaskCompleted(ctx, "alice", task.ID, true); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("completing a trashed task: %v", err)
		}
		if err := e.store.DeleteTask(ctx, "alice", task.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("deleting a trashed task again: %v", err)
		}

		restored, err := e.store.RestoreTask(ctx, "bob", task.ID)
		if err != nil {
			t.Fatal(err)
		}
		if restored.DeletedAt != nil || restored.Title != "milk" || !slices.Equal(restored.Tags, []string{"shop"}) {
			t.Fatalf("restored %s", describe(restored))
		}
		check(true)
		// Its reminders came back with it: alice's, which came due meanwhile, fires now.
		if fired := e.fire(t); len(fired) != 1 || fired[0].Reminder.UserID != "alice" || fired[0].Task.ID != task.ID {
			t.Errorf("after the restore fired %+v", fired)
		}
	})
}

func TestTrashRestoreAndPurge(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor) // bob edits
		e.share(t, "alice", l.ID, "dave", model.ListRoleViewer)
		var ids []uuid.UUID
		for _, title := range []string{"a", "b", "c"} {
			ids = append(ids, e.create(t, "alice", model.CreateTaskInput{Title: title, ListID: &l.ID}).ID)
		}
		own := e.create(t, "carol", model.CreateTaskInput{Title: "carol's"})
		for _, id := range ids {
			e.clock.Advance(time.Minute)
			if err := e.store.DeleteTask(ctx, "alice", id); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.store.DeleteTask(ctx, "carol", own.ID); err != nil {
			t.Fatal(err)
		}

		// Newest deletion first, paged; only for those who may restore.
		page, err := e.store.Trash(ctx, "bob", nil, ptr(2), nil)
		if err != nil || len(page.Edges) != 2 || !page.HasNextPage ||
			page.Edges[0].Node.Title != "c" || page.Edges[1].Node.Title != "b" || page.Edges[0].Node.DeletedAt == nil {
			t.Fatalf("bob's trash: %+v, %v", page, err)
		}
		next, err := e.store.Trash(ctx, "bob", &l.ID, ptr(2), &page.Edges[1].Cursor)
		if err != nil || len(next.Edges) != 1 || next.HasNextPage || next.Edges[0].Node.Title != "a" {
			t.Fatalf("bob's trash, second page: %+v, %v", next, err)
		}
		for _, bad := range []string{"x", "dHJhc2g6eA", page.Edges[0].Cursor + "A"} {
			if _, err := e.store.Trash(ctx, "bob", nil, nil, &bad); err == nil {
				t.Errorf("a malformed cursor %q was taken", bad)
			} else {
				wantInputError(t, err, "after")
			}
		}
		if page, err := e.store.Trash(ctx, "dave", nil, nil, nil); err != nil || len(page.Edges) != 0 {
			t.Errorf("a viewer's trash: %+v, %v", page, err)
		}
		if page, err := e.store.Trash(ctx, "carol", nil, nil, nil); err != nil || len(page.Edges) != 1 {
			t.Errorf("carol's trash: %+v, %v", page, err)
		}
		_, err = e.store.Trash(ctx, "carol", &l.ID, nil, nil)
		wantInputError(t, err, "listId")

		// Restore: a VIEWER may not, a non-member finds nothing, an EDITOR brings it back for every member.
		if _, err := e.store.RestoreTask(ctx, "dave", ids[0]); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("a viewer restores: %v", err)
		}
		if _, err := e.store.RestoreTask(ctx, "carol", ids[0]); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a non-member restores: %v", err)
		}
		if _, err := e.store.RestoreTask(ctx, "bob", uuid.New()); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("restoring a missing task: %v", err)
		}
		before := map[string]string{"alice": e.cursor(t, "alice"), "bob": e.cursor(t, "bob"), "dave": e.cursor(t, "dave"),
			"carol": e.cursor(t, "carol")}
		if _, err := e.store.RestoreTask(ctx, "bob", ids[0]); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"alice", "bob", "dave"} {
			if got := e.kindsAfter(t, u, before[u]); !slices.Equal(got, []string{"RESTORED:a"}) {
				t.Errorf("%s's feed after the restore: %v", u, got)
			}
		}
		if got := e.kindsAfter(t, "carol", before["carol"]); len(got) != 0 {
			t.Errorf("carol's feed after the restore: %v", got)
		}
		// A retried restore, or one of a live task, is no second task.
		_, err = e.store.RestoreTask(ctx, "bob", ids[0])
		if got := problems(t, err); !slices.Equal(got, []string{"id:INVALID"}) {
			t.Errorf("a retried restore: %v", got)
		}

		// Purge: a VIEWER purges nothing; an EDITOR the trash of the lists they edit.
		if purged, err := e.store.PurgeTrash(ctx, "dave", nil); err != nil || len(purged) != 0 {
			t.Errorf("a viewer purged %v, %v", purged, err)
		}
		purged, err := e.store.PurgeTrash(ctx, "bob", &l.ID)
		want := slices.SortedFunc(slices.Values(ids[1:]), func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		if err != nil || !slices.Equal(purged, want) {
			t.Errorf("bob purged %v, %v; want %v", purged, err, want)
		}
		if _, err := e.store.RestoreTask(ctx, "bob", ids[1]); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("restoring a purged task: %v", err)
		}
		if page, err := e.store.Trash(ctx, "carol", nil, nil, nil); err != nil || len(page.Edges) != 1 {
			t.Errorf("carol's trash after bob's purge: %+v, %v", page, err)
		}
	})
}

func TestDeleteListDeletesItsTrashForGood(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "Errands")
		live := e.create(t, "alice", model.CreateTaskInput{Title: "live", ListID: &l.ID})
		trashed := e.create(t, "alice", model.CreateTaskInput{Title: "trashed", ListID: &l.ID})
		if err := e.store.DeleteTask(ctx, "alice", trashed.ID); err != nil {
			t.Fatal(err)
		}
		deleted, err := e.store.DeleteList(ctx, "alice", l.ID)
		if err != nil || len(deleted) != 2 || !slices.Contains(deleted, live.ID) || !slices.Contains(deleted, trashed.ID) {
			t.Fatalf("DeleteList = %v, %v", deleted, err)
		}
		var n int
		if err := e.db.NewRaw(`SELECT count(*) FROM tasks`).Scan(model.AcrossUsers(ctx), &n); err != nil || n != 0 {
			t.Errorf("%d tasks left, %v", n, err)
		}
	})
}

// TestExpiredTrashIsPurgedOnceByRacingInstances runs two purges at once, as two instances would: together they
// purge every task trashed before the cutoff, each exactly once, and nothing newer.
func TestExpiredTrashIsPurgedOnceByRacingInstances(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const old = 30
		for i := range old + 1 {
			task := e.create(t, "alice", model.CreateTaskInput{Title: "t"})
			if i == old {
				e.clock.Advance(time.Hour) // trashed after the cutoff
			}
			if err := e.store.DeleteTask(ctx, "alice", task.ID); err != nil {
				t.Fatal(err)
			}
		}
		cutoff := start.Add(time.Minute)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for w := range counts {
			wg.Go(func() {
				for {
					n, err := e.store.PurgeExpiredTrash(model.AcrossUsers(ctx), cutoff, 4)
					if err != nil {
						t.Error(err)
						return
					}
					counts[w] += n
					if n < 4 {
						return
					}
				}
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != old {
			t.Errorf("the purges deleted %v, want %d in all", counts, old)
		}
		page, err := e.store.Trash(ctx, "alice", nil, nil, nil)
		if err != nil || len(page.Edges) != 1 {
			t.Errorf("alice's trash after the purge: %+v, %v", page, err)
		}
	})
}
