package migrations_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"taskapi/migrations"
	"taskapi/model"
	"taskapi/model/modeltest"
)

var ctx = context.Background()

// all is every migration, oldest first.
var all = []string{
	"20261125000001_create_tasks", "20261201000001_task_events", "20261201000002_recurrence",
	"20261201000003_webhook_deliveries", "20261201000004_reminders", "20261207000001_lists",
	"20261207000002_webhook_pending_per_user", "20261207000005_kafka_outbox", "20261207000006_tasks_in_lists",
	"20261207000007_task_versions", "20261207000008_trash", "20261207000009_task_positions",
	"20261207000010_task_assignees",
}

func TestUpDownUp(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			status := func(wantPending []string) {
				t.Helper()
				report, err := migrations.Status(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				if got := report.Pending(); !slices.Equal(got, wantPending) || len(report.Migrations) != len(all) {
					t.Errorf("pending = %q of %d, want %q of %d\n%s", got, len(report.Migrations), wantPending, len(all), report)
				}
				for _, m := range report.Migrations {
					line := "pending  " + m.Name
					if m.Applied {
						line = "applied  " + m.Name
					}
					if !strings.Contains(report.String(), line) {
						t.Errorf("status does not say %q:\n%s", line, report)
					}
				}
			}
			works := func() {
				t.Helper()
				s := model.NewStore(db)
				task, err := s.CreateTask(ctx, "u", model.CreateTaskInput{Title: "works", Tags: []string{"x"}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Task(ctx, "u", task.ID); err != nil {
					t.Fatal(err)
				}
			}

			status(all)
			applied, err := migrations.Up(ctx, db)
			if err != nil || !slices.Equal(applied, all) {
				t.Fatalf("Up = %q, %v; want %q", applied, err, all)
			}
			status(nil)
			works()
			if applied, err := migrations.Up(ctx, db); err != nil || len(applied) != 0 {
				t.Fatalf("second Up = %q, %v; want nothing to do", applied, err)
			}

			rolledBack, err := migrations.Down(ctx, db)
			newestFirst := slices.Clone(all)
			slices.Reverse(newestFirst)
			if err != nil || !slices.Equal(rolledBack, newestFirst) {
				t.Fatalf("Down = %q, %v; want %q", rolledBack, err, newestFirst)
			}
			status(all)
			if _, err := db.ExecContext(ctx, "SELECT 1 FROM tasks"); err == nil {
				t.Error("the tasks table is still there after Down")
			}
			if rolledBack, err := migrations.Down(ctx, db); err != nil || len(rolledBack) != 0 {
				t.Errorf("Down with nothing applied = %q, %v", rolledBack, err)
			}

			if applied, err := migrations.Up(ctx, db); err != nil || !slices.Equal(applied, all) {
				t.Fatalf("Up after Down = %q, %v", applied, err)
			}
			status(nil)
			works()
		})
	}
}

// TestUpConcurrently starts several migrations at once, as instances starting together do: one applies the
// migrations, the others wait for it and find nothing to do.
func TestUpConcurrently(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			const n = 4
			results := make([][]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { results[i], errs[i] = migrations.Up(ctx, db) })
			}
			wg.Wait()
			appliedBy := 0
			for i := range n {
				if errs[i] != nil {
					t.Errorf("Up %d: %v", i, errs[i])
				}
				if len(results[i]) > 0 {
					appliedBy++
					if !slices.Equal(results[i], all) {
						t.Errorf("Up %d applied %q", i, results[i])
					}
				}
			}
			if appliedBy != 1 {
				t.Errorf("%d instances applied migrations, want 1", appliedBy)
			}
		})
	}
}

// TestUpWaitsForTheLock checks that Up waits while another instance holds the lock, and says what to do when it
// never comes free.
func TestUpWaitsForTheLock(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			m := migrations.NewMigrator(db)
			if err := m.Init(ctx); err != nil {
				t.Fatal(err)
			}
			if err := m.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			short, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if _, err := migrations.Up(short, db); err == nil || !strings.Contains(err.Error(), "bun_migration_locks") {
				t.Fatalf("Up with the lock taken = %v, want an error naming bun_migration_locks", err)
			}

			done := make(chan error, 1)
			go func() {
				_, err := migrations.Up(ctx, db)
				done <- err
			}()
			time.Sleep(300 * time.Millisecond)
			if err := m.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Up did not take the lock once it was free")
			}
		})
	}
}

// TestPerUserTables keeps model.PerUserTables, which the scoping guard of modeltest checks statements against, in
// step with the schema: every table with a user_id column is in the list (or is model.MembershipTable, which the
// guard checks for the membership condition), and every table in the list has one.
func TestPerUserTables(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			db := modeltest.MustOpenDB(t, kind)
			var tables []string
			var err error
			if kind == modeltest.Postgres {
				err = db.NewRaw(`SELECT table_name FROM information_schema.columns
					WHERE table_schema = current_schema() AND column_name = 'user_id' ORDER BY table_name`).Scan(ctx, &tables)
			} else {
				err = db.NewRaw(`SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c
					WHERE m.type = 'table' AND c.name = 'user_id' ORDER BY m.name`).Scan(ctx, &tables)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(append(slices.Clone(model.PerUserTables), model.MembershipTable)))
			if !slices.Equal(tables, want) {
				t.Errorf("tables with a user_id column: %v; model.PerUserTables: %v (a migration that adds a per-user "+
					"table must add it there)", tables, want)
			}
		})
	}
}

// TestListsGiveEveryWriterAnInbox applies the lists migration to a database that already has users' rows: each of
// them gets an Inbox, with them as its OWNER, under the id the store computes.
func TestListsGiveEveryWriterAnInbox(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			// Undo the lists migration and the ones after it, as if the database predated them.
			if err := migrations.TaskAssigneesDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskPositionsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TrashDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskVersionsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TasksInListsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []string{`DROP TABLE list_invitations`, `DROP TABLE list_members`, `DROP TABLE lists`,
				`DROP TABLE users`, `DELETE FROM bun_migrations WHERE name IN ('20261207000001', '20261207000006', '20261207000007', '20261207000008', '20261207000009', '20261207000010')`} {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			for _, u := range []string{"alice", "bob"} {
				if _, err := db.NewRaw(`INSERT INTO feed_heads (user_id, position) VALUES (?, 1)`, u).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if applied, err := migrations.Up(ctx, db); err != nil ||
				!slices.Equal(applied, []string{"20261207000001_lists", "20261207000006_tasks_in_lists", "20261207000007_task_versions", "20261207000008_trash", "20261207000009_task_positions", "20261207000010_task_assignees"}) {
				t.Fatalf("Up = %q, %v", applied, err)
			}
			// Read the rows themselves: the store would make a missing Inbox on the spot.
			for _, u := range []string{"alice", "bob"} {
				var n int
				if err := db.NewRaw(`SELECT count(*) FROM lists AS l JOIN list_members AS m ON m.list_id = l.id
					WHERE l.id = ? AND l.owner_id = ? AND l.is_inbox AND l.name = 'Inbox' AND m.user_id = ? AND m.role = 'OWNER'`,
					model.InboxID(u), u, u).Scan(ctx, &n); err != nil || n != 1 {
					t.Errorf("%s's Inbox after the migration: %d rows, %v", u, n, err)
				}
			}
		})
	}
}

// TestTasksInListsMovesEveryTaskToItsInbox applies the tasks-in-lists migration to tasks written before it: each goes
// to its creator's Inbox (made here for a creator who had none), keeps its tags, and its creator is created_by.
func TestTasksInListsMovesEveryTaskToItsInbox(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskAssigneesDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskPositionsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TrashDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskVersionsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TasksInListsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM bun_migrations WHERE name IN ('20261207000006', '20261207000007', '20261207000008', '20261207000009', '20261207000010')`); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for i, u := range []string{"alice", "bob", "carol"} {
				id := fmt.Sprintf("0193a6c0-0000-7000-8000-00000000000%d", i)
				if _, err := db.NewRaw(`INSERT INTO tasks (id, user_id, title, title_fold, completed, priority, tags,
					created_at, updated_at) VALUES (?, ?, 'old', 'old', ?, 1, '["x"]', ?, ?)`, id, u, false, now, now).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := db.NewRaw(`INSERT INTO task_tags (task_id, user_id, tag) VALUES (?, ?, 'x')`, id, u).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// carol has no Inbox yet: the lists migration ran before she wrote.
			if _, err := db.NewRaw(`DELETE FROM list_members WHERE user_id = 'carol'`).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if applied, err := migrations.Up(ctx, db); err != nil || !slices.Equal(applied, []string{"20261207000006_tasks_in_lists", "20261207000007_task_versions", "20261207000008_trash", "20261207000009_task_positions", "20261207000010_task_assignees"}) {
				t.Fatalf("Up = %q, %v", applied, err)
			}
			for _, u := range []string{"alice", "bob", "carol"} {
				tasks, err := model.NewStore(db).ListTasks(ctx, u, model.ListQuery{})
				if err != nil || len(tasks.Edges) != 1 {
					t.Fatalf("%s's tasks after the migration: %v, %v", u, tasks, err)
				}
				task := tasks.Edges[0].Node
				if task.ListID != model.InboxID(u) || task.CreatedBy != u {
					t.Errorf("%s's task is in %s, created by %q", u, task.ListID, task.CreatedBy)
				}
				tags, err := model.NewStore(db).Tags(ctx, u, 10, nil)
				if err != nil || len(tags) != 1 || tags[0].Tag != "x" || tags[0].Count != 1 {
					t.Errorf("%s's tags: %v, %v", u, tags, err)
				}
			}
		})
	}
}

// TestTaskPositionsNumberEachListInCreatedOrder applies the task-positions migration to tasks written before it:
// each list's tasks, those in the trash included, get keys in the order they were created, so that the manual
// order starts as the order of creation, and new tasks go after them.
func TestTaskPositionsNumberEachListInCreatedOrder(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenEmptyDB(t, kind)
			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			at := func(h int) *model.Store {
				return model.NewStore(db).WithClock(func() time.Time { return base.Add(time.Duration(h) * time.Hour) })
			}
			// Created later, but with the smaller id: the migration numbers by creation, not by id.
			late, err := at(3).CreateTask(ctx, "alice", model.CreateTaskInput{Title: "third"})
			if err != nil {
				t.Fatal(err)
			}
			for i, title := range []string{"first", "second"} {
				task, err := at(i+1).CreateTask(ctx, "alice", model.CreateTaskInput{Title: title})
				if err != nil {
					t.Fatal(err)
				}
				if title == "second" {
					if err := at(4).DeleteTask(ctx, "alice", task.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := at(1).CreateTask(ctx, "bob", model.CreateTaskInput{Title: "bob's"}); err != nil {
				t.Fatal(err)
			}
			if err := migrations.TaskPositionsDown(ctx, db); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `DELETE FROM bun_migrations WHERE name = '20261207000009'`); err != nil {
				t.Fatal(err)
			}
			if applied, err := migrations.Up(ctx, db); err != nil || !slices.Equal(applied, []string{"20261207000009_task_positions"}) {
				t.Fatalf("Up = %q, %v", applied, err)
			}
			s := at(5)
			if _, err := s.RestoreTask(ctx, "alice", late.ID); err == nil {
				t.Fatal("restored a task that is not in the trash")
			}
			var trashed []string
			if err := db.NewRaw(`SELECT position FROM tasks WHERE title = 'second'`).Scan(model.AcrossUsers(ctx), &trashed); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "new"}); err != nil {
				t.Fatal(err)
			}
			order := func(user string) []string {
				page, err := s.ListTasks(ctx, user, model.ListQuery{Order: &model.TaskOrder{Field: model.TaskOrderFieldPosition, Direction: model.OrderDirectionAsc}})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, e := range page.Edges {
					out = append(out, e.Node.Title+"@"+e.Node.Position)
				}
				return out
			}
			if got := order("alice"); !slices.Equal(got, []string{"first@a0", "third@a2", "new@a3"}) || !slices.Equal(trashed, []string{"a1"}) {
				t.Errorf("alice's order after the migration: %q, the trashed task's key %q", got, trashed)
			}
			if got := order("bob"); !slices.Equal(got, []string{"bob's@a0"}) {
				t.Errorf("bob's order: %q", got)
			}
		})
	}
}
