package kafkarelay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"

	"taskapi/clock"
	"taskapi/model"
)

// CloudEvents attributes that are the same on every record.
const (
	specVersion = "1.0"
	// DefaultSource is the ce_source of every record unless Options.Source says otherwise.
	DefaultSource = "taskapi"
	contentType   = "application/json"
)

// Options tune a Relay; zero fields take the defaults given.
type Options struct {
	// Logger receives failed attempts (warn) and database trouble. Default: discard.
	Logger *slog.Logger
	// Metrics counts what the relay does; nil counts nothing.
	Metrics *Metrics
	// Clock is what the relay waits with. Default: clock.System.
	Clock clock.Clock
	// DatabaseNow, when set, replaces the database's clock in the relay's statements (for tests that move time).
	DatabaseNow func() time.Time
	// Lease is how long a claimed row belongs to this instance without word from it; the relay renews it every
	// third of that while the broker has not answered. Default: a minute.
	Lease time.Duration
	// Batch is how many rows (of as many keys) one claim takes and produces at once. Default: 64.
	Batch int
	// MaxIdle is the longest the relay sleeps without looking at the outbox when it knows of nothing due. Default:
	// an hour, as the webhook worker's.
	MaxIdle time.Duration
	// DeliveryTimeout bounds how long the client tries to produce one record before the relay gives it back to the
	// outbox for a later attempt (the client only gives up where it cannot make a duplicate: a record never sent, or
	// sent and answered). Default: 30 s.
	DeliveryTimeout time.Duration
	// MaxBackoff is the longest wait before a failed row is tried again; the waits double from a second up to it.
	// Default: a minute.
	MaxBackoff time.Duration
	// ShutdownWait is how long, after Run's context ends, records still with the broker may take before the client
	// is closed and they are given back to the outbox. Default: 5 s.
	ShutdownWait time.Duration
	// Source is every record's ce_source. Default: DefaultSource.
	Source string
	// Owner names this relay in the leases it takes. Default: the host name and a random suffix.
	Owner string
	// ClientOptions are added to the franz-go client's (for tests: a faster retry backoff).
	ClientOptions []kgo.Opt
}

// Relay produces the outbox's queued events to Kafka, one instance at a time each and one record at a time per
// key: it claims the first queued row of each key under a lease, produces the rows, deletes each the broker
// acknowledged and schedules another attempt for each it did not. Between claims it sleeps until a row is due, or
// until its Queue is notified.
type Relay struct {
	db     *bun.DB
	cfg    Config
	wake   <-chan struct{}
	opts   Options
	client *kgo.Client

	oldestQueued atomic.Pointer[time.Time] // creation of the oldest queued row seen at the last look
}

// NewRelay returns a relay of what queue queues in db (and what other instances queued there) to cfg's brokers.
// Run it with Run; it does nothing while queue's Config is not Enabled. It returns an error when the client cannot
// be made from the configuration; it does not connect before Run.
func NewRelay(db *bun.DB, queue *Queue, opts Options) (*Relay, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 64
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = time.Hour
	}
	if opts.DeliveryTimeout <= 0 {
		opts.DeliveryTimeout = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.ShutdownWait <= 0 {
		opts.ShutdownWait = 5 * time.Second
	}
	if opts.Source == "" {
		opts.Source = DefaultSource
	}
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	r := &Relay{db: db, cfg: queue.cfg, wake: queue.wake, opts: opts}
	opts.Metrics.observeOldest(r.oldestQueuedAge)
	if !r.cfg.Enabled() {
		return r, nil
	}
	kopts := append(r.cfg.clientOptions(),
		kgo.ClientID("taskapi"),
		// Idempotent (franz-go's default, said here because the guarantees rest on it): the client's retries of a
		// record are deduplicated by the broker, and they need every in-sync replica's acknowledgement.
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(opts.DeliveryTimeout),
		kgo.ProducerLinger(0),
	)
	client, err := kgo.NewClient(append(kopts, opts.ClientOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("kafkarelay: make the client: %w", err)
	}
	r.client = client
	return r, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// Run produces queued events until ctx ends, then closes the client. Records with the broker then may take
// ShutdownWait to be acknowledged; those that are not are given back to the outbox. Database errors are logged and
// retried with a growing pause; Run returns only when ctx ends.
func (r *Relay) Run(ctx context.Context) {
	if r.client == nil {
		return
	}
	// The outbox is every user's: the relay claims and records rows by seq, whoever they belong to.
	ctx = model.AcrossUsers(ctx)
	// Closing the client fails what it still holds, which ends a batch the broker does not answer.
	var closeOnce sync.Once
	closeClient := func() { closeOnce.Do(r.client.Close) }
	defer closeClient()
	stopWatch := context.AfterFunc(ctx, func() { r.opts.Clock.AfterFunc(r.opts.ShutdownWait, closeClient) })
	defer stopWatch()

	backoff := time.Duration(0)
	for ctx.Err() == nil {
		n, err := r.relayDue(ctx)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		switch {
		case err != nil:
			backoff = min(max(2*backoff, time.Second), time.Minute)
			r.opts.Logger.Warn("kafka: cannot read the outbox; trying again", "err", err, "in", backoff)
			wait = backoff
		case n > 0:
			backoff = 0
			continue // more may be due: a full batch's rest, or the keys' next rows now that these are acknowledged
		default:
			backoff = 0
			wait, err = r.untilNextDue(ctx)
			if err != nil {
				backoff = time.Second
				r.opts.Logger.Warn("kafka: cannot read the outbox; trying again", "err", err, "in", backoff)
				wait = backoff
			}
		}
		clock.Sleep(ctx, r.opts.Clock, wait, r.wake)
	}
}

// now renders the current instant plus d in SQL: the database's clock unless Options.DatabaseNow replaces it.
func (r *Relay) now(d time.Duration) schema.QueryAppender {
	return model.DatabaseNow(r.db, r.opts.DatabaseNow, d)
}

// relayDue claims up to a batch of due rows, one per key, produces them and records each outcome. It returns how
// many it claimed.
func (r *Relay) relayDue(ctx context.Context) (int, error) {
	claimed, err := r.claim(ctx)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	oldest := claimed[0].CreatedAt
	for _, row := range claimed[1:] {
		if row.CreatedAt.Before(oldest) {
			oldest = row.CreatedAt
		}
	}
	r.oldestQueued.Store(&oldest)
	// The lease is renewed while the broker has not answered, so that no other instance produces these rows (and
	// their keys' next ones) meanwhile.
	stopRenew := r.renewLeases(ctx, claimed)
	results := make([]error, len(claimed))
	var wg sync.WaitGroup
	for i, row := range claimed {
		wg.Add(1)
		r.client.Produce(context.WithoutCancel(ctx), r.record(row), func(_ *kgo.Record, err error) {
			results[i] = err
			wg.Done()
		})
	}
	wg.Wait()
	stopRenew()
	record := context.WithoutCancel(ctx)
	var acked []int64
	for i, row := range claimed {
		if results[i] == nil {
			acked = append(acked, row.Seq)
			continue
		}
		r.opts.Metrics.failedAttempt()
		log := r.opts.Logger.With("eventId", row.ID, "type", row.Type, "attempt", row.Attempts)
		r.finish(record, row, log, results[i])
	}
	r.opts.Metrics.produced(len(acked))
	r.deleteAcked(record, acked)
	return len(claimed), nil
}

// deleteAcked deletes the rows the broker acknowledged, in one statement, provided this relay still holds their
// leases (a row whose lease was lost belongs to the instance that took it over). A row this fails to delete is
// produced again once its lease expires.
func (r *Relay) deleteAcked(ctx context.Context, seqs []int64) {
	if len(seqs) == 0 {
		return
	}
	var err error
	for try := range 3 {
		_, err = r.db.NewDelete().Model((*outboxRow)(nil)).
			Where("seq IN (?)", bun.In(seqs)).
			Where("lease_owner = ?", r.opts.Owner).
			Exec(ctx)
		if err == nil {
			return
		}
		pause(r.opts.Clock, time.Duration(try+1)*time.Second)
	}
	r.opts.Logger.Error("kafka: acknowledged events not recorded; they will be produced again when their leases expire",
		"err", err, "events", len(seqs))
}

// record is the Kafka record of row: the webhook body, keyed, with the CloudEvents binary-mode headers.
func (r *Relay) record(row outboxRow) *kgo.Record {
	return &kgo.Record{
		Topic: r.cfg.Topic(row.Type),
		Key:   []byte(row.Key),
		Value: []byte(row.Body),
		Headers: []kgo.RecordHeader{
			{Key: "ce_specversion", Value: []byte(specVersion)},
			{Key: "ce_id", Value: []byte(row.ID)},
			{Key: "ce_type", Value: []byte(row.Type)},
			{Key: "ce_source", Value: []byte(r.opts.Source)},
			{Key: "ce_time", Value: []byte(row.OccurredAt.UTC().Format("2006-01-02T15:04:05.000Z"))},
			{Key: "content-type", Value: []byte(contentType)},
		},
	}
}

// claim leases the due head rows (the first queued row of each key) to this relay in one statement, which is its
// own transaction and reads the database's clock. A key's head is claimable only when it is due: not leased, or
// its lease has ended, or its retry time has come; the key's later rows are not heads until it is deleted, which
// happens only once the broker has acknowledged it. On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent
// instances take disjoint sets; a row another instance claimed meanwhile is re-checked against the WHERE clause
// and left out. On SQLite the statement holds the database's one write lock.
func (r *Relay) claim(ctx context.Context) ([]outboxRow, error) {
	sub := r.db.NewSelect().TableExpr("kafka_outbox AS o").Column("o.seq").
		Where("o.next_attempt_at <= ?", r.now(0)).
		Where("NOT EXISTS (SELECT 1 FROM kafka_outbox AS e WHERE e.partition_key = o.partition_key AND e.seq < o.seq)").
		OrderExpr("o.seq").
		Limit(int64(r.opts.Batch))
	if r.db.Dialect().Name() == dialect.PG {
		sub = sub.For("UPDATE SKIP LOCKED")
	}
	var claimed []outboxRow
	leaseEnd := r.now(r.opts.Lease)
	err := r.db.NewUpdate().Model((*outboxRow)(nil)).
		Set("attempts = attempts + 1").
		Set("lease_owner = ?", r.opts.Owner).
		Set("lease_expires_at = ?", leaseEnd).
		Set("next_attempt_at = ?", leaseEnd).
		Where("seq IN (?)", sub).
		Returning("seq, id, partition_key, user_id, type, body, occurred_at, attempts, created_at").
		Scan(ctx, &claimed)
	if err != nil {
		return nil, fmt.Errorf("kafkarelay: claim due events: %w", err)
	}
	return claimed, nil
}

// renewLeases extends the leases of rows every third of the lease until the returned stop is called.
func (r *Relay) renewLeases(ctx context.Context, rows []outboxRow) (stop func()) {
	seqs := make([]int64, len(rows))
	for i, row := range rows {
		seqs[i] = row.Seq
	}
	var mu sync.Mutex
	stopped := false
	var cancelTimer func() bool
	var schedule func()
	schedule = func() {
		cancelTimer = r.opts.Clock.AfterFunc(r.opts.Lease/3, func() {
			mu.Lock()
			defer mu.Unlock()
			if stopped {
				return
			}
			leaseEnd := r.now(r.opts.Lease)
			_, err := r.db.NewUpdate().Model((*outboxRow)(nil)).
				Set("lease_expires_at = ?", leaseEnd).
				Set("next_attempt_at = ?", leaseEnd).
				Where("seq IN (?)", bun.In(seqs)).
				Where("lease_owner = ?", r.opts.Owner).
				Exec(context.WithoutCancel(ctx))
			if err != nil {
				r.opts.Logger.Warn("kafka: cannot renew the leases of records the broker has not answered yet", "err", err)
			}
			schedule()
		})
	}
	mu.Lock()
	schedule()
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		cancelTimer()
	}
}

// finish gives back a row the broker did not acknowledge, with the next attempt after a backoff, only while this
// relay still holds the row's lease for this attempt: a lease lost meanwhile (a database that stalled) belongs to
// the instance that took the row over.
func (r *Relay) finish(ctx context.Context, row outboxRow, log *slog.Logger, failure error) {
	wait := r.backoff(row.Attempts)
	if errors.Is(failure, kgo.ErrClientClosed) {
		wait = 0 // shutting down: another instance may take it at once
	}
	var err error
	for try := range 3 {
		var res interface{ RowsAffected() (int64, error) }
		res, err = r.db.NewUpdate().Model((*outboxRow)(nil)).
			Set("next_attempt_at = ?", r.now(wait)).
			Set("last_error = ?", truncate(failure.Error(), 500)).
			Set("lease_owner = NULL, lease_expires_at = NULL").
			Where("seq = ?", row.Seq).
			Where("lease_owner = ?", r.opts.Owner).
			Where("attempts = ?", row.Attempts).
			Exec(ctx)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				log.Warn("kafka lease lost before the outcome was recorded; another instance has taken the event over")
			} else {
				log.Warn("kafka produce failed; trying again", "err", failure, "retryIn", wait)
			}
			return
		}
		pause(r.opts.Clock, time.Duration(try+1)*time.Second)
	}
	log.Error("kafka outcome not recorded; the event will be produced again when its lease expires", "err", err)
}

// backoff is the wait before attempt+1: a second, doubling, at most MaxBackoff.
func (r *Relay) backoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < r.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.opts.MaxBackoff)
}

// pause waits d on c.
func pause(c clock.Clock, d time.Duration) {
	done := make(chan struct{})
	c.AfterFunc(d, func() { close(done) })
	<-done
}

// untilNextDue returns how long until the next head row is due by the database's clock, at most MaxIdle. Rows
// behind a head wait for it, so only heads count.
func (r *Relay) untilNextDue(ctx context.Context) (time.Duration, error) {
	var row struct {
		Next   *time.Time `bun:"next"`
		Oldest *time.Time `bun:"oldest"`
		Now    time.Time  `bun:"now"`
	}
	err := r.db.NewSelect().TableExpr("kafka_outbox AS o").
		ColumnExpr("MIN(o.next_attempt_at) AS next").
		ColumnExpr("MIN(o.created_at) AS oldest"). // a key's head is its oldest row
		ColumnExpr("? AS now", r.now(0)).
		Where("NOT EXISTS (SELECT 1 FROM kafka_outbox AS e WHERE e.partition_key = o.partition_key AND e.seq < o.seq)").
		Scan(ctx, &row)
	if err != nil {
		return 0, fmt.Errorf("kafkarelay: find the next due event: %w", err)
	}
	r.oldestQueued.Store(row.Oldest)
	if row.Next == nil {
		return r.opts.MaxIdle, nil
	}
	// A little past the due time, so that the claim's clock, read a moment later, certainly sees it due.
	return min(max(row.Next.Sub(row.Now)+10*time.Millisecond, 0), r.opts.MaxIdle), nil
}

// oldestQueuedAge is how long the oldest queued row seen at the last look has been waiting; 0 for none.
func (r *Relay) oldestQueuedAge() float64 {
	oldest := r.oldestQueued.Load()
	if oldest == nil {
		return 0
	}
	return max(r.opts.Clock.Now().Sub(*oldest).Seconds(), 0)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
