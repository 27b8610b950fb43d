package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The trash: a deleted task keeps its row, with deleted_at set, until it is restored or purged.
//
//   - tasks.deleted_at: when the task went to the trash; null for a live task.
//   - The keyset indexes of tasks become partial, WHERE deleted_at IS NULL, the condition every read of live tasks
//     carries, so that the dashboard's reads walk live tasks only, as before.
//   - tasks_trash_idx: the trash of a list, newest deletion first (the trash query), and by age (the retention
//     purge).
//   - task_events accepts the RESTORED kind.
//
// On SQLite, task_events is rebuilt from its own definition to change its kinds' CHECK, so that columns another
// migration added are kept.
func init() {
	Migrations.MustRegister(trashUp, trashDown)
}

var trashIndexes = []string{
	`CREATE INDEX tasks_list_created_idx ON tasks (list_id, created_at, id) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_list_updated_idx ON tasks (list_id, updated_at, id) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_list_due_idx ON tasks (list_id, due_at, id) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_list_priority_idx ON tasks (list_id, priority, id) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_list_title_idx ON tasks (list_id, title_fold, id) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_list_completed_idx ON tasks (list_id, completed, due_at) WHERE deleted_at IS NULL`,
	`CREATE INDEX tasks_trash_idx ON tasks (list_id, deleted_at, id) WHERE deleted_at IS NOT NULL`,
	`CREATE INDEX tasks_trash_age_idx ON tasks (deleted_at) WHERE deleted_at IS NOT NULL`,
}

const eventKindsTrash = eventKindsAfter + `, 'RESTORED'`

func trashUp(ctx context.Context, db *bun.DB) error {
	pg := db.Dialect().Name() == dialect.PG
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		stmts := dropIndexes(taskListIndexes[:6])
		if pg {
			stmts = append(stmts, `ALTER TABLE tasks ADD COLUMN deleted_at timestamptz`,
				`ALTER TABLE task_events DROP CONSTRAINT IF EXISTS task_events_kind_check`,
				`ALTER TABLE task_events ADD CONSTRAINT task_events_kind_check CHECK (kind IN (`+eventKindsTrash+`))`)
		} else {
			stmts = append(stmts, `ALTER TABLE tasks ADD COLUMN deleted_at TEXT`)
		}
		if pg {
			// Statistics of the new column now, not when autovacuum next comes: without them the planner guesses
			// that deleted_at IS NULL, the condition of every read, holds for 0.5% of the tasks.
			stmts = append(stmts, trashIndexes...)
			stmts = append(stmts, `ANALYZE tasks`)
			return execTx(ctx, tx, stmts)
		}
		if err := execTx(ctx, tx, append(stmts, trashIndexes...)); err != nil {
			return err
		}
		if !pg {
			return sqliteEventKinds(ctx, tx, eventKindsAfter, eventKindsTrash)
		}
		return nil
	})
}

func trashDown(ctx context.Context, db *bun.DB) error {
	pg := db.Dialect().Name() == dialect.PG
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The trash is emptied for good: without deleted_at its tasks would come back.
		stmts := append(dropIndexes(trashIndexes), `DELETE FROM tasks WHERE deleted_at IS NOT NULL`,
			`DELETE FROM task_events WHERE kind = 'RESTORED'`, `ALTER TABLE tasks DROP COLUMN deleted_at`)
		if pg {
			stmts = append(stmts, `ALTER TABLE task_events DROP CONSTRAINT IF EXISTS task_events_kind_check`,
				`ALTER TABLE task_events ADD CONSTRAINT task_events_kind_check CHECK (kind IN (`+eventKindsAfter+`))`)
		}
		if err := execTx(ctx, tx, append(stmts, taskListIndexes[:6]...)); err != nil {
			return err
		}
		if !pg {
			return sqliteEventKinds(ctx, tx, eventKindsTrash, eventKindsAfter)
		}
		return nil
	})
}

// sqliteEventKinds rebuilds SQLite's task_events with the kinds' CHECK from replaced by to, keeping its columns
// and indexes as the database has them.
func sqliteEventKinds(ctx context.Context, tx bun.Tx, from, to string) error {
	var table string
	if err := tx.NewRaw(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'task_events'`).
		Scan(ctx, &table); err != nil {
		return fmt.Errorf("read the definition of task_events: %w", err)
	}
	check := "CHECK (kind IN (" + from + "))"
	if !strings.Contains(table, check) {
		return fmt.Errorf("task_events has no %s: %s", check, table)
	}
	var indexes []string
	if err := tx.NewRaw(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'task_events' AND sql IS NOT NULL`).
		Scan(ctx, &indexes); err != nil {
		return fmt.Errorf("read the indexes of task_events: %w", err)
	}
	create := strings.Replace(strings.Replace(table, check, "CHECK (kind IN ("+to+"))", 1),
		"task_events", "task_events_new", 1)
	stmts := []string{create, `INSERT INTO task_events_new SELECT * FROM task_events`, `DROP TABLE task_events`,
		`ALTER TABLE task_events_new RENAME TO task_events`}
	return execTx(ctx, tx, append(stmts, indexes...))
}
