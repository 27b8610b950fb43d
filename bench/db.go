package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"taskapi/migrations"
	"taskapi/model"
)

// benchDB is the database the benchmark creates for itself, and the admin connection that creates, watches and drops
// it. Statistics are read through the admin connection so that reading them does not add to the figures read.
type benchDB struct {
	name  string
	url   string
	admin *bun.DB
	db    *bun.DB  // pgdriver with the server's pool size: the seeding and the raw-SQL ceiling use it
	roles []string // roles made for the run (PostGraphile's), dropped after the database
}

func createBenchDB(ctx context.Context, adminURL string, pool int) (*benchDB, error) {
	return createBenchDBFrom(ctx, adminURL, pool, "template0")
}

// createBenchDBFrom creates the benchmark's database as a copy of template (which nobody may be connected to).
func createBenchDBFrom(ctx context.Context, adminURL string, pool int, template string) (*benchDB, error) {
	admin, err := model.OpenDB(ctx, model.DBConfig{URL: adminURL, MaxOpenConns: 2})
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("PostgreSQL at -admin-url does not answer: %w", err)
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := fmt.Sprintf("taskapi_bench_%d_%s", time.Now().Unix(), hex.EncodeToString(suffix[:]))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE ?", bun.Ident(name), bun.Ident(template)); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("-admin-url: %w", err)
	}
	u.Path = "/" + name
	b := &benchDB{name: name, url: u.String(), admin: admin}
	// The same pool as the server's: the ceiling may not win by holding more connections.
	// Seeding statements take seconds, more on a busy machine: past pgdriver's default read timeout of 10 s.
	seedURL := *u
	q := seedURL.Query()
	q.Set("read_timeout", "5m")
	seedURL.RawQuery = q.Encode()
	b.db, err = model.OpenDB(ctx, model.DBConfig{URL: seedURL.String(), MaxOpenConns: pool})
	if err != nil {
		b.drop(false)
		return nil, err
	}
	return b, nil
}

// closePool closes the benchmark's own connections to the database (a database copied from must have none).
func (b *benchDB) closePool() {
	if b.db != nil {
		_ = b.db.Close()
		b.db = nil
	}
}

// drop closes the connections and drops the database unless keep is set.
func (b *benchDB) drop(keep bool) {
	b.closePool()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if keep {
		fmt.Printf("kept database %s\n", b.name)
	} else if _, err := b.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS ? WITH (FORCE)", bun.Ident(b.name)); err != nil {
		fmt.Printf("warning: drop database %s: %v\n", b.name, err)
	} else {
		// A role's grants live in the database; with it gone the role can go (a kept database keeps its role).
		for _, role := range b.roles {
			if _, err := b.admin.ExecContext(ctx, "DROP ROLE IF EXISTS ?", bun.Ident(role)); err != nil {
				fmt.Printf("warning: drop role %s: %v\n", role, err)
			}
		}
	}
	_ = b.admin.Close()
}

func (b *benchDB) migrate(ctx context.Context) error {
	_, err := migrations.Up(ctx, b.db)
	return err
}

// seedTasksSQL writes perUser tasks for each user in one statement. The tasks look like a person's: about a third
// completed, a quarter without a due date and the rest spread from a month ago to two months ahead (so some are
// overdue and some due today), three priorities, zero to three tags of a vocabulary of twelve with "work" on two
// tasks in five, a quarter without a description. Ids are UUIDv7 of the creation time, as the server makes them. Each
// goes to its user's Inbox, which seed makes first, in the manual order of g (ordkey's keys "d" and four base-62
// digits, up to 62^4 tasks a user). Arguments: now, now, perUser, comma-separated user ids, perUser.
const seedTasksSQL = `
INSERT INTO tasks (id, list_id, created_by, title, title_fold, description, description_fold, completed, priority, tags,
                   due_at, completed_at, created_at, updated_at, position)
SELECT
  encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send((extract(epoch FROM s.created_at) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
  (SELECT l.id FROM lists AS l WHERE l.owner_id = s.user_id AND l.is_inbox), s.user_id, s.title, lower(s.title), s.description, lower(s.description), s.completed, s.priority, s.tags,
  s.due_at, CASE WHEN s.completed THEN s.created_at + interval '1 hour' END, s.created_at, s.created_at,
  'd' || substr(s.digits, 1 + (s.g / 238328) % 62, 1) || substr(s.digits, 1 + (s.g / 3844) % 62, 1) ||
    substr(s.digits, 1 + (s.g / 62) % 62, 1) || substr(s.digits, 1 + s.g % 62, 1)
FROM (
  SELECT u.user_id, g, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' AS digits,
    'Task ' || g || ': ' || (ARRAY['Write','Review','Call','Plan','Fix','Buy','Read','Email'])[1 + g % 8] || ' ' ||
      (ARRAY['the report','the Docs','groceries','the Budget','a bug','the Design','an invoice','the Slides'])[1 + (g / 8) % 8] AS title,
    CASE WHEN g % 4 = 0 THEN NULL ELSE 'Details of task ' || g || ', see the Notes' END AS description,
    g % 3 = 0 AS completed,
    ((g / 3) % 3)::smallint AS priority,
    to_jsonb(array_remove(ARRAY[
      CASE WHEN g % 5 < 2 THEN 'work' END,
      CASE WHEN g % 7 = 0 THEN 'home' END,
      CASE WHEN g % 3 <> 1 THEN (ARRAY['urgent','errand','later','reading','health','finance','family','project-x','ops','ideas'])[1 + (g * 13) % 10] END
    ], NULL))::text AS tags,
    CASE WHEN g % 4 = 1 THEN NULL
      ELSE date_trunc('milliseconds', CAST(? AS timestamptz) + ((g % 90) - 30) * interval '1 day' + (g % 24) * interval '1 hour') END AS due_at,
    date_trunc('milliseconds', CAST(? AS timestamptz) - (? - g) * interval '1 minute') AS created_at
  FROM unnest(string_to_array(?, ',')) AS u(user_id) CROSS JOIN generate_series(1, ?) AS g
) AS s`

// seed writes the tasks of users (perUser each) and of big (bigTasks), then their task_tags rows, and analyzes the
// tables so that the planner sees what is there before the first measurement.
func (b *benchDB) seed(ctx context.Context, users []string, perUser int, big string, bigTasks int) error {
	now := time.Now().UTC()
	for _, u := range append(append([]string(nil), users...), big) {
		if _, err := b.db.ExecContext(ctx, `INSERT INTO lists (id, owner_id, name, name_fold, is_inbox, created_at, updated_at)
			VALUES (?, ?, 'Inbox', 'inbox', true, ?, ?)`, model.InboxID(u), u, now, now); err != nil {
			return fmt.Errorf("seed the Inbox of %s: %w", u, err)
		}
		if _, err := b.db.ExecContext(ctx, `INSERT INTO list_members (list_id, user_id, role, joined_at) VALUES (?, ?, 'OWNER', ?)`,
			model.InboxID(u), u, now); err != nil {
			return fmt.Errorf("seed the Inbox of %s: %w", u, err)
		}
	}
	// A few hundred users a statement: thousands in one outlast the driver's read timeout on a busy machine.
	for batch := range slices.Chunk(users, 250) {
		if _, err := b.db.ExecContext(ctx, seedTasksSQL, now, now, perUser, strings.Join(batch, ","), perUser); err != nil {
			return fmt.Errorf("seed tasks: %w", err)
		}
	}
	if _, err := b.db.ExecContext(ctx, seedTasksSQL, now, now, bigTasks, big, bigTasks); err != nil {
		return fmt.Errorf("seed the large user's tasks: %w", err)
	}
	if _, err := b.db.ExecContext(ctx, `INSERT INTO task_tags (task_id, list_id, tag)
		SELECT t.id, t.list_id, j.tag FROM tasks AS t CROSS JOIN LATERAL jsonb_array_elements_text(t.tags::jsonb) AS j(tag)`); err != nil {
		return fmt.Errorf("seed task_tags: %w", err)
	}
	for _, table := range []string{"tasks", "task_tags", "lists", "list_members"} {
		if _, err := b.db.ExecContext(ctx, "VACUUM ANALYZE ?", bun.Ident(table)); err != nil {
			return fmt.Errorf("vacuum analyze %s: %w", table, err)
		}
	}
	return nil
}

// count returns the number of rows a query counts.
func (b *benchDB) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := b.db.NewRaw(query, args...).Scan(ctx, &n)
	return n, err
}

// xacts returns the transactions committed and rolled back in the benchmark database, from pg_stat_database. Each
// backend adds its counts there when it goes idle, but at most once a second; one that flushed less than a second
// before going idle waits for its idle timeout, 10 s in PostgreSQL 15, so callers settle first.
func (b *benchDB) xacts(ctx context.Context) (int64, error) {
	var n int64
	err := b.admin.NewRaw(`SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?`, b.name).Scan(ctx, &n)
	return n, err
}

// settle waits until every backend has flushed its statistics (PGSTAT_IDLE_INTERVAL is 10 s).
func settle(ctx context.Context) {
	select {
	case <-time.After(11 * time.Second):
	case <-ctx.Done():
	}
}

func (b *benchDB) version(ctx context.Context) string {
	var v string
	if err := b.admin.NewRaw("SELECT version()").Scan(ctx, &v); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if i := strings.Index(v, " on "); i > 0 {
		v = v[:i]
	}
	return v
}
