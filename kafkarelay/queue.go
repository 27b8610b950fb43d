package kafkarelay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"taskapi/model"
	"taskapi/webhook"
)

// outboxRow is one row of kafka_outbox: an event waiting to be produced.
type outboxRow struct {
	bun.BaseModel `bun:"table:kafka_outbox,alias:ko"`

	Seq            int64             `bun:"seq,pk,autoincrement"`
	ID             string            `bun:"id,notnull"`
	Key            string            `bun:"partition_key,notnull"`
	UserID         string            `bun:"user_id,notnull"`
	Type           webhook.EventType `bun:"type,notnull"`
	Body           string            `bun:"body,notnull"`
	OccurredAt     time.Time         `bun:"occurred_at,notnull"`
	Attempts       int               `bun:"attempts,notnull"`
	NextAttemptAt  time.Time         `bun:"next_attempt_at,notnull"`
	LeaseOwner     *string           `bun:"lease_owner"`
	LeaseExpiresAt *time.Time        `bun:"lease_expires_at"`
	LastError      *string           `bun:"last_error"`
	CreatedAt      time.Time         `bun:"created_at,notnull"`
}

// Queue is the outbox's Kafka side (a webhook.Stream): it queues events in kafka_outbox for the Relay of its
// instance to produce. A Queue with a zero Config queues nothing. It is safe for concurrent use.
type Queue struct {
	cfg  Config
	wake chan struct{}
}

var _ webhook.Stream = (*Queue)(nil)

// NewQueue returns the queue for cfg. Give it to the webhook outbox with webhook.Outbox.WithStream, and to NewRelay.
func NewQueue(cfg Config) *Queue {
	return &Queue{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wants reports whether events of type t are streamed: Kafka is configured and t has a topic. WEBHOOK_EVENTS does
// not matter here.
func (q *Queue) Wants(t webhook.EventType) bool {
	return q != nil && q.cfg.Enabled() && q.cfg.Topic(t) != ""
}

// Enqueue writes ev to kafka_outbox in tx, keyed by PartitionKey. Returns an error wrapping the database's when the
// row cannot be written.
func (q *Queue) Enqueue(ctx context.Context, tx bun.IDB, ev webhook.StreamEvent) error {
	if ev.UserID == "" || ev.ID == "" {
		return errors.New("kafkarelay: enqueue: no user id or event id")
	}
	now := model.DatabaseNow(tx, nil, 0)
	row := &outboxRow{
		ID: ev.ID, Key: PartitionKey(ev), UserID: ev.UserID, Type: ev.Type, Body: string(ev.Body),
		OccurredAt: ev.At.UTC(),
	}
	_, err := tx.NewInsert().Model(row).
		Value("next_attempt_at", "?", now).
		Value("created_at", "?", now).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("kafkarelay: enqueue %s: %w", ev.Type, err)
	}
	return nil
}

// Notify wakes this instance's Relay: a transaction that queued events has committed.
func (q *Queue) Notify() {
	if q == nil {
		return
	}
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is already pending; one look covers both
	}
}
