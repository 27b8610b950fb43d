package model_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"taskapi/model"
)

// TestRemovalRacesAWriteOfTheRemovedMember runs a removal and a write by the member being removed at once, many
// times: either the write commits before the removal (and the member got its event, before LIST_REMOVED), or it is
// refused as NOT_FOUND; never a write after the removal.
func TestRemovalRacesAWriteOfTheRemovedMember(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		committed, refused := 0, 0
		for i := range 15 {
			l := e.newList(t, "alice", fmt.Sprint("race ", i))
			e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
			task := e.create(t, "alice", model.CreateTaskInput{Title: "raced", ListID: &l.ID})
			bob := e.cursor(t, "bob")
			var wg sync.WaitGroup
			var writeErr, removeErr error
			wg.Go(func() {
				_, _, writeErr = e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{Title: model.Some(fmt.Sprint("by bob ", i))})
			})
			wg.Go(func() { _, removeErr = e.store.RemoveListMember(ctx, "alice", l.ID, "bob") })
			wg.Wait()
			if removeErr != nil {
				t.Fatal(removeErr)
			}
			got := e.kindsAfter(t, "bob", bob)
			stored := e.get(t, "alice", task.ID)
			switch {
			case writeErr == nil:
				committed++
				if !slices.Equal(got, []string{"UPDATED:by bob " + fmt.Sprint(i), "LIST_REMOVED"}) || stored.Title != fmt.Sprint("by bob ", i) {
					t.Fatalf("round %d: the write committed; bob's feed %v, the task %q", i, got, stored.Title)
				}
			case errors.Is(writeErr, model.ErrNotFound):
				refused++
				if !slices.Equal(got, []string{"LIST_REMOVED"}) || stored.Title != "raced" {
					t.Fatalf("round %d: the write was refused; bob's feed %v, the task %q", i, got, stored.Title)
				}
			default:
				t.Fatalf("round %d: the write: %v", i, writeErr)
			}
		}
		t.Logf("%d writes committed before the removal, %d refused after it", committed, refused)
	})
}

// TestMembersWritingConcurrentlyShareOneOrder has two members create tasks in one list at once: each member's feed
// holds every CREATED once, and both feeds hold them in the same order (the order of commit).
func TestMembersWritingConcurrentlyShareOneOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "busy")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		e.share(t, "alice", l.ID, "carol", model.ListRoleViewer)
		cursors := map[string]string{"alice": e.cursor(t, "alice"), "bob": e.cursor(t, "bob"), "carol": e.cursor(t, "carol")}
		const each = 20
		var wg sync.WaitGroup
		for _, u := range []string{"alice", "bob"} {
			wg.Go(func() {
				for i := range each {
					if _, err := e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: fmt.Sprint(u, " ", i), ListID: &l.ID}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		var first []uuid.UUID
		for u, c := range cursors {
			var ids []uuid.UUID
			for _, ev := range e.events(t, u, c) {
				if ev.Kind != model.TaskEventCreated || ev.TaskID == nil {
					t.Fatalf("%s's feed holds %s", u, ev.Kind)
				}
				ids = append(ids, *ev.TaskID)
			}
			if len(ids) != 2*each || len(slices.Compact(slices.SortedFunc(slices.Values(ids), func(a, b uuid.UUID) int {
				return slices.Compare(a[:], b[:])
			}))) != 2*each {
				t.Fatalf("%s's feed holds %d events, want %d distinct", u, len(ids), 2*each)
			}
			if first == nil {
				first = ids
			} else if !slices.Equal(ids, first) {
				t.Errorf("%s's feed is in another order than another member's", u)
			}
		}
	})
}
