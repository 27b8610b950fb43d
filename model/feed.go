package model

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// The feed: every change to a task is an event in the feed of every member of its list, appended by the transaction
// that makes the change (see Store.write), so that the two commit together or not at all. A user's events are
// numbered 1, 2, 3, ... in commit order with no gaps: the write path allocates positions by incrementing the user's
// feed_heads row (advanceHeads), which stays locked until the transaction ends, so a second writer to the same feed
// waits and then numbers its events after the first one's. (A global sequence would not do: two transactions can take numbers in one order and commit in the other,
// and a reader between the two commits would skip an event for good.) Position 0 is the start of every feed.
//
// Each event carries the task as its transaction committed it (a JSON snapshot), so that replaying the feed gives
// what was committed, not what the task is by the time someone reads it.

// TaskEventKind is what happened to a task.
type TaskEventKind string

// The event kinds.
const (
	TaskEventCreated     TaskEventKind = "CREATED"
	TaskEventUpdated     TaskEventKind = "UPDATED"
	TaskEventDeleted     TaskEventKind = "DELETED"
	TaskEventReminderDue TaskEventKind = "REMINDER_DUE"
	// TaskEventReset is never stored: a read whose cursor lies before what retention kept starts with one, which
	// tells the client to refetch what it shows.
	TaskEventReset TaskEventKind = "RESET"
	// TaskEventListAdded: the user gained access to a list (created it, or accepted an invitation); load its tasks.
	TaskEventListAdded TaskEventKind = "LIST_ADDED"
	// TaskEventListUpdated: a list's name, members or the user's role in it changed.
	TaskEventListUpdated TaskEventKind = "LIST_UPDATED"
	// TaskEventListRemoved: the user lost access to a list, or it was deleted: drop it and its tasks (no per-task
	// DELETED follows).
	TaskEventListRemoved TaskEventKind = "LIST_REMOVED"
	// TaskEventRestored: the task came back from the trash (RestoreTask); the event carries it.
	TaskEventRestored TaskEventKind = "RESTORED"
)

// IsValid reports whether k is a known kind.
func (k TaskEventKind) IsValid() bool {
	switch k {
	case TaskEventCreated, TaskEventUpdated, TaskEventDeleted, TaskEventReminderDue, TaskEventReset,
		TaskEventListAdded, TaskEventListUpdated, TaskEventListRemoved, TaskEventRestored:
		return true
	}
	return false
}

// UnmarshalGQL reads a GraphQL enum value.
func (k *TaskEventKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, "TaskEventKind") }

// MarshalGQL writes k as a GraphQL enum value.
func (k TaskEventKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// NewEvent is an event as a writing transaction appends it.
type NewEvent struct {
	Kind   TaskEventKind // CREATED, UPDATED, DELETED, REMINDER_DUE or LIST_*
	TaskID uuid.UUID     // zero for LIST_*
	// ListID is the list the event concerns: the task's (after a move, the one it is in now), or the LIST_* event's.
	ListID uuid.UUID
	// Task is the task as the transaction leaves it (CREATED, UPDATED) or as it was when the reminder fired
	// (REMINDER_DUE); nil for DELETED.
	Task *Task
	// Reminder is the reminder that fired (REMINDER_DUE only), as it was then; its JSON is what TaskEvent.Reminder
	// hands back.
	Reminder *Reminder
	// Fields are the GraphQL names of the task's fields that an UPDATED change changed, worked out by the writer
	// from the task before and after (see changedFields); nil for other kinds.
	Fields []string
}

// TaskEvent is one event of a user's feed as it is read back.
type TaskEvent struct {
	// Cursor is the event's position, written for the user whose feed it is (see EventCursor); reading the feed
	// after it continues with the next event.
	Cursor   string
	Position int64
	Kind     TaskEventKind
	TaskID   *uuid.UUID // nil for RESET and LIST_*
	ListID   *uuid.UUID // nil for RESET
	ActorID  *string    // who made the change; nil for the server's changes (a reminder firing) and RESET
	Task     *Task      // nil for DELETED, RESET and LIST_*
	Reminder json.RawMessage
	At       time.Time // when the change was made, UTC, milliseconds
}

// TaskEventPage is a stretch of a user's feed, oldest first.
type TaskEventPage struct {
	Events []*TaskEvent
	// EndCursor is the cursor of the last event, or the cursor read after when there is none: reading after it
	// continues where this page ended.
	EndCursor string
	HasMore   bool
}

// Page sizes of TaskEvents.
const (
	DefaultEventPageSize = 100
	MaxEventPageSize     = 500
)

// FeedChannel is the PostgreSQL notification channel on which every write that appends events signals, at commit,
// whose feeds it moved: the payload is a JSON array of their user ids (feedPayload), or empty when they would not
// fit (maxFeedPayload) — "look at everyone". Listeners take it as a cue to look at those users' feed_heads, never as
// what the heads are.
const FeedChannel = "task_events"

// maxFeedPayload bounds a notification's payload, well under PostgreSQL's 8000 bytes: past it the payload is empty.
const maxFeedPayload = 4000

// maxWatchedMoves bounds the users a FeedWatch keeps between two reads of Moved; past it the watch says "everyone".
const maxWatchedMoves = 10000

// feedPayload is the payload of the notification of a write that moved the feeds of users: a JSON array of their
// ids, or "" when it would be longer than maxFeedPayload.
func feedPayload(users []string) string {
	b, err := json.Marshal(users)
	if err != nil || len(b) > maxFeedPayload {
		return ""
	}
	return string(b)
}

// parseFeedPayload reads a notification's payload: the users whose feeds moved, or all when it does not say (empty,
// or not a list of ids, as from an instance of an older version).
func parseFeedPayload(payload string) (users []string, all bool) {
	if payload == "" || json.Unmarshal([]byte(payload), &users) != nil || len(users) == 0 {
		return nil, true
	}
	return users, false
}

// feedHead is a user's row in feed_heads.
type feedHead struct {
	bun.BaseModel `bun:"table:feed_heads,alias:h"`

	UserID        string `bun:"user_id,pk"`
	Position      int64  `bun:"position,notnull"`
	PrunedThrough int64  `bun:"pruned_through,notnull"`
}

// eventRow is a row of task_events.
type eventRow struct {
	bun.BaseModel `bun:"table:task_events,alias:e"`

	UserID   string        `bun:"user_id,pk"`
	Position int64         `bun:"position,pk"`
	Kind     TaskEventKind `bun:"kind,notnull"`
	TaskID   *uuid.UUID    `bun:"task_id"`
	Task     *string       `bun:"task"`
	Reminder *string       `bun:"reminder"`
	At       time.Time     `bun:"at,notnull"`
	ListID   *uuid.UUID    `bun:"list_id"`
	ActorID  *string       `bun:"actor_id"`
	// Fields is NewEvent.Fields as a JSON array; null when the change named none.
	Fields *string `bun:"fields"`
}

// appendEvents appends changes, in order, to the feed of userID alone, inside the write's transaction tx (the
// tests of the feed's locking hold a transaction themselves). Returns the position of the last event appended.
func appendEvents(ctx context.Context, tx bun.IDB, userID string, changes []Change) (int64, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	ds := make([]delivery, len(changes))
	for i := range changes {
		ds[i] = delivery{user: userID, kind: changes[i].Kind, change: &changes[i]}
	}
	heads, err := advanceHeads(ctx, tx, []string{userID}, map[string][]delivery{userID: ds})
	if err != nil {
		return 0, err
	}
	last := heads[userID]
	rows := make([]eventRow, len(ds))
	for i, d := range ds {
		if rows[i], err = d.row(userID, last-int64(len(ds))+1+int64(i)); err != nil {
			return 0, err
		}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return 0, fmt.Errorf("model: append events: %w", err)
	}
	return last, nil
}

// FeedWatch is a watch on the feeds of a store's database (see Store.WatchFeeds): C receives a value (coalesced:
// one pending at most) whenever some feed may have grown, and Moved says whose.
type FeedWatch struct {
	c    chan struct{}
	stop func()

	mu    sync.Mutex
	users map[string]struct{}
	all   bool
}

func newFeedWatch() *FeedWatch {
	return &FeedWatch{c: make(chan struct{}, 1), users: map[string]struct{}{}}
}

// C receives a value whenever some feed may have grown since the last call of Moved.
func (w *FeedWatch) C() <-chan struct{} { return w.c }

// Moved returns, and forgets, the users whose feeds may have grown since its last call, or all true when the watch
// cannot say which (a notification without a list, from a write that moved many feeds or an older instance; more
// users than the watch keeps). Each user comes once, in no particular order.
func (w *FeedWatch) Moved() (users []string, all bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.all {
		w.all = false
		clear(w.users)
		return nil, true
	}
	users = make([]string, 0, len(w.users))
	for u := range w.users {
		users = append(users, u)
	}
	clear(w.users)
	return users, false
}

// Stop ends the watch.
func (w *FeedWatch) Stop() { w.stop() }

// add records that the feeds of users moved (of everyone when all) and cues the watcher.
func (w *FeedWatch) add(users []string, all bool) {
	w.mu.Lock()
	if !w.all {
		if all || len(w.users)+len(users) > maxWatchedMoves {
			w.all = true
			clear(w.users)
		} else {
			for _, u := range users {
				w.users[u] = struct{}{}
			}
		}
	}
	w.mu.Unlock()
	select {
	case w.c <- struct{}{}:
	default: // a cue is pending already
	}
}

// WatchFeeds watches for feeds of the store's database that may have grown, and whose (see FeedWatch). On
// PostgreSQL the cue is each notification on FeedChannel, from whichever instance wrote, received on a LISTEN
// connection dialled through listen's connector (nil: the store's database; it must reach PostgreSQL directly, as a
// transaction pooler cannot LISTEN); the error, when the first LISTEN failed, is only for the log: the listener
// keeps reconnecting and listening meanwhile. On SQLite, where there is no LISTEN, the cue is each write of this
// process's stores over the same database, after it has committed. A cue is never a promise: notifications can be
// lost (pgdriver drops them while it reconnects, see ListenerEvents), so a watcher also polls.
func (s *Store) WatchFeeds(ctx context.Context, listen *bun.DB) (*FeedWatch, error) {
	db := s.db.NewSelect().DB()
	w := newFeedWatch()
	if !IsPostgres(db) {
		w.stop = localSignal(db).watch(w)
		return w, nil
	}
	if listen == nil {
		listen = db
	}
	ln := pgdriver.NewListener(listen)
	// Listen records the channel before it connects, so the listener listens on every (re)connection even when the
	// first one fails.
	err := ln.Listen(ctx, FeedChannel)
	// The loop below only merges payloads into w, so the buffer fills only when it is starved of CPU; a dropped
	// notification is counted, and makes the watcher look at everyone.
	notes := ln.Channel(pgdriver.WithChannelSize(1000), pgdriver.WithChannelOverflowHandler(func(pgdriver.Notification) {
		listenerDrops.Add(1)
		w.add(nil, true)
	}))
	done := make(chan struct{})
	go func() {
		for {
			select {
			case n, ok := <-notes:
				if !ok {
					return
				}
				w.add(parseFeedPayload(n.Payload))
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	w.stop = func() { once.Do(func() { close(done); _ = ln.Close() }) }
	return w, err
}

// signals are the WatchFeeds watchers of each database this process has opened, by connection pool: the copies of a
// *bun.DB that WithQueryHook makes share the pool, and so the watchers.
var signals sync.Map // *sql.DB -> *signal

func localSignal(db *bun.DB) *signal {
	s, _ := signals.LoadOrStore(db.DB, &signal{watchers: map[*FeedWatch]struct{}{}})
	return s.(*signal)
}

type signal struct {
	mu       sync.Mutex
	watchers map[*FeedWatch]struct{}
}

func (s *signal) watch(w *FeedWatch) (stop func()) {
	s.mu.Lock()
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.watchers, w)
		s.mu.Unlock()
	}
}

// fire tells every watcher that the feeds of users moved.
func (s *signal) fire(users []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers {
		w.add(users, false)
	}
}

// Event cursors are base64url (no padding) of "e1:<tag>:<position>", where tag is the first 6 bytes of a SHA-256
// of the user id. The tag binds a cursor to the feed it was issued for, so that a cursor of another user is refused
// rather than read as a position of this feed. (Reads are scoped to the viewer's rows anyway: no cursor can ever
// reach another user's events.)

// EventCursor returns the cursor of position in the user's feed.
func EventCursor(userID string, position int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e1:" + feedTag(userID) + ":" + strconv.FormatInt(position, 10)))
}

func feedTag(userID string) string {
	sum := sha256.Sum256([]byte("taskapi feed\x00" + userID))
	return hex.EncodeToString(sum[:6])
}

// ParseEventCursor returns the position behind a cursor of the user's feed. Returns *InputError for field "after"
// when the cursor is malformed or was issued for another user.
func ParseEventCursor(userID, cursor string) (int64, error) {
	bad := &InputError{Field: "after", Message: "after is not a cursor of your event feed."}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "e1" || parts[1] != feedTag(userID) {
		return 0, bad
	}
	p, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || p < 0 || EventCursor(userID, p) != cursor {
		return 0, bad
	}
	return p, nil
}

// readSnapshot runs fn in a read-only transaction that sees one snapshot of the database: REPEATABLE READ on
// PostgreSQL (whose default, READ COMMITTED, takes a new snapshot for each statement); on SQLite any transaction
// does, as its one connection lets no writer in between.
func (s *Store) readSnapshot(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	var opts *sql.TxOptions
	if IsPostgres(s.db) {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return s.db.RunInTx(ctx, opts, fn)
}

// feedPositionSQL is the one statement that reads a user's feed position (its one argument is the user id). It returns
// no row before the user's first event: position 0. feedPosition runs it; a page's statement carries it as a scalar
// subquery (see lister.scan).
const feedPositionSQL = "SELECT h.position FROM feed_heads AS h WHERE h.user_id = ?"

// feedPosition reads the user's feed position: 0 before the first event. It costs one statement that reads one row,
// which is what the read cache pays for a hit.
func feedPosition(ctx context.Context, db bun.IConn, userID string) (int64, error) {
	var pos int64
	err := db.QueryRowContext(ctx, feedPositionSQL, userID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return pos, err
}

// head returns the user's feed_heads row, with how far the feed was pruned besides its position; a user without one
// has position 0 and nothing pruned.
func head(ctx context.Context, db bun.IDB, userID string) (feedHead, error) {
	h := feedHead{UserID: userID}
	err := db.NewSelect().Model(&h).Where("h.user_id = ?", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return feedHead{UserID: userID}, nil
	}
	return h, err
}

// TaskEventCursor returns the cursor of the user's latest position: reading the feed after it yields only events
// committed after this call.
func (s *Store) TaskEventCursor(ctx context.Context, userID string) (string, error) {
	pos, err := feedPosition(ctx, s.db, userID)
	if err != nil {
		return "", storeError("task event cursor", err)
	}
	return EventCursor(userID, pos), nil
}

// FeedHeads returns the latest position of each of the given users' feeds that has one (a user without events is
// missing from the map), in one query. It is the cheap question a watcher asks to learn whose feed has grown.
func (s *Store) FeedHeads(ctx context.Context, userIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(userIDs))
	for chunk := range slices.Chunk(userIDs, 500) {
		var heads []feedHead
		if err := s.db.NewSelect().Model(&heads).Column("user_id", "position").
			Where("h.user_id IN (?)", bun.In(chunk)).Scan(ctx); err != nil {
			return nil, storeError("feed heads", err)
		}
		for _, h := range heads {
			out[h.UserID] = h.Position
		}
	}
	return out, nil
}

// TaskEvents returns up to first events of the user's feed after the cursor after, oldest first. When retention has
// deleted events after that cursor, the page starts with one RESET event, whose cursor is where the kept events
// begin, and goes on with those. The head and the events are read in one snapshot.
//
// Returns *InputError for first outside 1-MaxEventPageSize (field "first"), and for an after that is malformed, was
// issued for another user, or lies beyond the feed's latest position (field "after").
func (s *Store) TaskEvents(ctx context.Context, userID, after string, first int) (*TaskEventPage, error) {
	if first < 1 || first > MaxEventPageSize {
		return nil, &InputError{Field: "first", Message: fmt.Sprintf("first must be between 1 and %d.", MaxEventPageSize)}
	}
	from, err := ParseEventCursor(userID, after)
	if err != nil {
		return nil, err
	}
	page := &TaskEventPage{Events: []*TaskEvent{}, EndCursor: after}
	err = s.readSnapshot(ctx, func(ctx context.Context, tx bun.Tx) error {
		h, err := head(ctx, tx, userID)
		if err != nil {
			return err
		}
		if from > h.Position {
			return &InputError{Field: "after", Message: "after is not a cursor of your event feed."}
		}
		limit := first
		if from < h.PrunedThrough {
			from = h.PrunedThrough
			page.Events = append(page.Events, &TaskEvent{
				Cursor: EventCursor(userID, from), Position: from, Kind: TaskEventReset, At: TruncateTime(s.now()),
			})
			limit--
		}
		if limit == 0 {
			page.HasMore = from < h.Position
		} else {
			var rows []eventRow
			if err := tx.NewSelect().Model(&rows).Where("e.user_id = ?", userID).Where("e.position > ?", from).
				OrderExpr("e.position ASC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
				return err
			}
			page.HasMore = len(rows) > limit
			for _, row := range rows[:min(len(rows), limit)] {
				ev, err := row.event()
				if err != nil {
					return err
				}
				page.Events = append(page.Events, ev)
			}
		}
		if n := len(page.Events); n > 0 {
			page.EndCursor = page.Events[n-1].Cursor
		}
		return nil
	})
	if err != nil {
		return nil, storeError("task events", err)
	}
	return page, nil
}

// event decodes a stored event.
func (r *eventRow) event() (*TaskEvent, error) {
	ev := &TaskEvent{
		Cursor: EventCursor(r.UserID, r.Position), Position: r.Position, Kind: r.Kind, TaskID: r.TaskID,
		ListID: r.ListID, ActorID: r.ActorID, At: r.At.UTC(),
	}
	if r.Task != nil {
		task := new(Task)
		if err := json.Unmarshal([]byte(*r.Task), task); err != nil {
			return nil, fmt.Errorf("decode the task of event %d: %w", r.Position, err)
		}
		_ = task.AfterScanRow(context.Background())
		ev.Task = task
	}
	if r.Reminder != nil {
		ev.Reminder = json.RawMessage(*r.Reminder)
	}
	return ev, nil
}

// PruneEvents deletes the events made before cutoff, of every user, and returns how many it deleted. A user's feed
// is pruned from its start up to the last event before cutoff, which feed_heads.pruned_through records, so that a
// later read after a cursor in the deleted stretch starts with RESET. Each user's feed is pruned in a transaction
// of its own, which waits for that user's writers but holds up nobody else.
func (s *Store) PruneEvents(ctx context.Context, cutoff time.Time) (int, error) {
	var ends []struct {
		UserID   string `bun:"user_id"`
		Position int64  `bun:"position"`
	}
	// The one statement that spans users: it finds whose feeds have old events and how far, and reads nothing else;
	// each user's feed is then pruned by statements scoped to that user.
	if err := s.db.NewSelect().Model((*eventRow)(nil)).ColumnExpr("e.user_id, max(e.position) AS position").
		Where("e.at < ?", TruncateTime(cutoff)).GroupExpr("e.user_id").Scan(AcrossUsers(ctx), &ends); err != nil {
		return 0, storeError("prune events", err)
	}
	deleted := 0
	for _, end := range ends {
		// A write like any other, which records no change: pruning moves no feed's position.
		err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
			if _, err := tx.NewUpdate().Model((*feedHead)(nil)).Set("pruned_through = ?", end.Position).
				Where("h.user_id = ?", end.UserID).Where("h.pruned_through < ?", end.Position).Exec(ctx); err != nil {
				return err
			}
			res, err := tx.NewDelete().Model((*eventRow)(nil)).
				Where("e.user_id = ?", end.UserID).Where("e.position <= ?", end.Position).Exec(ctx)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			deleted += int(n)
			return err
		})
		if err != nil {
			return deleted, storeError("prune events", err)
		}
	}
	return deleted, nil
}
