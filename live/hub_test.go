package live_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// wait bounds every wait for an event: long enough for a busy CI machine, and a test that passes never waits it out.
const wait = 30 * time.Second

// instance is one server instance's share of the feed: its pool, store and running hub.
type instance struct {
	db    *bun.DB
	store *model.Store
	hub   *live.Hub
}

// startHub runs a hub over db until the test ends.
func startHub(t testing.TB, db *bun.DB, opts live.Options) *instance {
	t.Helper()
	store := model.NewStore(db)
	hub := live.New(store, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hub.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &instance{db: db, store: store, hub: hub}
}

// subscribe subscribes until the test ends, failing it on an error.
func (in *instance) subscribe(t testing.TB, userID string, after *string) <-chan *model.TaskEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := in.hub.Subscribe(ctx, userID, after)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", userID, err)
	}
	return ch
}

// create creates tasks titled prefix0, prefix1, ... through in's store.
func (in *instance) create(t *testing.T, userID, prefix string, n int) {
	t.Helper()
	for i := range n {
		if _, err := in.store.CreateTask(context.Background(), userID, model.CreateTaskInput{Title: fmt.Sprint(prefix, i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// receive takes n events from ch and checks that they are CREATED events of the tasks titled prefix0 ... in order,
// with consecutive positions from firstPos.
func receive(t *testing.T, ch <-chan *model.TaskEvent, n int, prefix string, firstPos int64) {
	t.Helper()
	timeout := time.After(wait)
	for i := range n {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the subscription ended after %d events", i)
			}
			want := fmt.Sprint(prefix, i)
			if ev.Kind != model.TaskEventCreated || ev.Task == nil || ev.Task.Title != want || ev.Position != firstPos+int64(i) {
				t.Fatalf("event %d = %s %v at %d, want CREATED %q at %d", i, ev.Kind, title(ev), ev.Position, want, firstPos+int64(i))
			}
		case <-timeout:
			t.Fatalf("received %d of %d events", i, n)
		}
	}
}

// quiet checks that nothing more arrives on ch for a moment (a duplicate would arrive at the next wake-up).
func quiet(t *testing.T, ch <-chan *model.TaskEvent, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %s %v at %d", ev.Kind, title(ev), ev.Position)
	case <-time.After(d):
	}
}

func title(ev *model.TaskEvent) any {
	if ev.Task == nil {
		return nil
	}
	return ev.Task.Title
}

func ptr[T any](v T) *T { return &v }

func TestSubscribe(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			// A poll of an hour: what arrives does so through the wake-up signal (NOTIFY, or the store's signal on SQLite).
			db := modeltest.MustOpenDB(t, kind)
			in := startHub(t, db, live.Options{Poll: time.Hour, MaxPerUser: 3})
			if kind == modeltest.Postgres {
				waitListening(t, db, 1)
			}
			in.create(t, "u", "before ", 3)

			t.Run("FromNow", func(t *testing.T) {
				ch := in.subscribe(t, "u", nil)
				in.create(t, "other", "not u's ", 2)
				in.create(t, "u", "now ", 2)
				receive(t, ch, 2, "now ", 4)
			})
			t.Run("ReplayThenLive", func(t *testing.T) {
				ch := in.subscribe(t, "u", ptr(model.EventCursor("u", 1)))
				// before 1, before 2, now 0, now 1; then live.
				for i, want := range []string{"before 1", "before 2", "now 0", "now 1"} {
					select {
					case ev := <-ch:
						if title(ev) != want || ev.Position != int64(i+2) {
							t.Fatalf("replayed %v at %d, want %q at %d", title(ev), ev.Position, want, i+2)
						}
					case <-time.After(wait):
						t.Fatal("no replay")
					}
				}
				in.create(t, "u", "live ", 3)
				receive(t, ch, 3, "live ", 6)
				quiet(t, ch, 100*time.Millisecond)
			})
			t.Run("WriterOnACopyOfThePool", func(t *testing.T) {
				// A store over a copy of the *bun.DB (WithQueryHook makes one) wakes the hub of the original.
				copied := model.NewStore(db.WithQueryHook(noHook{}))
				ch := in.subscribe(t, "u", nil)
				if _, err := copied.CreateTask(context.Background(), "u", model.CreateTaskInput{Title: "copy 0"}); err != nil {
					t.Fatal(err)
				}
				receive(t, ch, 1, "copy ", 9)
			})
			t.Run("EndedBeforeItStarted", func(t *testing.T) {
				// The operation ends (its client completed it or went away) while the first read runs: that is
				// no error (it would reach the client as an internal one, and the log at error level), the
				// subscription is simply over.
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				for _, after := range []*string{nil, ptr(model.EventCursor("u", 1))} {
					ch, err := in.hub.Subscribe(ctx, "u", after)
					if err != nil {
						t.Fatalf("Subscribe on an ended context (after %v) = %v, want a closed channel", after, err)
					}
					if _, open := <-ch; open {
						t.Fatal("the channel of an ended subscription delivered an event")
					}
				}
				waitUntil(t, func() bool { return in.hub.Subscriptions() == 0 })
			})
			t.Run("ErrAfter", func(t *testing.T) {
				var ie *model.InputError
				if _, err := in.hub.Subscribe(context.Background(), "u", ptr("nonsense")); !errors.As(err, &ie) || ie.Field != "after" {
					t.Fatalf("Subscribe with a malformed after = %v, want an InputError for after", err)
				}
				if _, err := in.hub.Subscribe(context.Background(), "u", ptr(model.EventCursor("other", 0))); !errors.As(err, &ie) {
					t.Fatalf("Subscribe with another user's cursor = %v, want an InputError", err)
				}
				// The subtests' subscriptions end with them; the refusals never counted.
				waitUntil(t, func() bool { return in.hub.Subscriptions() == 0 })
			})
		})
	}
}

// TestSubscriptionLimit fills a user's quota: one more is refused, the others go on, and ending one frees a place.
func TestSubscriptionLimit(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			in := startHub(t, modeltest.MustOpenDB(t, kind), live.Options{Poll: 50 * time.Millisecond, MaxPerUser: 2})
			first := in.subscribe(t, "u", nil)
			ctx, cancel := context.WithCancel(context.Background())
			second, err := in.hub.Subscribe(ctx, "u", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := in.hub.Subscribe(context.Background(), "u", nil); !errors.Is(err, model.ErrTooManySubscriptions) {
				t.Fatalf("a third subscription: %v, want ErrTooManySubscriptions", err)
			}
			in.subscribe(t, "someone else", nil) // the quota is per user
			in.create(t, "u", "t", 2)
			receive(t, first, 2, "t", 1)
			receive(t, second, 2, "t", 1)

			cancel()
			select {
			case _, ok := <-second:
				if ok {
					t.Fatal("an event after the subscription's context ended")
				}
			case <-time.After(wait):
				t.Fatal("the channel stayed open after the context ended")
			}
			waitUntil(t, func() bool { return in.hub.Subscriptions() == 2 })
			in.subscribe(t, "u", nil)
		})
	}
}

// TestSlowSubscriber leaves one subscription unread while many events are written: the other subscriptions of the
// same user get every event in the meantime, and the slow one, once read, gets them all too, in order.
func TestSlowSubscriber(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			in := startHub(t, modeltest.MustOpenDB(t, kind), live.Options{Poll: 50 * time.Millisecond, Batch: 7})
			slow := in.subscribe(t, "u", nil)
			fast := in.subscribe(t, "u", nil)
			const n = 40
			in.create(t, "u", "t", n)
			receive(t, fast, n, "t", 1)
			receive(t, slow, n, "t", 1)
		})
	}
}

// TestConcurrentWriters delivers, to a subscriber, every event of several concurrent writers once, in the feed's
// order.
func TestConcurrentWriters(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			in := startHub(t, modeltest.MustOpenDB(t, kind), live.Options{Poll: 50 * time.Millisecond})
			ch := in.subscribe(t, "u", nil)
			const writers, each = 4, 10
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() { in.create(t, "u", fmt.Sprintf("w%d-", w), each) })
			}
			seen := map[string]bool{}
			for i := range writers * each {
				select {
				case ev := <-ch:
					if ev.Position != int64(i+1) || seen[ev.Task.Title] {
						t.Fatalf("event %d at position %d (%v), seen before: %t", i, ev.Position, title(ev), seen[ev.Task.Title])
					}
					seen[ev.Task.Title] = true
				case <-time.After(wait):
					t.Fatalf("received %d of %d", i, writers*each)
				}
			}
			wg.Wait()
			quiet(t, ch, 100*time.Millisecond)
		})
	}
}

// TestTwoInstances runs two hubs on one PostgreSQL database, each with its own pool, as two instances of the server
// do: what is written through A reaches subscribers on B.
func TestTwoInstances(t *testing.T) {
	requirePostgres(t)
	t.Run("Notify", func(t *testing.T) {
		t.Parallel()
		dbA := modeltest.MustOpenDB(t, modeltest.Postgres)
		a := startHub(t, dbA, live.Options{Poll: time.Hour})
		b := startHub(t, modeltest.MustOpenAgain(t, dbA, ""), live.Options{Poll: time.Hour})
		ch := b.subscribe(t, "u", nil)
		waitListening(t, dbA, 2)
		a.create(t, "u", "from a ", 5)
		receive(t, ch, 5, "from a ", 1)
	})
	t.Run("PollWithoutNotifications", func(t *testing.T) {
		t.Parallel()
		// B listens on another database, so no notification of A's ever reaches it: the poll alone delivers.
		dbA := modeltest.MustOpenDB(t, modeltest.Postgres)
		elsewhere := modeltest.MustOpenDB(t, modeltest.Postgres)
		a := startHub(t, dbA, live.Options{Poll: time.Hour})
		b := startHub(t, modeltest.MustOpenAgain(t, dbA, ""), live.Options{Poll: 100 * time.Millisecond, ListenDB: elsewhere})
		ch := b.subscribe(t, "u", nil)
		a.create(t, "u", "polled ", 3)
		receive(t, ch, 3, "polled ", 1)
	})
	t.Run("ListenerKilled", func(t *testing.T) {
		t.Parallel()
		dbA := modeltest.MustOpenDB(t, modeltest.Postgres)
		a := startHub(t, dbA, live.Options{Poll: time.Hour})
		b := startHub(t, modeltest.MustOpenAgain(t, dbA, "hub-b"), live.Options{Poll: 200 * time.Millisecond})
		ch := b.subscribe(t, "u", nil)
		waitListening(t, dbA, 2)

		const n = 60
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.create(t, "u", "t", n)
		}()
		// Kill B's listening connection three times while A writes.
		last := 0
		for range 3 {
			var pid int
			waitUntil(t, func() bool {
				err := dbA.NewRaw(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()
					AND application_name = 'hub-b' AND query LIKE 'LISTEN%' AND pid <> ? LIMIT 1`, last).Scan(context.Background(), &pid)
				return err == nil
			})
			last = pid
			var killed bool
			if err := dbA.NewRaw("SELECT pg_terminate_backend(?)", pid).Scan(context.Background(), &killed); err != nil || !killed {
				t.Fatalf("pg_terminate_backend(%d) = %t, %v", pid, killed, err)
			}
		}
		receive(t, ch, n, "t", 1)
		<-done
		quiet(t, ch, 300*time.Millisecond)
	})
}

func requirePostgres(t testing.TB) {
	t.Helper()
	for _, kind := range modeltest.Databases(t) {
		if kind == modeltest.Postgres {
			return
		}
	}
	t.Skip("PostgreSQL is not reachable (and CI is not set)")
}

// waitListening waits until n sessions of db's database LISTEN.
func waitListening(t testing.TB, db *bun.DB, n int) {
	t.Helper()
	waitUntil(t, func() bool {
		var got int
		err := db.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`).
			Scan(context.Background(), &got)
		return err == nil && got >= n
	})
}

// waitUntil polls cond until it holds, failing the test after wait.
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPruning runs a hub whose clock is two hours ahead, with an hour's retention: it prunes at start, and a
// subscription from before the pruned events begins with RESET, then goes on with what follows.
func TestPruning(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			writer := model.NewStore(db)
			for i := range 3 {
				if _, err := writer.CreateTask(context.Background(), "u", model.CreateTaskInput{Title: fmt.Sprint("old ", i)}); err != nil {
					t.Fatal(err)
				}
			}
			later := func() time.Time { return time.Now().Add(2 * time.Hour) }
			in := startHub(t, db, live.Options{Poll: 50 * time.Millisecond, Retention: time.Hour, Now: later})
			waitUntil(t, func() bool {
				// Until the hub's first pruning has run, the subscription would replay the old events.
				page, err := in.store.TaskEvents(context.Background(), "u", model.EventCursor("u", 0), 1)
				return err == nil && len(page.Events) == 1 && page.Events[0].Kind == model.TaskEventReset
			})
			ch := in.subscribe(t, "u", ptr(model.EventCursor("u", 1)))
			select {
			case ev := <-ch:
				if ev.Kind != model.TaskEventReset || ev.Position != 3 {
					t.Fatalf("first event %s at %d, want RESET at 3", ev.Kind, ev.Position)
				}
			case <-time.After(wait):
				t.Fatal("no RESET")
			}
			in.create(t, "u", "new ", 1)
			receive(t, ch, 1, "new ", 4)
		})
	}
}

// noHook is a query hook that does nothing.
type noHook struct{}

func (noHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (noHook) AfterQuery(context.Context, *bun.QueryEvent)                        {}

// TestOnNotify: the hub passes each wake-up on, so that the other background jobs of an instance (the reminder
// scheduler, the webhook worker) learn of writes made through any instance without polling: on PostgreSQL the
// notification of another instance's write, on SQLite this process's own.
func TestOnNotify(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			notified := make(chan struct{}, 100)
			startHub(t, db, live.Options{Poll: time.Hour, OnNotify: func() { notified <- struct{}{} }})
			writer := db
			if kind == modeltest.Postgres {
				writer = modeltest.MustOpenAgain(t, db, "") // another instance's pool
				waitListening(t, db, 1)
			}
			if _, err := model.NewStore(writer).CreateTask(context.Background(), "u", model.CreateTaskInput{Title: "t"}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-notified:
			case <-time.After(wait):
				t.Fatal("OnNotify was not called for the write")
			}
		})
	}
}

// TestSharedListAcrossInstances: a member subscribed on instance B sees a change that another member made on A
// exactly once; removed on A, they get LIST_REMOVED on B and nothing of the list afterwards.
func TestSharedListAcrossInstances(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	ctx := context.Background()
	dbA := modeltest.MustOpenDB(t, modeltest.Postgres)
	a := startHub(t, dbA, live.Options{Poll: time.Hour})
	b := startHub(t, modeltest.MustOpenAgain(t, dbA, ""), live.Options{Poll: time.Hour})

	list, err := a.store.CreateList(ctx, "owner", model.CreateListInput{Name: "Groceries"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.store.CreateListInvitation(ctx, "owner", list.ID, model.ListRoleEditor, 60)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.AcceptListInvitation(ctx, "member", token); err != nil {
		t.Fatal(err)
	}
	ch := b.subscribe(t, "member", nil)
	waitListening(t, dbA, 2)

	if _, err := a.store.CreateTask(ctx, "owner", model.CreateTaskInput{Title: "milk", ListID: &list.ID}); err != nil {
		t.Fatal(err)
	}
	next := func(want model.TaskEventKind) *model.TaskEvent {
		t.Helper()
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the subscription ended")
			}
			if ev.Kind != want || ev.ListID == nil || *ev.ListID != list.ID {
				t.Fatalf("event %s %v (list %v), want %s of list %s", ev.Kind, title(ev), ev.ListID, want, list.ID)
			}
			return ev
		case <-time.After(wait):
			t.Fatalf("no %s event", want)
		}
		return nil
	}
	if ev := next(model.TaskEventCreated); ev.Task == nil || ev.Task.Title != "milk" || ev.ActorID == nil || *ev.ActorID != "owner" {
		t.Fatalf("CREATED = %v by %v, want milk by owner", title(ev), ev.ActorID)
	}
	if _, err := a.store.RemoveListMember(ctx, "owner", list.ID, "member"); err != nil {
		t.Fatal(err)
	}
	if ev := next(model.TaskEventListRemoved); ev.TaskID != nil {
		t.Fatalf("LIST_REMOVED names task %v", ev.TaskID)
	}
	// Once the owner's own subscription on B has the next write, B has handled it; the member's stays quiet.
	owner := b.subscribe(t, "owner", nil)
	if _, err := a.store.CreateTask(ctx, "owner", model.CreateTaskInput{Title: "bread", ListID: &list.ID}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-owner:
		if ev.Task == nil || ev.Task.Title != "bread" {
			t.Fatalf("the owner's event = %s %v, want CREATED bread", ev.Kind, title(ev))
		}
	case <-time.After(wait):
		t.Fatal("the owner got no event on B")
	}
	quiet(t, ch, 100*time.Millisecond)
}
