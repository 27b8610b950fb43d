package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"taskapi/clock"
	"taskapi/clocktest"
	"taskapi/model/modeltest"
	"taskapi/webhook"
)

var ctx = context.Background()

// fixture is one database, a fake clock, a receiver and what a worker reports.
type fixture struct {
	db    *bun.DB
	clock *clocktest.Fake
	rc    *receiver
	reg   *prometheus.Registry
	logs  *logBuffer
}

func newFixture(t *testing.T, kind string, answer func(n int, r *http.Request) int) *fixture {
	t.Helper()
	f := &fixture{db: modeltest.MustOpenDB(t, kind), clock: clocktest.New(), reg: prometheus.NewRegistry(), logs: &logBuffer{}}
	f.rc = newReceiver(t, f.clock, answer)
	return f
}

// config is the webhook configuration pointing at the fixture's receiver.
func (f *fixture) config(t *testing.T, schedule ...time.Duration) webhook.Config {
	return webhook.Config{URL: f.rc.URL, Secret: mustSecret(t), RetrySchedule: schedule}
}

// worker returns a worker on the fake clock, the database's time following it too.
func (f *fixture) worker(o *webhook.Outbox, owner string) *webhook.Worker {
	return webhook.NewWorker(f.db, o, webhook.Options{
		Logger: newLogger(f.logs), Metrics: webhook.NewMetrics(f.reg), Clock: f.clock, DatabaseNow: f.clock.Now,
		Owner: owner,
	})
}

// idle waits for the worker to go to sleep with nothing due (its MaxIdle timer).
func (f *fixture) idle(t *testing.T) {
	t.Helper()
	f.clock.WaitForTimer(t, exactly(time.Hour))
}

type reminderData struct {
	UserID string `json:"userId"`
	TaskID string `json:"taskId"`
}

// TestFailsTwiceThenDelivers: a receiver that fails twice and then answers 2xx gets three attempts of one
// webhook, with one webhook-id, the same body, a fresh timestamp and a valid signature on each, spaced by the first
// two steps of the default schedule.
func TestFailsTwiceThenDelivers(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(n int, _ *http.Request) int { return []int{500, 503, 204}[min(n, 2)] })
			o := webhook.NewOutbox(f.config(t))
			start(t, f.worker(o, "a"))
			f.idle(t) // asleep with nothing to do: what wakes it below is the Notify

			id := enqueue(t, f.db, o, "user-1", webhook.ReminderDue, reminderData{UserID: "user-1", TaskID: "task-1"})
			if !strings.HasPrefix(id, "msg_") {
				t.Errorf("webhook-id %q does not start with msg_", id)
			}
			var hits []hit
			hits = append(hits, f.rc.next(t))
			for _, step := range []time.Duration{5 * time.Second, 5 * time.Minute} {
				d := f.clock.WaitForTimer(t, between(step, step+time.Second))
				f.rc.none(t)
				f.clock.Advance(d)
				hits = append(hits, f.rc.next(t))
			}
			f.idle(t)
			f.rc.none(t)

			var stamps []int64
			for i, h := range hits {
				if got := h.header.Get("webhook-id"); got != id {
					t.Errorf("attempt %d: webhook-id %q, want %q", i+1, got, id)
				}
				if err := referenceVerify(testSecret, h.header, h.body, h.at); err != nil {
					t.Errorf("attempt %d: signature: %v", i+1, err)
				}
				if string(h.body) != string(hits[0].body) {
					t.Errorf("attempt %d: body %s differs from the first %s", i+1, h.body, hits[0].body)
				}
				ts, _ := strconv.ParseInt(h.header.Get("webhook-timestamp"), 10, 64)
				if ts != h.at.Unix() {
					t.Errorf("attempt %d: webhook-timestamp %d, want the attempt's time %d", i+1, ts, h.at.Unix())
				}
				stamps = append(stamps, ts)
			}
			if gaps := []int64{stamps[1] - stamps[0], stamps[2] - stamps[1]}; !slices.Equal(gaps, []int64{5, 300}) {
				t.Errorf("seconds between attempts %v, want [5 300] (the default schedule)", gaps)
			}
			if hits[0].header.Get("webhook-signature") == hits[1].header.Get("webhook-signature") {
				t.Error("the signature was not made afresh for the retry")
			}
			var body struct {
				Type      string       `json:"type"`
				Timestamp string       `json:"timestamp"`
				Data      reminderData `json:"data"`
			}
			if err := json.Unmarshal(hits[0].body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Type != "reminder.due" || body.Timestamp != "2026-12-01T09:00:00.000Z" || body.Data.UserID != "user-1" || body.Data.TaskID != "task-1" {
				t.Errorf("body %s", hits[0].body)
			}
			if ct := hits[0].header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}

			r := readRow(t, f.db, id)
			if r.Status != "delivered" || r.Attempts != 3 || r.LeaseOwner != nil || r.LastError != nil || r.FinishedAt == nil {
				t.Errorf("row %+v, want delivered after 3 attempts, lease released", r)
			}
			for name, want := range map[string]float64{
				"taskapi_webhook_delivered_total": 1, "taskapi_webhook_failed_attempts_total": 2,
				"taskapi_webhook_retried_total": 2, "taskapi_webhook_given_up_total": 0,
				"taskapi_webhook_oldest_pending_age_seconds": 0,
			} {
				if got := metric(t, f.reg, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			if logs := f.logs.String(); strings.Count(logs, "webhook attempt failed; retrying") != 2 || !strings.Contains(logs, "HTTP 503") {
				t.Errorf("log does not show the two failed attempts:\n%s", logs)
			}
		})
	}
}

// TestNeverAnswersGivesUp: a receiver that never answers gets each attempt cut after 10 s, one attempt per step
// of the schedule and one more, and then the delivery is given up, logged at error level and counted.
func TestNeverAnswersGivesUp(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 0 })
			schedule := []time.Duration{5 * time.Second, time.Minute}
			o := webhook.NewOutbox(f.config(t, schedule...))
			start(t, f.worker(o, "a"))
			id := enqueue(t, f.db, o, "user-1", webhook.ReminderDue, reminderData{UserID: "user-1"})

			for attempt := range len(schedule) + 1 {
				h := f.rc.next(t)
				if h.header.Get("webhook-id") != id {
					t.Fatalf("attempt %d of another webhook", attempt+1)
				}
				// The request is in flight; only the 10 s timeout ends it.
				f.clock.WaitForTimer(t, exactly(webhook.DefaultTimeout))
				f.clock.Advance(webhook.DefaultTimeout)
				if attempt < len(schedule) {
					step := schedule[attempt]
					f.clock.Advance(f.clock.WaitForTimer(t, between(step, step+time.Second)))
				}
			}
			f.idle(t)
			f.rc.none(t)

			r := readRow(t, f.db, id)
			if r.Status != "failed" || r.Attempts != 3 || r.LastError == nil || *r.LastError != "no answer within 10s" || r.LeaseOwner != nil {
				t.Errorf("row %+v, want failed after 3 attempts with the timeout as last error", r)
			}
			for name, want := range map[string]float64{
				"taskapi_webhook_delivered_total": 0, "taskapi_webhook_failed_attempts_total": 3,
				"taskapi_webhook_retried_total": 2, "taskapi_webhook_given_up_total": 1,
			} {
				if got := metric(t, f.reg, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "level=ERROR msg=\"webhook given up after the last retry\" webhookId="+id) {
				t.Errorf("the log does not say that %s was given up:\n%s", id, logs)
			}
			if strings.Contains(logs, f.rc.URL) {
				t.Errorf("the log repeats WEBHOOK_URL:\n%s", logs)
			}
		})
	}
}

// TestRedirectIsNotFollowed: a redirect is a failed attempt; the signed body goes nowhere else.
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			elsewhere := 0
			var mu sync.Mutex
			f := newFixture(t, kind, func(n int, r *http.Request) int {
				if r.URL.Path == "/elsewhere" {
					mu.Lock()
					elsewhere++
					mu.Unlock()
					return 200
				}
				return []int{307, 302, 200}[min(n, 2)]
			})
			o := webhook.NewOutbox(f.config(t, 5*time.Second, 5*time.Second))
			start(t, f.worker(o, "a"))
			id := enqueue(t, f.db, o, "user-1", webhook.ReminderDue, reminderData{UserID: "user-1"})
			f.rc.next(t)
			f.clock.Advance(f.clock.WaitForTimer(t, between(5*time.Second, 6*time.Second)))
			f.rc.next(t)
			f.clock.WaitForTimer(t, between(5*time.Second, 6*time.Second))
			f.rc.none(t)
			mu.Lock()
			defer mu.Unlock()
			if elsewhere != 0 {
				t.Errorf("the redirect was followed %d times", elsewhere)
			}
			r := readRow(t, f.db, id)
			if r.Status != "pending" || r.Attempts != 2 || r.LastError == nil || !strings.Contains(*r.LastError, "HTTP 302: a redirect") {
				t.Errorf("row %+v, want pending for a retry after two redirects", r)
			}
			if got := metric(t, f.reg, "taskapi_webhook_failed_attempts_total"); got != 2 {
				t.Errorf("failed attempts = %v, want 2", got)
			}
		})
	}
}

// TestLeaseTakeover: an instance that claimed a delivery and crashed holds it until its lease expires; then
// another instance delivers it, and the crashed one can no longer record an outcome for it.
func TestLeaseTakeover(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 200 })
			cfg := f.config(t)
			crashed := f.worker(webhook.NewOutbox(cfg), "crashed")
			id := enqueue(t, f.db, webhook.NewOutbox(cfg), "user-1", webhook.ReminderDue, reminderData{UserID: "user-1"})
			if ids, err := crashed.Claim(ctx); err != nil || !slices.Equal(ids, []string{id}) {
				t.Fatalf("claim = %q, %v; want [%s]", ids, err, id)
			}

			survivor := webhook.NewWorker(f.db, webhook.NewOutbox(cfg), webhook.Options{
				Logger: newLogger(f.logs), Clock: f.clock, DatabaseNow: f.clock.Now, Owner: "survivor",
			})
			start(t, survivor)
			// It finds the delivery leased and sleeps until the lease (a minute) ends.
			d := f.clock.WaitForTimer(t, between(time.Minute, time.Minute+time.Second))
			f.rc.none(t)
			f.clock.Advance(d - 2*time.Second)
			f.rc.none(t)
			f.clock.Advance(2 * time.Second)
			h := f.rc.next(t)
			if h.header.Get("webhook-id") != id {
				t.Errorf("delivered %q, want %q", h.header.Get("webhook-id"), id)
			}
			f.clock.WaitForTimer(t, exactly(time.Hour))
			r := readRow(t, f.db, id)
			if r.Status != "delivered" || r.Attempts != 2 || r.LeaseOwner != nil {
				t.Errorf("row %+v, want delivered at the second attempt", r)
			}
			if ids, err := crashed.Claim(ctx); err != nil || len(ids) != 0 {
				t.Errorf("the crashed instance claims %q, %v after the delivery", ids, err)
			}
		})
	}
}

// TestClaimsAreDisjoint: workers claiming at once, as instances do, never get the same delivery.
func TestClaimsAreDisjoint(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 200 })
			cfg := f.config(t)
			o := webhook.NewOutbox(cfg)
			const n = 300
			err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				for i := range n {
					if _, err := o.Enqueue(ctx, tx, "user-"+strconv.Itoa(i%7), webhook.ReminderDue, time.Now(), i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			const workers = 6
			claimed := make([][]string, workers)
			var wg sync.WaitGroup
			for i := range workers {
				w := webhook.NewWorker(f.db, webhook.NewOutbox(cfg), webhook.Options{Clock: f.clock, DatabaseNow: f.clock.Now, Owner: "w" + strconv.Itoa(i), Batch: 7})
				wg.Go(func() {
					for {
						ids, err := w.Claim(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						if len(ids) == 0 {
							return
						}
						claimed[i] = append(claimed[i], ids...)
					}
				})
			}
			wg.Wait()
			seen := map[string]int{}
			for _, ids := range claimed {
				for _, id := range ids {
					seen[id]++
				}
			}
			if len(seen) != n {
				t.Errorf("%d deliveries claimed, want %d", len(seen), n)
			}
			for id, times := range seen {
				if times != 1 {
					t.Errorf("%s claimed %d times", id, times)
				}
			}
		})
	}
}

// TestTheDatabaseClock: with the real clocks, the worker's statements read the database's time (PostgreSQL's
// timestamptz arithmetic, SQLite's strftime text) and a retry one second later is delivered.
func TestTheDatabaseClock(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			rc := newReceiver(t, clock.System{}, func(n int, _ *http.Request) int { return []int{500, 200}[min(n, 1)] })
			o := webhook.NewOutbox(webhook.Config{URL: rc.URL, Secret: mustSecret(t), RetrySchedule: []time.Duration{time.Second}})
			start(t, webhook.NewWorker(db, o, webhook.Options{}))
			id := enqueue(t, db, o, "user-1", webhook.ReminderDue, reminderData{UserID: "user-1"})
			first, second := rc.next(t), rc.next(t)
			if first.header.Get("webhook-id") != id || second.header.Get("webhook-id") != id {
				t.Fatal("the attempts are not of the queued webhook")
			}
			if second.at.Sub(first.at) < time.Second {
				t.Errorf("the retry came %s after the first attempt, before the schedule's 1s", second.at.Sub(first.at))
			}
			for start := time.Now(); readRow(t, db, id).Status != "delivered"; time.Sleep(20 * time.Millisecond) {
				if time.Since(start) > time.Minute {
					t.Fatalf("not recorded as delivered: %+v", readRow(t, db, id))
				}
			}
		})
	}
}

// TestEnqueueFollowsTheTransaction: a webhook is queued with its change or not at all, carries its own user's
// data and id, and only the configured event types are queued.
func TestEnqueueFollowsTheTransaction(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 200 })
			cfg := f.config(t)
			cfg.Events = []webhook.EventType{webhook.ReminderDue, webhook.TaskDeleted}
			o := webhook.NewOutbox(cfg)

			rolledBack := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				if _, err := o.Enqueue(ctx, tx, "user-b", webhook.ReminderDue, time.Now(), reminderData{UserID: "user-b"}); err != nil {
					return err
				}
				return context.Canceled // the change fails
			})
			if rolledBack != context.Canceled {
				t.Fatal(rolledBack)
			}
			if id, err := o.Enqueue(ctx, f.db, "user-b", webhook.TaskCreated, time.Now(), reminderData{UserID: "user-b"}); err != nil || id != "" {
				t.Errorf("task.created, not configured, was queued: %q, %v", id, err)
			}
			if id, err := webhook.NewOutbox(webhook.Config{}).Enqueue(ctx, f.db, "user-b", webhook.ReminderDue, time.Now(), nil); err != nil || id != "" {
				t.Errorf("queued with webhooks off: %q, %v", id, err)
			}
			if _, err := o.Enqueue(ctx, f.db, "", webhook.ReminderDue, time.Now(), nil); err == nil {
				t.Error("queued without a user id")
			}
			a := enqueue(t, f.db, o, "user-a", webhook.TaskDeleted, reminderData{UserID: "user-a", TaskID: "t-a"})
			start(t, f.worker(o, "w"))
			h := f.rc.next(t)
			f.idle(t)
			f.rc.none(t)
			if h.header.Get("webhook-id") != a || !strings.Contains(string(h.body), `"userId":"user-a"`) || !strings.Contains(string(h.body), `"type":"task.deleted"`) {
				t.Errorf("delivered %s %s, want user-a's task.deleted", h.header.Get("webhook-id"), h.body)
			}
			var count int
			if err := f.db.NewSelect().Table("webhook_deliveries").ColumnExpr("count(*)").Scan(inspect, &count); err != nil || count != 1 {
				t.Errorf("%d rows in the outbox (%v), want user-a's only", count, err)
			}
			if r := readRow(t, f.db, a); r.UserID != "user-a" || r.Type != "task.deleted" {
				t.Errorf("row %+v", r)
			}
		})
	}
}

// TestPruneFinished: delivered webhooks stay in the outbox for a week, then go.
func TestPruneFinished(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 200 })
			o := webhook.NewOutbox(f.config(t))
			start(t, f.worker(o, "w"))
			old := enqueue(t, f.db, o, "user-1", webhook.ReminderDue, nil)
			f.rc.next(t)
			f.idle(t)
			f.clock.Advance(6 * 24 * time.Hour)
			recent := enqueue(t, f.db, o, "user-1", webhook.ReminderDue, nil)
			f.rc.next(t)
			f.idle(t)
			readRow(t, f.db, old) // six days old: kept
			f.clock.Advance(2 * 24 * time.Hour)
			f.idle(t)
			var ids []string
			if err := f.db.NewSelect().Table("webhook_deliveries").Column("id").Scan(inspect, &ids); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, []string{recent}) {
				t.Errorf("outbox holds %q, want only the two-day-old %s", ids, recent)
			}
		})
	}
}
