package model

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Tasks are visible to the members of their list, and writable by its OWNER and EDITORs. Every statement on tasks
// (aliased t) carries visibleTasks with the viewer's id; a write also reads the viewer's role in the task's list
// (writeRole) in its transaction, with a lock that a concurrent change of the list's membership conflicts with.

// visibleTasks is the membership condition on tasks aliased t: the live tasks (not in the trash) of the lists the
// user (the one argument) is a member of. The trash's own reads use trashedTasks instead.
const visibleTasks = "t.list_id IN (" + memberOf + ") AND " + liveTasks

// liveTasks is the condition of a task not in the trash, written as the partial indexes of tasks have it so that
// the planners use them.
const liveTasks = "t.deleted_at IS NULL"

// trashedTasks is the condition of a task in the trash.
const trashedTasks = "t.deleted_at IS NOT NULL"

// InvalidListIDMessage is the message of a listIds entry that is not a list the viewer can see, the same as for a
// malformed id.
const InvalidListIDMessage = "listIds holds an id that is not a list's id."

// writeRole returns the user's role in a list, read for a write in the write's transaction. On PostgreSQL it locks
// the list's row FOR SHARE, then the member's row FOR SHARE, in that order: a removal, a role change, an accepted
// invitation or the list's deletion locks the list's row FOR UPDATE first (getList), so it waits for a write in
// flight, or the write waits for it and then, in a statement of its own, finds the member gone. Taking the list's
// row first, as those do, keeps the two from waiting for each other in a circle. Returns ErrNotFound when the user
// is not a member (so a task in a list the user cannot see behaves as a missing one).
func writeRole(ctx context.Context, db bun.IDB, userID string, listID uuid.UUID) (ListRole, error) {
	if IsPostgres(db) {
		var id uuid.UUID
		if err := db.NewSelect().TableExpr("lists AS l").Column("l.id").Where("l.id = ?", listID).
			Where("l.id IN ("+memberOf+")", userID).For("SHARE").Scan(ctx, &id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return "", ErrNotFound
			}
			return "", err
		}
	}
	var role ListRole
	q := db.NewSelect().TableExpr("list_members AS m").Column("m.role").Where("m.list_id = ?", listID).
		Where("m.user_id = ?", userID)
	if IsPostgres(db) {
		q = q.For("SHARE")
	}
	if err := q.Scan(ctx, &role); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		return "", err
	}
	return role, nil
}

// canWrite reports whether a role may create, change, move and delete a list's tasks.
func canWrite(role ListRole) bool { return role == ListRoleOwner || role == ListRoleEditor }

// lockTask reads a task the user can see for a write: the user's role in its list (writeRole, which locks the
// membership first, so that every writer takes the list's lock before the task's, as a list's deletion does), then
// the task locked for the transaction. A task moved to another list meanwhile is read again. Returns ErrNotFound
// when the user cannot see the task.
func lockTask(ctx context.Context, db bun.IDB, userID string, id uuid.UUID) (*Task, ListRole, error) {
	for range 3 {
		var listID uuid.UUID
		if err := db.NewSelect().Model((*Task)(nil)).Column("t.list_id").Where("t.id = ?", id).
			Where(visibleTasks, userID).Scan(ctx, &listID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, "", ErrNotFound
			}
			return nil, "", err
		}
		role, err := writeRole(ctx, db, userID, listID)
		if err != nil {
			return nil, "", err
		}
		task, err := getTask(ctx, db, userID, id, true)
		if err != nil {
			return nil, "", err
		}
		if task.ListID == listID {
			return task, role, nil
		}
	}
	return nil, "", ErrNotFound
}

// checkListIDs returns ids sorted and without duplicates, or *InputError (field listIds) when the user is not a
// member of one of them.
func checkListIDs(ctx context.Context, db bun.IDB, userID string, ids []uuid.UUID) ([]uuid.UUID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids = slices.CompactFunc(slices.SortedFunc(slices.Values(ids), compareUUID), func(a, b uuid.UUID) bool { return a == b })
	// The user's own Inbox is theirs whether or not it was made yet (it is made when first needed).
	others := slices.DeleteFunc(slices.Clone(ids), func(id uuid.UUID) bool { return id == InboxID(userID) })
	if len(others) == 0 {
		return ids, nil
	}
	n, err := db.NewSelect().TableExpr("list_members AS m").Where("m.user_id = ?", userID).
		Where("m.list_id IN (?)", bun.In(others)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if int(n) != len(others) {
		return nil, &InputError{Field: "listIds", Message: InvalidListIDMessage}
	}
	return ids, nil
}

func compareUUID(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }

// PendingCounts returns how many tasks that are not completed each of the given lists holds, in the order of ids, in
// one statement; 0 for a list the user is not a member of.
func (s *Store) PendingCounts(ctx context.Context, userID string, ids []uuid.UUID) ([]int, error) {
	out := make([]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ListID uuid.UUID `bun:"list_id"`
		N      int       `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Task)(nil)).ColumnExpr("t.list_id, count(*) AS n").
		Where(visibleTasks, userID).Where("t.list_id IN (?)", bun.In(ids)).Where("NOT t.completed").
		GroupExpr("t.list_id").Scan(ctx, &rows); err != nil {
		return nil, storeError("pending counts", err)
	}
	by := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		by[r.ListID] = r.N
	}
	for i, id := range ids {
		out[i] = by[id]
	}
	return out, nil
}
