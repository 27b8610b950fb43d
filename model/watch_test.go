package model_test

import (
	"slices"
	"testing"
	"time"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// TestWatchFeedsNamesMovedUsers: a watch learns whose feeds a write moved (on PostgreSQL from the notification's
// payload, on SQLite from the process's signal), so that a watcher reads only those users' heads.
func TestWatchFeedsNamesMovedUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		w, err := e.store.WatchFeeds(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if e.kind == modeltest.Postgres {
			deadline := time.Now().Add(30 * time.Second)
			for {
				var n int
				if err := e.db.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`).
					Scan(ctx, &n); err == nil && n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the watch does not LISTEN")
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		e.create(t, "alice", model.CreateTaskInput{Title: "t"})
		select {
		case <-w.C():
		case <-time.After(30 * time.Second):
			t.Fatal("no cue for the write")
		}
		if users, all := w.Moved(); all || !slices.Equal(users, []string{"alice"}) {
			t.Errorf("Moved = %q, all %v; want alice", users, all)
		}
	})
}
