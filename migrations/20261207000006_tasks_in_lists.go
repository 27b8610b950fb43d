package migrations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Tasks belong to lists, and membership becomes the boundary of who sees a task.
//
//   - tasks.list_id: the list the task is in; every existing task goes to its creator's Inbox (made here with its
//     OWNER row where the lists migration did not make it). tasks.user_id is renamed created_by, so that no
//     statement can scope a task by its creator by mistake: tasks are read through list_members.
//   - task_tags.user_id becomes list_id (tags are counted per list the viewer is in).
//   - The keyset indexes of tasks lead with list_id instead of user_id, keeping the ordering columns.
//   - task_events gains list_id and actor_id (both nullable: RESET has neither, a reminder firing has no actor),
//     and the LIST_ADDED, LIST_UPDATED and LIST_REMOVED kinds, whose task_id is null.
//
// On SQLite, list_id is added NOT NULL with an empty default (SQLite adds no NOT NULL column without one), and
// task_events is rebuilt to change its kinds' CHECK.
func init() {
	Migrations.MustRegister(tasksInListsUp, tasksInListsDown)
}

var taskListIndexes = []string{
	`CREATE INDEX tasks_list_created_idx ON tasks (list_id, created_at, id)`,
	`CREATE INDEX tasks_list_updated_idx ON tasks (list_id, updated_at, id)`,
	`CREATE INDEX tasks_list_due_idx ON tasks (list_id, due_at, id)`,
	`CREATE INDEX tasks_list_priority_idx ON tasks (list_id, priority, id)`,
	`CREATE INDEX tasks_list_title_idx ON tasks (list_id, title_fold, id)`,
	`CREATE INDEX tasks_list_completed_idx ON tasks (list_id, completed, due_at)`,
	`CREATE INDEX task_tags_list_tag_idx ON task_tags (list_id, tag)`,
}

var taskUserIndexes = []string{
	`CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at, id)`,
	`CREATE INDEX tasks_user_updated_idx ON tasks (user_id, updated_at, id)`,
	`CREATE INDEX tasks_user_due_idx ON tasks (user_id, due_at, id)`,
	`CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority, id)`,
	`CREATE INDEX tasks_user_title_idx ON tasks (user_id, title_fold, id)`,
	`CREATE INDEX tasks_user_completed_idx ON tasks (user_id, completed, due_at)`,
	`CREATE INDEX task_tags_user_tag_idx ON task_tags (user_id, tag)`,
}

// dropIndexes returns the DROP INDEX statements of the indexes that creates creates.
func dropIndexes(creates []string) []string {
	out := make([]string, len(creates))
	for i, c := range creates {
		name := strings.Fields(strings.TrimPrefix(c, "CREATE INDEX "))[0]
		out[i] = "DROP INDEX IF EXISTS " + name
	}
	return out
}

const (
	eventKindsBefore = `'CREATED', 'UPDATED', 'DELETED', 'REMINDER_DUE', 'RESET'`
	eventKindsAfter  = eventKindsBefore + `, 'LIST_ADDED', 'LIST_UPDATED', 'LIST_REMOVED'`
)

// sqliteTaskEvents is task_events on SQLite with the given kinds, and with list_id and actor_id when lists is set.
func sqliteTaskEvents(name, kinds string, lists bool) string {
	extra := ""
	if lists {
		extra = "list_id TEXT,\n\t\tactor_id TEXT,\n\t\t"
	}
	return `CREATE TABLE ` + name + ` (
		user_id TEXT NOT NULL,
		position INTEGER NOT NULL,
		kind TEXT NOT NULL CHECK (kind IN (` + kinds + `)),
		task_id TEXT,
		task TEXT,
		reminder TEXT,
		at TEXT NOT NULL,
		` + extra + `PRIMARY KEY (user_id, position)
	)`
}

func tasksInListsUp(ctx context.Context, db *bun.DB) error {
	pg := db.Dialect().Name() == dialect.PG
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Every creator's Inbox, with its OWNER row (the lists migration made them; a user who wrote since without
		// reading their lists may have none yet).
		var users []string
		if err := tx.NewRaw(`SELECT DISTINCT user_id FROM tasks`).Scan(ctx, &users); err != nil {
			return fmt.Errorf("find the tasks' creators: %w", err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		for _, u := range users {
			id := uuid.NewSHA1(inboxNamespace, []byte(u))
			if _, err := tx.NewRaw(`INSERT INTO lists (id, owner_id, name, name_fold, is_inbox, created_at, updated_at)
				VALUES (?, ?, 'Inbox', 'inbox', ?, ?, ?) ON CONFLICT DO NOTHING`, id, u, true, now, now).Exec(ctx); err != nil {
				return fmt.Errorf("create the Inbox of %q: %w", u, err)
			}
			if _, err := tx.NewRaw(`INSERT INTO list_members (list_id, user_id, role, joined_at) VALUES (?, ?, 'OWNER', ?)
				ON CONFLICT DO NOTHING`, id, u, now).Exec(ctx); err != nil {
				return fmt.Errorf("make %q the owner of their Inbox: %w", u, err)
			}
		}
		var stmts []string
		if pg {
			stmts = []string{`ALTER TABLE tasks ADD COLUMN list_id uuid`}
		} else {
			stmts = []string{`ALTER TABLE tasks ADD COLUMN list_id TEXT NOT NULL DEFAULT ''`}
		}
		if err := execTx(ctx, tx, stmts); err != nil {
			return err
		}
		for _, u := range users {
			if _, err := tx.NewRaw(`UPDATE tasks SET list_id = ? WHERE user_id = ?`,
				uuid.NewSHA1(inboxNamespace, []byte(u)), u).Exec(ctx); err != nil {
				return fmt.Errorf("move the tasks of %q to their Inbox: %w", u, err)
			}
		}
		stmts = dropIndexes(taskUserIndexes)
		stmts = append(stmts, `ALTER TABLE tasks RENAME COLUMN user_id TO created_by`)
		if pg {
			stmts = append(stmts,
				`ALTER TABLE tasks ALTER COLUMN list_id SET NOT NULL`,
				`ALTER TABLE task_tags ADD COLUMN list_id uuid`,
				`UPDATE task_tags SET list_id = (SELECT t.list_id FROM tasks AS t WHERE t.id = task_tags.task_id)`,
				`ALTER TABLE task_tags ALTER COLUMN list_id SET NOT NULL`,
				`ALTER TABLE task_tags DROP COLUMN user_id`,
				`ALTER TABLE task_events ADD COLUMN list_id uuid`,
				`ALTER TABLE task_events ADD COLUMN actor_id text`,
				`ALTER TABLE task_events DROP CONSTRAINT IF EXISTS task_events_kind_check`,
				`ALTER TABLE task_events ADD CONSTRAINT task_events_kind_check CHECK (kind IN (`+eventKindsAfter+`))`,
			)
		} else {
			stmts = append(stmts,
				`ALTER TABLE task_tags ADD COLUMN list_id TEXT NOT NULL DEFAULT ''`,
				`UPDATE task_tags SET list_id = (SELECT t.list_id FROM tasks AS t WHERE t.id = task_tags.task_id)`,
				`ALTER TABLE task_tags DROP COLUMN user_id`,
				sqliteTaskEvents("task_events_new", eventKindsAfter, true),
				`INSERT INTO task_events_new (user_id, position, kind, task_id, task, reminder, at)
					SELECT user_id, position, kind, task_id, task, reminder, at FROM task_events`,
				`DROP TABLE task_events`,
				`ALTER TABLE task_events_new RENAME TO task_events`,
				`CREATE INDEX task_events_at_idx ON task_events (at)`,
			)
		}
		return execTx(ctx, tx, append(stmts, taskListIndexes...))
	})
}

func tasksInListsDown(ctx context.Context, db *bun.DB) error {
	pg := db.Dialect().Name() == dialect.PG
	stmts := dropIndexes(taskListIndexes)
	stmts = append(stmts,
		`DELETE FROM task_events WHERE kind IN ('LIST_ADDED', 'LIST_UPDATED', 'LIST_REMOVED')`,
		`ALTER TABLE tasks RENAME COLUMN created_by TO user_id`,
	)
	if pg {
		stmts = append(stmts,
			`ALTER TABLE task_tags ADD COLUMN user_id text`,
			`UPDATE task_tags SET user_id = (SELECT t.user_id FROM tasks AS t WHERE t.id = task_tags.task_id)`,
			`ALTER TABLE task_tags ALTER COLUMN user_id SET NOT NULL`,
			`ALTER TABLE task_tags DROP COLUMN list_id`,
			`ALTER TABLE tasks DROP COLUMN list_id`,
			`ALTER TABLE task_events DROP CONSTRAINT IF EXISTS task_events_kind_check`,
			`ALTER TABLE task_events ADD CONSTRAINT task_events_kind_check CHECK (kind IN (`+eventKindsBefore+`))`,
			`ALTER TABLE task_events DROP COLUMN actor_id`,
			`ALTER TABLE task_events DROP COLUMN list_id`,
		)
	} else {
		stmts = append(stmts,
			`ALTER TABLE task_tags ADD COLUMN user_id TEXT NOT NULL DEFAULT ''`,
			`UPDATE task_tags SET user_id = (SELECT t.user_id FROM tasks AS t WHERE t.id = task_tags.task_id)`,
			`ALTER TABLE task_tags DROP COLUMN list_id`,
			`ALTER TABLE tasks DROP COLUMN list_id`,
			sqliteTaskEvents("task_events_old", eventKindsBefore, false),
			`INSERT INTO task_events_old (user_id, position, kind, task_id, task, reminder, at)
				SELECT user_id, position, kind, task_id, task, reminder, at FROM task_events`,
			`DROP TABLE task_events`,
			`ALTER TABLE task_events_old RENAME TO task_events`,
			`CREATE INDEX task_events_at_idx ON task_events (at)`,
		)
	}
	return execAll(ctx, db, append(stmts, taskUserIndexes...))
}

// execTx runs statements in order in tx, naming the one that failed.
func execTx(ctx context.Context, tx bun.Tx, statements []string) error {
	for _, stmt := range statements {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w\nin: %s", err, stmt)
		}
	}
	return nil
}
