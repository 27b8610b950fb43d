package model

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// What the external tests check of the store's internals.
var (
	TaskColumns     = taskColumns
	ParsePlainArray = parsePlainArray
)

// ModelTaskColumns returns the columns bun maps to Task, in field order.
func ModelTaskColumns() []string { return modelColumns(pgdialect.New()) }

// CursorOf returns the cursor encodeCursor writes for a task in the list ordered by field, and the one json.Marshal
// writes for the same content, which it must equal byte for byte.
func CursorOf(t *Task, field TaskOrderField) (got, marshaled string) {
	o := TaskOrder{Field: field, Direction: OrderDirectionAsc}
	f, _ := normalizeFilter(TaskFilter{})
	hash := listHash(o, f)
	p := positionOf(t, field)
	var v any
	switch value := p.value.(type) {
	case time.Time:
		v = value.UnixMilli()
	default:
		v = value
	}
	raw, _ := json.Marshal(v)
	b, _ := json.Marshal(cursorJSON{Hash: hash, Value: raw, ID: p.id})
	return encodeCursor(hash, p), base64.RawURLEncoding.EncodeToString(b)
}

// EncodeCursor is encodeCursor for a task in the list of every task ordered by field, ascending.
func EncodeCursor(t *Task, field TaskOrderField) string {
	o := TaskOrder{Field: field, Direction: OrderDirectionAsc}
	f, _ := normalizeFilter(TaskFilter{})
	return encodeCursor(listHash(o, f), positionOf(t, field))
}

// AppendEvents appends events to the user's feed in tx, each at at, as the write path does (for the tests of the
// feed's locking and the benchmark of an append, which hold the transaction themselves).
func AppendEvents(ctx context.Context, tx bun.IDB, userID string, at time.Time, events ...NewEvent) (int64, error) {
	changes := make([]Change, len(events))
	for i, ev := range events {
		changes[i] = Change{UserID: userID, At: at, NewEvent: ev}
	}
	return appendEvents(ctx, tx, userID, changes)
}

// ReadCacheNoted returns the feed position at which the cache was last told that a write of the user's committed
// (ReadCache.wrote), and whether it was told of any.
func ReadCacheNoted(c *ReadCache, userID string) (int64, bool) {
	return c.written.Get(context.Background(), userID)
}

// UnassignOutside runs unassignOutside on task in a transaction of db, as a move's write runs it.
func UnassignOutside(ctx context.Context, db bun.IDB, userID string, task *Task, listID uuid.UUID) (bool, error) {
	var unassigned bool
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		unassigned, err = unassignOutside(ctx, tx, userID, task, listID)
		return err
	})
	return unassigned, err
}
