package model

import (
	"encoding/base64"
	"encoding/json"
	"time"

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
