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
// second, and every query it runs carries the user's condition itself (the membership condition for tasks and
// lists, user_id for rows of the user's own): a task of a list the user is not a member of is indistinguishable
// from one that does not exist.
type Store struct {
	db  bun.IDB
	now func() time.Time
	// remindersChanged is called after a write that may have made a reminder due sooner (see WithReminderSignal).
	remindersChanged func()
	// sink is given the changes each write records (see WithEventSink).
	sink EventSink
	// reads keeps what ListTasks, Stats and Tags read (see WithReadCache); nil: none.
	reads *ReadCache
	// seen is shared by the copies of a store, so that SeeUser writes once per user whichever copy is asked.
	seen *seenUsers
}

// NewStore returns a store over db, which may be a *bun.DB or a bun.Tx. Over a bun.Tx, a write's steps after its
// commit (see Store.write) run when its savepoint is released, before the caller's transaction commits: give such a
// store no sink, read cache or reminder signal.
func NewStore(db bun.IDB) *Store {
	return &Store{db: db, now: time.Now, seen: &seenUsers{}}
}

// WithClock returns a copy of the store that reads the time from now (for tests).
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
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
	ListID uuid.UUID `bun:"list_id,notnull"`
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
	t.DeletedAt = utcPtr(t.DeletedAt)
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
//
// The task goes to in.ListID, or the user's Inbox (made if needed). Returns ErrListNotFound when the user is not a
// member of in.ListID, and ErrForbidden when they are a VIEWER there.
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
		CreatedBy:       userID,
		Title:           in.Title,
		TitleFold:       Fold(in.Title),
		Description:     in.Description,
		DescriptionFold: foldPtr(in.Description),
		Priority:        in.Priority,
		Tags:            Tags(in.Tags),
		DueAt:           in.DueAt,
		CreatedAt:       now,
		UpdatedAt:       now,
		Version:         1,
		Rule:            rule,
	}
	if rule != nil {
		task.SeriesID = &task.ID // a series is named after its first occurrence
	}
	err = s.writeRetrying(ctx, func(ctx context.Context, tx *writeTx) error {
		task.ListID = InboxID(userID)
		if in.ListID != nil {
			task.ListID = *in.ListID
		} else if err := ensureInbox(ctx, tx, userID, now); err != nil {
			return err
		}
		role, err := writeRole(ctx, tx, userID, task.ListID)
		if errors.Is(err, ErrNotFound) {
			return ErrListNotFound
		} else if err != nil {
			return err
		}
		if !canWrite(role) {
			return ErrForbidden
		}
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
		place := Placement{}
		if in.AfterTaskID != nil {
			place.After = Some(*in.AfterTaskID)
		}
		if task.Position, err = placeTask(ctx, tx, userID, task.ListID, place, task.ID); err != nil {
			return err
		}
		if in.AssigneeID != nil {
			// Read after writeRole, which holds the list's row: a removal of the assignee in flight waits for this
			// write (and then unassigns the task), or this read waits for it and finds them gone. A retry with the
			// key has answered above, with the task as it is now.
			var p problems
			if err := checkAssignee(ctx, tx, userID, task.ListID, *in.AssigneeID, &p); err != nil {
				return err
			}
			if err := p.err(); err != nil {
				return err
			}
			task.AssigneeID = in.AssigneeID
		}
		if _, err := tx.NewInsert().Model(task).Exec(ctx); err != nil {
			return err
		}
		if err := insertTags(ctx, tx, task); err != nil {
			return err
		}
		if task.Reminders, err = insertReminders(ctx, tx, userID, task, in.Reminders, now); err != nil {
			return err
		}
		if len(task.Reminders) > 0 {
			tx.touchReminders()
		}
		tx.recordTask(userID, now, NewEvent{Kind: TaskEventCreated, TaskID: task.ID, Task: task})
		return nil
	})
	if err != nil {
		return nil, storeError("create task", err)
	}
	return task, nil
}

// insertTags writes the task_tags rows of task.
func insertTags(ctx context.Context, db bun.IDB, task *Task) error {
	if len(task.Tags) == 0 {
		return nil
	}
	rows := make([]taskTag, len(task.Tags))
	for i, tag := range task.Tags {
		rows[i] = taskTag{TaskID: task.ID, ListID: task.ListID, Tag: tag}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// getTask reads a task the user can see, locking it for the transaction when lock is set. Returns ErrNotFound when
// there is no such task in a list the user is a member of.
func getTask(ctx context.Context, db bun.IDB, userID string, id uuid.UUID, lock bool) (*Task, error) {
	task := new(Task)
	q := db.NewSelect().Model(task).Where(visibleTasks, userID).Where("t.id = ?", id)
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

// UpdateTask applies a patch. Visibility is checked first: ErrNotFound when the user cannot see the task; then the
// role: ErrForbidden when a VIEWER changes anything but their own reminders, or moves the task (patch.ListID) to a
// list where they are not an EDITOR or OWNER (ErrListNotFound when they are not a member of it); then
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
	return s.SetTaskCompletedIf(ctx, userID, id, completed, nil)
}

// SetTaskCompletedIf is SetTaskCompleted that, when ifVersion is set, lands only on that version of the task: on any
// other it writes nothing and returns *ConflictError with the task as it now is (after ErrNotFound and
// ErrForbidden, so that a version never shows through to someone who cannot see or write the task).
func (s *Store) SetTaskCompletedIf(ctx context.Context, userID string, id uuid.UUID, completed bool, ifVersion *int) (task, next *Task, err error) {
	task, next, err = s.patch(ctx, userID, id, TaskPatch{Completed: Some(completed), IfVersion: ifVersion})
	return task, next, storeError("set task completed", err)
}

// MoveTask puts a task at a place of its list's manual order, or of another list (in.ListID), and returns it. The
// move writes the task's row alone (its key, and its list), adds 1 to its version and records an UPDATED event
// whose fields are ["position"] (["list", "position"] for another list; members of one list alone get CREATED or
// DELETED). A task that already sits there is a no-op: nothing written, no event. Returns ErrNotFound when the user
// cannot see the task, ErrForbidden when they are a VIEWER of its list or of in.ListID, ErrListNotFound when they are
// not a member of in.ListID, *ConflictError when in.IfVersion is not the task's version, and *ValidationError
// (INVALID at ["input", "afterTaskId"]) when the task to go after is no live task of the target list, or the task
// itself.
func (s *Store) MoveTask(ctx context.Context, userID string, id uuid.UUID, in TaskMove) (*Task, error) {
	patch := TaskPatch{Place: &in.Place, IfVersion: in.IfVersion}
	if in.ListID != nil {
		patch.ListID = Some(*in.ListID)
	}
	task, _, err := s.patch(ctx, userID, id, patch)
	return task, storeError("move task", err)
}

// patch applies a patch in one write: it plans the change against the task as it is (planPatch, which writes
// nothing), then writes what the plan changes (patchPlan.write).
func (s *Store) patch(ctx context.Context, userID string, id uuid.UUID, patch TaskPatch) (task, next *Task, err error) {
	err = s.writeRetrying(ctx, func(ctx context.Context, tx *writeTx) error {
		plan, err := planPatch(ctx, tx, userID, id, patch, TruncateTime(s.now()))
		if err != nil {
			return err
		}
		plan.actor = userID
		task, next, err = plan.write(ctx, tx)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return task, next, nil
}

// patchPlan is a validated patch and what it does to its task: the task before and after it, the columns that
// change, and the change to the task's series; its reminders are brought in line when it is written.
type patchPlan struct {
	patch       TaskPatch // normalized
	before      Task
	task        *Task // as the patch leaves it
	existing    []*Reminder
	columns     []string // of tasks, besides updated_at
	tagsChanged bool
	series      seriesChange
	now         time.Time
	actor       string    // the user making the change
	fromList    uuid.UUID // the task's list before a move; zero when it stays
}

// planPatch reads the task (locked for the transaction) and its reminders, validates the patch against them, and
// applies it to the task in memory, with the change it makes to the task's series. It writes nothing. Returns
// ErrNotFound when the user has no such task, then *ValidationError with every problem of the patch.
func planPatch(ctx context.Context, tx bun.IDB, userID string, id uuid.UUID, patch TaskPatch, now time.Time) (*patchPlan, error) {
	task, role, err := lockTask(ctx, tx, userID, id)
	if err != nil {
		return nil, err
	}
	if !canWrite(role) && patchesTask(patch) {
		return nil, ErrForbidden // a VIEWER may set their own reminders, nothing else
	}
	// The task is locked until the transaction ends, so the version compared here is the one the write replaces.
	if patch.IfVersion != nil && *patch.IfVersion != task.Version {
		return nil, &ConflictError{Current: task}
	}
	var fromList uuid.UUID
	if patch.ListID.Set && !patch.ListID.Null && patch.ListID.Value != task.ListID {
		target, err := writeRole(ctx, tx, userID, patch.ListID.Value)
		if errors.Is(err, ErrNotFound) {
			return nil, ErrListNotFound
		} else if err != nil {
			return nil, err
		}
		if !canWrite(target) {
			return nil, ErrForbidden
		}
		fromList = task.ListID
	}
	existing, err := taskReminders(ctx, tx, userID, id)
	if err != nil {
		return nil, err
	}
	var p problems
	if patch.Place == nil && fromList != (uuid.UUID{}) {
		patch.Place = &Placement{} // a task moved to another list goes to its end
	}
	if patch, err = patch.Normalize(); err != nil {
		var invalid *ValidationError
		if !errors.As(err, &invalid) {
			return nil, err
		}
		p = append(p, invalid.Problems...)
	}
	patch = patchReminderProblems(&p, patch, task, existing)
	if patch.AssigneeID.Set && !patch.AssigneeID.Null {
		list := task.ListID
		if fromList != (uuid.UUID{}) {
			list = patch.ListID.Value
		}
		if err := checkAssignee(ctx, tx, userID, list, patch.AssigneeID.Value, &p); err != nil {
			return nil, err
		}
	}
	plan := &patchPlan{patch: patch, before: *task, task: task, existing: existing, now: now, fromList: fromList}
	plan.columns, plan.tagsChanged = task.apply(patch, now, userID)
	if patch.Place != nil {
		moved, err := placeInPlan(ctx, tx, userID, task, *patch.Place, fromList != (uuid.UUID{}))
		var invalid *ValidationError
		if errors.As(err, &invalid) {
			p = append(p, invalid.Problems...)
		} else if err != nil {
			return nil, err
		} else if moved {
			plan.columns = append(plan.columns, "position")
		}
	}
	if fromList != (uuid.UUID{}) && !patch.AssigneeID.Set {
		// A move keeps the assignee only where they are a member too.
		if unassigned, err := unassignOutside(ctx, tx, userID, task, task.ListID); err != nil {
			return nil, err
		} else if unassigned {
			plan.columns = append(plan.columns, "assignee_id")
		}
	}
	// The series is planned before anything is written, so that its problems join the others.
	if plan.series, err = planSeries(ctx, tx, userID, &plan.before, task, patch, now, &p); err != nil {
		return nil, err
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	plan.columns = append(plan.columns, plan.series.columns...)
	return plan, nil
}

// write writes the plan in tx: the task's reminders, then, unless nothing changed, the task's row and tags, its
// series, and the events. It returns the task as it now is and the occurrence of its series that its completion
// created (see UpdateTask).
func (c *patchPlan) write(ctx context.Context, tx *writeTx) (task, next *Task, err error) {
	task = c.task
	if next, err = c.repeatedCompletionNext(ctx, tx); err != nil {
		return nil, nil, err
	}
	remindersChanged, err := c.syncReminders(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if len(c.columns) == 0 && !remindersChanged {
		return task, next, nil // a no-op: nothing written, updatedAt stays
	}
	if err := c.writeTask(ctx, tx); err != nil {
		return nil, nil, err
	}
	fields := changedFields(c.columns, remindersChanged)
	if err := c.series.apply(ctx, tx, task.Reminders, c.now); err != nil {
		return nil, nil, err
	}
	if c.series.next != nil {
		next = c.series.next
		if len(next.Reminders) > 0 {
			tx.touchReminders()
		}
	}
	tx.recordMove(c.actor, c.now, c.fromList, NewEvent{Kind: TaskEventUpdated, TaskID: task.ID, Task: task, Fields: fields})
	tx.recordTask(c.actor, c.now, c.series.events()...)
	return task, next, nil
}

// repeatedCompletionNext returns, when the patch completes a task that was completed already, the occurrence the
// first completion created, as it is now (nil when it is gone); otherwise nil.
func (c *patchPlan) repeatedCompletionNext(ctx context.Context, tx bun.IDB) (*Task, error) {
	if !c.before.Completed || !c.patch.Completed.Set || !c.patch.Completed.Value || c.task.NextOccurrenceID == nil {
		return nil, nil
	}
	next, err := getTask(ctx, tx, c.actor, *c.task.NextOccurrenceID, false)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return next, err
}

// syncReminders brings the task's reminders in line with the patch (see syncReminders) and reports whether their
// set or a time changed; it tells the scheduler to look again when that, or a reopening, may make one fire sooner.
func (c *patchPlan) syncReminders(ctx context.Context, tx *writeTx) (bool, error) {
	before, task := &c.before, c.task
	dueChanged := (before.DueAt == nil) != (task.DueAt == nil) || (before.DueAt != nil && !before.DueAt.Equal(*task.DueAt))
	var changed bool
	var err error
	task.Reminders, changed, err = syncReminders(ctx, tx, c.actor, task, c.existing, c.patch, dueChanged,
		before.Completed != task.Completed, c.now)
	if err != nil {
		return false, err
	}
	if changed || dueChanged || before.Completed && !task.Completed {
		// Another member's reminders may have moved or been re-armed as well as the user's.
		tx.touchReminders()
	}
	return changed, nil
}

// writeTask writes the task's changed columns, with updated_at and the next version, and its tags when they
// changed. The statement lands only on the version the plan read (which the task's lock keeps): should it find
// another, it writes nothing and returns *ConflictError.
func (c *patchPlan) writeTask(ctx context.Context, tx bun.IDB) error {
	task := c.task
	task.UpdatedAt = c.now
	task.Version = c.before.Version + 1
	res, err := tx.NewUpdate().Model(task).Column(append(c.columns, "updated_at", "version")...).
		Where(visibleTasks, c.actor).Where("t.id = ?", task.ID).Where("t.version = ?", c.before.Version).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		current, err := getTask(ctx, tx, c.actor, task.ID, false)
		if err != nil {
			return err
		}
		return &ConflictError{Current: current}
	}
	if !c.tagsChanged && c.fromList == (uuid.UUID{}) {
		return nil
	}
	// A move takes the tags along: they are counted per list.
	if _, err := tx.NewDelete().Model((*taskTag)(nil)).
		Where("tt.list_id IN ("+memberOf+")", c.actor).Where("tt.task_id = ?", task.ID).Exec(ctx); err != nil {
		return err
	}
	return insertTags(ctx, tx, task)
}

// patchesTask reports whether p changes the task itself, not only the user's own reminders on it.
func patchesTask(p TaskPatch) bool {
	return p.Title.Set || p.Description.Set || p.Priority.Set || p.Tags.Set || p.DueAt.Set || p.Completed.Set ||
		p.Recurrence.Set || p.ListID.Set || p.Place != nil || p.AssigneeID.Set
}

// apply applies a normalized patch to t, made by actor, and returns the columns that changed, and whether the tags
// did. A field set to the value it has is no change.
func (t *Task) apply(p TaskPatch, now time.Time, actor string) (columns []string, tagsChanged bool) {
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
	if p.ListID.Set && !p.ListID.Null && p.ListID.Value != t.ListID {
		t.ListID = p.ListID.Value
		columns = append(columns, "list_id")
	}
	if p.AssigneeID.Set {
		var a *string
		if !p.AssigneeID.Null {
			a = &p.AssigneeID.Value
		}
		if (a == nil) != (t.AssigneeID == nil) || (a != nil && *a != *t.AssigneeID) {
			t.AssigneeID = a
			columns = append(columns, "assignee_id")
		}
	}
	if p.Completed.Set && p.Completed.Value != t.Completed {
		t.Completed = p.Completed.Value
		t.CompletedAt, t.CompletedBy = nil, nil
		if t.Completed {
			t.CompletedAt, t.CompletedBy = &now, &actor
		}
		columns = append(columns, "completed", "completed_at", "completed_by")
	}
	return columns, tagsChanged
}

// taskFieldOfColumn names the GraphQL field of Task that each column of tasks a patch can change is read through;
// columns that no field shows (the folds, what undoes a completion) are not there. "position" is the task's place
// in its list's manual order (orderBy POSITION), which no field of Task shows but a move changes.
var taskFieldOfColumn = map[string]string{
	"title": "title", "description": "description", "priority": "priority", "tags": "tags", "due_at": "dueAt",
	"list_id": "list", "completed": "completed", "completed_at": "completedAt", "completed_by": "completedBy",
	"recurrence": "recurrence", "series_id": "seriesId", "position": "position", "assignee_id": "assignee",
}

// changedFields returns the GraphQL names of the task's fields that a change of columns (and of the actor's
// reminders, when reminders is set) changed, in the order of columns, each once. It is recorded with the change's
// event, so that history says what changed as the write saw it.
func changedFields(columns []string, reminders bool) []string {
	fields := []string{}
	for _, c := range columns {
		if f, ok := taskFieldOfColumn[c]; ok && !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	if reminders {
		fields = append(fields, "reminders")
	}
	return fields
}

// DeleteTask moves a task to the trash and appends its DELETED event: it disappears from every read of tasks
// (visibleTasks) until RestoreTask brings it back or it is purged. Its tags leave the tag counts; its reminders
// stay, and do not fire while it is in the trash. Returns ErrNotFound when the user cannot see the task (so a
// retry gets ErrNotFound and emits nothing), ErrForbidden when they are a VIEWER of its list.
func (s *Store) DeleteTask(ctx context.Context, userID string, id uuid.UUID) error {
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		task, role, err := lockTask(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		if !canWrite(role) {
			return ErrForbidden
		}
		now := TruncateTime(s.now())
		if err := trash(ctx, tx, userID, now, []uuid.UUID{id}); err != nil {
			return err
		}
		tx.recordTask(userID, now, NewEvent{Kind: TaskEventDeleted, TaskID: id, ListID: task.ListID})
		return nil
	})
	return storeError("delete task", err)
}

// trash moves the live tasks with the given ids, of lists the user is a member of, to the trash at now, and takes
// their tags out of the tag counts (task_tags holds the tags of live tasks only; RestoreTask writes them again).
func trash(ctx context.Context, tx bun.IDB, userID string, now time.Time, ids []uuid.UUID) error {
	if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("deleted_at = ?", now).Set("version = t.version + 1").
		Where(visibleTasks, userID).Where("t.id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewDelete().Model((*taskTag)(nil)).Where("tt.list_id IN ("+memberOf+")", userID).
		Where("tt.task_id IN (?)", bun.In(ids)).Exec(ctx)
	return err
}

// ClearCompletedTasks moves the completed tasks of every list where the user may write (OWNER or EDITOR; the
// completed tasks of lists they only view stay) to the trash and returns their ids, in the order of their DELETED
// events (one each, in one transaction with the change); none when there were none.
func (s *Store) ClearCompletedTasks(ctx context.Context, userID string) ([]uuid.UUID, error) {
	ids := []uuid.UUID{}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		// The lists' rows and then the memberships, locked as writeRole locks one (the lists first, in id order), so
		// that a concurrent removal waits or is waited for.
		writable := bun.In([]ListRole{ListRoleOwner, ListRoleEditor})
		var lists []uuid.UUID
		if IsPostgres(tx) {
			if err := tx.NewSelect().TableExpr("lists AS l").Column("l.id").
				Where("l.id IN (SELECT list_id FROM list_members WHERE user_id = ? AND role IN (?))", userID, writable).
				OrderExpr("l.id").For("SHARE").Scan(ctx, &lists); err != nil {
				return err
			}
		}
		q := tx.NewSelect().TableExpr("list_members AS m").Column("m.list_id").Where("m.user_id = ?", userID).
			Where("m.role IN (?)", writable)
		if IsPostgres(tx) {
			q = q.For("SHARE")
		}
		lists = lists[:0]
		if err := q.Scan(ctx, &lists); err != nil {
			return err
		}
		if len(lists) == 0 {
			return nil
		}
		var rows []struct {
			ID     uuid.UUID `bun:"id"`
			ListID uuid.UUID `bun:"list_id"`
		}
		now := TruncateTime(s.now())
		if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("deleted_at = ?", now).Set("version = t.version + 1").
			Where(visibleTasks, userID).Where("t.list_id IN (?)", bun.In(lists)).Where("t.completed").Returning("id, list_id").
			Exec(ctx, &rows); err != nil {
			return err
		}
		slices.SortFunc(rows, func(a, b struct {
			ID     uuid.UUID `bun:"id"`
			ListID uuid.UUID `bun:"list_id"`
		}) int {
			return bytes.Compare(a.ID[:], b.ID[:])
		})
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.NewDelete().Model((*taskTag)(nil)).Where("tt.list_id IN ("+memberOf+")", userID).
			Where("tt.task_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		for _, r := range rows {
			tx.recordTask(userID, now, NewEvent{Kind: TaskEventDeleted, TaskID: r.ID, ListID: r.ListID})
		}
		return nil
	})
	if err != nil {
		return nil, storeError("clear completed tasks", err)
	}
	return ids, nil
}

// Task returns one task the user can see. Returns ErrNotFound when there is no such task in their lists.
func (s *Store) Task(ctx context.Context, userID string, id uuid.UUID) (*Task, error) {
	task, err := getTask(ctx, s.db, userID, id, false)
	return task, storeError("get task", err)
}

// TasksByID returns the tasks with the given ids that the user can see in one query, in the order of ids, nil
// where the user cannot see one. An id may appear more than once; each place gets the task.
func (s *Store) TasksByID(ctx context.Context, userID string, ids []uuid.UUID) ([]*Task, error) {
	out := make([]*Task, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var tasks []*Task
	if err := s.db.NewSelect().Model(&tasks).Where(visibleTasks, userID).Where("t.id IN (?)", bun.In(ids)).
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
