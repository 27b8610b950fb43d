package model

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The trash. DeleteTask and ClearCompletedTasks set a task's deleted_at: the task leaves every read of live tasks
// (visibleTasks) and its tags leave task_tags, while its row and its reminders stay. The trash is seen and emptied
// by the members who may delete a list's tasks (OWNER, EDITOR): Trash lists it, RestoreTask brings a task back,
// PurgeTrash deletes it for good, and PurgeExpiredTrash does so after the retention period. DeleteList deletes its
// trash with its tasks, so a trashed task always has its list to go back to.

// DefaultTrashRetention is how long a task stays in the trash before it is purged, when TRASH_RETENTION is not set.
const DefaultTrashRetention = 720 * time.Hour

// writableLists is the condition on tasks aliased t of the lists where the user (the one argument) may delete and
// restore tasks.
const writableLists = "t.list_id IN (SELECT list_id FROM list_members WHERE user_id = ? AND role IN ('OWNER', 'EDITOR'))"

// Trash returns a page, with the total count, of the tasks in the trash of the lists where the user is an OWNER or EDITOR (of listID
// alone when set), newest deletion first, first of them (nil: DefaultPageSize) after the cursor after. Returns
// *InputError for first outside 1-MaxPageSize (field first), a malformed cursor (field after), and a listID the
// user is not a member of (field listId).
func (s *Store) Trash(ctx context.Context, userID string, listID *uuid.UUID, first *int, after *string) (*TaskPage, error) {
	n := DefaultPageSize
	if first != nil {
		var err error
		if n, err = pageSize(*first, "first"); err != nil {
			return nil, err
		}
	}
	q := s.db.NewSelect().Model((*Task)(nil)).Where(writableLists, userID).Where(trashedTasks)
	if after != nil {
		at, id, err := decodeTrashCursor(*after)
		if err != nil {
			return nil, err
		}
		q = q.Where("(t.deleted_at < ? OR (t.deleted_at = ? AND t.id < ?))", at, at, id)
	}
	if err := checkListID(ctx, s.db, userID, listID, "listId"); err != nil {
		return nil, storeError("trash", err)
	}
	if listID != nil {
		q = q.Where("t.list_id = ?", *listID)
	}
	var tasks []*Task
	if err := q.OrderExpr("t.deleted_at DESC, t.id DESC").Limit(int64(n+1)).Scan(ctx, &tasks); err != nil {
		return nil, storeError("trash", err)
	}
	count := s.db.NewSelect().Model((*Task)(nil)).Where(writableLists, userID).Where(trashedTasks)
	if listID != nil {
		count = count.Where("t.list_id = ?", *listID)
	}
	total, err := count.Count(ctx)
	if err != nil {
		return nil, storeError("trash", err)
	}
	page := &TaskPage{Edges: []TaskEdge{}, HasPreviousPage: after != nil, TotalCount: ptrTo(int(total))}
	if len(tasks) > n {
		tasks, page.HasNextPage = tasks[:n], true
	}
	for _, t := range tasks {
		page.Edges = append(page.Edges, TaskEdge{Cursor: trashCursor(t), Node: t})
	}
	return page, nil
}

const trashCursorPrefix = "trash:"

// trashCursor is the position of a task in the trash: its deletion time and id.
func trashCursor(t *Task) string {
	return base64.RawURLEncoding.EncodeToString([]byte(trashCursorPrefix + t.DeletedAt.UTC().Format(time.RFC3339Nano) +
		"|" + t.ID.String()))
}

// decodeTrashCursor reads a trashCursor; *InputError (field after) when s is not one.
func decodeTrashCursor(s string) (time.Time, uuid.UUID, error) {
	bad := &InputError{Field: "after", Message: "after is not a cursor of the trash."}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, uuid.UUID{}, bad
	}
	rest, ok := strings.CutPrefix(string(b), trashCursorPrefix)
	if !ok {
		return time.Time{}, uuid.UUID{}, bad
	}
	at, id, ok := strings.Cut(rest, "|")
	if !ok {
		return time.Time{}, uuid.UUID{}, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, uuid.UUID{}, bad
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return time.Time{}, uuid.UUID{}, bad
	}
	return t.UTC(), u, nil
}

// RestoreTask brings a task back from the trash to its list, with its tags and reminders (the reminders that came
// due meanwhile fire then), and records a RESTORED event with the task for every member of its list. It returns the
// task with the user's reminders. Returns ErrNotFound when the user cannot see the task (in the trash or not),
// ErrForbidden when they are a VIEWER of its list, and *ValidationError (INVALID at id) when the task is not in the
// trash, which is what a retried restore gets.
func (s *Store) RestoreTask(ctx context.Context, userID string, id uuid.UUID) (*Task, error) {
	var task *Task
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		var listID uuid.UUID
		if err := tx.NewSelect().Model((*Task)(nil)).Column("t.list_id").Where("t.id = ?", id).
			Where("t.list_id IN ("+memberOf+")", userID).Where(trashedTasks).Scan(ctx, &listID); err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if _, err := getTask(ctx, tx, userID, id, false); err != nil {
				return err // ErrNotFound: neither in the trash nor live, for this user
			}
			var p problems
			p.add(UserErrorCodeInvalid, "The task is not in the trash.", "id")
			return p.err()
		}
		role, err := writeRole(ctx, tx, userID, listID)
		if err != nil {
			return err
		}
		if !canWrite(role) {
			return ErrForbidden
		}
		task = new(Task)
		// Locked, and read again: a concurrent restore that committed first leaves no row to restore here.
		if err := forUpdate(tx, tx.NewSelect().Model(task).Where("t.id = ?", id).Where("t.list_id = ?", listID).
			Where("t.list_id IN ("+memberOf+")", userID).Where(trashedTasks)).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				var p problems
				p.add(UserErrorCodeInvalid, "The task is not in the trash.", "id")
				return p.err()
			}
			return err
		}
		now := TruncateTime(s.now())
		task.DeletedAt, task.UpdatedAt = nil, now
		task.Version++ // a restore is a change of the task (the contract: a move to the trash and back each add 1)
		if _, err := tx.NewUpdate().Model(task).Column("deleted_at", "updated_at", "version").
			Where("t.list_id IN ("+memberOf+")", userID).Where(trashedTasks).Where("t.id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := insertTags(ctx, tx, task); err != nil {
			return err
		}
		if task.Reminders, err = taskReminders(ctx, tx, userID, id); err != nil {
			return err
		}
		tx.touchReminders() // the task's reminders, of every member, may fire again
		tx.recordTask(userID, now, NewEvent{Kind: TaskEventRestored, TaskID: id, Task: task})
		return nil
	})
	if err != nil {
		return nil, storeError("restore task", err)
	}
	return task, nil
}

// PurgeTrash deletes for good the tasks in the trash of the lists where the user is an OWNER or EDITOR (of listID
// alone when set), with their reminders, and returns their ids in byte order; none when there were none. It records
// no event: the tasks were DELETED in the feeds when they went to the trash. Returns *InputError (field listId)
// when the user is not a member of listID.
func (s *Store) PurgeTrash(ctx context.Context, userID string, listID *uuid.UUID) ([]uuid.UUID, error) {
	ids := []uuid.UUID{}
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		if err := checkListID(ctx, tx, userID, listID, "listId"); err != nil {
			return err
		}
		q := tx.NewDelete().Model((*Task)(nil)).Where(writableLists, userID).Where(trashedTasks)
		if listID != nil {
			q = q.Where("t.list_id = ?", *listID)
		}
		_, err := q.Returning("id").Exec(ctx, &ids)
		return err
	})
	if err != nil {
		return nil, storeError("purge trash", err)
	}
	slices.SortFunc(ids, compareUUID)
	return ids, nil
}

// PurgeExpiredTrash deletes for good, of every user, the tasks that went to the trash before cutoff, at most limit
// of them in one transaction, and returns how many it deleted. Like the reminder scheduler's claim it is one
// statement that, on PostgreSQL, takes its rows FOR UPDATE SKIP LOCKED, so that instances purging at the same time
// take disjoint tasks and each task is purged once, without waiting for each other; on SQLite the transaction
// holds the one write lock. Call it again while it returns limit.
//
// ctx must be marked AcrossUsers where statements are checked for user scoping: the purge spans users by design
// and returns nothing of theirs but a count.
func (s *Store) PurgeExpiredTrash(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var n int
	err := s.write(ctx, func(ctx context.Context, tx *writeTx) error {
		sub := tx.NewSelect().Model((*Task)(nil)).Column("t.id").Where(trashedTasks).
			Where("t.deleted_at < ?", TruncateTime(cutoff)).OrderExpr("t.deleted_at").Limit(int64(limit))
		if IsPostgres(tx) {
			sub = sub.For("UPDATE SKIP LOCKED")
		}
		res, err := tx.NewDelete().TableExpr("tasks").Where("id IN (?)", sub).Exec(ctx)
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		n = int(rows)
		return err
	})
	if err != nil {
		return n, storeError("purge expired trash", err)
	}
	return n, nil
}

func ptrTo(n int) *int { return &n }
