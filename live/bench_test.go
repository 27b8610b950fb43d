package live_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// The live feed's figures (benchmarks, not tests): how long after its commit an event reaches a subscriber on
// another instance while a thousand idle subscribers are open there, and what an idle subscription costs in memory.
// Run with
//
//	go test -run '^$' -bench . -benchtime 200x ./live/
//
// The cost the feed adds to each mutation is model's BenchmarkAppendEvent, next to BenchmarkCreateTask.

const idleSubscribers = 1000

// BenchmarkDeliveryLag writes through instance A, one task at a time at a steady pace, and measures on instance B
// (its own pool and hub, the same PostgreSQL database) the time from the write's commit to the event's arrival, with
// idleSubscribers other users subscribed on B. It reports the median and the 99th percentile.
func BenchmarkDeliveryLag(b *testing.B) {
	requirePostgres(b)
	dbA := modeltest.MustOpenDB(b, modeltest.Postgres)
	a := startHub(b, dbA, live.Options{})
	hubB := startHub(b, modeltest.MustOpenAgain(b, dbA, ""), live.Options{MaxPerUser: 1})
	for i := range idleSubscribers {
		hubB.subscribe(b, fmt.Sprint("idle-", i), nil)
	}
	ch := hubB.subscribe(b, "measured", nil)
	waitListening(b, dbA, 2)
	ctx := context.Background()
	var lags []time.Duration
	for b.Loop() {
		if _, err := a.store.CreateTask(ctx, "measured", model.CreateTaskInput{Title: "lag"}); err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		select {
		case <-ch:
			lags = append(lags, time.Since(committed))
		case <-time.After(wait):
			b.Fatal("no event")
		}
		time.Sleep(5 * time.Millisecond) // a steady load, not a burst
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkIdleSubscriptionMemory opens idleSubscribers subscriptions of distinct users and reports the heap and the
// goroutine stacks they hold, per subscription (the transport's share, a socket's buffers, comes on top).
func BenchmarkIdleSubscriptionMemory(b *testing.B) {
	for _, kind := range modeltest.Databases(b) {
		b.Run(kind, func(b *testing.B) {
			in := startHub(b, modeltest.MustOpenDB(b, kind), live.Options{})
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				ctx, cancel := context.WithCancel(context.Background())
				for i := range idleSubscribers {
					if _, err := in.hub.Subscribe(ctx, fmt.Sprint("idle-", i), nil); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/idleSubscribers, "heap-bytes/sub")
				b.ReportMetric(float64(after.StackInuse-before.StackInuse)/idleSubscribers, "stack-bytes/sub")
				cancel()
				waitUntil(b, func() bool { return in.hub.Subscriptions() == 0 })
			}
		})
	}
}
