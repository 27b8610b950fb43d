package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"

	"taskapi/clock"
	"taskapi/model"
)

// Options tune a Worker; zero fields take the defaults given.
type Options struct {
	// Logger receives failed attempts (warn), given-up deliveries (error) and database trouble. Default: discard.
	Logger *slog.Logger
	// Metrics counts what the worker does; nil counts nothing.
	Metrics *Metrics
	// Clock is what the worker waits with, between deliveries, for a request's timeout, and to stamp
	// webhook-timestamp. Default: the system clock. Whether a delivery is due is decided by the database's clock
	// instead (see model.DatabaseNow), so that instances whose clocks disagree still agree on leases.
	Clock clock.Clock
	// DatabaseNow, when set, replaces the database's clock in the worker's statements (for tests that move time).
	DatabaseNow func() time.Time
	// Client sends the requests; its redirect policy and timeout are replaced (no redirect is followed, Timeout
	// bounds each attempt). Default: a client over a clone of http.DefaultTransport.
	Client *http.Client
	// Timeout bounds one attempt, answer included. Default: 10 s, as the contract says.
	Timeout time.Duration
	// Lease is how long a claimed delivery belongs to this instance; after that another instance may take it over.
	// Default: a minute, well over Timeout.
	Lease time.Duration
	// Batch is how many deliveries one claim takes and sends at once. Default: 16.
	Batch int
	// MaxIdle is the longest the worker sleeps without looking at the outbox when it knows of nothing due (it would
	// miss the deliveries of another instance that crashed right after queueing them). Default: an hour, so that an
	// idle Neon compute may suspend.
	MaxIdle time.Duration
	// Retention is how long delivered and given-up deliveries stay in the outbox for inspection. Default: 7 days.
	Retention time.Duration
	// Owner names this worker in the leases it takes. Default: the host name and a random suffix.
	Owner string
}

// DefaultTimeout is how long one attempt may take.
const DefaultTimeout = 10 * time.Second

// Worker sends the outbox's due deliveries, one instance at a time each: it claims them under a lease, POSTs them
// signed, and records the outcome, scheduling a retry or giving up. Between claims it sleeps until the next
// delivery is due, or until its Outbox is notified.
type Worker struct {
	db       *bun.DB
	cfg      Config
	wake     <-chan struct{}
	opts     Options
	client   *http.Client
	schedule []time.Duration

	oldestPending atomic.Pointer[time.Time] // creation of the oldest pending delivery seen at the last look
	lastPrune     time.Time
}

// NewWorker returns a worker that sends what the outbox queues in db (and what other instances queued there) to
// cfg.URL. Run it with Run; it does nothing while cfg is not Enabled.
func NewWorker(db *bun.DB, outbox *Outbox, opts Options) *Worker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Lease < opts.Timeout+5*time.Second {
		// A lease that ends while the request is still running would let a second instance send it at once.
		opts.Lease = opts.Timeout + 5*time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = time.Hour
	}
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if opts.Client != nil {
		c := *opts.Client
		client = &c
	}
	// A redirect is an answer that is not 2xx, so a failure: following it would send the signed body somewhere
	// WEBHOOK_URL does not name.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client.Timeout = 0 // the attempt's context bounds it, on the worker's clock
	w := &Worker{db: db, cfg: outbox.cfg, wake: outbox.wake, opts: opts, client: client, schedule: outbox.cfg.schedule()}
	if opts.Metrics != nil {
		opts.Metrics.observeOldest(w.oldestPendingAge)
	}
	return w
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// Run sends deliveries until ctx ends. Attempts in flight then still finish (each within Timeout) and are recorded,
// so that a shutdown neither cuts a request nor leaves a lease to expire. Database errors are logged and retried
// with a growing pause; Run returns only when ctx ends.
func (w *Worker) Run(ctx context.Context) {
	if !w.cfg.Enabled() {
		return
	}
	// The outbox is every user's: the worker claims and records deliveries by id, whoever they belong to, and
	// sends each the body its own user's change queued.
	ctx = model.AcrossUsers(ctx)
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		n, err := w.sendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		switch {
		case err != nil:
			backoff = min(max(2*backoff, time.Second), time.Minute)
			w.opts.Logger.Warn("webhooks: cannot read the outbox; trying again", "err", err, "in", backoff)
			wait = backoff
		case n == w.opts.Batch:
			backoff = 0
			continue // a full batch: more may be due
		default:
			backoff = 0
			wait, err = w.untilNextDue(ctx)
			if err != nil {
				backoff = time.Second
				w.opts.Logger.Warn("webhooks: cannot read the outbox; trying again", "err", err, "in", backoff)
				wait = backoff
			}
		}
		clock.Sleep(ctx, w.opts.Clock, wait, w.wake)
	}
}

// pause waits d on c. Unlike the clock.Sleep in Run, it leaves the outbox's wake-ups to that loop, so that none is
// lost.
func pause(c clock.Clock, d time.Duration) {
	done := make(chan struct{})
	c.AfterFunc(d, func() { close(done) })
	<-done
}

// now renders the current instant plus d in SQL: the database's clock unless Options.DatabaseNow replaces it.
func (w *Worker) now(d time.Duration) schema.QueryAppender {
	return model.DatabaseNow(w.db, w.opts.DatabaseNow, d)
}

// sendDue claims up to a batch of due deliveries, sends them concurrently and records each outcome. It returns how
// many it claimed.
func (w *Worker) sendDue(ctx context.Context) (int, error) {
	claimed, err := w.claim(ctx)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range claimed {
		wg.Go(func() { w.attempt(context.WithoutCancel(ctx), d) })
	}
	wg.Wait()
	w.prune(ctx)
	return len(claimed), nil
}

// claim leases due deliveries to this worker in one statement, which is its own transaction (so it works through a
// transaction-mode pooler such as Neon's) and reads the database's clock. On PostgreSQL, FOR UPDATE SKIP LOCKED
// lets concurrent instances take disjoint sets without waiting for each other; a row another instance claimed
// meanwhile is re-checked against the WHERE clause and left out. On SQLite the statement holds the database's one
// write lock. Claiming counts the attempt and moves next_attempt_at to the lease's end, so that a delivery whose
// instance crashed becomes due again when its lease expires.
//
// The claim is fair across users: each user's due deliveries form a lane, in the order they fell due, and a claim
// takes every lane's first before any lane's second (round robin). One user's burst of 500 webhooks so delays
// another user's next one by one claim at most, not by 500 deliveries. Numbering the lanes reads every due row,
// which the per-user bound (Config.MaxPendingPerUser) keeps in proportion to the users waiting.
func (w *Worker) claim(ctx context.Context) ([]delivery, error) {
	ctx = model.AcrossUsers(ctx) // the due deliveries of every user
	lanes := w.db.NewSelect().TableExpr("webhook_deliveries").
		Column("id", "next_attempt_at").
		ColumnExpr("ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY next_attempt_at, id) AS lane_pos").
		Where("status = ?", statusPending).
		Where("next_attempt_at <= ?", w.now(0))
	sub := w.db.NewSelect().TableExpr("webhook_deliveries AS wd").
		Join("JOIN (?) AS lane ON lane.id = wd.id", lanes).
		Column("wd.id").
		// Again here: on PostgreSQL these are re-checked on a row that another instance claimed meanwhile.
		Where("wd.status = ?", statusPending).
		Where("wd.next_attempt_at <= ?", w.now(0)).
		OrderExpr("lane.lane_pos, lane.next_attempt_at, wd.id").
		Limit(int64(w.opts.Batch))
	if w.db.Dialect().Name() == dialect.PG {
		// OF wd: the lanes' window function cannot be locked, and need not be.
		sub = sub.For("UPDATE OF wd SKIP LOCKED")
	}
	var claimed []delivery
	leaseEnd := w.now(w.opts.Lease)
	err := w.db.NewUpdate().Model((*delivery)(nil)).
		Set("attempts = attempts + 1").
		Set("lease_owner = ?", w.opts.Owner).
		Set("lease_expires_at = ?", leaseEnd).
		Set("next_attempt_at = ?", leaseEnd).
		Where("id IN (?)", sub).
		Returning("id, user_id, type, body, attempts, created_at").
		Scan(ctx, &claimed)
	if err != nil {
		return nil, fmt.Errorf("webhook: claim due deliveries: %w", err)
	}
	return claimed, nil
}

// attempt sends one claimed delivery and records the outcome.
func (w *Worker) attempt(ctx context.Context, d delivery) {
	log := w.opts.Logger.With("webhookId", d.ID, "type", d.Type, "attempt", d.Attempts)
	failure := w.post(ctx, d)
	if failure == "" {
		if w.finish(ctx, d, log, "status = ?, finished_at = ?, last_error = NULL", statusDelivered, w.now(0)) {
			w.opts.Metrics.delivered()
			log.Debug("webhook delivered")
		}
		return
	}
	w.opts.Metrics.failedAttempt()
	if retry := d.Attempts - 1; retry < len(w.schedule) {
		wait := w.schedule[retry]
		if w.finish(ctx, d, log, "next_attempt_at = ?, last_error = ?", w.now(wait), failure) {
			w.opts.Metrics.retried()
			log.Warn("webhook attempt failed; retrying", "err", failure, "retryIn", wait)
		}
		return
	}
	if w.finish(ctx, d, log, "status = ?, finished_at = ?, last_error = ?", statusFailed, w.now(0), failure) {
		w.opts.Metrics.gaveUp()
		log.Error("webhook given up after the last retry", "err", failure, "attempts", d.Attempts)
	}
}

// finish records an attempt's outcome with set, releasing the lease, provided this worker still holds it for this
// attempt. It reports whether it did: a lease that expired meanwhile (a database that stalled for a minute) may
// have been taken over, and then the other instance's attempt is the one that counts.
func (w *Worker) finish(ctx context.Context, d delivery, log *slog.Logger, set string, args ...any) bool {
	// The outcome must be recorded even while the database struggles: retry briefly rather than leave the lease to
	// expire, which would send the webhook again.
	var err error
	for try := range 3 {
		var res interface{ RowsAffected() (int64, error) }
		res, err = w.db.NewUpdate().Model((*delivery)(nil)).
			Set(set, args...).
			Set("lease_owner = NULL, lease_expires_at = NULL").
			Where("id = ?", d.ID).
			Where("lease_owner = ?", w.opts.Owner).
			Where("attempts = ?", d.Attempts).
			Exec(ctx)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				log.Warn("webhook lease lost before the attempt was recorded; another instance has taken it over")
				return false
			}
			return true
		}
		pause(w.opts.Clock, time.Duration(try+1)*time.Second)
	}
	log.Error("webhook attempt not recorded; it will be made again when its lease expires", "err", err)
	return false
}

// post makes one attempt and returns why it failed, or "" when the receiver answered 2xx in time.
func (w *Worker) post(ctx context.Context, d delivery) string {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var timedOut atomic.Bool
	stop := w.opts.Clock.AfterFunc(w.opts.Timeout, func() { timedOut.Store(true); cancel() })
	defer stop()

	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return "cannot build the request: " + err.Error()
	}
	ts := w.opts.Clock.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "taskapi-webhooks/1")
	req.Header.Set("webhook-id", d.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", w.cfg.Secret.Sign(d.ID, ts, body))
	resp, err := w.client.Do(req)
	if err == nil {
		// Read a little of the answer, so that the connection can be reused, within the same deadline.
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
	}
	switch {
	case timedOut.Load():
		return fmt.Sprintf("no answer within %s", w.opts.Timeout)
	case err != nil:
		// url.Error repeats the URL, which may carry a token of the receiver's; keep only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return truncate(err.Error(), 500)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Sprintf("HTTP %d: a redirect, which is not followed", resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// untilNextDue returns how long until the next pending delivery is due by the database's clock (its retry time,
// or the end of its lease when an instance holds it), at most MaxIdle; and notes the oldest pending one for the
// metrics.
func (w *Worker) untilNextDue(ctx context.Context) (time.Duration, error) {
	var row struct {
		Next   *time.Time `bun:"next"`
		Oldest *time.Time `bun:"oldest"`
		Now    time.Time  `bun:"now"`
	}
	err := w.db.NewSelect().Model((*delivery)(nil)).
		ColumnExpr("MIN(next_attempt_at) AS next").
		ColumnExpr("MIN(created_at) AS oldest").
		ColumnExpr("? AS now", w.now(0)).
		Where("status = ?", statusPending).
		Scan(ctx, &row)
	if err != nil {
		return 0, fmt.Errorf("webhook: find the next due delivery: %w", err)
	}
	w.oldestPending.Store(row.Oldest)
	if row.Next == nil {
		return w.opts.MaxIdle, nil
	}
	// A little past the due time, so that the claim's clock, read a moment later, certainly sees it due.
	return min(max(row.Next.Sub(row.Now)+10*time.Millisecond, 0), w.opts.MaxIdle), nil
}

// oldestPendingAge is how long the oldest pending delivery seen at the last look has been waiting; 0 for none.
func (w *Worker) oldestPendingAge() float64 {
	oldest := w.oldestPending.Load()
	if oldest == nil {
		return 0
	}
	return max(w.opts.Clock.Now().Sub(*oldest).Seconds(), 0)
}

// prune deletes the finished deliveries older than Retention, at most once an hour and only while the worker is
// awake anyway.
func (w *Worker) prune(ctx context.Context) {
	if now := w.opts.Clock.Now(); !w.lastPrune.IsZero() && now.Sub(w.lastPrune) < time.Hour {
		return
	} else {
		w.lastPrune = now
	}
	_, err := w.db.NewDelete().Model((*delivery)(nil)).
		Where("status <> ?", statusPending).
		Where("finished_at < ?", w.now(-w.opts.Retention)).
		Exec(ctx)
	if err != nil && ctx.Err() == nil {
		w.opts.Logger.Warn("webhooks: cannot prune finished deliveries", "err", err)
	}
}
