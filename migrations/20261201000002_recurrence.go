package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Recurring tasks: each occurrence of a series is a task of its own, so a series is four nullable columns of tasks.
//
//   - recurrence: the rule of a series' pending occurrence, as JSON text (recur.Rule).
//   - series_id: the first occurrence's id, on every occurrence.
//   - completed_recurrence and next_occurrence_id: on a completed occurrence, the rule it had and the occurrence
//     its completion created, so that reopening it can undo that.
//
// Nothing filters, sorts or counts by them (occurrences are listed as the plain tasks they are), so they need no
// index; the next occurrence is found by its primary key. The rule is text rather than jsonb on PostgreSQL so that
// it reads back byte for byte as written, as on SQLite.
func init() {
	Migrations.MustRegister(recurrenceUp, recurrenceDown)
}

func recurrenceUp(ctx context.Context, db *bun.DB) error {
	id := "TEXT"
	if db.Dialect().Name() == dialect.PG {
		id = "uuid"
	}
	return execAll(ctx, db, []string{
		`ALTER TABLE tasks ADD COLUMN recurrence TEXT`,
		`ALTER TABLE tasks ADD COLUMN series_id ` + id,
		`ALTER TABLE tasks ADD COLUMN completed_recurrence TEXT`,
		`ALTER TABLE tasks ADD COLUMN next_occurrence_id ` + id,
	})
}

// recurrenceDown drops the columns, and with them every series: the occurrences stay as plain tasks.
func recurrenceDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{
		`ALTER TABLE tasks DROP COLUMN next_occurrence_id`,
		`ALTER TABLE tasks DROP COLUMN completed_recurrence`,
		`ALTER TABLE tasks DROP COLUMN series_id`,
		`ALTER TABLE tasks DROP COLUMN recurrence`,
	})
}
