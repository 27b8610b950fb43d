package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The Kafka outbox: one row per event to produce to Kafka, written in the transaction of the change it reports (by
// webhook.Outbox.Enqueue, beside the webhook's row and with the same id), so that a committed change always reaches
// Kafka and a rolled-back one never does. A row is deleted once the broker has acknowledged it.
//
// seq is the order of the rows: the writes of one key's events are serialized by their users' feed heads, so one
// key's rows get increasing seq in the order they commit. Only a key's first row (its head) is ever produced, so a
// key's next event waits until the previous one is acknowledged, whichever instance produced it. next_attempt_at is
// when a row is due, and while an instance holds its lease it is the lease's expiry, as in webhook_deliveries.
func init() {
	Migrations.MustRegister(kafkaOutboxUp, kafkaOutboxDown)
}

var kafkaOutboxPostgres = []string{
	`CREATE TABLE kafka_outbox (
		seq bigserial PRIMARY KEY,
		id text NOT NULL UNIQUE,
		partition_key text NOT NULL,
		user_id text NOT NULL,
		type text NOT NULL,
		body text NOT NULL,
		occurred_at timestamptz NOT NULL,
		attempts integer NOT NULL DEFAULT 0,
		next_attempt_at timestamptz NOT NULL,
		lease_owner text,
		lease_expires_at timestamptz,
		last_error text,
		created_at timestamptz NOT NULL
	)`,
}

var kafkaOutboxSQLite = []string{
	`CREATE TABLE kafka_outbox (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		partition_key TEXT NOT NULL,
		user_id TEXT NOT NULL,
		type TEXT NOT NULL,
		body TEXT NOT NULL,
		occurred_at TEXT NOT NULL,
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at TEXT NOT NULL,
		lease_owner TEXT,
		lease_expires_at TEXT,
		last_error TEXT,
		created_at TEXT NOT NULL
	)`,
}

var kafkaOutboxIndexes = []string{
	// A row is a key's head when no row of the same key has a smaller seq.
	`CREATE INDEX kafka_outbox_key_idx ON kafka_outbox (partition_key, seq)`,
	// The relay's claim and its "when is the next one due".
	`CREATE INDEX kafka_outbox_due_idx ON kafka_outbox (next_attempt_at)`,
}

func kafkaOutboxUp(ctx context.Context, db *bun.DB) error {
	statements := kafkaOutboxSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = kafkaOutboxPostgres
	}
	return execAll(ctx, db, append(append([]string(nil), statements...), kafkaOutboxIndexes...))
}

func kafkaOutboxDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{`DROP TABLE IF EXISTS kafka_outbox`})
}
