package model_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
)

// events reads the whole feed of userID after the cursor after, failing the test on an error.
func (e *env) events(t testing.TB, userID, after string) []*model.TaskEvent {
	t.Helper()
	var out []*model.TaskEvent
	for {
		page, err := e.store.TaskEvents(ctx, userID, after, model.MaxEventPageSize)
		if err != nil {
			t.Fatalf("TaskEvents(%q): %v", userID, err)
		}
		out = append(out, page.Events...)
		after = page.EndCursor
		if !page.HasMore {
			return out
		}
	}
}

// start0 is the cursor of the start of userID's feed.
func start0(userID string) string { return model.EventCursor(userID, 0) }

// kinds renders events as "KIND:title" (the snapshot's title, or the task id for DELETED), for comparisons.
func kinds(events []*model.TaskEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		switch {
		case ev.Task != nil:
			out[i] = string(ev.Kind) + ":" + ev.Task.Title
		case ev.TaskID != nil:
			out[i] = string(ev.Kind) + ":" + ev.TaskID.String()
		default:
			out[i] = string(ev.Kind)
		}
	}
	return out
}

// wantContiguous fails the test unless the events have positions from, from+1, ... and cursors that say so.
func wantContiguous(t testing.TB, userID string, events []*model.TaskEvent, from int64) {
	t.Helper()
	for i, ev := range events {
		want := from + int64(i)
		if ev.Position != want || ev.Cursor != model.EventCursor(userID, want) {
			t.Fatalf("event %d has position %d (cursor %q), want %d", i, ev.Position, ev.Cursor, want)
		}
	}
}

func TestFeedEveryMutation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "feed-user"
		mark := func() string {
			t.Helper()
			c, err := e.store.TaskEventCursor(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// since returns what the feed got after cursor c and checks that each event's snapshot was made then.
		since := func(c string) []*model.TaskEvent { t.Helper(); return e.events(t, u, c) }
		wantNone := func(what, c string) {
			t.Helper()
			if got := since(c); len(got) != 0 {
				t.Errorf("%s emitted %q, want nothing", what, kinds(got))
			}
		}

		if c := mark(); c != start0(u) {
			t.Fatalf("the cursor of an empty feed = %q, want the start %q", c, start0(u))
		}

		c := mark()
		a := e.create(t, u, model.CreateTaskInput{Title: "a", Tags: []string{"x"}, IdempotencyKey: ptr("key-a")})
		got := since(c)
		if len(got) != 1 || got[0].Kind != model.TaskEventCreated || *got[0].TaskID != a.ID || describe(got[0].Task) != describe(a) {
			t.Fatalf("createTask emitted %q, want CREATED with the task", kinds(got))
		}
		if !got[0].At.Equal(start) {
			t.Errorf("at = %v, want the time of the change %v", got[0].At, start)
		}

		c = mark()
		if _, err := e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: "a", IdempotencyKey: ptr("key-a")}); err != nil {
			t.Fatal(err)
		}
		wantNone("a retried createTask", c)
		if _, err := e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: ""}); err == nil {
			t.Fatal("a blank title was accepted")
		}
		wantNone("an invalid createTask", c)

		e.clock.Advance(time.Minute)
		c = mark()
		updated, _, err := e.store.UpdateTask(ctx, u, a.ID, model.TaskPatch{Title: model.Some("a2")})
		if err != nil {
			t.Fatal(err)
		}
		got = since(c)
		if len(got) != 1 || got[0].Kind != model.TaskEventUpdated || describe(got[0].Task) != describe(updated) {
			t.Fatalf("updateTask emitted %q, want UPDATED with %s", kinds(got), describe(updated))
		}

		c = mark()
		if _, _, err := e.store.UpdateTask(ctx, u, a.ID, model.TaskPatch{Title: model.Some("a2"), Tags: model.Some([]string{"X"})}); err != nil {
			t.Fatal(err)
		}
		wantNone("a no-op updateTask", c)
		if _, _, err := e.store.UpdateTask(ctx, u, a.ID, model.TaskPatch{Title: model.Some(" ")}); err == nil {
			t.Fatal("a blank title was accepted")
		}
		wantNone("an invalid updateTask", c)
		wantNotFound(t, func() error { _, _, err := e.store.UpdateTask(ctx, u, uuid.New(), model.TaskPatch{}); return err }())
		wantNone("an updateTask of a missing task", c)

		c = mark()
		done, _, err := e.store.SetTaskCompleted(ctx, u, a.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		got = since(c)
		if len(got) != 1 || got[0].Kind != model.TaskEventUpdated || !got[0].Task.Completed || describe(got[0].Task) != describe(done) {
			t.Fatalf("setTaskCompleted emitted %q, want UPDATED with the completed task", kinds(got))
		}
		c = mark()
		if _, _, err := e.store.SetTaskCompleted(ctx, u, a.ID, true); err != nil {
			t.Fatal(err)
		}
		wantNone("a repeated setTaskCompleted", c)

		b := e.create(t, u, model.CreateTaskInput{Title: "b"})
		c = mark()
		if err := e.store.DeleteTask(ctx, u, b.ID); err != nil {
			t.Fatal(err)
		}
		got = since(c)
		if len(got) != 1 || got[0].Kind != model.TaskEventDeleted || *got[0].TaskID != b.ID || got[0].Task != nil {
			t.Fatalf("deleteTask emitted %q, want DELETED with the id and no task", kinds(got))
		}
		c = mark()
		wantNotFound(t, e.store.DeleteTask(ctx, u, b.ID))
		wantNone("a retried deleteTask", c)

		d := e.create(t, u, model.CreateTaskInput{Title: "d"})
		if _, _, err := e.store.SetTaskCompleted(ctx, u, d.ID, true); err != nil {
			t.Fatal(err)
		}
		e.create(t, u, model.CreateTaskInput{Title: "pending"})
		c = mark()
		ids, err := e.store.ClearCompletedTasks(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		got = since(c)
		var deleted []uuid.UUID
		for _, ev := range got {
			if ev.Kind != model.TaskEventDeleted || ev.Task != nil {
				t.Errorf("clearCompletedTasks emitted %q, want only DELETED", kinds(got))
			}
			deleted = append(deleted, *ev.TaskID)
		}
		if len(ids) != 2 || !slices.Equal(deleted, ids) {
			t.Errorf("clearCompletedTasks deleted %v and emitted DELETED for %v, want one each, in the same order", ids, deleted)
		}
		c = mark()
		if _, err := e.store.ClearCompletedTasks(ctx, u); err != nil {
			t.Fatal(err)
		}
		wantNone("clearCompletedTasks with nothing completed", c)

		// The whole feed: contiguous from 1, each event with the task as that change left it.
		all := e.events(t, u, start0(u))
		wantContiguous(t, u, all, 1)
		want := []string{"CREATED:a", "UPDATED:a2", "UPDATED:a2", "CREATED:b", "DELETED:" + b.ID.String(), "CREATED:d",
			"UPDATED:d", "CREATED:pending", "DELETED:" + ids[0].String(), "DELETED:" + ids[1].String()}
		if !slices.Equal(kinds(all), want) {
			t.Errorf("feed = %q\nwant %q", kinds(all), want)
		}
		if all[1].Task.Completed || !all[2].Task.Completed {
			t.Error("the snapshots do not show each change as it was committed")
		}
	})
}

func TestFeedCursors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for i := range 5 {
			e.create(t, "u", model.CreateTaskInput{Title: fmt.Sprint("t", i)})
		}
		e.create(t, "v", model.CreateTaskInput{Title: "other"})

		t.Run("Pages", func(t *testing.T) {
			after := start0("u")
			var got []*model.TaskEvent
			for range 3 {
				page, err := e.store.TaskEvents(ctx, "u", after, 2)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page.Events...)
				if page.HasMore != (len(got) < 5) {
					t.Errorf("after %d events hasMore = %t", len(got), page.HasMore)
				}
				after = page.EndCursor
			}
			wantContiguous(t, "u", got, 1)
			if len(got) != 5 {
				t.Fatalf("paged %d events, want 5", len(got))
			}
			page, err := e.store.TaskEvents(ctx, "u", after, 2)
			if err != nil || len(page.Events) != 0 || page.HasMore || page.EndCursor != after {
				t.Errorf("at the head: %+v, %v; want no events, no more, the same cursor", page, err)
			}
		})
		t.Run("ErrFirst", func(t *testing.T) {
			for _, n := range []int{0, -1, model.MaxEventPageSize + 1} {
				_, err := e.store.TaskEvents(ctx, "u", start0("u"), n)
				wantInputError(t, err, "first")
			}
		})
		t.Run("ErrAfter", func(t *testing.T) {
			head, err := e.store.TaskEventCursor(ctx, "u")
			if err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]string{
				"empty":           "",
				"not base64":      "%%%",
				"garbage":         "Zm9v",
				"a task cursor":   "eyJoIjoiIn0",
				"negative":        forge("e1:" + tagOf(t, "u") + ":-1"),
				"not canonical":   forge("e1:" + tagOf(t, "u") + ":01"),
				"another user's":  model.EventCursor("v", 1),
				"beyond the head": model.EventCursor("u", 6),
				"with padding":    head + "==",
			} {
				t.Run(name, func(t *testing.T) {
					_, err := e.store.TaskEvents(ctx, "u", c, 10)
					wantInputError(t, err, "after")
					if _, err := model.ParseEventCursor("u", c); err == nil && name != "beyond the head" {
						t.Errorf("ParseEventCursor(%q) accepted it", c)
					}
				})
			}
		})
	})
}

// forge base64url-encodes a cursor's text, as someone who read one could.
func forge(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// tagOf returns the user tag inside a cursor of userID.
func tagOf(t testing.TB, userID string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(model.EventCursor(userID, 0))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw[3 : len(raw)-2])
}

func TestFeedIsolation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// Both users write, interleaved, so that their positions overlap.
		for i := range 3 {
			e.create(t, "alice", model.CreateTaskInput{Title: fmt.Sprint("alice ", i)})
			e.create(t, "bob", model.CreateTaskInput{Title: fmt.Sprint("bob ", i)})
		}
		for _, user := range []string{"alice", "bob"} {
			for _, ev := range e.events(t, user, start0(user)) {
				if ev.Task == nil || ev.Task.CreatedBy != user {
					t.Errorf("%s's feed holds %q", user, kinds([]*model.TaskEvent{ev}))
				}
			}
		}
		// Every cursor alice was ever given is refused in bob's name, and the other way round.
		for p := range int64(4) {
			if _, err := e.store.TaskEvents(ctx, "bob", model.EventCursor("alice", p), 10); err == nil {
				t.Errorf("bob read with alice's cursor at %d", p)
			}
			if _, err := e.store.TaskEvents(ctx, "alice", model.EventCursor("bob", p), 10); err == nil {
				t.Errorf("alice read with bob's cursor at %d", p)
			}
		}
		page, err := e.store.ListTasks(ctx, "alice", model.ListQuery{WithEventCursor: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.TaskEvents(ctx, "bob", page.EventCursor, 10); err == nil {
			t.Error("bob read with alice's eventCursor")
		}
		heads, err := e.store.FeedHeads(ctx, []string{"alice", "bob", "carol"})
		if err != nil || heads["alice"] != 3 || heads["bob"] != 3 || len(heads) != 2 {
			t.Errorf("FeedHeads = %v, %v; want alice and bob at 3, carol missing", heads, err)
		}
	})
}

// TestFeedOrderConcurrentWriters holds a transaction open after it appended an event and lets other writers of the
// same user pile up behind it: the feed orders them all by commit, the held one first, without gaps, and a reader
// never sees a later event before an earlier one has committed.
func TestFeedOrderConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u, writers = "busy", 6
		held, err := e.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		heldTask := &model.Task{ID: uuid.Must(uuid.NewV7()), CreatedBy: u, ListID: model.InboxID(u), Title: "held", Tags: model.Tags{}, CreatedAt: start, UpdatedAt: start}
		if _, err := model.AppendEvents(ctx, held, u, start, model.NewEvent{Kind: model.TaskEventCreated, TaskID: heldTask.ID, Task: heldTask}); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		created := make(chan uuid.UUID, writers)
		for i := range writers {
			wg.Go(func() {
				task, err := e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: fmt.Sprint("w", i)})
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
					return
				}
				created <- task.ID
			})
		}
		if e.kind == "postgres" {
			// Wait until every writer is blocked on the held transaction's lock of the head row; meanwhile another
			// user's writes are not held up, and nothing of u's is visible.
			waitFor(t, func() bool { return lockWaiters(t, e.db) == writers })
			e.create(t, "someone-else", model.CreateTaskInput{Title: "not held up"})
			if got := e.events(t, u, start0(u)); len(got) != 0 {
				t.Fatalf("while the first writer is open, the feed shows %q", kinds(got))
			}
		}
		if err := held.Commit(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(created)

		all := e.events(t, u, start0(u))
		wantContiguous(t, u, all, 1)
		if len(all) != writers+1 || *all[0].TaskID != heldTask.ID {
			t.Fatalf("feed = %q, want the held event first, then %d more", kinds(all), writers)
		}
		want := map[uuid.UUID]bool{}
		for id := range created {
			want[id] = true
		}
		for _, ev := range all[1:] {
			if !want[*ev.TaskID] {
				t.Errorf("unexpected or repeated event %q", kinds([]*model.TaskEvent{ev}))
			}
			delete(want, *ev.TaskID)
		}
	})
}

// lockWaiters counts the sessions of db's database that wait for a lock.
func lockWaiters(t testing.TB, db *bun.DB) int {
	t.Helper()
	var n int
	if err := db.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).
		Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds, failing the test after 20 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFeedSnapshotCursor lists tasks with the feed's position while writers change them, then applies the events
// after that position to the page: the result is the database's final state, every time. A position read outside
// the page's snapshot would, now and then, skip a change or apply one twice.
func TestFeedSnapshotCursor(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "racer"
		var ids []uuid.UUID
		for i := range 10 {
			ids = append(ids, e.create(t, u, model.CreateTaskInput{Title: fmt.Sprint("t", i)}).ID)
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := ids[i%len(ids)]
				var err error
				switch i % 3 {
				case 0:
					_, _, err = e.store.UpdateTask(ctx, u, id, model.TaskPatch{Title: model.Some(fmt.Sprint("edit ", i))})
				case 1:
					_, _, err = e.store.SetTaskCompleted(ctx, u, id, i%2 == 0)
				default:
					_, err = e.store.CreateTask(ctx, u, model.CreateTaskInput{Title: fmt.Sprint("new ", i)})
				}
				if err != nil && ctx.Err() == nil {
					t.Errorf("writer: %v", err)
				}
			}
		})
		var pages []*model.TaskPage
		for range 20 {
			page, err := e.store.ListTasks(ctx, u, model.ListQuery{First: ptr(100), WithEventCursor: true})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, page)
		}
		cancel()
		wg.Wait()

		final, err := e.store.ListTasks(context.Background(), u, model.ListQuery{First: ptr(100)})
		if err != nil {
			t.Fatal(err)
		}
		for i, page := range pages {
			state := map[uuid.UUID]string{}
			for _, edge := range page.Edges {
				state[edge.Node.ID] = describe(edge.Node)
			}
			for _, ev := range e.events(t, u, page.EventCursor) {
				switch ev.Kind {
				case model.TaskEventDeleted:
					delete(state, *ev.TaskID)
				default:
					state[*ev.TaskID] = describe(ev.Task)
				}
			}
			if len(state) != len(final.Edges) {
				t.Fatalf("page %d plus its events has %d tasks, the database %d", i, len(state), len(final.Edges))
			}
			for _, edge := range final.Edges {
				if state[edge.Node.ID] != describe(edge.Node) {
					t.Fatalf("page %d plus its events: %s\nthe database: %s", i, state[edge.Node.ID], describe(edge.Node))
				}
			}
		}
	})
}

func TestFeedRetention(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const u = "keeper"
		for i := range 3 {
			e.create(t, u, model.CreateTaskInput{Title: fmt.Sprint("old ", i)})
		}
		e.create(t, "other", model.CreateTaskInput{Title: "other old"})
		e.clock.Advance(2 * time.Hour)
		e.create(t, u, model.CreateTaskInput{Title: "new 3"})
		e.create(t, u, model.CreateTaskInput{Title: "new 4"})

		n, err := e.store.PruneEvents(ctx, e.clock.Now().Add(-time.Hour))
		if err != nil || n != 4 {
			t.Fatalf("PruneEvents = %d, %v; want 4 (three of %s's, one of other's)", n, err, u)
		}
		if n, err := e.store.PruneEvents(ctx, e.clock.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("PruneEvents again = %d, %v; want 0", n, err)
		}

		for _, after := range []int64{0, 1, 2} {
			got := e.events(t, u, model.EventCursor(u, after))
			want := []string{"RESET", "CREATED:new 3", "CREATED:new 4"}
			if !slices.Equal(kinds(got), want) {
				t.Fatalf("after %d: %q, want %q", after, kinds(got), want)
			}
			if got[0].Cursor != model.EventCursor(u, 3) || got[0].TaskID != nil || got[0].Task != nil {
				t.Errorf("RESET = %+v, want the cursor where the kept events begin and no task", got[0])
			}
			wantContiguous(t, u, got[1:], 4)
		}
		if got := e.events(t, u, model.EventCursor(u, 3)); !slices.Equal(kinds(got), []string{"CREATED:new 3", "CREATED:new 4"}) {
			t.Errorf("after the last pruned event: %q, want the kept events without RESET", kinds(got))
		}
		// A page of one holds only the RESET, and reading on from it gives the kept events.
		page, err := e.store.TaskEvents(ctx, u, start0(u), 1)
		if err != nil || len(page.Events) != 1 || page.Events[0].Kind != model.TaskEventReset || !page.HasMore {
			t.Fatalf("first 1 = %+v, %v; want just RESET and more", page, err)
		}
		if got := e.events(t, u, page.EndCursor); len(got) != 2 || got[0].Kind != model.TaskEventCreated {
			t.Errorf("after the RESET: %q", kinds(got))
		}
		// The feed goes on numbering after pruning.
		e.create(t, u, model.CreateTaskInput{Title: "new 5"})
		if got := e.events(t, u, model.EventCursor(u, 4)); len(got) != 2 || got[1].Position != 6 {
			t.Errorf("after pruning: %q", kinds(got))
		}
	})
}
