package kafkarelay_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"

	"taskapi/kafkarelay"
	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// BenchmarkRelay measures the way from the outbox to the broker: b.N events of 64 users, each committed in its own
// transaction (as a mutation's) by 4 writers, one relay on the real clock producing them to kfake, and a consumer
// reading them back. It reports events/s, from the first commit (live) or from the relay's start (backlog) to the
// last record read, and each event's lag from its commit to its reading by the consumer (an upper bound of commit
// to broker: the consumer's fetch adds its own wait), at the median and the 99th percentile.
//
// live: the relay runs while the writers commit, so events/s is at most the writers' rate, and the lag is what a
// consumer sees on a busy server. backlog: the events are all queued first (a broker back from an outage), and
// events/s is how fast the relay drains the outbox; the lag then includes the wait in the queue.
func BenchmarkRelay(b *testing.B) {
	for _, kind := range modeltest.Databases(b) {
		for _, mode := range []string{"live", "backlog"} {
			b.Run(kind+"/"+mode, func(b *testing.B) { benchmarkRelay(b, kind, mode == "backlog") })
		}
	}
}

func benchmarkRelay(b *testing.B, kind string, backlog bool) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.SeedTopics(partitions, kafkarelay.DefaultTopicTasks, kafkarelay.DefaultTopicReminders))
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	db := modeltest.MustOpenBenchDB(b, kind)
	queue := kafkarelay.NewQueue(kafkarelay.Config{Brokers: cluster.ListenAddrs()})
	outbox := webhook.NewOutbox(webhook.Config{}).WithStream(queue)
	relay, err := kafkarelay.NewRelay(db, queue, kafkarelay.Options{})
	if err != nil {
		b.Fatal(err)
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.ConsumeTopics(kafkarelay.DefaultTopicTasks, kafkarelay.DefaultTopicReminders),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer consumer.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	defer func() { cancel(); <-done }()

	var committed sync.Map // ce_id -> time.Time
	var writers sync.WaitGroup
	write := func() {
		const nWriters = 4
		for w := range nWriters {
			writers.Go(func() {
				for i := w; i < b.N; i += nWriters {
					user := "user-" + strconv.Itoa(i%64)
					typ := webhook.EventTypes[i%len(webhook.EventTypes)]
					var id string
					err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						var err error
						id, err = outbox.Enqueue(ctx, tx, user, typ, time.Now(), map[string]any{"userId": user, "n": i})
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
					committed.Store(id, time.Now())
					outbox.Notify()
				}
			})
		}
	}
	if backlog {
		write()
		writers.Wait()
	}
	b.ResetTimer()
	start := time.Now()
	go func() { defer close(done); relay.Run(ctx) }()
	if !backlog {
		write()
	}
	lags := make([]time.Duration, 0, b.N)
	pollCtx, pollCancel := context.WithTimeout(ctx, 10*time.Minute)
	defer pollCancel()
	for len(lags) < b.N && pollCtx.Err() == nil {
		consumer.PollFetches(pollCtx).EachRecord(func(r *kgo.Record) {
			now := time.Now()
			for _, h := range r.Headers {
				if h.Key != "ce_id" {
					continue
				}
				// A record can be read before its writer has noted the commit: that counts as no lag.
				lag := time.Duration(0)
				if at, ok := committed.Load(string(h.Value)); ok {
					lag = max(now.Sub(at.(time.Time)), 0)
				}
				lags = append(lags, lag)
			}
		})
	}
	elapsed := time.Since(start)
	writers.Wait()
	b.StopTimer()
	if len(lags) < b.N {
		b.Fatalf("read %d of %d records", len(lags), b.N)
	}
	slices.Sort(lags)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-lag-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-lag-ms")
	b.ReportMetric(0, "ns/op")
}
