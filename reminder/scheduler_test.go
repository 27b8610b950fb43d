package reminder_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/clocktest"
	"taskapi/model"
	"taskapi/model/modeltest"
	"taskapi/ordkey"
	"taskapi/reminder"
	"taskapi/webhook"
)

var ctx = context.Background()

// outbox queues reminder.due webhooks (no worker sends them here; the rows are what the tests count). Its default
// bound on a user's pending webhooks is above what any test queues for one user (seed spreads its reminders over a
// hundred users), none of which is delivered: each must queue its webhook.
func outbox(t *testing.T) *webhook.Outbox {
	t.Helper()
	secret, err := webhook.ParseSecret("whsec_cmVtaW5kZXItdGVzdHMtc2lnbmluZy1zZWNyZXQtMzI=")
	if err != nil {
		t.Fatal(err)
	}
	return webhook.NewOutbox(webhook.Config{URL: "http://127.0.0.1:1/unused", Secret: secret})
}

// render is the test's webhook data: enough to tell which reminder a delivery is for.
func render(userID string, task *model.Task, r *model.Reminder) any {
	return map[string]string{"userId": userID, "taskId": task.ID.String(), "reminderId": r.ID.String()}
}

// reminderWebhooks is the tests' event sink: it queues the reminder.due webhook of each REMINDER_DUE change, as the
// server's sink does, with the test's data.
type reminderWebhooks struct{ outbox *webhook.Outbox }

func (w reminderWebhooks) Recorded(ctx context.Context, tx bun.IDB, changes []model.Change) error {
	for _, c := range changes {
		if c.Kind != model.TaskEventReminderDue {
			continue
		}
		if _, err := w.outbox.Enqueue(ctx, tx, c.UserID, webhook.ReminderDue, c.At, render(c.UserID, c.Task, c.Reminder)); err != nil {
			return err
		}
	}
	return nil
}

func (w reminderWebhooks) Committed() { w.outbox.Notify() }

// newScheduler returns a scheduler over db whose firings queue their webhooks in o.
func newScheduler(db *bun.DB, o *webhook.Outbox, opts reminder.Options) *reminder.Scheduler {
	return reminder.New(model.NewStore(db).WithEventSink(reminderWebhooks{o}), opts)
}

// recorder collects what schedulers report as fired.
type recorder struct {
	mu    sync.Mutex
	fired map[uuid.UUID]int
	total int
	more  chan struct{} // closed and replaced on every report
}

func newRecorder() *recorder {
	return &recorder{fired: map[uuid.UUID]int{}, more: make(chan struct{})}
}

func (r *recorder) record(fs []model.FiredReminder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range fs {
		r.fired[f.Reminder.ID]++
		r.total++
	}
	close(r.more)
	r.more = make(chan struct{})
}

// waitFor waits until n reminders have been reported fired.
func (r *recorder) waitFor(t *testing.T, n int) {
	t.Helper()
	// A stall detector, not a time limit: the run fails only when no reminder fires for two minutes, however long
	// a busy machine takes to fire them all.
	stalled := time.NewTimer(2 * time.Minute)
	defer stalled.Stop()
	for {
		r.mu.Lock()
		total, more := r.total, r.more
		r.mu.Unlock()
		if total >= n {
			return
		}
		select {
		case <-more:
			stalled.Reset(2 * time.Minute)
		case <-stalled.C:
			t.Fatalf("no reminder fired for two minutes after %d, want %d", total, n)
		}
	}
}

// seed writes tasks of a few users, each with five fixed reminders, n reminders in all: half of them due at due1,
// the other half at due2.
func seed(t *testing.T, db *bun.DB, n int, due1, due2 time.Time) {
	t.Helper()
	tasks := make([]*model.Task, 0, n/5)
	rs := make([]*model.Reminder, 0, n)
	keys := ordkey.Sequence(n / 5) // distinct keys, so distinct in each list too
	for i := range n / 5 {
		task := &model.Task{ID: uuid.Must(uuid.NewV7()), CreatedBy: "user-" + strconv.Itoa(i%100), ListID: model.InboxID("user-" + strconv.Itoa(i%100)), Title: "t", TitleFold: "t",
			Tags: model.Tags{}, CreatedAt: due1, UpdatedAt: due1, Position: keys[i]}
		tasks = append(tasks, task)
		for j := range 5 {
			at := due1
			if (i*5+j)%2 == 1 {
				at = due2
			}
			rs = append(rs, &model.Reminder{ID: uuid.Must(uuid.NewV7()), UserID: task.CreatedBy, TaskID: task.ID, RemindAt: at, CreatedAt: due1})
		}
	}
	for i := 0; i < len(tasks); i += 500 {
		chunk := tasks[i:min(i+500, len(tasks))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < len(rs); i += 1000 {
		chunk := rs[i:min(i+1000, len(rs))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// pools returns n connection pools to the database of db: the same database seen by n instances. On SQLite, the
// embedded database of one process, it is db itself n times.
func pools(t *testing.T, kind string, db *bun.DB, n int) []*bun.DB {
	t.Helper()
	out := make([]*bun.DB, n)
	if kind == modeltest.SQLite {
		for i := range out {
			out[i] = db
		}
		return out
	}
	var name string
	if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(modeltest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	for i := range out {
		p, err := model.OpenDB(ctx, model.DBConfig{URL: u.String(), MaxOpenConns: 3})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = p
	}
	// Closed before the database is dropped: cleanups run last first.
	t.Cleanup(func() {
		for _, p := range out {
			_ = p.Close()
		}
	})
	return out
}

// runAll starts a scheduler on each pool and returns a function that stops them all and waits.
func runAll(pools []*bun.DB, o *webhook.Outbox, clock *clocktest.Fake, rec *recorder) (stop func()) {
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, p := range pools {
		s := newScheduler(p, o, reminder.Options{Clock: clock, DatabaseNow: clock.Now, Fired: rec.record})
		wg.Go(func() { s.Run(runCtx) })
	}
	return func() { cancel(); wg.Wait() }
}

// TestExactlyOnce: eight schedulers (each its own connection pool, as eight instances are) over one database with
// 10,000 due reminders fire each exactly once and queue one webhook for each; then, after all of them have stopped
// and the other reminders came due while nothing ran, eight new ones fire those, each once too.
func TestExactlyOnce(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			const n = 10000
			db := modeltest.MustOpenDB(t, kind)
			clock := clocktest.New()
			t0 := clock.Now()
			seed(t, db, n, t0.Add(-time.Minute), t0.Add(time.Hour))
			o := outbox(t)
			rec := newRecorder()

			stop := runAll(pools(t, kind, db, 8), o, clock, rec)
			rec.waitFor(t, n/2)
			stop()

			clock.Advance(2 * time.Hour) // the rest came due while no instance ran
			stop = runAll(pools(t, kind, db, 8), o, clock, rec)
			rec.waitFor(t, n)
			stop()

			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.total != n || len(rec.fired) != n {
				t.Errorf("%d firings of %d reminders, want %d of %d", rec.total, len(rec.fired), n, n)
			}
			for id, times := range rec.fired {
				if times != 1 {
					t.Errorf("reminder %s fired %d times", id, times)
				}
			}
			var unfired int
			if err := db.NewSelect().Model((*model.Reminder)(nil)).Where("r.fired_at IS NULL").ColumnExpr("count(*)").Scan(model.AcrossUsers(ctx), &unfired); err != nil || unfired != 0 {
				t.Errorf("%d reminders not marked fired (%v)", unfired, err)
			}
			var bodies []string
			if err := db.NewSelect().Table("webhook_deliveries").Column("body").Scan(model.AcrossUsers(ctx), &bodies); err != nil {
				t.Fatal(err)
			}
			perReminder := map[string]int{}
			for _, b := range bodies {
				var body struct {
					Type string            `json:"type"`
					Data map[string]string `json:"data"`
				}
				if err := json.Unmarshal([]byte(b), &body); err != nil || body.Type != "reminder.due" {
					t.Fatalf("body %s: %v", b, err)
				}
				perReminder[body.Data["reminderId"]]++
			}
			if len(bodies) != n || len(perReminder) != n {
				t.Errorf("%d webhooks for %d reminders, want one for each of %d", len(bodies), len(perReminder), n)
			}
			var events int
			if err := db.NewSelect().Table("task_events").Where("kind = ?", model.TaskEventReminderDue).ColumnExpr("count(*)").
				Scan(model.AcrossUsers(ctx), &events); err != nil || events != n {
				t.Errorf("%d REMINDER_DUE events (%v), want %d", events, err, n)
			}
		})
	}
}

// timing is one database, a fake clock that the scheduler waits with and the database's time follows, a store on
// the same clock that tells the scheduler when reminders change, and what fired.
type timing struct {
	db    *bun.DB
	clock *clocktest.Fake
	store *model.Store
	rec   *recorder
}

func newTiming(t *testing.T, kind string) *timing {
	t.Helper()
	tm := &timing{db: modeltest.MustOpenDB(t, kind), clock: clocktest.New(), rec: newRecorder()}
	store := model.NewStore(tm.db).WithClock(tm.clock.Now).WithEventSink(reminderWebhooks{outbox(t)})
	s := reminder.New(store, reminder.Options{Clock: tm.clock, DatabaseNow: tm.clock.Now, Fired: tm.rec.record})
	tm.store = store.WithReminderSignal(s.Notify)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	return tm
}

// sleeping waits until the scheduler sleeps for about d (to within a second after it), and returns how long.
func (tm *timing) sleeping(t *testing.T, d time.Duration) time.Duration {
	t.Helper()
	return tm.clock.WaitForTimer(t, func(got time.Duration) bool { return got >= d && got < d+time.Second })
}

func (tm *timing) firedCount() int {
	tm.rec.mu.Lock()
	defer tm.rec.mu.Unlock()
	return tm.rec.total
}

func TestTiming(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			t.Run("FiresAtItsTime", func(t *testing.T) {
				tm := newTiming(t, kind)
				tm.sleeping(t, time.Hour) // nothing to do yet
				at := tm.clock.Now().Add(10 * time.Minute)
				task, err := tm.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t", Reminders: []model.ReminderInput{{At: &at}}})
				if err != nil {
					t.Fatal(err)
				}
				d := tm.sleeping(t, 10*time.Minute) // woken by the write, now asleep until the reminder
				tm.clock.Advance(d - time.Second)   // the scheduler sleeps on
				if n := tm.firedCount(); n != 0 {
					t.Fatalf("%d fired a second early", n)
				}
				tm.clock.Advance(time.Second)
				tm.rec.waitFor(t, 1)
				rs, err := tm.store.Reminders(ctx, "u", []uuid.UUID{task.ID})
				if err != nil || rs[0][0].FiredAt == nil || rs[0][0].FiredAt.Before(at) {
					t.Fatalf("reminder %+v, %v: want fired at or after %v", rs[0][0], err, at)
				}
				// In the owner's feed, after the CREATED event: REMINDER_DUE with the task and the reminder as it fired.
				page, err := tm.store.TaskEvents(ctx, "u", model.EventCursor("u", 0), 10)
				if err != nil || len(page.Events) != 2 {
					t.Fatalf("feed %+v, %v", page, err)
				}
				ev := page.Events[1]
				var fired model.Reminder
				if ev.Kind != model.TaskEventReminderDue || ev.Task == nil || ev.Task.ID != task.ID || len(ev.Task.Reminders) != 1 ||
					json.Unmarshal(ev.Reminder, &fired) != nil || fired.ID != rs[0][0].ID || fired.FiredAt == nil ||
					!fired.FiredAt.Equal(*rs[0][0].FiredAt) || !ev.At.Equal(*fired.FiredAt) {
					t.Errorf("event %+v with reminder %s", ev, ev.Reminder)
				}
			})
			t.Run("MovedDueDateMovesIt", func(t *testing.T) {
				tm := newTiming(t, kind)
				due := tm.clock.Now().Add(40 * time.Minute)
				task, err := tm.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t", DueAt: &due,
					Reminders: []model.ReminderInput{{MinutesBefore: ptr(30)}}})
				if err != nil {
					t.Fatal(err)
				}
				tm.sleeping(t, 10*time.Minute)
				if _, _, err := tm.store.UpdateTask(ctx, "u", task.ID, model.TaskPatch{DueAt: model.Some(due.Add(20 * time.Minute))}); err != nil {
					t.Fatal(err)
				}
				d := tm.sleeping(t, 30*time.Minute) // woken by the move, asleep until the new time
				tm.clock.Advance(10 * time.Minute)  // the old time: the scheduler sleeps on
				if n := tm.firedCount(); n != 0 {
					t.Fatalf("%d fired at the old time", n)
				}
				tm.clock.Advance(d - 10*time.Minute)
				tm.rec.waitFor(t, 1)
			})
			t.Run("CompletedTaskNeverFires", func(t *testing.T) {
				tm := newTiming(t, kind)
				at := tm.clock.Now().Add(5 * time.Minute)
				task, err := tm.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t", Reminders: []model.ReminderInput{{At: &at}}})
				if err != nil {
					t.Fatal(err)
				}
				tm.sleeping(t, 5*time.Minute)
				if _, _, err := tm.store.SetTaskCompleted(ctx, "u", task.ID, true); err != nil {
					t.Fatal(err)
				}
				tm.clock.Advance(10 * time.Minute)
				tm.sleeping(t, time.Hour) // nothing left to fire: idle
				if n := tm.firedCount(); n != 0 {
					t.Errorf("%d fired for a completed task", n)
				}
			})
			t.Run("PassedTimeFiresAtOnce", func(t *testing.T) {
				tm := newTiming(t, kind)
				tm.sleeping(t, time.Hour)
				past := tm.clock.Now().Add(-time.Hour)
				if _, err := tm.store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t", Reminders: []model.ReminderInput{{At: &past}}}); err != nil {
					t.Fatal(err)
				}
				tm.rec.waitFor(t, 1) // without the clock moving
			})
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMoveWhileFiring: due dates moved (staying in the past) while the scheduler fires their reminders neither
// lose a firing nor make one fire twice: the update locks the task's reminders, so it reads the firing's firedAt
// or the scheduler skips the reminder until the update has committed.
func TestMoveWhileFiring(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			clock := clocktest.New()
			store := model.NewStore(db).WithClock(clock.Now)
			const n = 60
			due := clock.Now().Add(-time.Hour)
			ids := make([]uuid.UUID, n)
			for i := range ids {
				task, err := store.CreateTask(ctx, "u", model.CreateTaskInput{Title: "t", DueAt: &due,
					Reminders: []model.ReminderInput{{MinutesBefore: ptr(10)}}})
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = task.ID
			}
			rec := newRecorder()
			s := newScheduler(db, outbox(t), reminder.Options{Clock: clock, DatabaseNow: clock.Now, Fired: rec.record, Batch: 3})
			var wg sync.WaitGroup
			wg.Go(func() {
				for rec.total < n {
					if _, err := s.FireDue(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			})
			wg.Go(func() {
				for i, id := range ids {
					moved := due.Add(time.Duration(i+1) * time.Second) // still in the past: stays fired once fired
					if _, _, err := store.UpdateTask(ctx, "u", id, model.TaskPatch{DueAt: model.Some(moved)}); err != nil {
						t.Error(err)
					}
				}
			})
			wg.Wait()
			if extra, err := s.FireDue(ctx); err != nil || extra != 0 {
				t.Errorf("fired %d more afterwards (%v)", extra, err)
			}
			if len(rec.fired) != n {
				t.Errorf("%d reminders fired, want %d", len(rec.fired), n)
			}
			for id, times := range rec.fired {
				if times != 1 {
					t.Errorf("reminder %s fired %d times", id, times)
				}
			}
		})
	}
}
