package model

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Store keeps tasks in a Bun database (PostgreSQL or SQLite). Every method takes the context first and the user id
// second, and every query it runs carries the user_id condition itself: a task of another user is indistinguishable
// from one that does not exist.
type Store struct {
	db  bun.IDB
	now func() time.Time
	// remindersChanged is called after a write that may have made a reminder due sooner (see WithReminderSignal).
	remindersChanged func()
	// sink is given the events each write appends (see WithEventSink).
	sink EventSink
	// reads keeps what ListTasks, Stats and Tags read (see WithReadCache); nil: none.
	reads *ReadCache
}

// EventSink is given every event a store write appends to the feed, inside the write's transaction, so that what
// it writes (the task.* webhooks) commits with the change or not at all; and it is told when such a transaction has
// committed. An error from EventsAppended rolls the write back.
type EventSink interface {
	EventsAppended(ctx context.Context, tx bun.IDB, userID string, at time.Time, events []NewEvent) error
	EventsCommitted()
}

// WithEventSink returns a copy of the store that gives the events of its writes to sink.
func (s *Store) WithEventSink(sink EventSink) *Store {
	c := *s
	c.sink = sink
	return &c
}

// appendEvents appends events to the user's feed (AppendEvents) and gives them to the sink, in tx.
func (s *Store) appendEvents(ctx context.Context, tx bun.IDB, userID string, at time.Time, events ...NewEvent) (int64, error) {
	pos, err := AppendEvents(ctx, tx, userID, at, events...)
	if err == nil && s.sink != nil && len(events) > 0 {
		err = s.sink.EventsAppended(ctx, tx, userID, at, events)
	}
	return pos, err
}

// committed tells the sink that a write which appended events has committed, and the read cache at which position
// of the user's feed (pos; 0 when the write appended none).
func (s *Store) committed(userID string, pos int64) {
	if s.sink != nil {
		s.sink.EventsCommitted()
	}
	if s.reads != nil && pos > 0 {
		s.reads.wrote(userID, pos)
	}
}

// NewStore returns a store over db, which may be a *bun.DB or a bun.Tx.
func NewStore(db bun.IDB) *Store {
	return &Store{db: db, now: time.Now}
}

// WithClock returns a copy of the store that reads the time from now (for tests).
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
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

// signalReminders calls the reminder signal, if any, when a write touched reminders.
func (s *Store) signalReminders(touched bool) {
	if touched && s.remindersChanged != nil {
		s.remindersChanged()
	}
}

// ListQuery is one page request of ListTasks, as the client sent it.
type ListQuery struct {
	Filter TaskFilter
	Order  *TaskOrder // nil: DefaultTaskOrder
	First  *int
	After  *string
	Last   *int
	Before *string
	// WithEventCursor asks for TaskPage.EventCursor. On PostgreSQL it is read in the page's own statement; elsewhere,
	// or when that statement returns no row, it costs a read transaction around the page.
	WithEventCursor bool
	// WithTotalCount asks for TaskPage.TotalCount too, the count of every task that matches Filter. On PostgreSQL
	// it is read in the page's own statement, which saves a round trip and reads both in one snapshot.
	WithTotalCount bool
}

// TaskEdge is a task with its cursor.
type TaskEdge struct {
	Cursor string
	Node   *Task
}

// TaskPage is one page of a task list.
type TaskPage struct {
	Edges           []TaskEdge
	HasNextPage     bool
	HasPreviousPage bool
	// EventCursor is the position of the user's feed that the page reflects, read in the same snapshot as its rows:
	// the feed after it holds exactly the changes the page does not show. Set only when ListQuery.WithEventCursor.
	EventCursor string
	// TotalCount is how many tasks match the filter in all; nil unless ListQuery.WithTotalCount asked for it.
	TotalCount *int
}

// taskTag is one tag of one task, the row that the tags filter, the tag counts and the statistics use. The tags
// column of tasks keeps the task's tags in the order the client gave them; the two are written together.
type taskTag struct {
	bun.BaseModel `bun:"table:task_tags,alias:tt"`

	TaskID uuid.UUID `bun:"task_id,pk"`
	UserID string    `bun:"user_id,notnull"`
	Tag    string    `bun:"tag,pk"`
}

// idempotencyKey remembers which task a createTask with a key created. Keys are kept for good (the contract asks
// for at least 24 hours): a row is small, and keeping it also keeps answering NOT_FOUND for a key whose task was
// deleted instead of creating the task again.
type idempotencyKey struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:ik"`

	UserID    string    `bun:"user_id,pk"`
	Key       string    `bun:"key,pk"`
	TaskID    uuid.UUID `bun:"task_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

var _ bun.AfterScanRowHook = (*Task)(nil)

// AfterScanRow puts the times read from the database in UTC, whatever offset the database reported them with, and
// makes missing tags an empty list.
func (t *Task) AfterScanRow(context.Context) error {
	t.CreatedAt = t.CreatedAt.UTC()
	t.UpdatedAt = t.UpdatedAt.UTC()
	t.DueAt = utcPtr(t.DueAt)
	t.CompletedAt = utcPtr(t.CompletedAt)
	if t.Tags == nil {
		t.Tags = Tags{}
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func foldPtr(s *string) *string {
	if s == nil {
		return nil
	}
	f := Fold(*s)
	return &f
}

// CreateTask validates and stores a new task. With an idempotency key the user already used, it creates nothing
// and returns the task that key created as it is now. Returns *ValidationError for invalid input (checked before the
// key is looked up), and ErrNotFound when the key's task has since been deleted.
//
// The key is claimed by inserting it, in the transaction that inserts the task: of two concurrent requests with one
// key, the second waits for the first to commit (PostgreSQL's unique index; SQLite's single writer), then finds the
// key taken and returns the first one's task.
func (s *Store) CreateTask(ctx context.Context, userID string, in CreateTaskInput) (*Task, error) {
	in, rule, err := in.normalize()
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("model: create task: %w", err)
	}
	now := TruncateTime(s.now())
	task := &Task{
		ID:              id,
		UserID:          userID,
		Title:           in.Title,
		TitleFold:       Fold(in.Title),
		Description:     in.Description,
		DescriptionFold: foldPtr(in.Description),
		Priority:        in.Priority,
		Tags:            Tags(in.Tags),
		DueAt:           in.DueAt,
		CreatedAt:       now,
		UpdatedAt:       now,
		Rule:            rule,
	}
	if rule != nil {
		task.SeriesID = &task.ID // a series is named after its first occurrence
	}
	var pos int64 // the feed's position after the events appended; 0 when none was
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if in.IdempotencyKey != nil {
			key := &idempotencyKey{UserID: userID, Key: *in.IdempotencyKey, TaskID: id, CreatedAt: now}
			res, err := tx.NewInsert().Model(key).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				// A retry: answer with the task the key created, as it is now.
				if err := tx.NewSelect().Model(key).
					Where("ik.user_id = ?", userID).Where("ik.key = ?", key.Key).Scan(ctx); err != nil {
					return err
				}
				task, err = getTask(ctx, tx, userID, key.TaskID, false)
				return err
			}
		}
		if _, err := tx.NewInsert().Model(task).Exec(ctx); err != nil {
			return err
		}
		if err := insertTags(ctx, tx, task); err != nil {
			return err
		}
		if task.Reminders, err = insertReminders(ctx, tx, task, in.Reminders, now); err != nil {
			return err
		}
		pos, err = s.appendEvents(ctx, tx, userID, now, NewEvent{Kind: TaskEventCreated, TaskID: task.ID, Task: task})
		return err
	})
	if err != nil {
		return nil, storeError("create task", err)
	}
	s.committed(userID, pos)
	s.signalReminders(len(task.Reminders) > 0)
	return task, nil
}

// insertTags writes the task_tags rows of task.
func insertTags(ctx context.Context, db bun.IDB, task *Task) error {
	if len(task.Tags) == 0 {
		return nil
	}
	rows := make([]taskTag, len(task.Tags))
	for i, tag := range task.Tags {
		rows[i] = taskTag{TaskID: task.ID, UserID: task.UserID, Tag: tag}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// getTask reads one of the user's tasks, locking it for the transaction when lock is set. Returns ErrNotFound when
// the user has no such task.
func getTask(ctx context.Context, db bun.IDB, userID string, id uuid.UUID, lock bool) (*Task, error) {
	task := new(Task)
	q := db.NewSelect().Model(task).Where("t.user_id = ?", userID).Where("t.id = ?", id)
	if lock {
		q = forUpdate(db, q)
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return task, nil
}

// UpdateTask applies a patch. Ownership is checked first: ErrNotFound when the user has no such task, then
// *ValidationError for invalid input. UpdatedAt moves only when something changed.
//
// Completing the pending occurrence of a series creates the next occurrence in the same transaction and returns it
// as next (nil when the series ends there); reopening it while that one is still pending and unchanged deletes it
// and gives the rule back. Completing a task that is already completed creates nothing and returns as next the
// occurrence its completion created, as it is now, if it still exists.
func (s *Store) UpdateTask(ctx context.Context, userID string, id uuid.UUID, patch TaskPatch) (task, next *Task, err error) {
	task, next, err = s.patch(ctx, userID, id, patch)
	return task, next, storeError("update task", err)
}

// SetTaskCompleted completes or reopens a task; doing it twice changes nothing the second time. Returns the next
// occurrence of a series as UpdateTask does, and ErrNotFound when the user has no such task.
func (s *Store) SetTaskCompleted(ctx context.Context, userID string, id uuid.UUID, completed bool) (task, next *Task, err error) {
	task, next, err = s.patch(ctx, userID, id, TaskPatch{Completed: Some(completed)})
	return task, next, storeError("set task completed", err)
}

// patch reads the task (locked), validates the patch, and writes the columns that change, if any, with what the
// change does to the task's reminders and series.
func (s *Store) patch(ctx context.Context, userID string, id uuid.UUID, patch TaskPatch) (task, next *Task, err error) {
	touched := false
	var pos int64 // the feed's position after the events appended; 0 when none was
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if task, err = getTask(ctx, tx, userID, id, true); err != nil {
			return err
		}
		existing, err := taskReminders(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		var p problems
		if patch, err = patch.Normalize(); err != nil {
			var invalid *ValidationError
			if !errors.As(err, &invalid) {
				return err
			}
			p = append(p, invalid.Problems...)
		}
		patch = patchReminderProblems(&p, patch, task, existing)
		now := TruncateTime(s.now())
		before := *task
		columns, tagsChanged := task.apply(patch, now)
		// The series is planned before anything is written, so that its problems join the others.
		series, err := planSeries(ctx, tx, &before, task, patch, now, &p)
		if err != nil {
			return err
		}
		if err := p.err(); err != nil {
			return err
		}
		columns = append(columns, series.columns...)
		if before.Completed && patch.Completed.Set && patch.Completed.Value && task.NextOccurrenceID != nil {
			// A repeated completion answers with the occurrence the first one created, as it is now.
			if next, err = getTask(ctx, tx, userID, *task.NextOccurrenceID, false); errors.Is(err, ErrNotFound) {
				next, err = nil, nil
			}
			if err != nil {
				return err
			}
		}
		dueChanged := (before.DueAt == nil) != (task.DueAt == nil) || (before.DueAt != nil && !before.DueAt.Equal(*task.DueAt))
		var remindersChanged bool
		task.Reminders, remindersChanged, err = syncReminders(ctx, tx, task, existing, patch, dueChanged,
			before.Completed != task.Completed, now)
		if err != nil {
			return err
		}
		touched = len(task.Reminders) > 0 && (remindersChanged || before.Completed && !task.Completed)
		if len(columns) == 0 && !remindersChanged {
			return nil // a no-op: nothing written, updatedAt stays
		}
		task.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(task).Column(append(columns, "updated_at")...).
			Where("t.user_id = ?", userID).Where("t.id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if tagsChanged {
			if _, err := tx.NewDelete().Model((*taskTag)(nil)).
				Where("tt.user_id = ?", userID).Where("tt.task_id = ?", id).Exec(ctx); err != nil {
				return err
			}
			if err := insertTags(ctx, tx, task); err != nil {
				return err
			}
		}
		if err := series.apply(ctx, tx, task.Reminders, now); err != nil {
			return err
		}
		if series.next != nil {
			next = series.next
			touched = touched || len(next.Reminders) > 0
		}
		events := append([]NewEvent{{Kind: TaskEventUpdated, TaskID: task.ID, Task: task}}, series.events()...)
		pos, err = s.appendEvents(ctx, tx, userID, now, events...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.committed(userID, pos)
	s.signalReminders(touched)
	return task, next, nil
}

// apply applies a normalized patch to t and returns the columns that changed, and whether the tags did. A field set
// to the value it has is no change.
func (t *Task) apply(p TaskPatch, now time.Time) (columns []string, tagsChanged bool) {
	if p.Title.Set && p.Title.Value != t.Title {
		t.Title, t.TitleFold = p.Title.Value, Fold(p.Title.Value)
		columns = append(columns, "title", "title_fold")
	}
	if p.Description.Set {
		var d *string
		if !p.Description.Null {
			d = &p.Description.Value
		}
		if (d == nil) != (t.Description == nil) || (d != nil && *d != *t.Description) {
			t.Description, t.DescriptionFold = d, foldPtr(d)
			columns = append(columns, "description", "description_fold")
		}
	}
	if p.Priority.Set && p.Priority.Value != t.Priority {
		t.Priority = p.Priority.Value
		columns = append(columns, "priority")
	}
	if p.Tags.Set && !slices.Equal(p.Tags.Value, t.Tags) {
		t.Tags = Tags(p.Tags.Value)
		columns = append(columns, "tags")
		tagsChanged = true
	}
	if p.DueAt.Set {
		var d *time.Time
		if !p.DueAt.Null {
			d = &p.DueAt.Value
		}
		if (d == nil) != (t.DueAt == nil) || (d != nil && !d.Equal(*t.DueAt)) {
			t.DueAt = d
			columns = append(columns, "due_at")
		}
	}
	if p.Completed.Set && p.Completed.Value != t.Completed {
		t.Completed = p.Completed.Value
		t.CompletedAt = nil
		if t.Completed {
			t.CompletedAt = &now
		}
		columns = append(columns, "completed", "completed_at")
	}
	return columns, tagsChanged
}

// DeleteTask deletes a task and appends its DELETED event. Returns ErrNotFound when the user has no such task (so
// a retry gets ErrNotFound and emits nothing).
func (s *Store) DeleteTask(ctx context.Context, userID string, id uuid.UUID) error {
	var pos int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// task_tags rows go with the task (ON DELETE CASCADE).
		res, err := tx.NewDelete().Model((*Task)(nil)).Where("t.user_id = ?", userID).Where("t.id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		pos, err = s.appendEvents(ctx, tx, userID, s.now(), NewEvent{Kind: TaskEventDeleted, TaskID: id})
		return err
	})
	if err != nil {
		return storeError("delete task", err)
	}
	s.committed(userID, pos)
	return nil
}

// ClearCompletedTasks deletes every completed task of the user and returns their ids, in the order of their
// DELETED events (one each, in one transaction with the deletion); none when there were none.
func (s *Store) ClearCompletedTasks(ctx context.Context, userID string) ([]uuid.UUID, error) {
	ids := []uuid.UUID{}
	var pos int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Task)(nil)).Where("t.user_id = ?", userID).Where("t.completed").
			Returning("id").Exec(ctx, &ids); err != nil {
			return err
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
		events := make([]NewEvent, len(ids))
		for i, id := range ids {
			events[i] = NewEvent{Kind: TaskEventDeleted, TaskID: id}
		}
		var err error
		pos, err = s.appendEvents(ctx, tx, userID, s.now(), events...)
		return err
	})
	if err != nil {
		return nil, storeError("clear completed tasks", err)
	}
	s.committed(userID, pos)
	return ids, nil
}

// Task returns one task. Returns ErrNotFound when the user has no such task.
func (s *Store) Task(ctx context.Context, userID string, id uuid.UUID) (*Task, error) {
	task, err := getTask(ctx, s.db, userID, id, false)
	return task, storeError("get task", err)
}

// TasksByID returns the user's tasks with the given ids in one query, in the order of ids, nil where the user has
// no such task. An id may appear more than once; each place gets the task.
func (s *Store) TasksByID(ctx context.Context, userID string, ids []uuid.UUID) ([]*Task, error) {
	out := make([]*Task, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var tasks []*Task
	if err := s.db.NewSelect().Model(&tasks).Where("t.user_id = ?", userID).Where("t.id IN (?)", bun.In(ids)).
		Scan(ctx); err != nil {
		return nil, storeError("tasks by id", err)
	}
	byID := make(map[uuid.UUID]*Task, len(tasks))
	for _, t := range tasks {
		byID[t.ID] = t
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// Ping reports whether the database answers. Returns an error wrapping ErrUnavailable when it does not.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("model: ping: %w: %w", ErrUnavailable, err)
	}
	return nil
}
