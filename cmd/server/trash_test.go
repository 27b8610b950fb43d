package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"taskapi/clocktest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// TestTrashPurgeLoop runs two purge loops over one database, as two instances would, on a fake clock: a round
// purges only what has been in the trash longer than TRASH_RETENTION; the two loops, woken at the same moment and
// purging in batches, purge every expired task once between them (the counts they report add up to the number of
// tasks, as they could not if a task were deleted twice), leave live tasks alone, and say so in
// taskapi_trash_purged_total and the log.
func TestTrashPurgeLoop(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			clk := clocktest.New()
			store := model.NewStore(modeltest.MustOpenDB(t, kind)).WithClock(clk.Now)
			trash := func(user string) {
				t.Helper()
				task, err := store.CreateTask(ctx, user, model.CreateTaskInput{Title: "gone"})
				if err != nil {
					t.Fatal(err)
				}
				if err := store.DeleteTask(ctx, user, task.ID); err != nil {
					t.Fatal(err)
				}
			}
			const early = 25
			for i := range early {
				trash([]string{"alice", "bob", "carol"}[i%3])
			}
			clk.Advance(30 * time.Minute)
			trash("alice") // 30 minutes after the others
			live, err := store.CreateTask(ctx, "alice", model.CreateTaskInput{Title: "kept"})
			if err != nil {
				t.Fatal(err)
			}

			reg := prometheus.NewRegistry()
			metrics := newTrashMetrics(reg)
			var logs syncBuffer
			rounds := make(chan int, 8)
			runCtx, stop := context.WithCancel(ctx)
			var wg sync.WaitGroup
			defer func() { stop(); wg.Wait() }()
			for range 2 {
				p := trashPurger{store: store, clock: clk, retention: time.Hour, batch: 4,
					logger: slog.New(slog.NewTextHandler(&logs, nil)), metrics: metrics, afterRound: func(n int) { rounds <- n }}
				wg.Go(func() { p.run(runCtx) })
			}
			// round waits for one round of each loop and returns what they purged between them.
			round := func() int {
				t.Helper()
				sum := 0
				for range 2 {
					select {
					case n := <-rounds:
						sum += n
					case <-time.After(time.Minute):
						t.Fatal("a purge loop did not finish its round within a minute")
					}
				}
				return sum
			}
			asleep := func(d time.Duration) bool { return d == 6*time.Minute } // a tenth of the retention
			purged := func() float64 {
				t.Helper()
				families, err := reg.Gather()
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range families {
					if f.GetName() == "taskapi_trash_purged_total" {
						return f.GetMetric()[0].GetCounter().GetValue()
					}
				}
				t.Fatal("no taskapi_trash_purged_total")
				return 0
			}

			// At once: nothing has been in the trash for an hour.
			if n := round(); n != 0 {
				t.Fatalf("the first rounds purged %d", n)
			}
			clk.WaitForTimers(t, 2, asleep)
			// 66 minutes after the first deletions, both loops wake together: the 25 go, once each.
			clk.Advance(36 * time.Minute)
			if n := round(); n != early {
				t.Errorf("the loops purged %d between them, want %d", n, early)
			}
			if got := purged(); got != early {
				t.Errorf("taskapi_trash_purged_total = %v, want %d", got, early)
			}
			if page, err := store.Trash(ctx, "alice", nil, nil, nil); err != nil || len(page.Edges) != 1 {
				t.Errorf("alice's trash after the purge: %+v, %v", page, err)
			}
			clk.WaitForTimers(t, 2, asleep)
			clk.Advance(30 * time.Minute)
			if n := round(); n != 1 {
				t.Errorf("the next rounds purged %d, want the later task", n)
			}
			if got := purged(); got != early+1 {
				t.Errorf("taskapi_trash_purged_total = %v, want %d", got, early+1)
			}
			if _, err := store.Task(ctx, "alice", live.ID); err != nil {
				t.Errorf("the live task: %v", err)
			}
			if out := logs.String(); !strings.Contains(out, "trash: purged expired tasks") || !strings.Contains(out, "retention=1h0m0s") {
				t.Errorf("log:\n%s", out)
			}
		})
	}
}
