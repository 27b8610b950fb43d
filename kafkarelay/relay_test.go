package kafkarelay_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"taskapi/kafkarelay"
	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// queueMixed queues users × perUser events, each user's cycling through every kind.
func queueMixed(t *testing.T, f *fixture, users, perUser int) {
	t.Helper()
	for i := range perUser {
		for u := range users {
			f.enqueue(t, "user-"+strconv.Itoa(u), webhook.EventTypes[(i+u)%len(webhook.EventTypes)], i)
		}
	}
}

func TestRelay(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()

			t.Run("EveryKindOnceInOrderWithCloudEventsHeaders", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, kind)
				queueMixed(t, f, 5, 8)
				reg := prometheus.NewRegistry()
				opts := f.relayOptions("r1")
				opts.Metrics = kafkarelay.NewMetrics(reg)
				f.start(t, f.queue, opts)
				f.waitIdle(t)
				f.checkDelivered(t, f.consumeAll(t))
				if got := metric(t, reg, "taskapi_kafka_produced_total"); got != float64(len(f.sent)) {
					t.Errorf("produced_total %v, want %d", got, len(f.sent))
				}
				if got := metric(t, reg, "taskapi_kafka_oldest_queued_age_seconds"); got != 0 {
					t.Errorf("oldest_queued_age_seconds %v with nothing queued", got)
				}
			})

			t.Run("RetriesOfOneRecordMakeNoDuplicate", func(t *testing.T) {
				t.Parallel()
				// The broker appends each of the first produce requests and then answers that it timed out: the
				// client sends the same records again, and the idempotent producer's sequence numbers let the broker
				// drop the second copy.
				f := newFixture(t, kind)
				fault := f.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.RequestTimedOut, Count: 5})
				queueMixed(t, f, 3, 6)
				f.start(t, f.queue, f.relayOptions("r1"))
				f.waitIdle(t)
				if fault.Hits() == 0 {
					t.Fatal("no produce request was answered with the fault")
				}
				f.checkDelivered(t, f.consumeAll(t))
			})

			t.Run("BrokerDownThenBack", func(t *testing.T) {
				t.Parallel()
				// Every produce fails while the broker is "down"; a relay stops meanwhile and another takes over
				// (a restart); once the broker is back, everything arrives, once, in order.
				f := newFixture(t, kind)
				down := f.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotEnoughReplicas, Count: -1})
				queueMixed(t, f, 4, 5)
				stop := f.start(t, f.queue, f.relayOptions("before-restart"))
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := down.Wait(ctx, 10); err != nil {
					t.Fatalf("the relay did not keep trying: %v (%d produce requests failed)", err, down.Hits())
				}
				if n := f.queued(t); n != len(f.sent) {
					t.Fatalf("%d rows queued while the broker is down, want all %d", n, len(f.sent))
				}
				// Stopping waits ShutdownWait for the broker, then gives the rows back.
				stopped := make(chan struct{})
				go func() { stop(); close(stopped) }()
				f.clock.Advance(f.clock.WaitForTimer(t, func(d time.Duration) bool { return d == 5*time.Second }))
				<-stopped
				var leased int
				if err := f.db.NewSelect().Table("kafka_outbox").ColumnExpr("COUNT(*)").
					Where("lease_owner IS NOT NULL").Scan(inspect, &leased); err != nil {
					t.Fatal(err)
				}
				if n := f.queued(t); n != len(f.sent) || leased != 0 {
					t.Fatalf("after the stop, %d rows queued (%d leased), want all %d given back", n, leased, len(f.sent))
				}
				f.start(t, kafkarelay.NewQueue(f.cfg), f.relayOptions("after-restart"))
				hits := down.Hits()
				if err := down.Wait(ctx, hits+5); err != nil {
					t.Fatalf("the second relay did not try: %v", err)
				}
				down.Remove()
				f.waitIdle(t)
				f.checkDelivered(t, f.consumeAll(t))
			})

			t.Run("FailedRecordIsRetriedAfterBackoff", func(t *testing.T) {
				t.Parallel()
				// An error the client does not retry fails the record: the row stays first in its key's line with
				// the error and a due time a second later, and the key's next event waits for it.
				f := newFixture(t, kind)
				denied := f.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.TopicAuthorizationFailed, Count: 1})
				f.enqueue(t, "u", webhook.TaskCreated, 0)
				f.enqueue(t, "u", webhook.TaskUpdated, 1)
				reg := prometheus.NewRegistry()
				opts := f.relayOptions("r1")
				opts.Metrics = kafkarelay.NewMetrics(reg)
				f.start(t, f.queue, opts)
				d := f.clock.WaitForTimer(t, func(d time.Duration) bool { return d > time.Second && d < 2*time.Second })
				if denied.Hits() != 1 {
					t.Fatalf("fault hit %d times", denied.Hits())
				}
				if got := metric(t, reg, "taskapi_kafka_failed_attempts_total"); got != 1 {
					t.Errorf("failed_attempts_total %v, want 1", got)
				}
				// Queued a minute of the fake clock ago at least (the fake clock runs a minute ahead).
				if got := metric(t, reg, "taskapi_kafka_oldest_queued_age_seconds"); got < 50 {
					t.Errorf("oldest_queued_age_seconds %v while the first event waits", got)
				}
				var rows []struct {
					ID        string  `bun:"id"`
					Attempts  int     `bun:"attempts"`
					LastError *string `bun:"last_error"`
				}
				if err := f.db.NewSelect().Table("kafka_outbox").Column("id", "attempts", "last_error").OrderExpr("seq").
					Scan(inspect, &rows); err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 || rows[0].Attempts != 1 || rows[0].LastError == nil || rows[1].Attempts != 0 {
					t.Fatalf("rows after the failure: %+v", rows)
				}
				f.clock.Advance(d)
				f.waitIdle(t)
				f.checkDelivered(t, f.consumeAll(t))
			})

			t.Run("TwoInstancesDeliverEachRowOnce", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, kind)
				queueMixed(t, f, 12, 10)
				for i := range 2 {
					opts := f.relayOptions(fmt.Sprintf("instance-%d", i))
					opts.Batch = 5
					f.start(t, kafkarelay.NewQueue(f.cfg), opts)
				}
				// A relay sleeps for its longest idle only when the outbox holds nothing at all.
				f.waitIdle(t)
				f.checkDelivered(t, f.consumeAll(t))
			})
		})
	}
}
