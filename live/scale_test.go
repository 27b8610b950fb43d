package live_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// statements is a query hook that keeps the statements run while it is on.
type statements struct {
	mu   sync.Mutex
	on   bool
	seen []string
}

func (s *statements) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.seen = append(s.seen, e.Query)
	}
	return ctx
}

func (*statements) AfterQuery(context.Context, *bun.QueryEvent) {}

func (s *statements) record(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = on
}

// mentioning returns the statements seen that contain every one of words.
func (s *statements) mentioning(words ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
next:
	for _, q := range s.seen {
		for _, w := range words {
			if !strings.Contains(q, w) {
				continue next
			}
		}
		out = append(out, q)
	}
	return out
}

// followIdle subscribes, from now, n users who never write ("idle-000", ...), and u0, who will.
func followIdle(t *testing.T, in *instance, n int) <-chan *model.TaskEvent {
	t.Helper()
	for i := range n {
		in.subscribe(t, fmt.Sprintf("idle-%03d", i), nil)
	}
	return in.subscribe(t, "u0", nil)
}

// TestNotificationReadsMovedFeedsOnly: a write's notification names whose feeds it moved, and the hub reads the
// heads of those only, not of every user it follows.
func TestNotificationReadsMovedFeedsOnly(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			rec := &statements{}
			in := startHub(t, db.WithQueryHook(rec), live.Options{Poll: time.Hour})
			if kind == modeltest.Postgres {
				waitListening(t, db, 1)
			}
			ch := followIdle(t, in, 50)
			rec.record(true)
			writer := &instance{store: model.NewStore(db)} // its statements are not the hub's
			writer.create(t, "u0", "t", 3)
			receive(t, ch, 3, "t", 1)
			rec.record(false)
			if heads := rec.mentioning("feed_heads", "u0"); len(heads) == 0 {
				t.Fatal("the hub read no feed head of the writer")
			}
			if got := rec.mentioning("idle-"); len(got) > 0 {
				t.Fatalf("the writes of u0 made the hub run %d statements about the users who did not write, the first:\n%s", len(got), got[0])
			}
		})
	}
}

// TestNoHerdOfNewSubscriptions: subscriptions that have just started are not woken by the next look at every
// followed feed (the poll) when their feeds have not grown: many subscribing at once cost the database nothing
// more then.
func TestNoHerdOfNewSubscriptions(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			rec := &statements{}
			in := startHub(t, db.WithQueryHook(rec), live.Options{Poll: time.Hour})
			if kind == modeltest.Postgres {
				waitListening(t, db, 1)
			}
			ch := followIdle(t, in, 50)
			rec.record(true)
			in.hub.CheckAll(context.Background())
			if heads := rec.mentioning("feed_heads", "idle-049"); len(heads) != 1 {
				t.Fatalf("the poll read the heads in %d statements, want 1", len(heads))
			}
			// The writer's event is read after whatever the poll woke has started reading.
			(&instance{store: model.NewStore(db)}).create(t, "u0", "t", 1)
			receive(t, ch, 1, "t", 1)
			rec.record(false)
			if got := rec.mentioning("task_events", "idle-"); len(got) > 0 {
				t.Fatalf("the poll woke subscriptions whose feeds had not grown: %d reads of their events", len(got))
			}
		})
	}
}

// writeOnSubscribed writes an event for user the moment a subscription is counted, once: what a client that waits
// for its subscription to be accepted (or for the gauge of subscriptions) does next.
type writeOnSubscribed struct {
	t     *testing.T
	store *model.Store
	user  string
	once  sync.Once
}

func (w *writeOnSubscribed) Subscribed() {
	w.once.Do(func() {
		if _, err := w.store.CreateTask(context.Background(), w.user, model.CreateTaskInput{Title: "right after 0"}); err != nil {
			w.t.Error(err)
		}
	})
}
func (*writeOnSubscribed) Unsubscribed()           {}
func (*writeOnSubscribed) Delivered(time.Duration) {}

// TestSubscriptionStartsWhenAccepted: a subscription without after starts at the feed's position at the moment it
// is accepted (counted): an event committed right then is delivered, not taken for history.
func TestSubscriptionStartsWhenAccepted(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			obs := &writeOnSubscribed{t: t, store: model.NewStore(db), user: "u"}
			// A poll of an hour: the event must come by the write's own wake-up.
			in := startHub(t, db, live.Options{Poll: time.Hour, Observer: obs})
			if kind == modeltest.Postgres {
				waitListening(t, db, 1)
			}
			in.create(t, "u", "before ", 2)
			ch := in.subscribe(t, "u", nil)
			receive(t, ch, 1, "right after ", 3)
		})
	}
}
