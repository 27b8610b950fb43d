package model_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"taskapi/model"
	"taskapi/ordkey"
)

// The manual order of a list: where new tasks go, moveTask, and paging over orderBy POSITION.

var byPosition = &model.TaskOrder{Field: model.TaskOrderFieldPosition, Direction: model.OrderDirectionAsc}

// order returns the titles of the live tasks of list as userID sees them in the manual order, read page by page.
func (e *env) order(t testing.TB, userID string, list uuid.UUID) []string {
	t.Helper()
	var out []string
	var after *string
	for {
		page, err := e.store.ListTasks(ctx, userID, model.ListQuery{Order: byPosition, First: ptr(100), After: after,
			Filter: model.TaskFilter{ListIDs: []uuid.UUID{list}}})
		if err != nil {
			t.Fatalf("ListTasks by POSITION: %v", err)
		}
		for _, edge := range page.Edges {
			out = append(out, edge.Node.Title)
		}
		if !page.HasNextPage {
			return out
		}
		after = &page.Edges[len(page.Edges)-1].Cursor
	}
}

// move moves a task or fails the test.
func (e *env) move(t testing.TB, userID string, id uuid.UUID, in model.TaskMove) *model.Task {
	t.Helper()
	task, err := e.store.MoveTask(ctx, userID, id, in)
	if err != nil {
		t.Fatalf("MoveTask: %v", err)
	}
	return task
}

// after is a placement right after the task id; top and end the other two.
func after(id uuid.UUID) model.Placement { return model.Placement{After: model.Some(id)} }

var (
	top = model.Placement{After: model.Null[uuid.UUID]()}
	end = model.Placement{}
)

// positions returns every task's key of list, the trash included, by id, read from the table itself.
func (e *env) positions(t testing.TB, list uuid.UUID) map[uuid.UUID]string {
	t.Helper()
	var rows []struct {
		ID       uuid.UUID `bun:"id"`
		Position string    `bun:"position"`
	}
	if err := e.db.NewSelect().TableExpr("tasks").Column("id", "position").Where("list_id = ?", list).
		Scan(model.AcrossUsers(ctx), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]string{}
	for _, r := range rows {
		out[r.ID] = r.Position
	}
	return out
}

func TestNewTasksGoToTheEndOfTheirListOrAfterATask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "c", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "a2", ListID: &l.ID, AfterTaskID: &a.ID})
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a", "a2", "b", "c"}) {
			t.Errorf("order = %q", got)
		}
		for id, key := range e.positions(t, l.ID) {
			if err := ordkey.Validate(key); err != nil {
				t.Errorf("task %s has key %q: %v", id, key, err)
			}
		}
		// Another list's order is its own.
		inbox := e.create(t, "alice", model.CreateTaskInput{Title: "inbox"})
		if got := e.order(t, "alice", inbox.ListID); !slices.Equal(got, []string{"inbox"}) {
			t.Errorf("Inbox order = %q", got)
		}
	})
}

func TestAfterTaskIDMustBeALiveTaskOfTheTargetList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		other := e.newList(t, "alice", "other")
		task := e.create(t, "alice", model.CreateTaskInput{Title: "task", ListID: &l.ID})
		elsewhere := e.create(t, "alice", model.CreateTaskInput{Title: "elsewhere", ListID: &other.ID})
		trashed := e.create(t, "alice", model.CreateTaskInput{Title: "trashed", ListID: &l.ID})
		if err := e.store.DeleteTask(ctx, "alice", trashed.ID); err != nil {
			t.Fatal(err)
		}
		carols := e.create(t, "carol", model.CreateTaskInput{Title: "carol's"})
		want := []string{"input.afterTaskId:INVALID"}
		cases := map[string]uuid.UUID{"another list's": elsewhere.ID, "trashed": trashed.ID, "invisible": carols.ID,
			"unknown": uuid.New()}
		for name, id := range cases {
			_, err := e.store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "new", ListID: &l.ID, AfterTaskID: &id})
			if got := problems(t, err); !slices.Equal(got, want) {
				t.Errorf("create after the %s task: %q", name, got)
			}
			_, err = e.store.MoveTask(ctx, "alice", task.ID, model.TaskMove{Place: after(id)})
			if got := problems(t, err); !slices.Equal(got, want) {
				t.Errorf("move after the %s task: %q", name, got)
			}
		}
		_, err := e.store.MoveTask(ctx, "alice", task.ID, model.TaskMove{Place: after(task.ID)})
		if got := problems(t, err); !slices.Equal(got, want) {
			t.Errorf("move after itself: %q", got)
		}
		// Into another list, the task to go after must be of that list.
		_, err = e.store.MoveTask(ctx, "alice", task.ID, model.TaskMove{ListID: &other.ID, Place: after(task.ID)})
		if got := problems(t, err); !slices.Equal(got, want) {
			t.Errorf("move to another list after a task of the first: %q", got)
		}
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"task"}) {
			t.Errorf("after the refused writes, the order is %q", got)
		}
		if got := e.get(t, "alice", task.ID).Version; got != 1 {
			t.Errorf("version after refused moves = %d", got)
		}
	})
}

func TestMoveTaskToTheTopTheEndOrAfterATask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		ids := map[string]uuid.UUID{}
		for _, title := range []string{"a", "b", "c", "d"} {
			ids[title] = e.create(t, "alice", model.CreateTaskInput{Title: title, ListID: &l.ID}).ID
		}
		steps := []struct {
			task  string
			place model.Placement
			want  []string
		}{
			{"d", top, []string{"d", "a", "b", "c"}},
			{"d", end, []string{"a", "b", "c", "d"}},
			{"a", after(ids["c"]), []string{"b", "c", "a", "d"}},
			{"d", after(ids["b"]), []string{"b", "d", "c", "a"}},
			{"b", top, []string{"b", "d", "c", "a"}}, // already there: a no-op
			{"a", end, []string{"b", "d", "c", "a"}}, // already there
			{"c", after(ids["d"]), []string{"b", "d", "c", "a"}},
			{"b", after(ids["a"]), []string{"d", "c", "a", "b"}},
		}
		for i, step := range steps {
			before := e.get(t, "alice", ids[step.task])
			keys := e.positions(t, l.ID)
			cursor := e.cursor(t, "alice")
			moved := e.move(t, "bob", ids[step.task], model.TaskMove{Place: step.place})
			if got := e.order(t, "alice", l.ID); !slices.Equal(got, step.want) {
				t.Fatalf("step %d: order %q, want %q", i, got, step.want)
			}
			events := e.events(t, "alice", cursor)
			noop := slices.Equal(e.order(t, "alice", l.ID), step.want) && moved.Position == before.Position
			if noop {
				if moved.Version != before.Version || len(events) != 0 || !moved.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("step %d, a no-op: version %d -> %d, %d events", i, before.Version, moved.Version, len(events))
				}
				continue
			}
			if moved.Version != before.Version+1 {
				t.Errorf("step %d: version %d -> %d", i, before.Version, moved.Version)
			}
			if len(events) != 1 || events[0].Kind != model.TaskEventUpdated || events[0].Task == nil ||
				events[0].Task.Position != moved.Position {
				t.Errorf("step %d: alice's events %v", i, kinds(events))
			}
			if h := e.history(t, "alice", moved); len(h) == 0 || h[0] != "UPDATED bob position" {
				t.Errorf("step %d: history %q", i, h)
			}
			// The move wrote the moved task alone.
			now := e.positions(t, l.ID)
			for id, key := range keys {
				if id != moved.ID && now[id] != key {
					t.Errorf("step %d: the move changed the key of another task", i)
				}
			}
		}
	})
}

func TestMoveTaskToAnotherList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		from := e.newList(t, "alice", "from")
		to := e.newList(t, "alice", "to")
		e.share(t, "alice", from.ID, "bob", model.ListRoleViewer)  // sees only the list the task leaves
		e.share(t, "alice", to.ID, "carol", model.ListRoleViewer)  // sees only the list it goes to
		e.share(t, "alice", from.ID, "dave", model.ListRoleEditor) // sees both
		e.share(t, "alice", to.ID, "dave", model.ListRoleEditor)
		tags := []string{"t"}
		task := e.create(t, "alice", model.CreateTaskInput{Title: "moving", ListID: &from.ID, Tags: tags})
		x := e.create(t, "alice", model.CreateTaskInput{Title: "x", ListID: &to.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "y", ListID: &to.ID})
		cursors := map[string]string{}
		for _, u := range []string{"alice", "bob", "carol", "dave"} {
			cursors[u] = e.cursor(t, u)
		}
		moved := e.move(t, "dave", task.ID, model.TaskMove{ListID: &to.ID, Place: after(x.ID)})
		if moved.ListID != to.ID || moved.Version != 2 {
			t.Fatalf("moved: list %s, version %d", moved.ListID, moved.Version)
		}
		if got := e.order(t, "alice", to.ID); !slices.Equal(got, []string{"x", "moving", "y"}) {
			t.Errorf("the list it went to: %q", got)
		}
		if got := e.order(t, "alice", from.ID); len(got) != 0 {
			t.Errorf("the list it left: %q", got)
		}
		want := map[string]string{"alice": "UPDATED", "bob": "DELETED", "carol": "CREATED", "dave": "UPDATED"}
		for u, kind := range want {
			events := e.events(t, u, cursors[u])
			if len(events) != 1 || string(events[0].Kind) != kind {
				t.Errorf("%s's events: %v, want one %s", u, kinds(events), kind)
				continue
			}
			if h := e.history(t, u, moved); kind == "UPDATED" && (len(h) == 0 || h[0] != "UPDATED dave list,position") {
				t.Errorf("%s's history: %q", u, h)
			}
		}
		// Its tags went along.
		tagCounts, err := e.store.Tags(ctx, "carol", 10, nil)
		if err != nil || len(tagCounts) != 1 || tagCounts[0].Count != 1 {
			t.Errorf("carol's tags: %v, %v", tagCounts, err)
		}
		// updateTask's listId puts the task at the end of the list it goes to.
		if _, _, err := e.store.UpdateTask(ctx, "alice", moved.ID, model.TaskPatch{ListID: model.Some(from.ID)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.UpdateTask(ctx, "alice", moved.ID, model.TaskPatch{ListID: model.Some(to.ID)}); err != nil {
			t.Fatal(err)
		}
		if got := e.order(t, "alice", to.ID); !slices.Equal(got, []string{"x", "y", "moving"}) {
			t.Errorf("after updateTask's move: %q", got)
		}
	})
}

func TestMoveTaskRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		e.share(t, "alice", l.ID, "bob", model.ListRoleViewer)
		viewed := e.newList(t, "alice", "viewed")
		e.share(t, "alice", viewed.ID, "bob", model.ListRoleViewer)
		bobs := e.newList(t, "bob", "bob's")
		task := e.create(t, "alice", model.CreateTaskInput{Title: "task", ListID: &l.ID})
		own := e.create(t, "bob", model.CreateTaskInput{Title: "own", ListID: &bobs.ID})
		carols := e.newList(t, "carol", "carol's")

		if _, err := e.store.MoveTask(ctx, "bob", task.ID, model.TaskMove{Place: top}); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("a VIEWER moves a task: %v", err)
		}
		if _, err := e.store.MoveTask(ctx, "bob", own.ID, model.TaskMove{ListID: &viewed.ID}); !errors.Is(err, model.ErrForbidden) {
			t.Errorf("a move to a list bob views: %v", err)
		}
		if _, err := e.store.MoveTask(ctx, "bob", own.ID, model.TaskMove{ListID: &carols.ID}); !errors.Is(err, model.ErrListNotFound) {
			t.Errorf("a move to a list bob is no member of: %v", err)
		}
		wantNotFound(t, func() error {
			_, err := e.store.MoveTask(ctx, "carol", task.ID, model.TaskMove{Place: top})
			return err
		}())
	})
}

func TestMoveTaskIfVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		if _, _, err := e.store.UpdateTask(ctx, "alice", a.ID, model.TaskPatch{Title: model.Some("a!")}); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.MoveTask(ctx, "alice", a.ID, model.TaskMove{Place: end, IfVersion: ptr(1)})
		var conflict *model.ConflictError
		if !errors.As(err, &conflict) || conflict.Current.Version != 2 || conflict.Current.Title != "a!" {
			t.Fatalf("a move at an old version: %v", err)
		}
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a!", "b"}) {
			t.Errorf("order after the conflict: %q", got)
		}
		moved := e.move(t, "alice", a.ID, model.TaskMove{Place: end, IfVersion: ptr(2)})
		if moved.Version != 3 || !slices.Equal(e.order(t, "alice", l.ID), []string{"b", "a!"}) {
			t.Errorf("a move at the current version: version %d, order %q", moved.Version, e.order(t, "alice", l.ID))
		}
	})
}

// TestRacingPlacementsNeverShareAKey has many writers put tasks right after the same task at once, moving and
// creating: every write succeeds, every key of the list is distinct, and the list holds every task once.
func TestRacingPlacementsNeverShareAKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		anchor := e.create(t, "alice", model.CreateTaskInput{Title: "anchor", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "next", ListID: &l.ID})
		const n = 12
		movers := make([]*model.Task, n)
		for i := range movers {
			movers[i] = e.create(t, "alice", model.CreateTaskInput{Title: fmt.Sprint("m", i), ListID: &l.ID})
		}
		var wg sync.WaitGroup
		errs := make(chan error, 3*n)
		for i := range n {
			user := []string{"alice", "bob"}[i%2]
			wg.Go(func() {
				_, err := e.store.MoveTask(ctx, user, movers[i].ID, model.TaskMove{Place: after(anchor.ID)})
				errs <- err
			})
			wg.Go(func() {
				_, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: fmt.Sprint("c", i), ListID: &l.ID, AfterTaskID: &anchor.ID})
				errs <- err
			})
			wg.Go(func() {
				_, err := e.store.CreateTask(ctx, user, model.CreateTaskInput{Title: fmt.Sprint("e", i), ListID: &l.ID})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		keys := e.positions(t, l.ID)
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("key %q is held twice", k)
			}
			seen[k] = true
		}
		got := e.order(t, "alice", l.ID)
		if len(got) != 2+3*n || got[0] != "anchor" {
			t.Fatalf("order: %q", got)
		}
		// Right after the anchor come the 2n tasks put there, in some order, then "next", then the appended.
		for _, title := range got[1 : 1+2*n] {
			if !strings.HasPrefix(title, "m") && !strings.HasPrefix(title, "c") {
				t.Errorf("order: %q", got)
				break
			}
		}
		if got[1+2*n] != "next" {
			t.Errorf("order: %q", got)
		}
	})
}

// TestKeysTooLongRenumberTheList gives two neighbours keys of ordkey.MaxLen bytes with no key between them: a task
// put between them makes the store renumber the list, in the same write, keeping its order.
func TestKeysTooLongRenumberTheList(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		b := e.create(t, "alice", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		c := e.create(t, "alice", model.CreateTaskInput{Title: "c", ListID: &l.ID})
		trashed := e.create(t, "alice", model.CreateTaskInput{Title: "trashed", ListID: &l.ID})
		if err := e.store.DeleteTask(ctx, "alice", trashed.ID); err != nil {
			t.Fatal(err)
		}
		long := "a0" + strings.Repeat("V", ordkey.MaxLen-2)
		longer := "a0" + strings.Repeat("V", ordkey.MaxLen-3) + "W"
		if _, err := ordkey.Between(long, longer); !errors.Is(err, ordkey.ErrTooLong) {
			t.Fatalf("the test's keys leave room: %v", err)
		}
		for id, key := range map[uuid.UUID]string{a.ID: long, b.ID: longer} {
			if _, err := e.db.NewUpdate().TableExpr("tasks").Set("position = ?", key).Where("id = ?", id).
				Exec(model.AcrossUsers(ctx)); err != nil {
				t.Fatal(err)
			}
		}
		moved := e.move(t, "alice", c.ID, model.TaskMove{Place: after(a.ID)})
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a", "c", "b"}) {
			t.Errorf("order after renumbering: %q", got)
		}
		keys := e.positions(t, l.ID)
		if len(keys) != 4 {
			t.Fatalf("keys: %v", keys)
		}
		for id, key := range keys {
			if len(key) > 3 || ordkey.Validate(key) != nil {
				t.Errorf("task %s has key %q after renumbering", id, key)
			}
		}
		if moved.Position != keys[c.ID] || !(keys[a.ID] < keys[c.ID] && keys[c.ID] < keys[b.ID] && keys[b.ID] < keys[trashed.ID]) {
			t.Errorf("keys after renumbering: %v, the moved task's %q", keys, moved.Position)
		}
		// The trashed task kept its place, and comes back to it.
		if _, err := e.store.RestoreTask(ctx, "alice", trashed.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a", "c", "b", "trashed"}) {
			t.Errorf("order after the restore: %q", got)
		}
	})
}

// TestTrashedTasksKeepTheirKeys: a task in the trash is no neighbour but keeps its key, which no new key takes, so
// that restoring it brings it back to its place.
func TestTrashedTasksKeepTheirKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		l := e.newList(t, "alice", "L")
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		b := e.create(t, "alice", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		c := e.create(t, "alice", model.CreateTaskInput{Title: "c", ListID: &l.ID})
		for _, id := range []uuid.UUID{b.ID, c.ID} {
			if err := e.store.DeleteTask(ctx, "alice", id); err != nil {
				t.Fatal(err)
			}
		}
		// Put after a (before b's key) and at the end (after c's key), twice.
		e.create(t, "alice", model.CreateTaskInput{Title: "after a", ListID: &l.ID, AfterTaskID: &a.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "end", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "last", ListID: &l.ID})
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a", "after a", "end", "last"}) {
			t.Errorf("order: %q", got)
		}
		for _, id := range []uuid.UUID{b.ID, c.ID} {
			if _, err := e.store.RestoreTask(ctx, "alice", id); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.order(t, "alice", l.ID); !slices.Equal(got, []string{"a", "after a", "b", "c", "end", "last"}) {
			t.Errorf("order after restoring: %q", got)
		}
	})
}

// TestPagingByPosition pages the manual order of several lists forward and backward: list by list, each in its
// order, the same on both databases, with keys below zero ("Zz", upper case) and above it ("a0", lower case) that a
// collation for people would sort the other way round.
func TestPagingByPosition(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lists := []*model.TaskList{e.newList(t, "alice", "one"), e.newList(t, "alice", "two")}
		slices.SortFunc(lists, func(a, b *model.TaskList) int { return strings.Compare(a.ID.String(), b.ID.String()) })
		var want []string
		for i, l := range lists {
			var ids []uuid.UUID
			for j := range 5 {
				ids = append(ids, e.create(t, "alice", model.CreateTaskInput{Title: fmt.Sprint(i, "-", j), ListID: &l.ID}).ID)
			}
			// Two to the top: their keys start below zero, upper case.
			e.move(t, "alice", ids[3], model.TaskMove{Place: top})
			e.move(t, "alice", ids[4], model.TaskMove{Place: top})
			for _, j := range []int{4, 3, 0, 1, 2} {
				want = append(want, fmt.Sprint(i, "-", j))
			}
		}
		if k := e.get(t, "alice", e.get(t, "alice", e.create(t, "alice", model.CreateTaskInput{Title: "probe", ListID: &lists[0].ID, AfterTaskID: nil}).ID).ID); k.Position < "a" {
			t.Fatalf("an appended key %q", k.Position)
		}
		want = slices.Insert(want, 5, "probe")
		for _, dir := range []model.OrderDirection{model.OrderDirectionAsc, model.OrderDirectionDesc} {
			order := &model.TaskOrder{Field: model.TaskOrderFieldPosition, Direction: dir}
			expect := slices.Clone(want)
			if dir == model.OrderDirectionDesc {
				slices.Reverse(expect)
			}
			// Forward by 3.
			var got []string
			var cursor *string
			for {
				page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Order: order, First: ptr(3), After: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, edge := range page.Edges {
					got = append(got, edge.Node.Title)
				}
				if !page.HasNextPage {
					break
				}
				cursor = &page.Edges[len(page.Edges)-1].Cursor
			}
			if !slices.Equal(got, expect) {
				t.Errorf("%s forward: %q, want %q", dir, got, expect)
			}
			// Backward by 4.
			got = nil
			cursor = nil
			for {
				page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Order: order, Last: ptr(4), Before: cursor})
				if err != nil {
					t.Fatal(err)
				}
				var titles []string
				for _, edge := range page.Edges {
					titles = append(titles, edge.Node.Title)
				}
				got = append(titles, got...)
				if !page.HasPreviousPage {
					break
				}
				cursor = &page.Edges[0].Cursor
			}
			if !slices.Equal(got, expect) {
				t.Errorf("%s backward: %q, want %q", dir, got, expect)
			}
		}
		// A cursor of POSITION with a malformed key is refused as input, not read.
		bad := model.Cursor(&model.Task{ID: uuid.New(), ListID: lists[0].ID, Position: "a0 OR 1=1"}, byPosition, model.TaskFilter{})
		_, err := e.store.ListTasks(ctx, "alice", model.ListQuery{Order: byPosition, After: &bad})
		wantInputError(t, err, "after")
	})
}

// TestReadCacheFollowsAMove: a page of the manual order kept by the read cache is not served after a move.
func TestReadCacheFollowsAMove(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		cached := e.store.WithReadCache(model.NewReadCache(1 << 20))
		l := e.newList(t, "alice", "L")
		e.share(t, "alice", l.ID, "bob", model.ListRoleEditor)
		a := e.create(t, "alice", model.CreateTaskInput{Title: "a", ListID: &l.ID})
		e.create(t, "alice", model.CreateTaskInput{Title: "b", ListID: &l.ID})
		read := func() []string {
			page, err := cached.ListTasks(ctx, "alice", model.ListQuery{Order: byPosition})
			if err != nil {
				t.Fatal(err)
			}
			return titles(func() []*model.Task {
				var out []*model.Task
				for _, edge := range page.Edges {
					out = append(out, edge.Node)
				}
				return out
			}())
		}
		if got := read(); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("first read: %q", got)
		}
		read() // kept
		if _, err := cached.MoveTask(ctx, "bob", a.ID, model.TaskMove{Place: end}); err != nil {
			t.Fatal(err)
		}
		if got := read(); !slices.Equal(got, []string{"b", "a"}) {
			t.Errorf("read after bob's move: %q", got)
		}
	})
}
