package model

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The limits of reminders, from the contract.
const (
	MaxReminders     = 5
	MaxMinutesBefore = 40320 // four weeks
)

// Reminder is one of a task's reminders. It fires once, at RemindAt, unless its task is completed or deleted by
// then. Times are UTC with millisecond precision.
type Reminder struct {
	bun.BaseModel `bun:"table:reminders,alias:r"`

	ID     uuid.UUID `bun:"id,pk" json:"id"`
	UserID string    `bun:"user_id,notnull" json:"-"`
	TaskID uuid.UUID `bun:"task_id,notnull" json:"taskId"`
	// RemindAt is when it fires: DueAt minus MinutesBefore for a reminder tied to the due date.
	RemindAt time.Time `bun:"remind_at,notnull" json:"remindAt"`
	// MinutesBefore ties the reminder to its task's due date (it moves with it); nil for a fixed instant.
	MinutesBefore *int `bun:"minutes_before" json:"minutesBefore"`
	// FiredAt is when it fired; nil until then, and again once a moved due date has put it in the future.
	FiredAt *time.Time `bun:"fired_at" json:"firedAt"`
	// TaskCompleted mirrors the task's completed flag, so that the scheduler's claim reads this table alone.
	TaskCompleted bool      `bun:"task_completed,notnull" json:"-"`
	CreatedAt     time.Time `bun:"created_at,notnull" json:"-"`
}

var _ bun.AfterScanRowHook = (*Reminder)(nil)

// AfterScanRow puts the times read from the database in UTC.
func (r *Reminder) AfterScanRow(context.Context) error {
	r.RemindAt = r.RemindAt.UTC()
	r.FiredAt = utcPtr(r.FiredAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return nil
}

// ReminderInput is a reminder as a client sends it: exactly one of MinutesBefore (0 to 40320, needs the task's due
// date) and At.
type ReminderInput struct {
	MinutesBefore *int
	At            *time.Time
}

// same reports whether r is what in asks for, so that an update that sends a task's reminders again keeps them
// (ids, and whether they fired) instead of making them anew.
func (in ReminderInput) same(r *Reminder) bool {
	if in.MinutesBefore != nil {
		return r.MinutesBefore != nil && *r.MinutesBefore == *in.MinutesBefore
	}
	return r.MinutesBefore == nil && in.At != nil && in.At.Equal(r.RemindAt)
}

// minInstant is the earliest instant a DateTime can hold; a reminder must not fall before it.
var minInstant = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// reminders validates a task's reminders against the due date the task will have and returns them normalized
// (instants truncated to milliseconds, repetitions dropped). A problem with one reminder names its index in the
// list the client sent; more than MaxReminders is TOO_MANY on the list.
func (p *problems) reminders(in []ReminderInput, dueAt *time.Time, field ...string) []ReminderInput {
	out := make([]ReminderInput, 0, len(in))
	for i, r := range in {
		at := append(append([]string(nil), field...), strconv.Itoa(i))
		switch {
		case (r.MinutesBefore == nil) == (r.At == nil):
			p.add(UserErrorCodeInvalid, "Give exactly one of minutesBefore and at.", at...)
			continue
		case r.At != nil:
			v := TruncateTime(*r.At)
			r.At = &v
		case *r.MinutesBefore < 0 || *r.MinutesBefore > MaxMinutesBefore:
			p.add(UserErrorCodeInvalid, "minutesBefore must be from 0 to "+strconv.Itoa(MaxMinutesBefore)+".", append(at, "minutesBefore")...)
			continue
		case dueAt == nil:
			p.add(UserErrorCodeInvalid, "A reminder with minutesBefore needs the task's dueAt.", append(at, "minutesBefore")...)
			continue
		case remindAt(r, dueAt).Before(minInstant):
			p.add(UserErrorCodeInvalid, "This reminder would fall before the year 1.", append(at, "minutesBefore")...)
			continue
		}
		if !slices.ContainsFunc(out, func(o ReminderInput) bool { return sameInput(o, r) }) {
			out = append(out, r)
		}
	}
	if len(out) > MaxReminders {
		p.add(UserErrorCodeTooMany, "A task can have at most "+strconv.Itoa(MaxReminders)+" reminders.", field...)
	}
	return out
}

func sameInput(a, b ReminderInput) bool {
	if a.MinutesBefore != nil || b.MinutesBefore != nil {
		return a.MinutesBefore != nil && b.MinutesBefore != nil && *a.MinutesBefore == *b.MinutesBefore
	}
	return a.At.Equal(*b.At)
}

// remindAt is when a valid reminder input fires for a task due at dueAt.
func remindAt(in ReminderInput, dueAt *time.Time) time.Time {
	if in.MinutesBefore != nil {
		return dueAt.Add(-time.Duration(*in.MinutesBefore) * time.Minute)
	}
	return *in.At
}

// patchReminderProblems checks what a patch does to the task's reminders, given the task before the patch and its
// reminders, and returns the patch with its reminders normalized. Sent reminders are checked against the due date
// the task will have; without them, the task's reminders tied to its due date must still have one.
func patchReminderProblems(p *problems, patch TaskPatch, task *Task, existing []*Reminder) TaskPatch {
	due := task.DueAt
	if patch.DueAt.Set {
		due = nil
		if !patch.DueAt.Null {
			due = &patch.DueAt.Value
		}
	}
	switch {
	case patch.Reminders.Set && patch.Reminders.Null:
		p.add(UserErrorCodeInvalid, "The reminders can't be null; [] removes them.", "input", "reminders")
	case patch.Reminders.Set:
		patch.Reminders.Value = p.reminders(patch.Reminders.Value, due, "input", "reminders")
	case !patch.DueAt.Set:
	case due == nil && slices.ContainsFunc(existing, func(r *Reminder) bool { return r.MinutesBefore != nil }):
		p.add(UserErrorCodeInvalid, "The task has reminders tied to its dueAt (minutesBefore); send reminders "+
			"without them to clear dueAt.", "input", "dueAt")
	case due != nil && slices.ContainsFunc(existing, func(r *Reminder) bool {
		return r.MinutesBefore != nil && due.Add(-time.Duration(*r.MinutesBefore)*time.Minute).Before(minInstant)
	}):
		p.add(UserErrorCodeInvalid, "A reminder tied to this dueAt would fall before the year 1.", "input", "dueAt")
	}
	return patch
}

// sortReminders puts reminders in the order Task.reminders promises: by RemindAt, then id.
func sortReminders(rs []*Reminder) {
	slices.SortFunc(rs, func(a, b *Reminder) int {
		return cmp.Or(a.RemindAt.Compare(b.RemindAt), slices.Compare(a.ID[:], b.ID[:]))
	})
}

// insertReminders writes new reminders of task (which holds its final due date and completed flag) and returns
// them in order.
func insertReminders(ctx context.Context, db bun.IDB, userID string, task *Task, in []ReminderInput, now time.Time) ([]*Reminder, error) {
	rows := make([]*Reminder, len(in))
	for i, r := range in {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		rows[i] = &Reminder{
			ID: id, UserID: userID, TaskID: task.ID, RemindAt: remindAt(r, task.DueAt), MinutesBefore: r.MinutesBefore,
			TaskCompleted: task.Completed, CreatedAt: now,
		}
	}
	if len(rows) > 0 {
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return nil, err
		}
	}
	sortReminders(rows)
	return rows, nil
}

// taskReminders reads one task's reminders, in order, locking them for the transaction: a scheduler firing one of
// them at the same moment either has committed (and its firedAt is read here) or skips it until this update has
// committed, so that the update never writes back a firedAt read before the firing.
func taskReminders(ctx context.Context, db bun.IDB, userID string, taskID uuid.UUID) ([]*Reminder, error) {
	rs := []*Reminder{}
	q := db.NewSelect().Model(&rs).Where("r.user_id = ?", userID).Where("r.task_id = ?", taskID).
		OrderExpr("r.remind_at, r.id")
	err := forUpdate(db, q).Scan(ctx)
	return rs, err
}

// syncReminders brings the task's reminders in line with a validated patch that has been applied to task
// (existing are the reminders before it). Sent reminders replace the old ones, except that one sent again as it
// was is kept (its id, and whether it fired), so that a client which edits the list by sending it whole does not
// make old reminders fire again. A moved due date moves the reminders tied to it, keeping their ids; one moved into
// the future fires again. Returns the reminders as they now are, in order, and whether the set or a time changed.
func syncReminders(ctx context.Context, tx bun.IDB, userID string, task *Task, existing []*Reminder, patch TaskPatch,
	dueChanged, completedChanged bool, now time.Time) ([]*Reminder, bool, error) {
	kept, changed := existing, false
	var added []ReminderInput
	if patch.Reminders.Set {
		kept = nil
		used := make([]bool, len(existing))
		for _, in := range patch.Reminders.Value {
			i := slices.IndexFunc(existing, func(r *Reminder) bool { return in.same(r) })
			if i >= 0 && !used[i] {
				used[i] = true
				kept = append(kept, existing[i])
				continue
			}
			added = append(added, in)
		}
		var gone []uuid.UUID
		for i, r := range existing {
			if !used[i] {
				gone = append(gone, r.ID)
			}
		}
		if len(gone) > 0 {
			if _, err := tx.NewDelete().Model((*Reminder)(nil)).Where("r.user_id = ?", userID).
				Where("r.id IN (?)", bun.In(gone)).Exec(ctx); err != nil {
				return nil, false, err
			}
		}
		changed = len(gone) > 0 || len(added) > 0
	}
	if dueChanged {
		for _, r := range kept {
			if r.MinutesBefore == nil {
				continue
			}
			at := remindAt(ReminderInput{MinutesBefore: r.MinutesBefore}, task.DueAt)
			if at.Equal(r.RemindAt) {
				continue
			}
			r.RemindAt = at
			if r.FiredAt != nil && at.After(now) {
				r.FiredAt = nil
			}
			if _, err := tx.NewUpdate().Model(r).Column("remind_at", "fired_at").
				Where("r.user_id = ?", userID).Where("r.id = ?", r.ID).Exec(ctx); err != nil {
				return nil, false, err
			}
			changed = true
		}
	}
	if completedChanged && len(kept) > 0 {
		if _, err := tx.NewUpdate().Model((*Reminder)(nil)).Set("task_completed = ?", task.Completed).
			Where("r.user_id = ?", userID).Where("r.task_id = ?", task.ID).Exec(ctx); err != nil {
			return nil, false, err
		}
		for _, r := range kept {
			r.TaskCompleted = task.Completed
		}
	}
	if dueChanged || completedChanged {
		if err := syncOthersReminders(ctx, tx, userID, task, dueChanged, completedChanged, now); err != nil {
			return nil, false, err
		}
	}
	fresh, err := insertReminders(ctx, tx, userID, task, added, now)
	if err != nil {
		return nil, false, err
	}
	all := append(slices.Clip(kept), fresh...)
	sortReminders(all)
	return all, changed, nil
}

// syncOthersReminders brings the other members' reminders on task in line with a change of its due date or
// completion, as syncReminders does the user's own: those tied to the due date move with it (one moved into the
// future fires again), and each follows whether the task is completed. Reminders are personal, but they hang on a
// task every member may change, so these statements span the task's members (AcrossUsers); they read and write
// the reminders of this one task only, and hand nothing to the user.
func syncOthersReminders(ctx context.Context, tx bun.IDB, userID string, task *Task, dueChanged, completedChanged bool, now time.Time) error {
	ctx = AcrossUsers(ctx)
	if completedChanged {
		if _, err := tx.NewUpdate().Model((*Reminder)(nil)).Set("task_completed = ?", task.Completed).
			Where("r.task_id = ?", task.ID).Where("r.user_id <> ?", userID).Exec(ctx); err != nil {
			return err
		}
	}
	if !dueChanged {
		return nil
	}
	var others []*Reminder
	q := tx.NewSelect().Model(&others).Where("r.task_id = ?", task.ID).Where("r.user_id <> ?", userID).
		Where("r.minutes_before IS NOT NULL")
	if err := forUpdate(tx, q).Scan(ctx); err != nil {
		return err
	}
	for _, r := range others {
		if task.DueAt == nil {
			// A due date cleared by another member takes the reminders tied to it away.
			if _, err := tx.NewDelete().Model(r).WherePK().Exec(ctx); err != nil {
				return err
			}
			continue
		}
		at := remindAt(ReminderInput{MinutesBefore: r.MinutesBefore}, task.DueAt)
		if at.Equal(r.RemindAt) {
			continue
		}
		r.RemindAt = at
		if r.FiredAt != nil && at.After(now) {
			r.FiredAt = nil
		}
		if _, err := tx.NewUpdate().Model(r).Column("remind_at", "fired_at").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Reminders returns the reminders of the user's tasks with the given ids, in one statement: for each id, in the
// order of ids, that task's reminders in remindAt order (empty for a task without reminders or not the user's).
func (s *Store) Reminders(ctx context.Context, userID string, taskIDs []uuid.UUID) ([][]*Reminder, error) {
	out := make([][]*Reminder, len(taskIDs))
	if len(taskIDs) == 0 {
		return out, nil
	}
	var rs []*Reminder
	if err := s.db.NewSelect().Model(&rs).Where("r.user_id = ?", userID).Where("r.task_id IN (?)", bun.In(taskIDs)).
		OrderExpr("r.remind_at, r.id").Scan(ctx); err != nil {
		return nil, storeError("reminders", err)
	}
	byTask := make(map[uuid.UUID][]*Reminder, len(taskIDs))
	for _, r := range rs {
		byTask[r.TaskID] = append(byTask[r.TaskID], r)
	}
	for i, id := range taskIDs {
		out[i] = byTask[id]
		if out[i] == nil {
			out[i] = []*Reminder{}
		}
	}
	return out, nil
}

// FiredReminder is a reminder that has just fired, with its task as it was at that moment (its Reminders loaded).
type FiredReminder struct {
	Reminder *Reminder
	Task     *Task
}

// FireDueReminders fires up to limit due reminders of every user (unfired, of a pending task, remindAt at or before
// the database's clock, or fixed's when set, for tests that move time) in one write: it claims them, marks them
// fired, and records a REMINDER_DUE event for each, in its owner's feed, with the task as it was at that moment and
// the reminder; the write path appends them and hands them to the sink (which queues the reminder.due webhooks), so
// all of it commits or none of it does, and after the commit the read cache, the feed's watchers and the webhook
// worker learn of it as they do of any write. It returns the fired reminders with their tasks, oldest due first.
//
// The claim is one statement: on PostgreSQL, UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED), so that
// schedulers in several instances take disjoint reminders without waiting for each other, and a reminder another
// one claimed meanwhile is re-checked and left out; its row locks then last until the transaction ends. It needs no
// session state, so it works through a transaction-mode pooler. On SQLite the transaction holds the database's one
// write lock. So each reminder fires exactly once, however many instances run.
//
// ctx must be marked AcrossUsers where statements are checked for user scoping: the claim spans users by design,
// and each fired reminder is handed back with its own user's task only. Returns an error wrapping the database's.
func (s *Store) FireDueReminders(ctx context.Context, fixed func() time.Time, limit int) ([]FiredReminder, error) {
	var fired []FiredReminder
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var err error
		if fired, err = claimDueReminders(ctx, tx, fixed, limit); err != nil {
			return err
		}
		for _, f := range fired {
			// To the member who set it only; the server is the actor.
			tx.recordFor(f.Reminder.UserID, "", *f.Reminder.FiredAt,
				NewEvent{Kind: TaskEventReminderDue, TaskID: f.Task.ID, ListID: f.Task.ListID, Task: f.Task, Reminder: f.Reminder})
		}
		return nil
	})
	if err != nil {
		return nil, storeError("fire due reminders", err)
	}
	return fired, nil
}

// claimDueReminders claims and marks fired the due reminders FireDueReminders fires, and returns them with their
// tasks (their Reminders loaded), oldest due first.
func claimDueReminders(ctx context.Context, tx bun.IDB, fixed func() time.Time, limit int) ([]FiredReminder, error) {
	now := DatabaseNow(tx, fixed, 0)
	sub := tx.NewSelect().Model((*Reminder)(nil)).Column("r.id").
		Where("r.fired_at IS NULL").Where(pendingReminder(tx)).Where("r.remind_at <= ?", now).
		OrderExpr("r.remind_at").Limit(int64(limit))
	if IsPostgres(tx) {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	var fired []*Reminder
	if err := tx.NewUpdate().Model((*Reminder)(nil)).Set("fired_at = ?", now).Where("r.id IN (?)", sub).
		Returning("*").Scan(ctx, &fired); err != nil {
		return nil, fmt.Errorf("model: claim due reminders: %w", err)
	}
	if len(fired) == 0 {
		return nil, nil
	}
	taskIDs := make([]uuid.UUID, 0, len(fired))
	for _, r := range fired {
		taskIDs = append(taskIDs, r.TaskID)
	}
	var tasks []*Task
	if err := tx.NewSelect().Model(&tasks).Where("t.id IN (?)", bun.In(taskIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("model: tasks of due reminders: %w", err)
	}
	var all []*Reminder
	if err := tx.NewSelect().Model(&all).Where("r.task_id IN (?)", bun.In(taskIDs)).OrderExpr("r.remind_at, r.id").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("model: reminders of due tasks: %w", err)
	}
	byID := make(map[uuid.UUID]*Task, len(tasks))
	for _, t := range tasks {
		byID[t.ID] = t
	}
	// Reminders are personal: each firing carries the task with the reminders of the member who set the one that
	// fired, and goes to that member alone.
	type taskOf struct {
		task uuid.UUID
		user string
	}
	own := map[taskOf][]*Reminder{}
	for _, r := range all {
		k := taskOf{r.TaskID, r.UserID}
		own[k] = append(own[k], r)
	}
	out := make([]FiredReminder, 0, len(fired))
	for _, r := range fired {
		// The foreign key makes the task exist.
		if t := byID[r.TaskID]; t != nil {
			c := *t
			c.Reminders = append([]*Reminder{}, own[taskOf{r.TaskID, r.UserID}]...)
			out = append(out, FiredReminder{Reminder: r, Task: &c})
		}
	}
	slices.SortFunc(out, func(a, b FiredReminder) int {
		return cmp.Or(a.Reminder.RemindAt.Compare(b.Reminder.RemindAt), slices.Compare(a.Reminder.ID[:], b.Reminder.ID[:]))
	})
	return out, nil
}

// pendingReminder is the condition "its task is not completed", written as the partial index reminders_due_idx
// has it on each database, so that the planner uses the index.
//
// It also leaves out the reminders of tasks in the trash, which fire only once their task is restored (a look-up
// of the task by its key, for the few reminders the index yields).
func pendingReminder(db bun.IDB) string {
	const live = " AND NOT EXISTS (SELECT 1 FROM tasks AS t WHERE t.id = r.task_id AND " + trashedTasks + ")"
	if IsPostgres(db) {
		return "NOT r.task_completed" + live
	}
	return "r.task_completed = 0" + live
}

// NextReminderDue returns when the next reminder of any user is due and the database's time now (or fixed's), or a
// nil next when none will fire. See FireDueReminders for ctx.
func (s *Store) NextReminderDue(ctx context.Context, fixed func() time.Time) (next *time.Time, now time.Time, err error) {
	db := s.db
	var row struct {
		Next *time.Time `bun:"next"`
		Now  time.Time  `bun:"now"`
	}
	err = db.NewSelect().Model((*Reminder)(nil)).ColumnExpr("MIN(r.remind_at) AS next").ColumnExpr("? AS now", DatabaseNow(db, fixed, 0)).
		Where("r.fired_at IS NULL").Where(pendingReminder(db)).Scan(ctx, &row)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("model: next due reminder: %w", err)
	}
	return utcPtr(row.Next), row.Now.UTC(), nil
}
