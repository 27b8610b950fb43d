package model

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"taskapi/ordkey"
)

// The manual order of a list (orderBy POSITION; see docs/ordering.md). Each task has a key of package ordkey in
// tasks.position; a task put somewhere gets a key between its new neighbours' and is the only row written. The
// neighbours are read among every task of the list, those in the trash included, which keep their keys: a new key
// never equals a trashed task's, so a restored task finds its place free, and the unique index on (list_id,
// position), which spans the trash too, can refuse equal keys outright. Two writers racing for one gap compute the
// same key; the second's insert or update fails on that index, and the write is run again (writeRetrying), reading
// the neighbours the first one left.

// anyTasks is the condition of every task of a list, live or in the trash, for the reads of neighbours: the keys of
// tasks in the trash are taken too.
const anyTasks = "(t.deleted_at IS NULL OR t.deleted_at IS NOT NULL)"

// positionIndex is the unique index on (list_id, position).
const positionIndex = "tasks_list_position_idx"

// positionRetries is how many times a write whose key another writer took meanwhile is run again.
const positionRetries = 8

// writeRetrying is Store.write run again, up to positionRetries times, while it fails because another write took
// the key it computed for a task (see the top of this file).
func (s *Store) writeRetrying(ctx context.Context, fn func(ctx context.Context, w *writeTx) error) error {
	var err error
	for range positionRetries {
		if err = s.write(ctx, fn); !positionTaken(err) {
			return err
		}
	}
	return err
}

// positionTaken reports whether err is the unique index on (list_id, position) refusing a key, or PostgreSQL
// breaking a deadlock (see lockOrder).
func positionTaken(err error) bool {
	if err == nil {
		return false
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		code := pgErr.Field('C')
		// A deadlock is possible only with a renumbering, which writes every task of a list.
		return code == "23505" && pgErr.Field('n') == positionIndex || code == "40P01"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed: tasks.list_id, tasks.position")
}

// placeTask returns the key of a task of the user's put at place in list listID, where the user is a member: after
// every task of the list (place.After unset), before every one (null), or right after the live task place.After
// names, which must be in the list (else *ValidationError, INVALID at ["input", "afterTaskId"]) and may not be
// self, the task being placed. When the key would be longer than ordkey.MaxLen the list is renumbered first.
func placeTask(ctx context.Context, tx bun.IDB, userID string, listID uuid.UUID, place Placement, self uuid.UUID) (string, error) {
	if err := lockOrder(ctx, tx, listID); err != nil {
		return "", err
	}
	for range 2 {
		key, err := keyAt(ctx, tx, userID, listID, place, self)
		if !errors.Is(err, ordkey.ErrTooLong) {
			return key, err
		}
		if err := renumber(ctx, tx, userID, listID); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("model: place a task: %w after renumbering the list", ordkey.ErrTooLong)
}

// lockOrder takes, on PostgreSQL, a transaction-scoped advisory lock on list listID's order, so that the writes
// placing tasks in one list take their turns: each reads its neighbours after the one before it committed, and
// none computes a key another is writing. Other writes of the list's tasks do not take it and do not wait. (An
// accidental match of two lists' lock numbers only makes their placements take turns too.) SQLite's one writer
// makes writes take turns anyway.
func lockOrder(ctx context.Context, tx bun.IDB, listID uuid.UUID) error {
	if !IsPostgres(tx) {
		return nil
	}
	key := int64(binary.BigEndian.Uint64(listID[8:]))
	if _, err := tx.NewRaw("SELECT pg_advisory_xact_lock(?)", key).Exec(ctx); err != nil {
		return fmt.Errorf("model: lock the list's order: %w", err)
	}
	return nil
}

// keyAt is placeTask without the renumbering: ordkey.ErrTooLong when the gap is too narrow.
func keyAt(ctx context.Context, tx bun.IDB, userID string, listID uuid.UUID, place Placement, self uuid.UUID) (string, error) {
	switch {
	case !place.After.Set:
		last, err := edgeKey(ctx, tx, userID, listID, "", false)
		if err != nil {
			return "", err
		}
		return ordkey.After(last)
	case place.After.Null:
		first, err := edgeKey(ctx, tx, userID, listID, "", true)
		if err != nil {
			return "", err
		}
		return ordkey.Before(first)
	}
	prev, err := anchorKey(ctx, tx, userID, listID, place.After.Value, self)
	if err != nil {
		return "", err
	}
	next, err := edgeKey(ctx, tx, userID, listID, prev, true)
	if err != nil {
		return "", err
	}
	return ordkey.Between(prev, next)
}

// invalidAnchor is the problem of an afterTaskId that is no live task of the target list (or the task itself).
func invalidAnchor() error {
	var p problems
	p.add(UserErrorCodeInvalid, "afterTaskId is not a task of the list the task goes to.", "input", "afterTaskId")
	return p.err()
}

// anchorKey returns the key of the live task id of list listID, which the user is a member of; *ValidationError
// when there is none, or id is self.
func anchorKey(ctx context.Context, tx bun.IDB, userID string, listID, id, self uuid.UUID) (string, error) {
	if id == self {
		return "", invalidAnchor()
	}
	var key string
	if err := tx.NewSelect().Model((*Task)(nil)).Column("t.position").Where(visibleTasks, userID).
		Where("t.list_id = ?", listID).Where("t.id = ?", id).Scan(ctx, &key); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", invalidAnchor()
		}
		return "", err
	}
	return key, nil
}

// edgeKey returns, among every task of list listID (the trash included), the least key above from when up is set
// (from "" : the list's first key), else the greatest key of the list; "" when there is none.
func edgeKey(ctx context.Context, tx bun.IDB, userID string, listID uuid.UUID, from string, up bool) (string, error) {
	q := tx.NewSelect().Model((*Task)(nil)).Column("t.position").Where("t.list_id IN ("+memberOf+")", userID).
		Where(anyTasks).Where("t.list_id = ?", listID).Limit(1)
	if up {
		if from != "" {
			q = q.Where("t.position > ?", from)
		}
		q = q.OrderExpr("t.position ASC")
	} else {
		q = q.OrderExpr("t.position DESC")
	}
	var key string
	if err := q.Scan(ctx, &key); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", err
	}
	return key, nil
}

// liveNeighbour returns the id of the live task right before key in list listID, the zero id when there is none;
// with after set, the live task right after it instead.
func liveNeighbour(ctx context.Context, tx bun.IDB, userID string, listID uuid.UUID, key string, after bool) (uuid.UUID, error) {
	q := tx.NewSelect().Model((*Task)(nil)).Column("t.id").Where(visibleTasks, userID).Where("t.list_id = ?", listID).
		Limit(1)
	if after {
		q = q.Where("t.position > ?", key).OrderExpr("t.position ASC")
	} else {
		q = q.Where("t.position < ?", key).OrderExpr("t.position DESC")
	}
	var id uuid.UUID
	if err := q.Scan(ctx, &id); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return uuid.UUID{}, err
	}
	return id, nil
}

// alreadyAt reports whether task, in its list, already sits at place among the list's live tasks: a move there
// changes nothing.
func alreadyAt(ctx context.Context, tx bun.IDB, userID string, task *Task, place Placement) (bool, error) {
	if !place.After.Set {
		next, err := liveNeighbour(ctx, tx, userID, task.ListID, task.Position, true)
		return next == (uuid.UUID{}), err
	}
	prev, err := liveNeighbour(ctx, tx, userID, task.ListID, task.Position, false)
	if err != nil {
		return false, err
	}
	if place.After.Null {
		return prev == (uuid.UUID{}), nil
	}
	return prev == place.After.Value, nil
}

// renumber gives the tasks of list listID (the trash included) the keys ordkey.Sequence makes for their number, in
// their order: the remedy for keys grown to ordkey.MaxLen, which touches every task of the list and happens after
// hundreds of moves into one gap at the least. The keys change in two statements: first to a value that is no
// key ('~' sorts after every base-62 digit and never starts a key) and unique by the task's id, then to the new
// keys, so that no row ever takes a key another still holds (the unique index is checked row by row).
func renumber(ctx context.Context, tx bun.IDB, userID string, listID uuid.UUID) error {
	var ids []string
	if err := tx.NewSelect().Model((*Task)(nil)).Column("t.id").Where("t.list_id IN ("+memberOf+")", userID).
		Where(anyTasks).Where("t.list_id = ?", listID).OrderExpr("t.position ASC").Scan(ctx, &ids); err != nil {
		return fmt.Errorf("model: renumber a list: %w", err)
	}
	if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("position = '~' || t.id").
		Where("t.list_id IN ("+memberOf+")", userID).Where("t.list_id = ?", listID).Exec(ctx); err != nil {
		return fmt.Errorf("model: renumber a list: %w", err)
	}
	keys := ordkey.Sequence(len(ids))
	match := "t.id = v.column1"
	if IsPostgres(tx) {
		match = "t.id = v.column1::uuid"
	}
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		end := min(start+batch, len(ids))
		values := make([]string, 0, end-start)
		args := make([]any, 0, 2*(end-start)+2)
		for i := start; i < end; i++ {
			values = append(values, "(?, ?)")
			args = append(args, ids[i], keys[i])
		}
		args = append(args, listID, userID)
		if _, err := tx.NewRaw("UPDATE tasks AS t SET position = v.column2 FROM (VALUES "+strings.Join(values, ", ")+
			") AS v WHERE "+match+" AND t.list_id = ? AND t.list_id IN ("+memberOf+")", args...).Exec(ctx); err != nil {
			return fmt.Errorf("model: renumber a list: %w", err)
		}
	}
	return nil
}

// placeInPlan puts task (as a patch leaves it, in its new list when it moves) at place, and reports whether its key
// changed: a task that already sits there among the live tasks of the list it stays in keeps its key (a no-op).
// Returns *ValidationError for an afterTaskId that is no live task of the list.
func placeInPlan(ctx context.Context, tx bun.IDB, userID string, task *Task, place Placement, moved bool) (bool, error) {
	if place.After.Set && !place.After.Null {
		if _, err := anchorKey(ctx, tx, userID, task.ListID, place.After.Value, task.ID); err != nil {
			return false, err
		}
	}
	if !moved {
		if here, err := alreadyAt(ctx, tx, userID, task, place); err != nil || here {
			return false, err
		}
	}
	key, err := placeTask(ctx, tx, userID, task.ListID, place, task.ID)
	if err != nil {
		return false, err
	}
	task.Position = key
	return true, nil
}
