package model_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin, as the server resolves it

	"github.com/google/uuid"

	"taskapi/model"
	"taskapi/model/modeltest"
	"taskapi/ordkey"
)

// The store's hot queries, the ones every dashboard makes, on each database modeltest offers. Each benchmark seeds
// a fresh database once (b.Loop runs the function body once per -count): benchTasks tasks for the user measured
// and a few hundred for two others, so the user_id indexes have neighbours. Compare runs with benchstat (see
// bench/README.md).

const benchTasks = 1000

var benchTags = []string{"work", "home", "urgent", "errand", "later", "reading", "health", "finance"}

// benchStore returns a store over a fresh database of kind, seeded through CreateTask, and the user to measure.
func benchStore(b *testing.B, kind string) (*model.Store, string) {
	b.Helper()
	db := modeltest.MustOpenBenchDB(b, kind)
	store := model.NewStore(db)
	const user = "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"
	seed := func(userID string, n int) {
		// Eight at a time: PostgreSQL commits in parallel; SQLite queues them on its one connection.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < n; i += 8 {
					in := model.CreateTaskInput{
						Title:    fmt.Sprintf("Task %d: review the Report", i),
						Priority: model.Priority(i % 3),
						Tags:     []string{benchTags[i%len(benchTags)], benchTags[(i/3)%len(benchTags)]},
					}
					if i%4 != 0 {
						desc := fmt.Sprintf("Details of task %d", i)
						in.Description = &desc
					}
					if i%4 != 1 {
						due := time.Now().Add(time.Duration(i%90-30) * 24 * time.Hour)
						in.DueAt = &due
					}
					task, err := store.CreateTask(context.Background(), userID, in)
					if err == nil && i%3 == 0 {
						_, _, err = store.SetTaskCompleted(context.Background(), userID, task.ID, true)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	seed(user, benchTasks)
	seed("other-user-1", 200)
	seed("other-user-2", 200)
	// The planner's statistics, as autovacuum keeps them in production: without them PostgreSQL guesses the
	// selectivity of every condition, and the plans measured would be no deployment's.
	if kind == "postgres" {
		if _, err := db.ExecContext(context.Background(), "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	return store, user
}

// benchEachDB runs fn as a sub-benchmark per database kind.
func benchEachDB(b *testing.B, fn func(b *testing.B, store *model.Store, user string)) {
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			store, user := benchStore(b, kind)
			b.ReportAllocs()
			fn(b, store, user)
		})
	}
}

// BenchmarkListTasksFirstPage is the dashboard's page: pending tasks tagged work, by due date, 20 of them, and
// their total count, as Query.tasks with totalCount asks the store.
func BenchmarkListTasksFirstPage(b *testing.B) {
	pending := model.TaskStatusFilterPending
	filter := model.TaskFilter{Status: &pending, Tags: []string{"work"}}
	order := model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc}
	first := 20
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		for b.Loop() {
			page, err := store.ListTasks(ctx, user, model.ListQuery{Filter: filter, Order: &order, First: &first})
			if err != nil || len(page.Edges) != first {
				b.Fatalf("ListTasks: %d edges, %v", len(page.Edges), err)
			}
			if _, err := store.CountTasks(ctx, user, filter); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStats(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		for b.Loop() {
			stats, err := store.Stats(ctx, user, berlin, nil)
			if err != nil || stats.Total != benchTasks {
				b.Fatalf("Stats: %+v, %v", stats, err)
			}
		}
	})
}

func BenchmarkTags(b *testing.B) {
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		for b.Loop() {
			tags, err := store.Tags(ctx, user, 10, nil)
			if err != nil || len(tags) == 0 {
				b.Fatalf("Tags: %v, %v", tags, err)
			}
		}
	})
}

func BenchmarkCreateTask(b *testing.B) {
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		due := time.Now().Add(48 * time.Hour)
		desc := "Created by the benchmark"
		in := model.CreateTaskInput{Title: "Write the report", Description: &desc, Priority: model.PriorityHigh,
			Tags: []string{"work", "bench"}, DueAt: &due}
		for b.Loop() {
			if _, err := store.CreateTask(ctx, user, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAppendEvent is what the feed adds to a mutation: one event, with its task's snapshot, appended inside a
// transaction of its own (the head row's upsert, the event's insert and, on PostgreSQL, the notification), to be read
// next to BenchmarkCreateTask, which pays it once.
func BenchmarkAppendEvent(b *testing.B) {
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			db := modeltest.MustOpenDB(b, kind)
			ctx := context.Background()
			desc := "Created by the benchmark"
			task := &model.Task{CreatedBy: "u", ListID: model.InboxID("u"), Title: "Write the report", Description: &desc, Priority: model.PriorityHigh,
				Tags: model.Tags{"work", "bench"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			b.ReportAllocs()
			for b.Loop() {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := model.AppendEvents(ctx, tx, "u", time.Now(), model.NewEvent{Kind: model.TaskEventUpdated, TaskID: task.ID, Task: task}); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeCursor is the cursor of one task of a DUE_AT list (its list's hash included, once per list in
// ListTasks and once per cursor here).
func BenchmarkEncodeCursor(b *testing.B) {
	due := time.Now()
	task := &model.Task{ID: uuid.New(), DueAt: &due}
	b.ReportAllocs()
	for b.Loop() {
		_ = model.EncodeCursor(task, model.TaskOrderFieldDueAt)
	}
}

// BenchmarkReadCacheMemory fills a read cache with every page of the user's list at several page sizes and reports
// the heap the kept pages take against the cache's estimate of it (heap-B/estimated-B): the bound READ_CACHE_BYTES
// is on the estimate, so a ratio above 1 would let the cache take more memory than it is given.
func BenchmarkReadCacheMemory(b *testing.B) {
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		order := model.TaskOrder{Field: model.TaskOrderFieldCreatedAt, Direction: model.OrderDirectionAsc}
		var ratio float64
		for b.Loop() {
			cache := model.NewReadCache(1 << 30)
			cached := store.WithReadCache(cache)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for _, size := range []int{10, 20, 25, 50, 100} {
				var after *string
				for {
					page, err := cached.ListTasks(ctx, user, model.ListQuery{Order: &order, First: &size, After: after, WithTotalCount: true})
					if err != nil {
						b.Fatal(err)
					}
					if !page.HasNextPage {
						break
					}
					after = &page.Edges[len(page.Edges)-1].Cursor
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			ratio = float64(after.HeapAlloc-before.HeapAlloc) / float64(cache.Stats().Bytes)
			runtime.KeepAlive(cache)
		}
		b.ReportMetric(ratio, "heap-B/estimated-B")
	})
}

// BenchmarkReadAfterWrite is a mutation followed by the refetch of the dashboard's page, through a store with a read
// cache (as the server runs): what a client pays when it writes and then reads what it shows.
func BenchmarkReadAfterWrite(b *testing.B) {
	pending := model.TaskStatusFilterPending
	q := model.ListQuery{
		Filter: model.TaskFilter{Status: &pending, Tags: []string{"work"}},
		Order:  &model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc},
		First:  ptr(20), WithTotalCount: true,
	}
	benchEachDB(b, func(b *testing.B, store *model.Store, user string) {
		ctx := context.Background()
		cached := store.WithReadCache(model.NewReadCache(8 << 20))
		page, err := cached.ListTasks(ctx, user, q)
		if err != nil || len(page.Edges) == 0 {
			b.Fatalf("ListTasks: %v", err)
		}
		id := page.Edges[0].Node.ID
		i := 0
		for b.Loop() {
			i++
			if _, _, err := cached.UpdateTask(ctx, user, id, model.TaskPatch{Title: model.Some(fmt.Sprint("Task renamed ", i))}); err != nil {
				b.Fatal(err)
			}
			if _, err := cached.ListTasks(ctx, user, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWriteFanout is a write (a task's rename) to a list of 1, 10 and 50 members: each member's feed gets the
// event in the write's transaction. It reports the statements per write (stmts/op), which must not grow with the
// members (TestWriteStatementsDoNotGrowWithMembers pins that), while the latency grows with the rows written.
func BenchmarkWriteFanout(b *testing.B) {
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			db := modeltest.MustOpenBenchDB(b, kind)
			store := model.NewStore(db)
			for _, members := range []int{1, 10, model.MaxListMembers} {
				b.Run(fmt.Sprint("members=", members), func(b *testing.B) {
					ctx := context.Background()
					owner := fmt.Sprint("owner-", members)
					list, err := store.CreateList(ctx, owner, model.CreateListInput{Name: "Groceries"})
					if err != nil {
						b.Fatal(err)
					}
					if members > 1 {
						rows := make([]seededMember, members-1)
						for i := range rows {
							rows[i] = seededMember{ListID: list.ID, UserID: fmt.Sprintf("member-%d-%d", members, i),
								Role: model.ListRoleEditor, JoinedAt: time.Now()}
						}
						if _, err := db.NewInsert().Model(&rows).Exec(model.AcrossUsers(ctx)); err != nil {
							b.Fatal(err)
						}
					}
					task, err := store.CreateTask(ctx, owner, model.CreateTaskInput{Title: "Milk", ListID: &list.ID})
					if err != nil {
						b.Fatal(err)
					}
					counter := &statementCounter{}
					counted := model.NewStore(db.WithQueryHook(counter))
					b.ReportAllocs()
					n := 0
					for b.Loop() {
						n++
						if _, _, err := counted.UpdateTask(ctx, owner, task.ID, model.TaskPatch{Title: model.Some(fmt.Sprint("Milk ", n))}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(counter.n)/float64(n), "stmts/op")
				})
			}
		})
	}
}

// BenchmarkDashboardLists is the dashboard's read (the first page of pending work tasks by due date, their count,
// the stats) for a user whose 1000 tasks are in their Inbox alone (lists=1), and for one whose tasks are spread
// over five lists, four of them other people's shared with the user (lists=5): what membership adds to the read.
func BenchmarkDashboardLists(b *testing.B) {
	pending := model.TaskStatusFilterPending
	filter := model.TaskFilter{Status: &pending, Tags: []string{"work"}}
	order := model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc}
	first := 20
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			db := modeltest.MustOpenBenchDB(b, kind)
			store := model.NewStore(db)
			ctx := context.Background()
			for _, lists := range []int{1, 5} {
				user := fmt.Sprint("reader-", lists)
				targets := []struct {
					owner string
					list  *uuid.UUID
				}{{owner: user}} // the Inbox
				for i := 1; i < lists; i++ {
					owner := fmt.Sprintf("sharer-%d-%d", lists, i)
					list, err := store.CreateList(ctx, owner, model.CreateListInput{Name: "Shared"})
					if err != nil {
						b.Fatal(err)
					}
					_, token, err := store.CreateListInvitation(ctx, owner, list.ID, model.ListRoleEditor, 60)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := store.AcceptListInvitation(ctx, user, token); err != nil {
						b.Fatal(err)
					}
					targets = append(targets, struct {
						owner string
						list  *uuid.UUID
					}{owner, &list.ID})
				}
				for i := range benchTasks {
					to := targets[i%len(targets)]
					in := model.CreateTaskInput{Title: fmt.Sprintf("Task %d: review the Report", i), ListID: to.list,
						Priority: model.Priority(i % 3),
						Tags:     []string{benchTags[i%len(benchTags)], benchTags[(i/3)%len(benchTags)]}}
					if i%4 != 1 {
						due := time.Now().Add(time.Duration(i%90-30) * 24 * time.Hour)
						in.DueAt = &due
					}
					if _, err := store.CreateTask(ctx, to.owner, in); err != nil {
						b.Fatal(err)
					}
				}
				if kind == modeltest.Postgres {
					// Fresh statistics, as autovacuum would have them on a server: without them the planner guesses.
					if _, err := db.ExecContext(model.AcrossUsers(ctx), "ANALYZE"); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(fmt.Sprint("lists=", lists), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := store.ListTasks(ctx, user, model.ListQuery{Filter: filter, Order: &order, First: &first})
						if err != nil || len(page.Edges) != first {
							b.Fatalf("ListTasks: %d edges, %v", len(page.Edges), err)
						}
						if _, err := store.CountTasks(ctx, user, filter); err != nil {
							b.Fatal(err)
						}
						if stats, err := store.Stats(ctx, user, time.UTC, nil); err != nil || stats.Total != benchTasks {
							b.Fatalf("Stats: %+v, %v", stats, err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkManualOrder is a list of 10,000 tasks in its manual order: a move (a random task put right after
// another random one; stmts/op is the statements of one move, which write the moved task alone), and the
// dashboard's read of the list (its first page of 20 and its count) by POSITION, beside the same read by
// CREATED_AT for comparison.
func BenchmarkManualOrder(b *testing.B) {
	const n = 10000
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			db := modeltest.MustOpenBenchDB(b, kind)
			ctx := context.Background()
			const owner = "orderer"
			list, err := model.NewStore(db).CreateList(ctx, owner, model.CreateListInput{Name: "Long"})
			if err != nil {
				b.Fatal(err)
			}
			keys := ordkey.Sequence(n)
			ids := make([]uuid.UUID, n)
			now := time.Now().UTC().Truncate(time.Millisecond)
			for start := 0; start < n; start += 1000 {
				var rows []*model.Task
				for i := start; i < start+1000; i++ {
					ids[i] = uuid.Must(uuid.NewV7())
					title := fmt.Sprintf("Task %d", i)
					rows = append(rows, &model.Task{ID: ids[i], ListID: list.ID, CreatedBy: owner, Title: title,
						TitleFold: model.Fold(title), Tags: model.Tags{}, CreatedAt: now.Add(time.Duration(i) * time.Millisecond),
						UpdatedAt: now, Version: 1, Position: keys[i]})
				}
				if _, err := db.NewInsert().Model(&rows).Exec(model.AcrossUsers(ctx)); err != nil {
					b.Fatal(err)
				}
			}
			if kind == modeltest.Postgres {
				if _, err := db.ExecContext(model.AcrossUsers(ctx), "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("move", func(b *testing.B) {
				counter := &statementCounter{}
				store := model.NewStore(db.WithQueryHook(counter))
				rng := rand.New(rand.NewPCG(1, 2))
				b.ReportAllocs()
				moves := 0
				for b.Loop() {
					task, anchor := ids[rng.IntN(n)], ids[rng.IntN(n)]
					if task == anchor {
						continue
					}
					moves++
					if _, err := store.MoveTask(ctx, owner, task, model.TaskMove{Place: model.Placement{After: model.Some(anchor)}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(counter.n)/float64(max(moves, 1)), "stmts/op")
			})
			store := model.NewStore(db)
			first := 20
			for _, field := range []model.TaskOrderField{model.TaskOrderFieldPosition, model.TaskOrderFieldCreatedAt} {
				b.Run("read-"+string(field), func(b *testing.B) {
					filter := model.TaskFilter{ListIDs: []uuid.UUID{list.ID}}
					order := model.TaskOrder{Field: field, Direction: model.OrderDirectionAsc}
					b.ReportAllocs()
					for b.Loop() {
						page, err := store.ListTasks(ctx, owner, model.ListQuery{Filter: filter, Order: &order, First: &first,
							WithTotalCount: true})
						if err != nil || len(page.Edges) != first || *page.TotalCount != n {
							b.Fatalf("ListTasks: %v", err)
						}
					}
				})
			}
		})
	}
}
