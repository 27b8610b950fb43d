package migrations

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The webhook outbox: one row per webhook to send, written in the transaction of the change it reports, so that a
// committed change always gets its webhook and a rolled-back one never does.
//
// id is the webhook-id header, the same on every attempt. body is the exact JSON that every attempt sends (the
// signature covers it). A row is pending until it is delivered or given up; next_attempt_at is when it is due, and
// while an instance holds its lease it is the lease's expiry, so that one partial index finds both what is due and
// what a crashed instance left behind. Finished rows are kept for a while for inspection, then pruned.
func init() {
	Migrations.MustRegister(webhookDeliveriesUp, webhookDeliveriesDown)
}

var webhookDeliveriesPostgres = []string{
	`CREATE TABLE webhook_deliveries (
		id text PRIMARY KEY,
		user_id text NOT NULL,
		type text NOT NULL,
		body text NOT NULL,
		status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
		attempts integer NOT NULL DEFAULT 0,
		next_attempt_at timestamptz NOT NULL,
		lease_owner text,
		lease_expires_at timestamptz,
		last_error text,
		created_at timestamptz NOT NULL,
		finished_at timestamptz
	)`,
}

var webhookDeliveriesSQLite = []string{
	`CREATE TABLE webhook_deliveries (
		id TEXT PRIMARY KEY NOT NULL,
		user_id TEXT NOT NULL,
		type TEXT NOT NULL,
		body TEXT NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at TEXT NOT NULL,
		lease_owner TEXT,
		lease_expires_at TEXT,
		last_error TEXT,
		created_at TEXT NOT NULL,
		finished_at TEXT
	)`,
}

var webhookDeliveriesIndexes = []string{
	// The worker's claim and its "when is the next one due" both read pending rows in next_attempt_at order.
	`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
	// Pruning finished rows.
	`CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (finished_at) WHERE status <> 'pending'`,
}

func webhookDeliveriesUp(ctx context.Context, db *bun.DB) error {
	statements := webhookDeliveriesSQLite
	if db.Dialect().Name() == dialect.PG {
		statements = webhookDeliveriesPostgres
	}
	return execAll(ctx, db, append(append([]string(nil), statements...), webhookDeliveriesIndexes...))
}

func webhookDeliveriesDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{`DROP TABLE IF EXISTS webhook_deliveries`})
}
