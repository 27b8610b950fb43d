package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The per-user event feed (see model/feed.go).
//
// feed_heads holds one row per user who has ever had an event: position is the last position allocated in that
// user's feed, and pruned_through the last position that retention has deleted (0: none). A writing transaction
// allocates positions by incrementing its user's row, which locks the row until the transaction ends; so a user's
// events get their positions in commit order and without gaps, which no global sequence could promise.
//
// task_events holds the events themselves, keyed by (user_id, position), so that reading a feed after a cursor is a
// range scan of the primary key. task and reminder are JSON snapshots (jsonb on PostgreSQL, text on SQLite) of what
// the change committed. The index on at serves pruning.
func init() {
	Migrations.MustRegister(taskEventsUp, taskEventsDown)
}

var taskEventsPostgres = []string{
	`CREATE TABLE feed_heads (
		user_id text PRIMARY KEY,
		position bigint NOT NULL CHECK (position >= 0),
		pruned_through bigint NOT NULL DEFAULT 0 CHECK (pruned_through >= 0)
	)`,
	`CREATE TABLE task_events (
		user_id text NOT NULL,
		position bigint NOT NULL,
		kind text NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED', 'REMINDER_DUE', 'RESET')),
		task_id uuid,
		task jsonb,
		reminder jsonb,
		at timestamptz NOT NULL,
		PRIMARY KEY (user_id, position)
	)`,
}

var taskEventsSQLite = []string{
	`CREATE TABLE feed_heads (
		user_id TEXT PRIMARY KEY NOT NULL,
		position INTEGER NOT NULL CHECK (position >= 0),
		pruned_through INTEGER NOT NULL DEFAULT 0 CHECK (pruned_through >= 0)
	)`,
	`CREATE TABLE task_events (
		user_id TEXT NOT NULL,
		position INTEGER NOT NULL,
		kind TEXT NOT NULL CHECK (kind IN ('CREATED', 'UPDATED', 'DELETED', 'REMINDER_DUE', 'RESET')),
		task_id TEXT,
		task TEXT,
		reminder TEXT,
		at TEXT NOT NULL,
		PRIMARY KEY (user_id, position)
	)`,
}

func taskEventsUp(ctx context.Context, db *bun.DB) error {
	statements := taskEventsSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = taskEventsPostgres
	}
	return execAll(ctx, db, append(append([]string(nil), statements...),
		`CREATE INDEX task_events_at_idx ON task_events (at)`))
}

func taskEventsDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{
		`DROP TABLE IF EXISTS task_events`,
		`DROP TABLE IF EXISTS feed_heads`,
	})
}
