package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The first schema: tasks, their tags, and the idempotency keys of createTask.
//
// Every per-user list, filter, sort and count is a range scan of an index that starts with user_id. Keyset pages
// compare (sort column, id) row values, so each sort column has an index (user_id, column, id).
//
// PostgreSQL and SQLite differ in types only: SQLite keeps ids and instants as TEXT and booleans as 0/1. Instants
// are written as Bun writes them, '2006-01-02 15:04:05.999999+00:00' in UTC; as text they sort like the instants
// they are, because every one is in UTC and a shorter fraction ends in '+', which sorts before every digit.
//
// On PostgreSQL the folded title and the tags are compared with the "C" collation, byte by byte like SQLite's
// BINARY, so that TITLE order and tag order are the same on both databases whatever the database's locale.
func init() {
	Migrations.MustRegister(createTasksUp, createTasksDown)
}

var createTasksPostgres = []string{
	// Trigram indexes make the substring search of `search` an index lookup. pg_trgm is a trusted extension
	// (PostgreSQL 13+), so the owner of the database may create it.
	`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
	`CREATE TABLE tasks (
		id uuid PRIMARY KEY,
		user_id text NOT NULL,
		title text NOT NULL,
		title_fold text COLLATE "C" NOT NULL,
		description text,
		description_fold text,
		completed boolean NOT NULL,
		priority smallint NOT NULL CHECK (priority BETWEEN 0 AND 2),
		tags text NOT NULL,
		due_at timestamptz,
		completed_at timestamptz,
		created_at timestamptz NOT NULL,
		updated_at timestamptz NOT NULL
	)`,
	`CREATE INDEX tasks_title_fold_trgm_idx ON tasks USING gin (title_fold gin_trgm_ops)`,
	`CREATE INDEX tasks_description_fold_trgm_idx ON tasks USING gin (description_fold gin_trgm_ops)`,
	`CREATE TABLE task_tags (
		task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
		user_id text NOT NULL,
		tag text COLLATE "C" NOT NULL,
		PRIMARY KEY (task_id, tag)
	)`,
	`CREATE TABLE idempotency_keys (
		user_id text NOT NULL,
		key text NOT NULL,
		task_id uuid NOT NULL,
		created_at timestamptz NOT NULL,
		PRIMARY KEY (user_id, key)
	)`,
}

var createTasksSQLite = []string{
	`CREATE TABLE tasks (
		id TEXT PRIMARY KEY NOT NULL,
		user_id TEXT NOT NULL,
		title TEXT NOT NULL,
		title_fold TEXT NOT NULL,
		description TEXT,
		description_fold TEXT,
		completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
		priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 2),
		tags TEXT NOT NULL,
		due_at TEXT,
		completed_at TEXT,
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE TABLE task_tags (
		task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
		user_id TEXT NOT NULL,
		tag TEXT NOT NULL,
		PRIMARY KEY (task_id, tag)
	)`,
	`CREATE TABLE idempotency_keys (
		user_id TEXT NOT NULL,
		key TEXT NOT NULL,
		task_id TEXT NOT NULL,
		created_at TEXT NOT NULL,
		PRIMARY KEY (user_id, key)
	)`,
}

// createTasksIndexes are the same on both databases.
var createTasksIndexes = []string{
	`CREATE INDEX tasks_user_created_idx ON tasks (user_id, created_at, id)`,
	`CREATE INDEX tasks_user_updated_idx ON tasks (user_id, updated_at, id)`,
	`CREATE INDEX tasks_user_due_idx ON tasks (user_id, due_at, id)`,
	`CREATE INDEX tasks_user_priority_idx ON tasks (user_id, priority, id)`,
	`CREATE INDEX tasks_user_title_idx ON tasks (user_id, title_fold, id)`,
	// Status filters, overdue counts and clearCompletedTasks.
	`CREATE INDEX tasks_user_completed_idx ON tasks (user_id, completed, due_at)`,
	// The tags filter and the tag counts; the primary key serves the per-task lookups.
	`CREATE INDEX task_tags_user_tag_idx ON task_tags (user_id, tag)`,
}

func createTasksUp(ctx context.Context, db *bun.DB) error {
	statements := createTasksSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = createTasksPostgres
	}
	return execAll(ctx, db, append(append([]string(nil), statements...), createTasksIndexes...))
}

// createTasksDown drops the tables. It leaves pg_trgm installed: other schemas of the database may use it, and
// installing it again is harmless.
func createTasksDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{
		`DROP TABLE IF EXISTS idempotency_keys`,
		`DROP TABLE IF EXISTS task_tags`,
		`DROP TABLE IF EXISTS tasks`,
	})
}
