package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Reminders: up to five per task, each firing once at remind_at. minutes_before is set for a reminder tied to the
// task's due date (remind_at = due_at - minutes_before, kept in step when due_at moves); null for a fixed instant.
//
// task_completed mirrors tasks.completed, written in the same transaction, so that the schedulers' claim reads one
// table and one partial index holds exactly the reminders that may still fire: unfired ones of pending tasks. A
// deleted task's reminders go with it (ON DELETE CASCADE).
func init() {
	Migrations.MustRegister(remindersUp, remindersDown)
}

var remindersPostgres = []string{
	`CREATE TABLE reminders (
		id uuid PRIMARY KEY,
		user_id text NOT NULL,
		task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
		remind_at timestamptz NOT NULL,
		minutes_before integer CHECK (minutes_before BETWEEN 0 AND 40320),
		fired_at timestamptz,
		task_completed boolean NOT NULL,
		created_at timestamptz NOT NULL
	)`,
	`CREATE INDEX reminders_due_idx ON reminders (remind_at) WHERE fired_at IS NULL AND NOT task_completed`,
}

var remindersSQLite = []string{
	`CREATE TABLE reminders (
		id TEXT PRIMARY KEY NOT NULL,
		user_id TEXT NOT NULL,
		task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
		remind_at TEXT NOT NULL,
		minutes_before INTEGER CHECK (minutes_before BETWEEN 0 AND 40320),
		fired_at TEXT,
		task_completed INTEGER NOT NULL CHECK (task_completed IN (0, 1)),
		created_at TEXT NOT NULL
	)`,
	`CREATE INDEX reminders_due_idx ON reminders (remind_at) WHERE fired_at IS NULL AND task_completed = 0`,
}

// A task's reminders in remindAt order, and the foreign key's lookups on delete.
var remindersIndexes = []string{
	`CREATE INDEX reminders_user_task_idx ON reminders (user_id, task_id, remind_at, id)`,
	`CREATE INDEX reminders_task_idx ON reminders (task_id)`,
}

func remindersUp(ctx context.Context, db *bun.DB) error {
	statements := remindersSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = remindersPostgres
	}
	return execAll(ctx, db, append(append([]string(nil), statements...), remindersIndexes...))
}

func remindersDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{`DROP TABLE IF EXISTS reminders`})
}
