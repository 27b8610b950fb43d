package model_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"taskapi/model"
)

// Assignees: a task is assigned to a member of its list or to nobody, whatever happens to the list's members.

// assignee returns the task's assignee as a string, "" for nobody.
func assignee(t *model.Task) string {
	if t.AssigneeID == nil {
		return ""
	}
	return *t.AssigneeID
}

// wantAssigneeInvalid fails the test unless err is the one INVALID problem at input.assigneeId, with the message
// that tells nobody who exists.
func wantAssigneeInvalid(t testing.TB, err error) {
	t.Helper()
	if got := problems(t, err); !slices.Equal(got, []string{"input.assigneeId:INVALID"}) {
		t.Fatalf("problems = %v, want input.assigneeId:INVALID", got)
	}
	var v *model.ValidationError
	errors.As(err, &v)
	if v.Problems[0].Message != model.AssigneeNotMemberMessage {
		t.Fatalf("message = %q, want %q", v.Problems[0].Message, model.AssigneeNotMemberMessage)
	}
}

// wantAssigneeUnknown fails the test unless err is ErrUserNotFound: an assignee the viewer shares no list with is
// answered as one that does not exist.
func wantAssigneeUnknown(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, model.ErrUserNotFound) {
		t.Fatalf("err = %v, want ErrUserNotFound", err)
	}
}

// updatesOf returns the events of userID's feed after the cursor after, an UPDATED one as
// "UPDATED:title:assignee:actor", others as their kind.
func (e *env) updatesOf(t testing.TB, userID, after string) []string {
	t.Helper()
	var out []string
	for _, ev := range e.events(t, userID, after) {
		switch {
		case ev.Kind == model.TaskEventUpdated:
			out = append(out, fmt.Sprintf("UPDATED:%s:%s:%s", ev.Task.Title, assignee(ev.Task), deref(ev.ActorID)))
		default:
			out = append(out, string(ev.Kind))
		}
	}
	return out
}

func TestAssignOnCreateAndUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		e.share(t, "alice", l.ID, "vera", model.ListRoleViewer)
		// dave shares another list with alice, not this one; carol shares none; nobody does not exist.
		other := e.newList(t, "alice", "Other")
		e.share(t, "alice", other.ID, "dave", model.ListRoleEditor)
		e.create(t, "carol", model.CreateTaskInput{Title: "carol's"})

		t.Run("CreateAssignsAMember", func(t *testing.T) {
			for _, who := range []string{"bob", "alice", "vera"} { // any role
				task := e.create(t, "alice", model.CreateTaskInput{Title: "for " + who, ListID: &l.ID, AssigneeID: ptr(who)})
				if assignee(task) != who || assignee(e.get(t, "bob", task.ID)) != who || task.Version != 1 {
					t.Errorf("created for %s: assignee %q, version %d", who, assignee(task), task.Version)
				}
			}
		})
		t.Run("CreateRefusesAnyoneElseAlike", func(t *testing.T) {
			before := e.count(t, "alice", model.TaskFilter{})
			_, err := e.store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "x", ListID: &l.ID, AssigneeID: ptr("dave")})
			wantAssigneeInvalid(t, err)
			// A stranger, nobody and a malformed id get one answer, the one for a user that does not exist.
			for _, who := range []string{"carol", "nobody", "bad\x00id", ""} {
				_, err := e.store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "x", ListID: &l.ID, AssigneeID: ptr(who)})
				wantAssigneeUnknown(t, err)
			}
			// In the Inbox, only its owner is a member.
			_, err = e.store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "x", AssigneeID: ptr("bob")})
			wantAssigneeInvalid(t, err)
			if n := e.count(t, "alice", model.TaskFilter{}); n != before {
				t.Errorf("refused creations wrote %d tasks", n-before)
			}
		})

		task := e.create(t, "alice", model.CreateTaskInput{Title: "shared", ListID: &l.ID})
		t.Run("UpdateAssignsWithAnEvent", func(t *testing.T) {
			bob := e.cursor(t, "bob")
			got, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{AssigneeID: model.Some("bob")})
			if err != nil || assignee(got) != "bob" || got.Version != 2 {
				t.Fatalf("assign: %+v, %v", got, err)
			}
			events := e.events(t, "bob", bob)
			if len(events) != 1 || events[0].Kind != model.TaskEventUpdated || assignee(events[0].Task) != "bob" ||
				deref(events[0].ActorID) != "alice" || events[0].Task.Version != 2 {
				t.Fatalf("bob's feed after the assignment: %v", kinds(events))
			}
			history, err := e.store.TaskHistory(ctx, "bob", task.ID, 10, nil)
			if err != nil || len(history.Changes) == 0 {
				t.Fatalf("history: %+v, %v", history, err)
			}
			last := history.Changes[0]
			if last.Kind != model.TaskEventUpdated || !slices.Equal(last.Fields, []string{"assignee"}) || deref(last.ActorID) != "alice" {
				t.Errorf("the history's newest change is %+v, want alice's UPDATED of [assignee]", last)
			}
		})
		t.Run("SameAssigneeIsANoOp", func(t *testing.T) {
			bob := e.cursor(t, "bob")
			got, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{AssigneeID: model.Some("bob")})
			if err != nil || got.Version != 2 || len(e.events(t, "bob", bob)) != 0 {
				t.Fatalf("the same assignee again: version %d, %v, events %v", got.Version, err, e.kindsAfter(t, "bob", bob))
			}
		})
		t.Run("OmittedKeepsTheAssignee", func(t *testing.T) {
			got, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{Title: model.Some("renamed")})
			if err != nil || assignee(got) != "bob" || assignee(e.get(t, "alice", task.ID)) != "bob" {
				t.Fatalf("a rename: assignee %q, %v", assignee(got), err)
			}
		})
		t.Run("RefusesANonMemberAndWritesNothing", func(t *testing.T) {
			before := e.get(t, "alice", task.ID)
			for _, who := range []string{"dave", "carol", "nobody"} {
				_, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{AssigneeID: model.Some(who), Title: model.Some("changed")})
				if who == "dave" {
					wantAssigneeInvalid(t, err)
				} else {
					wantAssigneeUnknown(t, err)
				}
			}
			if after := e.get(t, "alice", task.ID); assignee(after) != "bob" || after.Version != before.Version || after.Title != before.Title {
				t.Errorf("refused updates wrote: %+v", after)
			}
		})
		t.Run("ViewerCannotAssign", func(t *testing.T) {
			_, _, err := e.store.UpdateTask(ctx, "vera", task.ID, model.TaskPatch{AssigneeID: model.Some("vera")})
			if !errors.Is(err, model.ErrForbidden) {
				t.Fatalf("a VIEWER assigns: %v, want ErrForbidden", err)
			}
		})
		t.Run("ExplicitNullUnassigns", func(t *testing.T) {
			v := e.get(t, "alice", task.ID).Version
			got, _, err := e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{AssigneeID: model.Null[string]()})
			if err != nil || got.AssigneeID != nil || got.Version != v+1 || e.get(t, "alice", task.ID).AssigneeID != nil {
				t.Fatalf("unassign: %+v, %v", got, err)
			}
			// Null again is a no-op.
			got, _, err = e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{AssigneeID: model.Null[string]()})
			if err != nil || got.Version != v+1 {
				t.Fatalf("unassign again: version %d, %v", got.Version, err)
			}
		})
	})
}

func TestRemovingAMemberUnassignsThem(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		e.share(t, "alice", l.ID, "carol", model.ListRoleEditor)
		other := e.newList(t, "alice", "Other")
		e.share(t, "alice", other.ID, "bob", model.ListRoleEditor)
		mk := func(title string, list uuid.UUID, who *string) *model.Task {
			return e.create(t, "alice", model.CreateTaskInput{Title: title, ListID: &list, AssigneeID: who})
		}
		b1, b2 := mk("b1", l.ID, ptr("bob")), mk("b2", l.ID, ptr("bob"))
		c1, none := mk("c1", l.ID, ptr("carol")), mk("none", l.ID, nil)
		trashed := mk("trashed", l.ID, ptr("bob"))
		if err := e.store.DeleteTask(ctx, "alice", trashed.ID); err != nil {
			t.Fatal(err)
		}
		elsewhere := mk("elsewhere", other.ID, ptr("bob"))

		// A role change keeps the assignments.
		if _, err := e.store.SetListMemberRole(ctx, "alice", l.ID, "bob", model.ListRoleViewer); err != nil {
			t.Fatal(err)
		}
		if assignee(e.get(t, "alice", b1.ID)) != "bob" {
			t.Fatal("a role change unassigned bob")
		}

		alice, carol, bob := e.cursor(t, "alice"), e.cursor(t, "carol"), e.cursor(t, "bob")
		e.clock.Advance(time.Minute)
		if _, err := e.store.RemoveListMember(ctx, "alice", l.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		for _, task := range []*model.Task{b1, b2} {
			got := e.get(t, "alice", task.ID)
			if got.AssigneeID != nil || got.Version != task.Version+1 || !got.UpdatedAt.Equal(start.Add(time.Minute)) {
				t.Errorf("%s after bob's removal: assignee %q, version %d, updated %s", task.Title, assignee(got), got.Version, got.UpdatedAt)
			}
		}
		if got := e.get(t, "alice", c1.ID); assignee(got) != "carol" || got.Version != c1.Version {
			t.Errorf("carol's task changed: %+v", got)
		}
		if got := e.get(t, "alice", none.ID); got.Version != none.Version {
			t.Errorf("an unassigned task changed: %+v", got)
		}
		if got := e.get(t, "bob", elsewhere.ID); assignee(got) != "bob" {
			t.Errorf("bob was unassigned in a list he is still a member of: %q", assignee(got))
		}
		// The task in the trash comes back assigned to nobody.
		restored, err := e.store.RestoreTask(ctx, "alice", trashed.ID)
		if err != nil || restored.AssigneeID != nil {
			t.Errorf("restored: %+v, %v", restored, err)
		}
		want := []string{"UPDATED:b1::alice", "UPDATED:b2::alice", "LIST_UPDATED", "RESTORED"}
		for user, after := range map[string]string{"alice": alice, "carol": carol} {
			events := e.events(t, user, after)
			if got := e.updatesOf(t, user, after); !slices.Equal(got, want) {
				t.Errorf("%s's feed after the removal: %v, want %v", user, got, want)
			} else if !slices.Equal(events[0].Task.Tags, b1.Tags) || events[0].Task.Version != b1.Version+1 {
				t.Errorf("the event carries %+v", events[0].Task)
			}
		}
		if got := e.kindsAfter(t, "bob", bob); !slices.Equal(got, []string{"LIST_REMOVED"}) {
			t.Errorf("bob's feed after his removal: %v, want only LIST_REMOVED", got)
		}
		history, err := e.store.TaskHistory(ctx, "carol", b1.ID, 1, nil)
		if err != nil || len(history.Changes) != 1 || !slices.Equal(history.Changes[0].Fields, []string{"assignee"}) ||
			deref(history.Changes[0].ActorID) != "alice" {
			t.Errorf("b1's history: %+v, %v", history, err)
		}
	})
}

func TestLeavingAListUnassigns(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "mine", ListID: &l.ID, AssigneeID: ptr("bob")})
		alice := e.cursor(t, "alice")
		if _, err := e.store.RemoveListMember(ctx, "bob", l.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, "alice", task.ID); got.AssigneeID != nil || got.Version != 2 {
			t.Errorf("after bob left: %+v", got)
		}
		if got := e.updatesOf(t, "alice", alice); !slices.Equal(got, []string{"UPDATED:mine::bob", "LIST_UPDATED"}) {
			t.Errorf("alice's feed after bob left: %v", got)
		}
	})
}

// TestRemovalUnassignsInOneStatement: the unassignment costs the same number of statements however many tasks it
// changes.
func TestRemovalUnassignsInOneStatement(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		cost := func(n int) int {
			l := e.newList(t, "alice", fmt.Sprint("list ", n))
			e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
			for i := range n {
				e.create(t, "alice", model.CreateTaskInput{Title: fmt.Sprint(i), ListID: &l.ID, AssigneeID: ptr("bob")})
			}
			return e.statements(t, func(s *model.Store) {
				if _, err := s.RemoveListMember(ctx, "alice", l.ID, "bob"); err != nil {
					t.Fatal(err)
				}
			})
		}
		if one, many := cost(1), cost(12); one != many {
			t.Errorf("removing a member assigned 1 task runs %d statements, 12 tasks %d", one, many)
		}
	})
}

// TestAssignmentRacesRemoval assigns a task to a member while the member is being removed, many times: either the
// assignment commits first and the removal unassigns, or it is refused; the task never ends assigned to someone
// who is not a member.
func TestAssignmentRacesRemoval(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		assigned, refused := 0, 0
		for i := range 15 {
			l := e.newList(t, "alice", fmt.Sprint("race ", i))
			e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
			e.share(t, "alice", l.ID, "carol", model.ListRoleEditor)
			task := e.create(t, "alice", model.CreateTaskInput{Title: "raced", ListID: &l.ID})
			alice := e.cursor(t, "alice")
			var wg sync.WaitGroup
			var assignErr, removeErr error
			wg.Go(func() {
				_, _, assignErr = e.store.UpdateTask(ctx, "bob", task.ID, model.TaskPatch{AssigneeID: model.Some("carol")})
			})
			wg.Go(func() { _, removeErr = e.store.RemoveListMember(ctx, "alice", l.ID, "carol") })
			wg.Wait()
			if removeErr != nil {
				t.Fatal(removeErr)
			}
			got := e.get(t, "alice", task.ID)
			if got.AssigneeID != nil {
				t.Fatalf("round %d: the task is assigned to %q, who was removed", i, assignee(got))
			}
			feed := e.updatesOf(t, "alice", alice)
			switch {
			case assignErr == nil:
				assigned++
				if !slices.Equal(feed, []string{"UPDATED:raced:carol:bob", "UPDATED:raced::alice", "LIST_UPDATED"}) || got.Version != 3 {
					t.Fatalf("round %d: assigned first; alice's feed %v, version %d", i, feed, got.Version)
				}
			default:
				refused++
				// carol shares no list with bob any more: the answer for a user that does not exist.
				wantAssigneeUnknown(t, assignErr)
				if !slices.Equal(feed, []string{"LIST_UPDATED"}) || got.Version != 1 {
					t.Fatalf("round %d: refused; alice's feed %v, version %d", i, feed, got.Version)
				}
			}
		}
		t.Logf("%d assignments committed before the removal, %d refused after it", assigned, refused)
	})
}

func TestMovingUnassignsOutsideTheTarget(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		withBob := e.newList(t, "alice", "With bob")
		e.share(t, "alice", withBob.ID, "bob", model.ListRoleEditor)
		withoutBob := e.newList(t, "alice", "Without bob")

		task := e.create(t, "alice", model.CreateTaskInput{Title: "moving", ListID: &l.ID, AssigneeID: ptr("bob")})
		got, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Some(withBob.ID)})
		if err != nil || assignee(got) != "bob" {
			t.Fatalf("a move to a list bob is in: %q, %v", assignee(got), err)
		}
		alice := e.cursor(t, "alice")
		got, _, err = e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Some(withoutBob.ID)})
		if err != nil || got.AssigneeID != nil || e.get(t, "alice", task.ID).AssigneeID != nil {
			t.Fatalf("a move to a list bob is not in: %q, %v", assignee(got), err)
		}
		history, err := e.store.TaskHistory(ctx, "alice", task.ID, 1, nil)
		if err != nil || !slices.Equal(history.Changes[0].Fields, []string{"list", "position", "assignee"}) {
			t.Errorf("the move's fields: %v, %v", history.Changes[0].Fields, err)
		}
		if got := e.updatesOf(t, "alice", alice); !slices.Equal(got, []string{"UPDATED:moving::alice"}) {
			t.Errorf("alice's feed after the move: %v", got)
		}
		// A move that names an assignee checks them against the list it moves to.
		_, _, err = e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Some(l.ID), AssigneeID: model.Some("carol")})
		wantAssigneeUnknown(t, err)
		got, _, err = e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{ListID: model.Some(l.ID), AssigneeID: model.Some("bob")})
		if err != nil || assignee(got) != "bob" || got.ListID != l.ID {
			t.Fatalf("a move with an assignee of the target: %+v, %v", got, err)
		}
		// moveTask follows the same rule: kept where bob is a member, unassigned where he is not.
		got, err = e.store.MoveTask(ctx, "alice", task.ID, model.TaskMove{ListID: &withBob.ID})
		if err != nil || assignee(got) != "bob" || got.ListID != withBob.ID {
			t.Fatalf("moveTask to a list bob is in: %+v, %v", got, err)
		}
		got, err = e.store.MoveTask(ctx, "alice", task.ID, model.TaskMove{ListID: &withoutBob.ID})
		if err != nil || got.AssigneeID != nil || e.get(t, "alice", task.ID).AssigneeID != nil {
			t.Fatalf("moveTask to a list bob is not in: %q, %v", assignee(got), err)
		}
		history, err = e.store.TaskHistory(ctx, "alice", task.ID, 1, nil)
		if err != nil || !slices.Contains(history.Changes[0].Fields, "assignee") {
			t.Errorf("moveTask's fields: %+v, %v", history, err)
		}
	})
}

// TestUnassignOutside is the helper a move runs: it unassigns in memory when the assignee is not a member of the
// target list, and only then.
func TestUnassignOutside(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleViewer)
		without := e.newList(t, "alice", "Without bob")
		task := e.create(t, "alice", model.CreateTaskInput{Title: "t", ListID: &l.ID, AssigneeID: ptr("bob")})
		for _, c := range []struct {
			list       uuid.UUID
			unassigned bool
		}{{l.ID, false}, {model.InboxID("alice"), true}, {without.ID, true}} {
			copied := *task
			unassigned, err := model.UnassignOutside(ctx, e.db, "alice", &copied, c.list)
			if err != nil || unassigned != c.unassigned || (copied.AssigneeID == nil) != c.unassigned {
				t.Errorf("to %s: unassigned %t (assignee %q), %v; want %t", c.list, unassigned, assignee(&copied), err, c.unassigned)
			}
		}
		// A task assigned to nobody stays so.
		nobody := e.create(t, "alice", model.CreateTaskInput{Title: "nobody's", ListID: &l.ID})
		if unassigned, err := model.UnassignOutside(ctx, e.db, "alice", nobody, without.ID); err != nil || unassigned {
			t.Errorf("a task assigned to nobody: %t, %v", unassigned, err)
		}
		// The helper writes nothing itself.
		if got := e.get(t, "alice", task.ID); assignee(got) != "bob" || got.Version != 1 {
			t.Errorf("the helper wrote: %+v", got)
		}
	})
}

func TestAssigneeFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		other := e.newList(t, "bob", "Bob's")
		e.share(t, "bob", other.ID, "alice", model.ListRoleEditor)
		mk := func(title string, list uuid.UUID, who *string) *model.Task {
			e.clock.Advance(time.Second)
			return e.create(t, "alice", model.CreateTaskInput{Title: title, ListID: &list, AssigneeID: who})
		}
		mk("a1", l.ID, ptr("alice"))
		mk("b1", l.ID, ptr("bob"))
		mk("n1", l.ID, nil)
		mk("a2", other.ID, ptr("alice"))
		done := mk("b2", other.ID, ptr("bob"))
		if _, _, err := e.store.SetTaskCompleted(ctx, "bob", done.ID, true); err != nil {
			t.Fatal(err)
		}
		mk("inbox", model.InboxID("alice"), ptr("alice"))
		// carol, who shares no list with alice, has a task of her own assigned to herself.
		e.create(t, "carol", model.CreateTaskInput{Title: "carol's", AssigneeID: ptr("carol")})

		list := func(user string, f model.TaskFilter) []string {
			t.Helper()
			page, err := e.store.ListTasks(ctx, user, model.ListQuery{Filter: f, Order: &model.TaskOrder{
				Field: model.TaskOrderFieldCreatedAt, Direction: model.OrderDirectionAsc}, First: ptr(50)})
			if err != nil {
				t.Fatalf("ListTasks(%+v): %v", f, err)
			}
			var out []string
			for _, edge := range page.Edges {
				out = append(out, edge.Node.Title)
			}
			if n := e.count(t, user, f); n != len(out) {
				t.Errorf("CountTasks(%+v) = %d, the list has %d", f, n, len(out))
			}
			return out
		}
		pending := model.TaskStatusFilterPending
		for _, c := range []struct {
			user   string
			filter model.TaskFilter
			want   []string
		}{
			{"alice", model.TaskFilter{AssigneeIDs: []string{"bob"}}, []string{"b1", "b2"}},
			{"alice", model.TaskFilter{AssigneeIDs: []string{"bob", "alice", "bob"}}, []string{"a1", "b1", "a2", "b2", "inbox"}},
			{"alice", model.TaskFilter{AssigneeIDs: []string{"carol"}}, nil},
			{"alice", model.TaskFilter{AssigneeIDs: []string{"nobody", "bad\x01"}}, nil},
			{"alice", model.TaskFilter{AssignedToMe: ptr(true)}, []string{"a1", "a2", "inbox"}},
			{"alice", model.TaskFilter{AssignedToMe: ptr(false)}, []string{"b1", "n1", "b2"}},
			{"bob", model.TaskFilter{AssignedToMe: ptr(true)}, []string{"b1", "b2"}},
			{"bob", model.TaskFilter{AssignedToMe: ptr(true), Status: &pending}, []string{"b1"}},
			{"bob", model.TaskFilter{AssignedToMe: ptr(false), ListIDs: []uuid.UUID{l.ID}}, []string{"a1", "n1"}},
			{"bob", model.TaskFilter{AssigneeIDs: []string{"alice"}, AssignedToMe: ptr(true)}, nil},
			{"carol", model.TaskFilter{AssignedToMe: ptr(true)}, []string{"carol's"}},
			{"carol", model.TaskFilter{AssigneeIDs: []string{"alice", "bob"}}, nil},
		} {
			if got := list(c.user, c.filter); !slices.Equal(got, c.want) {
				t.Errorf("%s's tasks with %+v: %v, want %v", c.user, c.filter, got, c.want)
			}
		}

		t.Run("NULInAnIdIsAnInputError", func(t *testing.T) {
			_, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Filter: model.TaskFilter{AssigneeIDs: []string{"a\x00"}}})
			wantInputError(t, err, "filter.assigneeIds")
		})
		t.Run("KeysetPages", func(t *testing.T) {
			f := model.TaskFilter{AssignedToMe: ptr(true)}
			var got []string
			var after *string
			for {
				page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Filter: f, First: ptr(1), After: after})
				if err != nil {
					t.Fatal(err)
				}
				for _, edge := range page.Edges {
					got = append(got, edge.Node.Title)
				}
				if !page.HasNextPage {
					break
				}
				after = &page.Edges[len(page.Edges)-1].Cursor
			}
			if !slices.Equal(got, []string{"inbox", "a2", "a1"}) {
				t.Errorf("paged one by one: %v", got)
			}
			// A cursor of this filter is refused by another.
			_, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Filter: model.TaskFilter{AssignedToMe: ptr(false)}, First: ptr(1), After: after})
			wantInputError(t, err, "after")
		})
		t.Run("ReadCache", func(t *testing.T) {
			cached := e.store.WithReadCache(model.NewReadCache(1 << 20))
			read := func(f model.TaskFilter) int {
				page, err := cached.ListTasks(ctx, "bob", model.ListQuery{Filter: f})
				if err != nil {
					t.Fatal(err)
				}
				return len(page.Edges)
			}
			mine, others := model.TaskFilter{AssignedToMe: ptr(true)}, model.TaskFilter{AssignedToMe: ptr(false)}
			if a, b := read(mine), read(others); a != 2 || b != 3 {
				t.Fatalf("bob's tasks: %d assigned to him, %d others", a, b)
			}
			task := mk("late", l.ID, nil)
			if _, _, err := e.store.UpdateTask(ctx, "alice", task.ID, model.TaskPatch{AssigneeID: model.Some("bob")}); err != nil {
				t.Fatal(err)
			}
			if a, b := read(mine), read(others); a != 3 || b != 3 {
				t.Errorf("after an assignment, through the cache: %d assigned to bob, %d others", a, b)
			}
		})
	})
}

// TestNextOccurrenceKeepsTheAssignee: completing an occurrence of a series creates the next one for the same
// member.
func TestNextOccurrenceKeepsTheAssignee(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		due := start.Add(time.Hour)
		task := e.create(t, "alice", model.CreateTaskInput{Title: "weekly", ListID: &l.ID, AssigneeID: ptr("bob"), DueAt: &due,
			Recurrence: &model.RecurrenceInput{Frequency: model.RecurrenceFrequencyWeekly, Interval: 1, TimeZone: "UTC"}})
		_, next, err := e.store.SetTaskCompleted(ctx, "bob", task.ID, true)
		if err != nil || next == nil || assignee(next) != "bob" || assignee(e.get(t, "alice", next.ID)) != "bob" {
			t.Fatalf("the next occurrence: %+v, %v", next, err)
		}
	})
}

// TestRetriedCreateAnswersAfterTheAssigneeLeft: a createTask retried with its idempotency key answers with the task
// it created, as it is now, even when the assignee it named has left the list since.
func TestRetriedCreateAnswersAfterTheAssigneeLeft(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.sharedList(t, model.ListRoleEditor)
		in := model.CreateTaskInput{Title: "once", ListID: &l.ID, AssigneeID: ptr("bob"), IdempotencyKey: ptr("k1")}
		task := e.create(t, "alice", in)
		if _, err := e.store.RemoveListMember(ctx, "bob", l.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		again, err := e.store.CreateTask(ctx, "alice", in)
		if err != nil || again.ID != task.ID || again.AssigneeID != nil || again.Version != 2 {
			t.Fatalf("the retry: %+v, %v; want the task, unassigned", again, err)
		}
	})
}
