package kafkarelay_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/uptrace/bun"

	"taskapi/clocktest"
	"taskapi/kafkarelay"
	"taskapi/model"
	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// partitions is how many partitions each test topic has: more than one, so that keys spread.
const partitions = 3

// inspect is the context of the tests' own reads of the outbox, which look at every user's rows.
var inspect = model.AcrossUsers(context.Background())

// fixture is a database, an in-process Kafka cluster speaking the real protocol, and an outbox that queues for
// Kafka only (webhooks off: Kafka gets every event whatever the webhooks' settings).
type fixture struct {
	db      *bun.DB
	cluster *kfake.Cluster
	clock   *clocktest.Fake
	cfg     kafkarelay.Config
	queue   *kafkarelay.Queue
	outbox  *webhook.Outbox
	// sent is every event queued, in order.
	sent []sentEvent
	// consumerOptions reach the cluster for the tests' own reads (its TLS and SASL).
	consumerOptions []kgo.Opt
}

type sentEvent struct {
	id, user string
	typ      webhook.EventType
	body     string
}

func newFixture(t *testing.T, kind string, opts ...kfake.Opt) *fixture {
	t.Helper()
	cluster, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1),
		kfake.SeedTopics(partitions, kafkarelay.DefaultTopicTasks, kafkarelay.DefaultTopicReminders)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	f := &fixture{db: modeltest.MustOpenDB(t, kind), cluster: cluster, clock: clocktest.New()}
	f.configure(kafkarelay.Config{Brokers: cluster.ListenAddrs()})
	return f
}

// configure makes the fixture's queue and outbox for cfg.
func (f *fixture) configure(cfg kafkarelay.Config) {
	f.cfg = cfg
	f.queue = kafkarelay.NewQueue(f.cfg)
	f.outbox = webhook.NewOutbox(webhook.Config{}).WithStream(f.queue)
}

// relayOptions are a relay's options on the fixture's fake clock, with the client's own retry backoff and its wait
// between metadata refreshes (which a retried produce asks for) short: they are franz-go's, on the real clock.
func (f *fixture) relayOptions(owner string) kafkarelay.Options {
	return kafkarelay.Options{
		Clock: f.clock, DatabaseNow: f.clock.Now, Owner: owner,
		ClientOptions: []kgo.Opt{kgo.RetryBackoffFn(func(int) time.Duration { return 20 * time.Millisecond }),
			kgo.MetadataMinAge(10 * time.Millisecond)},
	}
}

// start runs a relay of queue with opts until the test ends (or the returned stop is called) and waits for it to
// stop.
func (f *fixture) start(t *testing.T, queue *kafkarelay.Queue, opts kafkarelay.Options) (stop func()) {
	t.Helper()
	r, err := kafkarelay.NewRelay(f.db, queue, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// enqueue queues an event as a writer does: in a transaction of its own that commits, then Notify.
func (f *fixture) enqueue(t *testing.T, user string, typ webhook.EventType, n int) {
	t.Helper()
	var id string
	data := map[string]any{"userId": user, "taskId": fmt.Sprintf("task-%d", n), "n": n}
	err := f.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = f.outbox.Enqueue(ctx, tx, user, typ, time.Date(2026, 12, 7, 9, 0, n, 0, time.UTC), data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatalf("%s was not queued", typ)
	}
	var body string
	if err := f.db.NewSelect().Table("kafka_outbox").Column("body").Where("id = ?", id).Scan(inspect, &body); err != nil {
		t.Fatal(err)
	}
	f.sent = append(f.sent, sentEvent{id: id, user: user, typ: typ, body: body})
	f.outbox.Notify()
}

// queued is how many rows the outbox holds.
func (f *fixture) queued(t *testing.T) int {
	t.Helper()
	n, err := f.db.NewSelect().Table("kafka_outbox").Count(inspect)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// waitIdle waits until every relay running has gone to sleep for its longest idle (nothing known to be due), which
// each does only after a claim found nothing; the outbox must then be empty.
func (f *fixture) waitIdle(t *testing.T) {
	t.Helper()
	f.clock.WaitForTimer(t, func(d time.Duration) bool { return d == time.Hour })
	if n := f.queued(t); n != 0 {
		t.Fatalf("the relay is idle with %d rows still queued", n)
	}
}

// metric returns the value of the series name on reg (a counter or gauge without labels).
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		if c := m.GetCounter(); c != nil {
			return c.GetValue()
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// received is one record as a consumer reads it.
type received struct {
	topic     string
	partition int32
	key       string
	value     string
	headers   map[string]string
}

// consumeAll reads every record the topics hold: the end offsets are read first (call it once the relays have
// acknowledged everything), then the records up to them.
func (f *fixture) consumeAll(t *testing.T) []received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics := []string{kafkarelay.DefaultTopicTasks, kafkarelay.DefaultTopicReminders}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(f.cluster.ListenAddrs()...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, f.consumerOptions...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrListOffsetsRequest()
	for _, topic := range topics {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for p := range int32(partitions) {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp = p, -1 // the end
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			total += rp.Offset
		}
	}
	var out []received
	for int64(len(out)) < total {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records within a minute", len(out), total)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, rh := range r.Headers {
				h[rh.Key] = string(rh.Value)
			}
			out = append(out, received{topic: r.Topic, partition: r.Partition, key: string(r.Key), value: string(r.Value), headers: h})
		})
	}
	return out
}

// checkDelivered checks that the topics hold each queued event exactly once, on its kind's topic, keyed by its
// user, with its body and CloudEvents headers, and each user's events in the order they were queued.
func (f *fixture) checkDelivered(t *testing.T, got []received) {
	t.Helper()
	if len(got) != len(f.sent) {
		t.Errorf("the topics hold %d records, %d events were queued", len(got), len(f.sent))
	}
	byID := map[string]sentEvent{}
	for _, s := range f.sent {
		byID[s.id] = s
	}
	seen := map[string]int{}
	// Kafka keeps the order of one partition: each topic's records of one key.
	order := map[string][]string{} // topic and key -> ids in the order consumed
	for _, r := range got {
		id := r.headers["ce_id"]
		seen[id]++
		s, ok := byID[id]
		if !ok {
			t.Errorf("record with ce_id %q was never queued", id)
			continue
		}
		wantTopic := kafkarelay.DefaultTopicTasks
		if s.typ == webhook.ReminderDue {
			wantTopic = kafkarelay.DefaultTopicReminders
		}
		if r.topic != wantTopic || r.key != s.user || r.value != s.body {
			t.Errorf("record %s: topic %s key %q value %s; want %s, %q, %s", id, r.topic, r.key, r.value, wantTopic, s.user, s.body)
		}
		want := map[string]string{"ce_specversion": "1.0", "ce_id": s.id, "ce_type": string(s.typ),
			"ce_source": kafkarelay.DefaultSource, "content-type": "application/json"}
		for k, v := range want {
			if r.headers[k] != v {
				t.Errorf("record %s: header %s = %q, want %q", id, k, r.headers[k], v)
			}
		}
		if ts, err := time.Parse(time.RFC3339, r.headers["ce_time"]); err != nil || !strings.Contains(s.body, r.headers["ce_time"]) {
			t.Errorf("record %s: ce_time %q (%v, %v) is not the body's timestamp", id, r.headers["ce_time"], ts, err)
		}
		order[r.topic+" "+r.key] = append(order[r.topic+" "+r.key], id)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s arrived %d times", id, n)
		}
	}
	wantOrder := map[string][]string{}
	for _, s := range f.sent {
		topic := kafkarelay.DefaultTopicTasks
		if s.typ == webhook.ReminderDue {
			topic = kafkarelay.DefaultTopicReminders
		}
		wantOrder[topic+" "+s.user] = append(wantOrder[topic+" "+s.user], s.id)
	}
	for key, ids := range wantOrder {
		if !slices.Equal(order[key], ids) {
			t.Errorf("%s: records in the order %q, queued in the order %q", key, order[key], ids)
		}
	}
}
