package model_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
)

// Tasks belong to lists: the tests of who sees, who writes, and who hears of a change.

// feedOf returns the kinds of the user's events after after, as "KIND" or "KIND:title".
func (e *env) feedOf(t testing.TB, userID string) []*model.TaskEvent {
	t.Helper()
	return e.events(t, userID, start0(userID))
}

// lastKinds returns the kinds of the events of userID after the cursor after.
func (e *env) kindsAfter(t testing.TB, userID, after string) []string {
	t.Helper()
	return kinds(e.events(t, userID, after))
}

// cursor returns the user's latest feed cursor.
func (e *env) cursor(t testing.TB, userID string) string {
	t.Helper()
	c, err := e.store.TaskEventCursor(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sharedList makes a list of alice's shared with bob as role; carol is a member of none of alice's lists.
func (e *env) sharedList(t testing.TB, role model.ListRole) *model.TaskList {
	t.Helper()
	l := e.newList(t, "alice", "Groceries")
	e.share(t, "alice", l.ID, "bob", role)
	return l
}

func TestTasksOfAListAreVisibleToItsMembersOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleViewer)
		due := start.Add(48 * time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "milk", Tags: []string{"shop"}, ListID: &l.ID, DueAt: &due,
			Reminders: []model.ReminderInput{{MinutesBefore: ptr(30)}}})
		if task.ListID != l.ID || task.CreatedBy != "alice" {
			t.Fatalf("created in %s by %q", task.ListID, task.CreatedBy)
		}
		e.create(t, "carol", model.CreateTaskInput{Title: "carol's own", Tags: []string{"own"}})

		// bob, a member, sees it everywhere.
		if got := e.get(t, "bob", task.ID); got.Title != "milk" {
			t.Errorf("bob reads %q", got.Title)
		}
		if n := e.count(t, "bob", model.TaskFilter{}); n != 1 {
			t.Errorf("bob counts %d tasks", n)
		}
		if n := e.count(t, "bob", model.TaskFilter{ListIDs: []uuid.UUID{l.ID}}); n != 1 {
			t.Errorf("bob counts %d tasks in the list", n)
		}
		if n := e.count(t, "bob", model.TaskFilter{ListIDs: []uuid.UUID{model.InboxID("bob")}}); n != 0 {
			t.Errorf("bob counts %d tasks in his Inbox", n)
		}
		if stats, err := e.store.Stats(ctx, "bob", nil, &l.ID); err != nil || stats.Total != 1 || len(stats.ByTag) != 1 {
			t.Errorf("bob's stats of the list: %+v, %v", stats, err)
		}
		if tags, err := e.store.Tags(ctx, "bob", 10, nil); err != nil || len(tags) != 1 || tags[0].Tag != "shop" {
			t.Errorf("bob's tags: %v, %v", tags, err)
		}
		// Reminders are personal: bob has none on it, alice has hers.
		if rs, err := e.store.Reminders(ctx, "bob", []uuid.UUID{task.ID}); err != nil || len(rs[0]) != 0 {
			t.Errorf("bob's reminders: %v, %v", rs, err)
		}
		if rs, err := e.store.Reminders(ctx, "alice", []uuid.UUID{task.ID}); err != nil || len(rs[0]) != 1 {
			t.Errorf("alice's reminders: %v, %v", rs, err)
		}

		// carol, no member, sees nothing of it, exactly as of a missing task.
		if _, err := e.store.Task(ctx, "carol", task.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("carol reads the task: %v", err)
		}
		if got, err := e.store.TasksByID(ctx, "carol", []uuid.UUID{task.ID}); err != nil || got[0] != nil {
			t.Errorf("carol's TasksByID: %v, %v", got, err)
		}
		page, err := e.store.ListTasks(ctx, "carol", model.ListQuery{})
		if err != nil || len(page.Edges) != 1 || page.Edges[0].Node.Title != "carol's own" {
			t.Errorf("carol's tasks: %v, %v", page, err)
		}
		if stats, err := e.store.Stats(ctx, "carol", nil, nil); err != nil || stats.Total != 1 {
			t.Errorf("carol's stats: %+v, %v", stats, err)
		}
		if tags, err := e.store.Tags(ctx, "carol", 10, nil); err != nil || len(tags) != 1 || tags[0].Tag != "own" {
			t.Errorf("carol's tags: %v, %v", tags, err)
		}
		for _, ev := range e.feedOf(t, "carol") {
			if ev.ListID != nil && *ev.ListID == l.ID {
				t.Errorf("carol's feed holds an event of the list: %s", ev.Kind)
			}
		}
		// A list carol cannot see is refused as a malformed id would be.
		var input *model.InputError
		if _, err := e.store.ListTasks(ctx, "carol", model.ListQuery{Filter: model.TaskFilter{ListIDs: []uuid.UUID{l.ID}}}); !errors.As(err, &input) || input.Field != "listIds" {
			t.Errorf("carol lists the list's tasks: %v", err)
		}
		if _, err := e.store.CountTasks(ctx, "carol", model.TaskFilter{ListIDs: []uuid.UUID{l.ID}}); !errors.As(err, &input) || input.Field != "listIds" {
			t.Errorf("carol counts the list's tasks: %v", err)
		}
		if _, err := e.store.Stats(ctx, "carol", nil, &l.ID); !errors.As(err, &input) || input.Field != "listId" {
			t.Errorf("carol's stats of the list: %v", err)
		}
		if _, err := e.store.Tags(ctx, "carol", 10, &l.ID); !errors.As(err, &input) || input.Field != "listId" {
			t.Errorf("carol's tags of the list: %v", err)
		}
		// ... and every write of hers on it is NOT_FOUND.
		if _, _, err := e.store.UpdateTask(ctx, "carol", task.ID, model.TaskPatch{Title: model.Some("x")}); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("carol updates: %v", err)
		}
		if err := e.store.DeleteTask(ctx, "carol", task.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("carol deletes: %v", err)
		}
		if _, err := e.store.CreateTask(ctx, "carol", model.CreateTaskInput{Title: "x", ListID: &l.ID}); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("carol creates in the list: %v", err)
		}
	})
}

func TestViewersMayNotWriteTasks(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleViewer)
		due := start.Add(48 * time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "milk", ListID: &l.ID, DueAt: &due})
		done := e.create(t, "alice", model.CreateTaskInput{Title: "bread", ListID: &l.ID})
		if _, _, err := e.store.SetTaskCompleted(ctx, "alice", done.ID, true); err != nil {
			t.Fatal(err)
		}
		before := e.cursor(t, "alice")
		for name, write := range map[string]func() error{
			"create": func() error {
				_, err := e.store.CreateTask(ctx, "bob", model.CreateTaskInput{Title: "x", ListID: &l.ID})
				return err
			},
			"update": func() error {
				_, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{Title: model.Some("x")})
				return err
			},
			"complete": func() error {
				_, _, err := e.store.SetTaskCompleted(ctx, "bob", task.ID, true)
				return err
			},
			"delete": func() error { return e.store.DeleteTask(ctx, "bob", task.ID) },
			"move": func() error {
				_, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{ListID: model.Some(model.InboxID("bob"))})
				return err
			},
		} {
			if err := write(); !errors.Is(err, model.ErrForbidden) {
				t.Errorf("a VIEWER's %s: %v, want ErrForbidden", name, err)
			}
		}
		// Clearing completed tasks skips the lists bob only views.
		if ids, err := e.store.ClearCompletedTasks(ctx, "bob"); err != nil || len(ids) != 0 {
			t.Errorf("bob clears %v, %v", ids, err)
		}
		if got := e.kindsAfter(t, "alice", before); len(got) != 0 {
			t.Errorf("the refused writes emitted %v", got)
		}
		// A VIEWER may set their own reminders.
		if _, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{
			Reminders: model.Some([]model.ReminderInput{{MinutesBefore: ptr(10)}})}); err != nil {
			t.Errorf("a VIEWER's reminder: %v", err)
		}
		// An EDITOR may write; clearing completed tasks then covers the list.
		if _, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "bob", model.ListRoleEditor); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{Title: model.Some("oat milk")}); err != nil {
			t.Errorf("an EDITOR's update: %v", err)
		}
		if ids, err := e.store.ClearCompletedTasks(ctx, "bob"); err != nil || !slices.Equal(ids, []uuid.UUID{done.ID}) {
			t.Errorf("the EDITOR clears %v, %v; want the list's completed task", ids, err)
		}
	})
}

func TestMovesNeedWriteInBothListsAndReachEachMemberAsTheySeeIt(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		from := e.newList(t, "alice", "From")
		to := e.newList(t, "alice", "To")
		e.share(t, "alice", from.ID, "bob", model.ListRoleEditor)
		e.share(t, "alice", to.ID, "carol", model.ListRoleEditor)
		e.share(t, "alice", to.ID, "dave", model.ListRoleViewer)
		e.share(t, "alice", from.ID, "dave", model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "moving", ListID: &from.ID})

		// bob is no member of To; dave only views it.
		if _, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{ListID: model.Some(to.ID)}); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("a move to a list bob cannot see: %v", err)
		}
		if _, _, err := e.store.UpdateTask(ctx, "dave", task.ID, model.TaskPatch{ListID: model.Some(to.ID)}); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("a move to a list dave only views: %v", err)
		}
		_, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Null[uuid.UUID]()})
		if got := problems(t, err); !slices.Equal(got, []string{"input.listId:INVALID"}) {
			t.Errorf("an explicit null list: %v", got)
		}

		cursors := map[string]string{}
		for _, u := range []string{"alice", "bob", "carol", "dave"} {
			cursors[u] = e.cursor(t, u)
		}
		moved, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Some(to.ID)})
		if err != nil || moved.ListID != to.ID {
			t.Fatalf("the move: %v, %v", moved, err)
		}
		want := map[string][]string{
			"alice": {"UPDATED:moving"},
			"bob":   {"DELETED:" + task.ID.String()},
			"carol": {"CREATED:moving"},
			"dave":  {"UPDATED:moving"},
		}
		for u, w := range want {
			if got := e.kindsAfter(t, u, cursors[u]); !slices.Equal(got, w) {
				t.Errorf("%s's feed after the move: %v, want %v", u, got, w)
			}
		}
		if _, err := e.store.Task(ctx, "bob", task.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("bob still reads the moved task: %v", err)
		}
		if n := e.count(t, "carol", model.TaskFilter{ListIDs: []uuid.UUID{to.ID}}); n != 1 {
			t.Errorf("carol counts %d tasks in To", n)
		}
		if tags, err := e.store.Tags(ctx, "bob", 10, nil); err != nil || len(tags) != 0 {
			t.Errorf("bob's tags after the move: %v, %v", tags, err)
		}
	})
}

func TestEveryMemberHearsOfATaskChangeWithItsListAndActor(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		e.share(t, "alice", l.ID, "carol", model.ListRoleViewer)
		cursors := map[string]string{"alice": e.cursor(t, "alice"), "bob": e.cursor(t, "bob"), "carol": e.cursor(t, "carol")}
		due := start.Add(48 * time.Hour)
		task := e.create(t, "bob", model.CreateTaskInput{Title: "milk", ListID: &l.ID, DueAt: &due,
			Reminders: []model.ReminderInput{{MinutesBefore: ptr(5)}}})
		for u, c := range cursors {
			evs := e.events(t, u, c)
			if len(evs) != 1 || evs[0].Kind != model.TaskEventCreated || evs[0].ListID == nil || *evs[0].ListID != l.ID ||
				evs[0].ActorID == nil || *evs[0].ActorID != "bob" || evs[0].TaskID == nil || *evs[0].TaskID != task.ID {
				t.Fatalf("%s's events: %+v", u, evs)
			}
			// bob's reminders travel in bob's feed only.
			if got := len(evs[0].Task.Reminders); (u == "bob") != (got == 1) {
				t.Errorf("%s's event carries %d reminders", u, got)
			}
		}
		// An outsider hears nothing.
		if evs := e.feedOf(t, "dave"); len(evs) != 0 {
			t.Errorf("dave's feed: %v", kinds(evs))
		}
	})
}

func TestRemindersFireForTheMemberWhoSetThem(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleViewer)
		due := start.Add(2 * time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "call", ListID: &l.ID, DueAt: &due})
		if _, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{
			Reminders: model.Some([]model.ReminderInput{{MinutesBefore: ptr(60)}})}); err != nil {
			t.Fatal(err)
		}
		before := map[string]string{"alice": e.cursor(t, "alice"), "bob": e.cursor(t, "bob")}
		// A due date moved by alice moves bob's reminder tied to it.
		later := due.Add(time.Hour)
		if _, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{DueAt: model.Some(later)}); err != nil {
			t.Fatal(err)
		}
		rs, err := e.store.Reminders(ctx, "bob", []uuid.UUID{task.ID})
		if err != nil || len(rs[0]) != 1 || !rs[0][0].RemindAt.Equal(later.Add(-time.Hour)) {
			t.Fatalf("bob's reminder after alice moved the due date: %v, %v", rs, err)
		}
		e.clock.Set(later)
		fired := e.fire(t)
		if len(fired) != 1 || fired[0].Reminder.UserID != "bob" || len(fired[0].Task.Reminders) != 1 {
			t.Fatalf("fired %+v", fired)
		}
		if got := e.kindsAfter(t, "bob", before["bob"]); !slices.Equal(got, []string{"UPDATED:call", "REMINDER_DUE:call"}) {
			t.Errorf("bob's feed: %v", got)
		}
		if got := e.kindsAfter(t, "alice", before["alice"]); !slices.Equal(got, []string{"UPDATED:call"}) {
			t.Errorf("alice's feed: %v", got)
		}
	})
}

// remindersOf counts the user's reminders on the task, reading the rows themselves.
func (e *env) remindersOf(t testing.TB, userID string, taskID uuid.UUID) int {
	t.Helper()
	n, err := e.db.NewSelect().Model((*model.Reminder)(nil)).Where("r.user_id = ?", userID).Where("r.task_id = ?", taskID).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestRemovalDeletesTheMembersRemindersAndStopsTheirEvents(t *testing.T) {
	for _, leave := range []bool{false, true} {
		name := "Removed"
		if leave {
			name = "Left"
		}
		t.Run(name, func(t *testing.T) {
			forEachDB(t, func(t *testing.T, e *env) {
				l := e.sharedList(t, model.ListRoleEditor)
				e.share(t, "alice", l.ID, "carol", model.ListRoleEditor)
				due := start.Add(48 * time.Hour)
				task := e.create(t, "alice", model.CreateTaskInput{Title: "milk", ListID: &l.ID, DueAt: &due,
					Reminders: []model.ReminderInput{{MinutesBefore: ptr(5)}}})
				own := e.create(t, "bob", model.CreateTaskInput{Title: "bob's", DueAt: &due,
					Reminders: []model.ReminderInput{{MinutesBefore: ptr(5)}}})
				if _, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{
					Reminders: model.Some([]model.ReminderInput{{MinutesBefore: ptr(10)}})}); err != nil {
					t.Fatal(err)
				}
				bob, carol := e.cursor(t, "bob"), e.cursor(t, "carol")
				by := "alice"
				if leave {
					by = "bob"
				}
				if _, err := e.store.RemoveListMember(ctx, by, l.ID, "bob"); err != nil {
					t.Fatal(err)
				}
				if n := e.remindersOf(t, "bob", task.ID); n != 0 {
					t.Errorf("bob keeps %d reminders on the list's task", n)
				}
				if n := e.remindersOf(t, "bob", own.ID); n != 1 {
					t.Errorf("bob keeps %d reminders on his own task", n)
				}
				if n := e.remindersOf(t, "alice", task.ID); n != 1 {
					t.Errorf("alice keeps %d reminders", n)
				}
				if _, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{Title: model.Some("oat milk")}); err != nil {
					t.Fatal(err)
				}
				if got := e.kindsAfter(t, "bob", bob); !slices.Equal(got, []string{"LIST_REMOVED"}) {
					t.Errorf("bob's feed after the removal: %v", got)
				}
				if got := e.kindsAfter(t, "carol", carol); !slices.Equal(got, []string{"LIST_UPDATED", "UPDATED:oat milk"}) {
					t.Errorf("carol's feed: %v", got)
				}
				if _, err := e.store.Task(ctx, "bob", task.ID); !errors.Is(err, model.ErrNotFound) {
					t.Errorf("bob reads the task after the removal: %v", err)
				}
			})
		})
	}
}

func TestListEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a0, b0 := e.cursor(t, "alice"), e.cursor(t, "bob")
		l := e.newList(t, "alice", "Trip")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		if _, err := e.store.UpdateList(ctx, "alice", l.ID, model.ListPatch{Name: model.Some("Holiday")}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "bob", model.ListRoleViewer); err != nil {
			t.Fatal(err)
		}
		task := e.create(t, "alice", model.CreateTaskInput{Title: "tickets", ListID: &l.ID})
		deleted, err := e.store.DeleteList(ctx, "alice", l.ID)
		if err != nil || !slices.Equal(deleted, []uuid.UUID{task.ID}) {
			t.Fatalf("DeleteList = %v, %v", deleted, err)
		}
		if got, want := e.kindsAfter(t, "alice", a0), []string{"LIST_ADDED", "LIST_UPDATED", "LIST_UPDATED", "LIST_UPDATED",
			"CREATED:tickets", "LIST_REMOVED"}; !slices.Equal(got, want) {
			t.Errorf("alice's feed: %v, want %v", got, want)
		}
		bobs := e.events(t, "bob", b0)
		if got, want := kinds(bobs), []string{"LIST_ADDED", "LIST_UPDATED", "LIST_UPDATED", "LIST_UPDATED",
			"CREATED:tickets", "LIST_REMOVED"}; !slices.Equal(got, want) {
			t.Errorf("bob's feed: %v, want %v", got, want)
		}
		for _, ev := range bobs {
			if ev.ListID == nil || *ev.ListID != l.ID || ev.ActorID == nil || *ev.ActorID == "" {
				t.Errorf("bob's %s event: list %v, actor %v", ev.Kind, ev.ListID, ev.ActorID)
			}
			if ev.Kind != model.TaskEventCreated && ev.TaskID != nil {
				t.Errorf("bob's %s event has a task id", ev.Kind)
			}
		}
		if _, err := e.store.Task(ctx, "bob", task.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("the deleted list's task: %v", err)
		}
	})
}

// countingSink records the changes a store's writes hand to the sink.
type countingSink struct {
	mu      sync.Mutex
	changes []model.Change
}

func (s *countingSink) Recorded(_ context.Context, _ bun.IDB, changes []model.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, changes...)
	return nil
}

func (s *countingSink) Committed() {}

func TestTheSinkGetsEachChangeOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		e.share(t, "alice", l.ID, "carol", model.ListRoleEditor)
		sink := &countingSink{}
		s := e.store.WithEventSink(sink)
		task, err := s.CreateTask(ctx, "bob", model.CreateTaskInput{Title: "milk", ListID: &l.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTask(ctx, "carol", task.ID); err != nil {
			t.Fatal(err)
		}
		if len(sink.changes) != 2 {
			t.Fatalf("the sink got %d changes for two writes to a list of three", len(sink.changes))
		}
		for i, want := range []struct {
			kind  model.TaskEventKind
			actor string
		}{{model.TaskEventCreated, "bob"}, {model.TaskEventDeleted, "carol"}} {
			c := sink.changes[i]
			if c.Kind != want.kind || c.ActorID != want.actor || c.ListID != l.ID || c.TaskID != task.ID {
				t.Errorf("change %d: %+v", i, c)
			}
		}
	})
}

func TestTheReadCacheIsFreshForEveryMember(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		// Two instances over one database, each with its cache.
		one := model.NewStore(e.db).WithClock(e.clock.Now).WithReadCache(model.NewReadCache(1 << 20))
		two := model.NewStore(e.db).WithClock(e.clock.Now).WithReadCache(model.NewReadCache(1 << 20))
		read := func(s *model.Store) (int, int, int) {
			page, err := s.ListTasks(ctx, "bob", model.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			stats, err := s.Stats(ctx, "bob", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			tags, err := s.Tags(ctx, "bob", 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Edges), stats.Total, len(tags)
		}
		for _, s := range []*model.Store{one, two, one, two} {
			if n, total, tags := read(s); n != 0 || total != 0 || tags != 0 {
				t.Fatalf("bob reads %d tasks, %d in stats, %d tags before any", n, total, tags)
			}
		}
		if _, err := one.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "milk", Tags: []string{"x"}, ListID: &l.ID}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*model.Store{one, two} {
			if n, total, tags := read(s); n != 1 || total != 1 || tags != 1 {
				t.Errorf("bob reads %d tasks, %d in stats, %d tags after alice's write", n, total, tags)
			}
		}
	})
}
