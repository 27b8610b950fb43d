package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Versions, completedBy and history.
//
//   - tasks.version counts the task's committed changes (1 at creation), so that a write can be made conditional on
//     the version its client saw (ifVersion). Tasks written before start at 1.
//   - tasks.completed_by is who completed the task; null while it is pending (and for tasks completed before).
//   - task_events.fields is, for a task's event, the GraphQL names of the fields the change changed, as a JSON
//     array written with the event (null for events written before, and for events that are not a task's change).
//     The index on (user_id, task_id, position) reads one task's history from the viewer's feed, newest first.
func init() {
	Migrations.MustRegister(taskVersionsUp, taskVersionsDown)
}

func taskVersionsUp(ctx context.Context, db *bun.DB) error {
	stmts := []string{
		`ALTER TABLE tasks ADD COLUMN version integer NOT NULL DEFAULT 1`,
		`ALTER TABLE tasks ADD COLUMN completed_by text`,
		`ALTER TABLE task_events ADD COLUMN fields text`,
		`CREATE INDEX task_events_user_task_idx ON task_events (user_id, task_id, position)`,
	}
	return execAll(ctx, db, stmts)
}

func taskVersionsDown(ctx context.Context, db *bun.DB) error {
	// The index goes first: SQLite drops no column that an index names.
	return execAll(ctx, db, []string{
		`DROP INDEX IF EXISTS task_events_user_task_idx`,
		`ALTER TABLE task_events DROP COLUMN fields`,
		`ALTER TABLE tasks DROP COLUMN completed_by`,
		`ALTER TABLE tasks DROP COLUMN version`,
	})
}
