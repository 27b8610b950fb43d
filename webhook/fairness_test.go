package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// TestDeliveriesAreFairAcrossUsers: user A queues 500 webhooks in one request, user B one right after; B's is sent
// in the worker's first claim, among the first deliveries, not after A's 500.
func TestDeliveriesAreFairAcrossUsers(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 204 })
			o := webhook.NewOutbox(f.config(t))
			const burst, batch = 500, 16
			err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				for i := range burst {
					if _, err := o.Enqueue(ctx, tx, "user-a", webhook.ReminderDue, time.Now(), reminderData{UserID: "user-a", TaskID: strconv.Itoa(i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			enqueue(t, f.db, o, "user-b", webhook.ReminderDue, reminderData{UserID: "user-b", TaskID: "b"})

			start(t, webhook.NewWorker(f.db, o, webhook.Options{
				Logger: newLogger(f.logs), Clock: f.clock, DatabaseNow: f.clock.Now, Owner: "w", Batch: batch,
			}))
			for i := 0; ; i++ {
				var d reminderData
				if err := json.Unmarshal(f.rc.next(t).body, &struct{ Data *reminderData }{&d}); err != nil {
					t.Fatal(err)
				}
				if d.UserID == "user-b" {
					if i >= batch {
						t.Errorf("user B's webhook was delivery %d, after %d of user A's; want it in the first claim (%d)", i+1, i, batch)
					}
					return
				}
				if i > burst {
					t.Fatal("user B's webhook was never delivered")
				}
			}
		})
	}
}

// TestPendingDeliveriesAreBoundedPerUser: past MaxPendingPerUser pending deliveries, a user's new webhooks are
// dropped and counted, without failing the change that queued them; other users are not affected, and once the
// user's deliveries go out, their webhooks are queued again.
func TestPendingDeliveriesAreBoundedPerUser(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, kind, func(int, *http.Request) int { return 204 })
			cfg := f.config(t)
			cfg.MaxPendingPerUser = 3
			o := webhook.NewOutbox(cfg)
			metrics := webhook.NewMetrics(f.reg)
			o.SetMetrics(metrics)
			var queued int
			for i := range 5 {
				if id := enqueue(t, f.db, o, "user-a", webhook.ReminderDue, i); id != "" {
					queued++
				}
			}
			if queued != 3 {
				t.Errorf("%d of user A's 5 webhooks queued, want 3", queued)
			}
			if got := metric(t, f.reg, "taskapi_webhook_dropped_total"); got != 2 {
				t.Errorf("taskapi_webhook_dropped_total = %v, want 2", got)
			}
			if id := enqueue(t, f.db, o, "user-b", webhook.ReminderDue, 0); id == "" {
				t.Error("user B's webhook was dropped for user A's backlog")
			}

			start(t, webhook.NewWorker(f.db, o, webhook.Options{
				Logger: newLogger(f.logs), Metrics: metrics, Clock: f.clock, DatabaseNow: f.clock.Now, Owner: "w",
			}))
			for range 4 {
				f.rc.next(t)
			}
			f.idle(t) // every delivery recorded, nothing pending
			if id := enqueue(t, f.db, o, "user-a", webhook.ReminderDue, 5); id == "" {
				t.Error("user A's webhook was dropped after the backlog was delivered")
			}
		})
	}
}
