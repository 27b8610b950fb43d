package webhook

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/model"
)

// Delivery statuses. A delivery is pending (due, leased or waiting for a retry) until it is delivered or given up
// (failed).
const (
	statusPending   = "pending"
	statusDelivered = "delivered"
	statusFailed    = "failed"
)

// delivery is one row of the outbox, webhook_deliveries.
type delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	ID             string     `bun:"id,pk"`
	UserID         string     `bun:"user_id,notnull"`
	Type           EventType  `bun:"type,notnull"`
	Body           string     `bun:"body,notnull"`
	Status         string     `bun:"status,notnull"`
	Attempts       int        `bun:"attempts,notnull"`
	NextAttemptAt  time.Time  `bun:"next_attempt_at,notnull"`
	LeaseOwner     *string    `bun:"lease_owner"`
	LeaseExpiresAt *time.Time `bun:"lease_expires_at"`
	LastError      *string    `bun:"last_error"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	FinishedAt     *time.Time `bun:"finished_at"`
}

// Outbox queues webhooks in the database for the Worker of its instance to send, and hands the same events to its
// Stream, if it has one. An Outbox with a zero Config and no Stream queues nothing. It is safe for concurrent use.
type Outbox struct {
	cfg     Config
	wake    chan struct{}
	metrics atomic.Pointer[Metrics]
	stream  Stream
}

// Stream is a second destination of the outbox's events, whatever the webhooks' Config says about them: the Kafka
// relay's queue (package kafkarelay). The outbox gives it every event it wants, in the caller's transaction, with
// the body and the id the webhook has (or would have), and tells it when such a transaction has committed.
type Stream interface {
	// Wants reports whether events of type t go to the stream.
	Wants(t EventType) bool
	// Enqueue queues ev in tx. An error rolls the caller's transaction back.
	Enqueue(ctx context.Context, tx bun.IDB, ev StreamEvent) error
	// Notify is Outbox.Notify for the stream. It must not block.
	Notify()
}

// StreamEvent is one event as the outbox hands it to its Stream.
type StreamEvent struct {
	// ID is the webhook-id: the same for the webhook and the stream's copy of an event.
	ID string
	// UserID is the user whose change it reports.
	UserID string
	// ListID is the id of the list the change belongs to; "" for none.
	ListID string
	// Type is the event's type, the body's "type".
	Type EventType
	// At is when the change happened, the body's "timestamp".
	At time.Time
	// Body is the webhook's JSON body, byte for byte.
	Body []byte
}

// NewOutbox returns the outbox for cfg.
func NewOutbox(cfg Config) *Outbox {
	return &Outbox{cfg: cfg, wake: make(chan struct{}, 1)}
}

// SetMetrics makes the outbox count the webhooks it drops on m (the Worker's Metrics); call it before use.
func (o *Outbox) SetMetrics(m *Metrics) { o.metrics.Store(m) }

// WithStream returns a copy of the outbox that also hands every event that s wants to s. The copy shares the
// original's Worker (its wake-ups) and its Metrics as of now: use the copy everywhere, the Worker included.
func (o *Outbox) WithStream(s Stream) *Outbox {
	c := &Outbox{cfg: o.cfg, wake: o.wake, stream: s}
	c.metrics.Store(o.metrics.Load())
	return c
}

// Wants reports whether an event of type t would be queued: webhooks are on and t is one of the configured events,
// or the outbox's Stream wants t.
func (o *Outbox) Wants(t EventType) bool {
	return o != nil && (o.cfg.Wants(t) || o.stream != nil && o.stream.Wants(t))
}

// envelope is the body of every webhook, as the contract gives it.
type envelope struct {
	Type      EventType `json:"type"`
	Timestamp string    `json:"timestamp"`
	Data      any       `json:"data"`
}

// Enqueue queues a webhook of type t for the user's event that happened at `at`, with data as the body's "data",
// when the webhooks' Config wants that type, and hands the same event to the Stream when it wants the type;
// otherwise it does nothing and returns "". It returns the webhook-id, which both share.
//
// Call it with the transaction that makes the change, so that the webhook is queued if and only if the change
// commits, and call Notify once it has committed. The body is rendered now and sent byte for byte the same on
// every attempt. Returns an error when data cannot be rendered as JSON or a row cannot be written (the caller's
// transaction should then roll back).
//
// A user who already has Config.MaxPendingPerUser deliveries pending gets no more until some are delivered or given
// up: the webhook is dropped (Enqueue returns "" and no error, so that the change itself still commits, or the id
// when the Stream still takes the event: the bound is the receiver's, not the stream's) and counted in
// taskapi_webhook_dropped_total. Concurrent transactions of one user may each pass the check, so the bound may
// be passed by as many as commit together.
func (o *Outbox) Enqueue(ctx context.Context, tx bun.IDB, userID string, t EventType, at time.Time, data any) (string, error) {
	return o.EnqueueFor(ctx, tx, userID, "", t, at, data)
}

// EnqueueFor is Enqueue for an event of the list listID (a list's id; "" for none), which the stream's copy
// carries (StreamEvent.ListID).
func (o *Outbox) EnqueueFor(ctx context.Context, tx bun.IDB, userID, listID string, t EventType, at time.Time, data any) (string, error) {
	if !o.Wants(t) {
		return "", nil
	}
	if userID == "" {
		return "", errors.New("webhook: enqueue: no user id")
	}
	toStream := o.stream != nil && o.stream.Wants(t)
	toWebhook := o.cfg.Wants(t)
	if toWebhook {
		limit := o.cfg.maxPendingPerUser()
		var pending int
		err := tx.NewSelect().
			TableExpr("(?) AS p", tx.NewSelect().Model((*delivery)(nil)).ColumnExpr("1").
				Where("user_id = ?", userID).Where("status = ?", statusPending).Limit(int64(limit))).
			ColumnExpr("count(*)").
			Scan(ctx, &pending)
		if err != nil {
			return "", fmt.Errorf("webhook: enqueue %s: count the user's pending deliveries: %w", t, err)
		}
		if pending >= limit {
			// The bound is the webhook receiver's: the stream still gets the event.
			o.metrics.Load().dropped()
			toWebhook = false
		}
	}
	if !toWebhook && !toStream {
		return "", nil
	}
	body, err := json.Marshal(envelope{Type: t, Timestamp: at.UTC().Format("2006-01-02T15:04:05.000Z"), Data: data})
	if err != nil {
		return "", fmt.Errorf("webhook: enqueue %s: render the body: %w", t, err)
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	if toStream {
		ev := StreamEvent{ID: id, UserID: userID, ListID: listID, Type: t, At: at, Body: body}
		if err := o.stream.Enqueue(ctx, tx, ev); err != nil {
			return "", fmt.Errorf("webhook: enqueue %s: %w", t, err)
		}
	}
	if !toWebhook {
		return id, nil
	}
	now := model.DatabaseNow(tx, nil, 0)
	_, err = tx.NewInsert().Model(&delivery{ID: id, UserID: userID, Type: t, Body: string(body), Status: statusPending}).
		Value("next_attempt_at", "?", now).
		Value("created_at", "?", now).
		Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("webhook: enqueue %s: %w", t, err)
	}
	return id, nil
}

// Notify tells this instance's Worker (and the Stream) that a transaction which queued webhooks has committed, so
// that it sends them at once instead of when it next looks. Calling it when nothing was queued costs one look at the
// outbox.
func (o *Outbox) Notify() {
	if o == nil {
		return
	}
	if o.stream != nil {
		o.stream.Notify()
	}
	select {
	case o.wake <- struct{}{}:
	default: // a wake-up is already pending; one look covers both
	}
}

// newID makes a webhook-id: msg_ and a time-ordered UUID in hex, in the form the Standard Webhooks examples use.
func newID() (string, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("webhook: make an id: %w", err)
	}
	return "msg_" + hex.EncodeToString(u[:]), nil
}
