package model

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The write path. Every write of the store, whether a resolver asked for it or a background job (the reminder
// scheduler) did, runs through Store.write, which is the only way an event gets out:
//
//  1. it begins the transaction and runs the writer's function, which writes its rows through the transaction and
//     records, with writeTx.recordTask, recordMove, recordFor or recordList, the change each one means;
//  2. in the same transaction it fans the recorded changes out to the feeds of their recipients (publish): the
//     members of each change's list as the transaction reads them (or the one user a change names), with one
//     upsert of every recipient's feed head, taking the users in the order of their ids, so that two writes whose
//     changes share users lock their feed heads in one order and never wait for each other in a circle, and one
//     insert of every event; hands the changes, once each, to the EventSink (which queues their webhooks, so that a
//     webhook is queued if and only if its change commits); and, on PostgreSQL, queues the notification on
//     FeedChannel, which names the users whose feeds moved and which PostgreSQL delivers at commit;
//  3. it commits;
//  4. then, and only if the commit succeeded, it tells the read cache each moved feed's new position, wakes this
//     process's feed watchers (SQLite's stand-in for the notification, see WatchFeeds), tells the sink (which wakes
//     the webhook worker), and tells the reminder scheduler when the write touched reminders.
//
// A writer never appends to a feed, calls the sink or the signals itself: it records, and the write path does the
// rest the same way for every writer.

// Change is one event a write records: what happened to which task or list, who did it, when, and whose feeds it
// goes to. The sink is given each change once, whatever the number of feeds it goes to.
type Change struct {
	// UserID, when set, is the one user whose feed the event goes to (a reminder's REMINDER_DUE goes to the member
	// who set it; LIST_ADDED and LIST_REMOVED to the user who gained or lost the list). When empty, the event goes
	// to every member of ListID as the write's transaction reads them at commit.
	UserID string
	// ActorID is the user who made the change; "" for the server (a reminder firing).
	ActorID string
	// FromListID is, for a task moved to another list, the list it left: members of both lists get the event as
	// it is (UPDATED), members of this list alone DELETED, members of ListID alone CREATED. Zero otherwise.
	FromListID uuid.UUID
	// At is when the change was made; it is appended truncated to milliseconds.
	At time.Time
	// NewEvent is the event; its ListID is the list it concerns (the change's ListID).
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

// recordTask records that the user actor made events happen to tasks at at, in order: each goes to the members of
// its task's list (ev.ListID, or ev.Task's list).
func (w *writeTx) recordTask(actor string, at time.Time, events ...NewEvent) {
	for _, ev := range events {
		if ev.Task != nil {
			ev.ListID = ev.Task.ListID
		}
		w.changes = append(w.changes, Change{ActorID: actor, At: at, NewEvent: ev})
	}
}

// recordMove records a task's change by actor that moved it from the list from (zero: it stayed) to ev.Task's.
func (w *writeTx) recordMove(actor string, at time.Time, from uuid.UUID, ev NewEvent) {
	ev.ListID = ev.Task.ListID
	if from == ev.ListID {
		from = uuid.UUID{}
	}
	w.changes = append(w.changes, Change{ActorID: actor, FromListID: from, At: at, NewEvent: ev})
}

// recordFor records an event that goes to user's feed alone, made by actor ("" for the server).
func (w *writeTx) recordFor(user, actor string, at time.Time, ev NewEvent) {
	w.changes = append(w.changes, Change{UserID: user, ActorID: actor, At: at, NewEvent: ev})
}

// recordList records an event of a list made by actor, for the list's members as they are at commit.
func (w *writeTx) recordList(actor string, at time.Time, kind TaskEventKind, listID uuid.UUID) {
	w.changes = append(w.changes, Change{ActorID: actor, At: at, NewEvent: NewEvent{Kind: kind, ListID: listID}})
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

// publish appends w's changes to the feeds of their recipients, hands them to the sink (once each) and queues the
// notification, in w's transaction. It returns where each feed it appended to now ends.
//
// The recipients of a change of a list (Change.UserID empty) are the list's members as the transaction reads them:
// a membership change locks the list's row, which every task write holds FOR SHARE (writeRole), so the members
// read here are the members at commit. All of the write's events are appended with a constant number of
// statements, whatever the number of members: one read of the lists' members, one upsert of every recipient's
// feed_heads row (users in id order, so that two writes lock shared heads in one order), one insert of the events.
func (s *Store) publish(ctx context.Context, w *writeTx) ([]feedMove, error) {
	if len(w.changes) == 0 {
		return nil, nil // a no-op change emits no event
	}
	members, err := listMembersOf(ctx, w.Tx, w.changes)
	if err != nil {
		return nil, err
	}
	byUser := map[string][]delivery{}
	for i := range w.changes {
		for _, d := range recipients(&w.changes[i], members) {
			byUser[d.user] = append(byUser[d.user], d)
		}
	}
	if len(byUser) == 0 {
		return nil, s.handToSink(ctx, w)
	}
	users := slices.Sorted(maps.Keys(byUser))
	heads, err := advanceHeads(ctx, w.Tx, users, byUser)
	if err != nil {
		return nil, err
	}
	moves := make([]feedMove, 0, len(users))
	var rows []eventRow
	for _, u := range users {
		last := heads[u]
		first := last - int64(len(byUser[u])) + 1
		for i, d := range byUser[u] {
			row, err := d.row(u, first+int64(i))
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
		moves = append(moves, feedMove{userID: u, position: last})
	}
	if _, err := w.Tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return nil, fmt.Errorf("model: append events: %w", err)
	}
	if err := s.handToSink(ctx, w); err != nil {
		return nil, err
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

// handToSink gives the sink every change of w, once each.
func (s *Store) handToSink(ctx context.Context, w *writeTx) error {
	if s.sink == nil {
		return nil
	}
	return s.sink.Recorded(ctx, w.Tx, w.changes)
}

// delivery is one change as one recipient gets it: its kind for them (a move is DELETED or CREATED for the members
// of one of its lists alone).
type delivery struct {
	user   string
	kind   TaskEventKind
	change *Change
}

// recipients returns who gets c, and as what.
func recipients(c *Change, members map[uuid.UUID][]string) []delivery {
	if c.UserID != "" {
		return []delivery{{user: c.UserID, kind: c.Kind, change: c}}
	}
	to := members[c.ListID]
	out := make([]delivery, 0, len(to))
	if c.FromListID == (uuid.UUID{}) {
		for _, u := range to {
			out = append(out, delivery{user: u, kind: c.Kind, change: c})
		}
		return out
	}
	from := members[c.FromListID]
	for _, u := range to {
		kind := TaskEventCreated
		if slices.Contains(from, u) {
			kind = c.Kind
		}
		out = append(out, delivery{user: u, kind: kind, change: c})
	}
	for _, u := range from {
		if !slices.Contains(to, u) {
			out = append(out, delivery{user: u, kind: TaskEventDeleted, change: c})
		}
	}
	return out
}

// row renders the delivery as user's event at position. The task's reminders are personal: the actor's own feed
// carries the task with the reminders the write left (they are the actor's), every other member's carries it
// without, and the API reads that member's own reminders instead.
func (d delivery) row(user string, position int64) (eventRow, error) {
	c := d.change
	if d.kind == TaskEventReset || !d.kind.IsValid() {
		return eventRow{}, fmt.Errorf("model: append events: kind %q cannot be appended", d.kind)
	}
	row := eventRow{UserID: user, Position: position, Kind: d.kind, At: TruncateTime(c.At)}
	if c.TaskID != (uuid.UUID{}) {
		id := c.TaskID
		row.TaskID = &id
	}
	if c.ListID != (uuid.UUID{}) {
		id := c.ListID
		row.ListID = &id
	}
	if c.ActorID != "" {
		a := c.ActorID
		row.ActorID = &a
	}
	if c.Task != nil && d.kind != TaskEventDeleted {
		task := c.Task
		if user != c.ActorID && c.UserID == "" {
			t := *task
			t.Reminders = nil
			task = &t
		}
		b, err := json.Marshal(task)
		if err != nil {
			return eventRow{}, fmt.Errorf("model: append events: %w", err)
		}
		s := string(b)
		row.Task = &s
	}
	if c.Fields != nil {
		b, err := json.Marshal(c.Fields)
		if err != nil {
			return eventRow{}, fmt.Errorf("model: append events: %w", err)
		}
		s := string(b)
		row.Fields = &s
	}
	if c.Reminder != nil {
		b, err := json.Marshal(c.Reminder)
		if err != nil {
			return eventRow{}, fmt.Errorf("model: append events: %w", err)
		}
		s := string(b)
		row.Reminder = &s
	}
	return row, nil
}

// listMembersOf reads, in tx, the members of every list whose members get one of changes, in one statement. The
// fan-out reads the rosters of the lists the write changed, which span users by nature (AcrossUsers); it hands each
// member only the events of their own lists.
func listMembersOf(ctx context.Context, tx bun.IDB, changes []Change) (map[uuid.UUID][]string, error) {
	var lists []uuid.UUID
	for _, c := range changes {
		if c.UserID != "" {
			continue
		}
		for _, l := range []uuid.UUID{c.ListID, c.FromListID} {
			if l != (uuid.UUID{}) && !slices.Contains(lists, l) {
				lists = append(lists, l)
			}
		}
	}
	out := map[uuid.UUID][]string{}
	if len(lists) == 0 {
		return out, nil
	}
	var rows []listMember
	if err := tx.NewSelect().Model(&rows).Column("lm.list_id", "lm.user_id").Where("lm.list_id IN (?)", bun.In(lists)).
		OrderExpr("lm.user_id").Scan(AcrossUsers(ctx)); err != nil {
		return nil, fmt.Errorf("model: read the members to notify: %w", err)
	}
	for _, r := range rows {
		out[r.ListID] = append(out[r.ListID], r.UserID)
	}
	return out, nil
}

// advanceHeads moves the feed_heads row of every user in users (sorted) forward by the number of their deliveries,
// in one statement, and returns where each feed now ends. The upsert locks each row until tx ends (PostgreSQL;
// SQLite's transactions hold the one write lock), so a second writer to a feed numbers its events after this one's.
func advanceHeads(ctx context.Context, tx bun.IDB, users []string, byUser map[string][]delivery) (map[string]int64, error) {
	heads := make([]feedHead, len(users))
	for i, u := range users {
		heads[i] = feedHead{UserID: u, Position: int64(len(byUser[u]))}
	}
	var ends []feedHead
	if _, err := tx.NewInsert().Model(&heads).
		On("CONFLICT (user_id) DO UPDATE").Set("position = h.position + EXCLUDED.position").
		Returning("user_id, position").Exec(ctx, &ends); err != nil {
		return nil, fmt.Errorf("model: append events: %w", err)
	}
	out := make(map[string]int64, len(ends))
	for _, e := range ends {
		out[e.UserID] = e.Position
	}
	if len(out) != len(users) {
		return nil, fmt.Errorf("model: append events: %d feed heads moved for %d users", len(out), len(users))
	}
	return out, nil
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
