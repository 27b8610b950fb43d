package model

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// The write path. Every write of the store, whether a resolver asked for it or a background job (the reminder
// scheduler) did, runs through Store.write, which is the only way an event gets out:
//
//  1. it begins the transaction and runs the writer's function, which writes its rows through the transaction and
//     records, with writeTx.record, the change each one means;
//  2. in the same transaction it appends the recorded changes to the feeds (appendEvents), taking the users in the
//     order of their ids, so that two writes whose changes share users lock their feed heads in one order and never
//     wait for each other in a circle; hands them to the EventSink (which queues their webhooks, so that a webhook
//     is queued if and only if its change commits); and, on PostgreSQL, queues the notification on FeedChannel, which
//     names the users whose feeds moved and which PostgreSQL delivers at commit;
//  3. it commits;
//  4. then, and only if the commit succeeded, it tells the read cache each moved feed's new position, wakes this
//     process's feed watchers (SQLite's stand-in for the notification, see WatchFeeds), tells the sink (which wakes
//     the webhook worker), and tells the reminder scheduler when the write touched reminders.
//
// A writer never calls appendEvents, the sink or the signals itself: it records, and the write path does the rest
// the same way for every writer.

// Change is one event a write records: what happened to which task, when, and in whose feed it goes.
type Change struct {
	// UserID is whose feed the event goes to: the task's owner.
	UserID string
	// At is when the change was made; it is appended truncated to milliseconds.
	At time.Time
	NewEvent
}

// EventSink is told of what the store's writes record. Its methods are called by the write path only.
type EventSink interface {
	// Recorded is given, inside the write's transaction and after the feeds were appended to, every change the
	// write recorded, once each, in the order recorded; what it writes through tx (the webhooks) commits with the
	// change or not at all. An error rolls the write back.
	Recorded(ctx context.Context, tx bun.IDB, changes []Change) error
	// Committed is called after a write that recorded changes has committed. It must not block.
	Committed()
}

// WithEventSink returns a copy of the store that gives the changes its writes record to sink.
func (s *Store) WithEventSink(sink EventSink) *Store {
	c := *s
	c.sink = sink
	return &c
}

// WithReminderSignal returns a copy of the store that calls f after each committed write that created, moved or
// re-armed a reminder, or reopened a task that has some, so that a sleeping reminder scheduler looks again. f must
// not block.
func (s *Store) WithReminderSignal(f func()) *Store {
	c := *s
	c.remindersChanged = f
	return &c
}

// writeTx is a write in progress: the transaction the writer writes its rows through, and what it recorded.
type writeTx struct {
	bun.Tx
	changes          []Change
	remindersTouched bool
}

// record records that events happened to tasks of userID at at, in order.
func (w *writeTx) record(userID string, at time.Time, events ...NewEvent) {
	for _, ev := range events {
		w.changes = append(w.changes, Change{UserID: userID, At: at, NewEvent: ev})
	}
}

// touchReminders notes that the write may have made a reminder due sooner than the scheduler knows (see
// WithReminderSignal).
func (w *writeTx) touchReminders() { w.remindersTouched = true }

// feedMove is where a write left one user's feed.
type feedMove struct {
	userID   string
	position int64
}

// write runs fn in a transaction and publishes what it recorded (see the top of this file). fn's error, or one
// from publishing, rolls everything back and is returned as is; the caller wraps it.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, w *writeTx) error) error {
	var w *writeTx
	var moves []feedMove
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		w = &writeTx{Tx: tx}
		if err := fn(ctx, w); err != nil {
			return err
		}
		var err error
		moves, err = s.publish(ctx, w)
		return err
	})
	if err != nil {
		return err
	}
	s.committed(w, moves)
	return nil
}

// publish appends w's changes to the feeds, users in the order of their ids, hands them to the sink and queues the
// notification, in w's transaction. It returns where each feed it appended to now ends.
func (s *Store) publish(ctx context.Context, w *writeTx) ([]feedMove, error) {
	if len(w.changes) == 0 {
		return nil, nil // a no-op change emits no event
	}
	byUser := map[string][]Change{}
	for _, c := range w.changes {
		byUser[c.UserID] = append(byUser[c.UserID], c)
	}
	moves := make([]feedMove, 0, len(byUser))
	for _, u := range slices.Sorted(maps.Keys(byUser)) {
		pos, err := appendEvents(ctx, w.Tx, u, byUser[u])
		if err != nil {
			return nil, err
		}
		moves = append(moves, feedMove{userID: u, position: pos})
	}
	if s.sink != nil {
		if err := s.sink.Recorded(ctx, w.Tx, w.changes); err != nil {
			return nil, err
		}
	}
	if IsPostgres(w.Tx) {
		// Delivered at commit, dropped on rollback; it says whose feeds moved (see FeedChannel).
		if _, err := w.Tx.NewRaw("SELECT pg_notify(?, ?)", FeedChannel, feedPayload(movedUsers(moves))).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return moves, nil
}

// movedUsers returns the users of moves, in order.
func movedUsers(moves []feedMove) []string {
	users := make([]string, len(moves))
	for i, m := range moves {
		users[i] = m.userID
	}
	return users
}

// committed does what follows a committed write: the read cache learns the feeds' new positions, this process's
// feed watchers and the sink are told, and the reminder scheduler when the write touched reminders.
func (s *Store) committed(w *writeTx, moves []feedMove) {
	if len(moves) > 0 {
		if s.reads != nil {
			for _, m := range moves {
				s.reads.wrote(m.userID, m.position)
			}
		}
		if !IsPostgres(s.db) {
			// SQLite has no NOTIFY: this process's watchers are all there is to wake (one process owns the file).
			localSignal(s.db.NewSelect().DB()).fire(movedUsers(moves))
		}
		if s.sink != nil {
			s.sink.Committed()
		}
	}
	if w.remindersTouched && s.remindersChanged != nil {
		s.remindersChanged()
	}
}
