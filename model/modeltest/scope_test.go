package modeltest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"taskapi/migrations"
	"taskapi/model"
	"taskapi/model/modeltest"
)

func TestCheckScoped(t *testing.T) {
	unscoped := []string{
		`SELECT "t"."id", "t"."user_id", "t"."title" FROM "tasks" AS "t" WHERE ("t"."id" = '0b5c6f0e-8f7a-4e8b-9d3c-1a2b3c4d5e6f')`,
		`SELECT count(*) FROM "tasks" AS "t"`,
		`UPDATE "tasks" AS "t" SET "title" = 'x' WHERE ("t"."id" = 'a')`,
		`DELETE FROM "idempotency_keys" AS "ik" WHERE ("ik"."key" = 'k')`,
		// The outer table is scoped, the subquery's is not.
		`SELECT * FROM "tasks" AS "t" WHERE ("t"."list_id" IN (SELECT list_id FROM list_members WHERE user_id = 'u')) AND (EXISTS (SELECT 1 FROM task_tags AS tt WHERE tt.task_id = t.id AND tt.tag IN ('work')))`,
		`INSERT INTO task_tags (task_id, list_id, tag) SELECT t.id, t.list_id, tag FROM tasks AS t`,
		// Tasks and their tags are read through membership: their creator is no scope.
		`SELECT "t"."id" FROM "tasks" AS "t" WHERE ("t"."created_by" = 'u') AND ("t"."id" = 'a')`,
		`DELETE FROM "task_tags" AS "tt" WHERE ("tt"."list_id" = 'l')`,
		`SELECT tt.tag, count(*) FROM task_tags AS tt GROUP BY tt.tag`,
		// Lists, their members, invitations and users without the membership condition.
		`SELECT "l"."id", "l"."name" FROM "lists" AS "l" WHERE ("l"."id" = 'a')`,
		`SELECT "lm"."user_id", "lm"."role" FROM "list_members" AS "lm" WHERE ("lm"."list_id" = 'a')`,
		`SELECT * FROM "list_invitations" AS "i" WHERE ("i"."list_id" = 'a')`,
		`SELECT "u"."email" FROM "users" AS "u" WHERE ("u"."id" IN ('bob'))`,
		`UPDATE "lists" AS "l" SET "name" = 'x' WHERE ("l"."id" = 'a')`,
		`DELETE FROM "list_members" AS "lm" WHERE ("lm"."list_id" = 'a')`,
		// One membership condition for two shared references.
		`SELECT * FROM lists AS l JOIN list_invitations AS i ON i.list_id = l.id WHERE l.id IN (SELECT list_id FROM list_members WHERE user_id = 'u')`,
		// A user_id condition spent on a per-user table is no membership condition.
		`SELECT * FROM lists AS l, reminders AS r WHERE r.user_id = 'u' AND l.id = 'a'`,
	}
	for _, q := range unscoped {
		if err := modeltest.CheckScoped(q); err == nil {
			t.Errorf("CheckScoped passed an unscoped statement: %s", q)
		}
	}
	scoped := []string{
		`SELECT "t"."id" FROM "tasks" AS "t" WHERE (t.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u') AND t.deleted_at IS NULL) AND ("t"."id" = 'a')`,
		`SELECT "t"."id" FROM "tasks" AS "t" WHERE (t.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u') AND t.deleted_at IS NOT NULL)`,
		`SELECT * FROM "tasks" AS "t" WHERE (t.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u')) AND (t.deleted_at IS NULL) AND (EXISTS (SELECT 1 FROM task_tags AS tt WHERE tt.task_id = t.id AND tt.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u') AND tt.tag IN ('work')))`,
		`UPDATE "tasks" AS "t" SET "title" = 'x' WHERE (t.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u')) AND ("t"."id" = 'a')`,
		`DELETE FROM "task_tags" AS "tt" WHERE (tt.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u'))`,
		`INSERT INTO "tasks" ("id", "list_id", "created_by", "title") VALUES ('a', 'l', 'u', 'x') RETURNING "created_at"`,
		`INSERT INTO "task_tags" ("task_id", "list_id", "tag") VALUES ('a', 'l', 'work')`,
		`SELECT t.* FROM tasks AS t JOIN list_members AS m ON m.list_id = t.list_id AND m.user_id = 'u' WHERE t.deleted_at IS NULL`,
		`SELECT * FROM "tasks" AS "t" WHERE (t.list_id IN (SELECT list_id FROM list_members WHERE user_id = 'u')) AND (t.deleted_at IS NULL) AND (EXISTS (SELECT 1 FROM task_tags AS tt WHERE tt.task_id = t.id AND tt.list_id = t.list_id AND tt.tag IN ('work')))`,
		`SELECT "l".* FROM "lists" AS "l" JOIN list_members AS m ON m.list_id = l.id AND m.user_id = 'u' WHERE ("l"."id" = 'a')`,
		`SELECT * FROM "list_members" AS "lm" WHERE ("lm"."list_id" = 'a') AND ("lm"."list_id" IN (SELECT list_id FROM list_members WHERE user_id = 'u'))`,
		`SELECT list_id FROM list_members WHERE user_id = 'u'`,
		`INSERT INTO "lists" AS "l" ("id", "owner_id", "name") VALUES ('a', 'u', 'x') ON CONFLICT DO NOTHING`,
		`INSERT INTO "list_members" AS "lm" ("list_id", "user_id", "role") VALUES ('a', 'u', 'OWNER')`,
		`SELECT * FROM "list_invitations" AS "i" WHERE ("i"."token_hash" = 'h')`,
		`SELECT l.* FROM lists AS l WHERE (l.id = (SELECT list_id FROM list_invitations WHERE token_hash = 'h'))`,
		// Not per-user tables, though their text names one.
		`INSERT INTO "bun_migrations" ("name") VALUES ('20261125000001_create_tasks')`,
		`SELECT 1`,
		`CREATE INDEX tasks_title ON tasks (title)`,
	}
	for _, q := range scoped {
		if err := modeltest.CheckScoped(q); err != nil {
			t.Errorf("CheckScoped refused a scoped statement: %v", err)
		}
	}
}

// reports collects what a ScopeGuard reports.
type reports struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reports) report(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *reports) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

// TestScopeGuardCatchesUnscopedStatements shows the guard MustOpenDB installs at work on real statements: a query
// on tasks without the user_id condition is reported, the store's own statements and a statement marked
// model.AcrossUsers are not.
func TestScopeGuardCatchesUnscopedStatements(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := modeltest.MustOpenEmptyDB(t, kind)
			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			got := &reports{}
			db.AddQueryHook(modeltest.ScopeGuard{Report: got.report})
			store := model.NewStore(db)

			task, err := store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "t", Tags: []string{"work"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.ListTasks(ctx, "alice", model.ListQuery{Filter: model.TaskFilter{Tags: []string{"work"}}}); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) > 0 {
				t.Fatalf("the store's statements were reported:\n%s", strings.Join(msgs, "\n"))
			}

			var tasks []model.Task
			if err := db.NewSelect().Model(&tasks).Where("t.id = ?", task.ID).
				Where("t.list_id IN (SELECT list_id FROM list_members WHERE user_id = ?)", "alice").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) != 1 || !strings.Contains(msgs[0], "trash") {
				t.Fatalf("a read of tasks that forgets the trash was reported %d times: %v", len(msgs), msgs)
			}
			if err := db.NewSelect().Model(&tasks).Where("t.id = ?", task.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) != 1 || !strings.Contains(msgs[0], "membership") {
				t.Fatalf("a select of tasks by id alone was reported %d times: %v", len(msgs), msgs)
			}
			if _, err := db.NewDelete().Model((*model.Task)(nil)).Where("t.completed").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) != 1 {
				t.Fatalf("a delete of every user's completed tasks was reported %d times: %v", len(msgs), msgs)
			}

			if _, err := db.NewSelect().Model((*model.Task)(nil)).Count(model.AcrossUsers(ctx)); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) > 0 {
				t.Fatalf("a statement marked AcrossUsers was reported: %v", msgs)
			}
		})
	}
}

// TestScopeGuardCatchesMembershipLessStatements runs, on each table of lists and sharing, a statement that lacks the
// membership condition and one that has it: the guard reports the first and not the second.
func TestScopeGuardCatchesMembershipLessStatements(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := modeltest.MustOpenEmptyDB(t, kind)
			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			got := &reports{}
			db.AddQueryHook(modeltest.ScopeGuard{Report: got.report})
			store := model.NewStore(db)
			list, err := store.CreateList(ctx, "alice", model.CreateListInput{Name: "shared"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := store.CreateListInvitation(ctx, "alice", list.ID, model.ListRoleEditor, 60); err != nil {
				t.Fatal(err)
			}
			if err := store.SeeUser(ctx, "alice", "Alice", "alice@example.com"); err != nil {
				t.Fatal(err)
			}
			if _, err := store.ListMembers(ctx, "alice", list.ID); err != nil {
				t.Fatal(err)
			}
			if msgs := got.take(); len(msgs) > 0 {
				t.Fatalf("the store's statements were reported:\n%s", strings.Join(msgs, "\n"))
			}
			member := "SELECT list_id FROM list_members WHERE user_id = ?"
			for _, c := range []struct{ table, without, with string }{
				{"lists", "SELECT name FROM lists WHERE id = ?", "SELECT name FROM lists WHERE id = ? AND id IN (" + member + ")"},
				{"list_members", "SELECT user_id FROM list_members WHERE list_id = ?",
					"SELECT user_id FROM list_members WHERE list_id = ? AND list_id IN (" + member + ")"},
				{"list_invitations", "SELECT role FROM list_invitations WHERE list_id = ?",
					"SELECT role FROM list_invitations WHERE list_id = ? AND list_id IN (" + member + ")"},
				{"tasks", "SELECT title FROM tasks WHERE list_id = ? AND created_by = ?",
					"SELECT title FROM tasks WHERE list_id = ? AND list_id IN (" + member + ") AND deleted_at IS NULL"},
				{"task_tags", "SELECT tag FROM task_tags WHERE list_id = ? AND tag <> ?",
					"SELECT tag FROM task_tags WHERE list_id = ? AND list_id IN (" + member + ")"},
				{"users", "SELECT email FROM users WHERE id = ? AND name <> ?",
					"SELECT email FROM users WHERE id = ? AND EXISTS (SELECT 1 FROM list_members AS a JOIN list_members AS b ON b.list_id = a.list_id WHERE a.user_id = ? AND b.user_id = users.id)"},
			} {
				args := []any{list.ID, "alice"}
				if c.table == "users" {
					args = []any{"alice", "alice"}
				}
				var rows []map[string]any
				if err := db.NewRaw(c.without, args...).Scan(ctx, &rows); err != nil {
					t.Fatal(err)
				}
				if msgs := got.take(); len(msgs) != 1 || !strings.Contains(msgs[0], "membership") {
					t.Errorf("%s without the membership condition was reported %d times: %v", c.table, len(msgs), msgs)
				}
				if err := db.NewRaw(c.with, args...).Scan(ctx, &rows); err != nil {
					t.Fatal(err)
				}
				if msgs := got.take(); len(msgs) > 0 {
					t.Errorf("%s with the membership condition was reported: %v", c.table, msgs)
				}
			}
		})
	}
}

// A benchmark's database has no guard: an unscoped statement passes there, where it fails a test.
func TestMustOpenBenchDBHasNoGuard(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		db := modeltest.MustOpenBenchDB(b, modeltest.SQLite)
		if _, err := db.NewSelect().Model((*model.Task)(nil)).Count(context.Background()); err != nil {
			b.Fatal(err)
		}
	})
	if res.N == 0 {
		t.Error("an unscoped statement failed the benchmark")
	}
}
