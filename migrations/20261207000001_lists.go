package migrations

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Lists and sharing: the people the server has seen, lists, who is a member of which list with which role, and the
// invitations that make members.
//
//   - users: one row per token subject, with the name and email of the claims last seen (model.Store.SeeUser).
//   - lists: name_fold is the name lower-cased by Go (strings.ToLower), compared byte by byte ("C" on PostgreSQL),
//     so that lists sort the same on both databases. owner_id is the creator; the partial unique index keeps one
//     Inbox per user, which is also what makes "create the Inbox when first needed" safe to race.
//   - list_members: the boundary of who sees what. The primary key (list_id, user_id) serves "the members of a
//     list" and the membership check of a list; list_members_user_idx serves "the lists of a user", which every
//     scoped statement reads. The partial unique index allows one OWNER per list.
//   - list_invitations: only the SHA-256 of the token is kept (hex), so that a copy of the database cannot be used
//     to join lists. An invitation is open while it is neither spent, nor revoked, nor expired.
//
// Every user who has tasks, events, reminders or webhooks gets an Inbox here, so that the next migration can move
// every existing task into its creator's Inbox. The Inbox's id is derived from the user id (model.InboxID), which
// is what lets this migration and the store agree on it without a read.
func init() {
	Migrations.MustRegister(listsUp, listsDown)
}

var listsPostgres = []string{
	`CREATE TABLE users (
		id text PRIMARY KEY,
		name text,
		email text,
		last_seen_at timestamptz NOT NULL
	)`,
	`CREATE TABLE lists (
		id uuid PRIMARY KEY,
		owner_id text NOT NULL,
		name text NOT NULL,
		name_fold text COLLATE "C" NOT NULL,
		is_inbox boolean NOT NULL,
		created_at timestamptz NOT NULL,
		updated_at timestamptz NOT NULL
	)`,
	`CREATE TABLE list_members (
		list_id uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
		user_id text NOT NULL,
		role text NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
		joined_at timestamptz NOT NULL,
		PRIMARY KEY (list_id, user_id)
	)`,
	`CREATE TABLE list_invitations (
		id uuid PRIMARY KEY,
		list_id uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
		role text NOT NULL CHECK (role IN ('EDITOR', 'VIEWER')),
		invited_by text NOT NULL,
		token_hash text NOT NULL UNIQUE,
		expires_at timestamptz NOT NULL,
		created_at timestamptz NOT NULL,
		spent_at timestamptz,
		spent_by text,
		revoked_at timestamptz
	)`,
}

var listsSQLite = []string{
	`CREATE TABLE users (
		id TEXT PRIMARY KEY NOT NULL,
		name TEXT,
		email TEXT,
		last_seen_at TEXT NOT NULL
	)`,
	`CREATE TABLE lists (
		id TEXT PRIMARY KEY NOT NULL,
		owner_id TEXT NOT NULL,
		name TEXT NOT NULL,
		name_fold TEXT NOT NULL,
		is_inbox INTEGER NOT NULL CHECK (is_inbox IN (0, 1)),
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL
	)`,
	`CREATE TABLE list_members (
		list_id TEXT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
		user_id TEXT NOT NULL,
		role TEXT NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
		joined_at TEXT NOT NULL,
		PRIMARY KEY (list_id, user_id)
	)`,
	`CREATE TABLE list_invitations (
		id TEXT PRIMARY KEY NOT NULL,
		list_id TEXT NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
		role TEXT NOT NULL CHECK (role IN ('EDITOR', 'VIEWER')),
		invited_by TEXT NOT NULL,
		token_hash TEXT NOT NULL UNIQUE,
		expires_at TEXT NOT NULL,
		created_at TEXT NOT NULL,
		spent_at TEXT,
		spent_by TEXT,
		revoked_at TEXT
	)`,
}

var listsIndexes = []string{
	`CREATE UNIQUE INDEX lists_inbox_idx ON lists (owner_id) WHERE is_inbox`,
	`CREATE INDEX list_members_user_idx ON list_members (user_id, list_id, role)`,
	`CREATE UNIQUE INDEX list_members_owner_idx ON list_members (list_id) WHERE role = 'OWNER'`,
	`CREATE INDEX list_invitations_list_idx ON list_invitations (list_id, created_at)`,
}

// inboxNamespace is the UUID namespace of Inbox ids: an Inbox's id is the SHA-1 UUID (version 5) of its owner's id
// in it. model.InboxID computes the same.
var inboxNamespace = uuid.MustParse("6f1d2a4e-3c1b-4f6e-9a57-2b8c0d9e4a13")

func listsUp(ctx context.Context, db *bun.DB) error {
	statements := listsSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = listsPostgres
	}
	statements = append(append([]string(nil), statements...), listsIndexes...)
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, stmt := range statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%w\nin: %s", err, stmt)
			}
		}
		var users []string
		if err := tx.NewRaw(`SELECT user_id FROM tasks UNION SELECT user_id FROM feed_heads
			UNION SELECT user_id FROM reminders UNION SELECT user_id FROM idempotency_keys`).Scan(ctx, &users); err != nil {
			return fmt.Errorf("find the users who have written: %w", err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		for _, u := range users {
			id := uuid.NewSHA1(inboxNamespace, []byte(u))
			if _, err := tx.NewRaw(`INSERT INTO lists (id, owner_id, name, name_fold, is_inbox, created_at, updated_at)
				VALUES (?, ?, 'Inbox', 'inbox', ?, ?, ?)`, id, u, true, now, now).Exec(ctx); err != nil {
				return fmt.Errorf("create the Inbox of %q: %w", u, err)
			}
			if _, err := tx.NewRaw(`INSERT INTO list_members (list_id, user_id, role, joined_at) VALUES (?, ?, 'OWNER', ?)`,
				id, u, now).Exec(ctx); err != nil {
				return fmt.Errorf("make %q the owner of their Inbox: %w", u, err)
			}
		}
		return nil
	})
}

func listsDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{
		`DROP TABLE IF EXISTS list_invitations`,
		`DROP TABLE IF EXISTS list_members`,
		`DROP TABLE IF EXISTS lists`,
		`DROP TABLE IF EXISTS users`,
	})
}
