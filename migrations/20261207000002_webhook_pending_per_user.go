package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// The outbox's pending deliveries by user: Enqueue counts a user's pending deliveries against
// WEBHOOK_MAX_PENDING_PER_USER in the transaction of every change that queues a webhook, and the worker's claim
// numbers each user's due deliveries to take them round robin. Without it both would read every user's pending rows.
func init() {
	Migrations.MustRegister(webhookPendingPerUserUp, webhookPendingPerUserDown)
}

func webhookPendingPerUserUp(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{
		`CREATE INDEX webhook_deliveries_pending_user_idx ON webhook_deliveries (user_id, next_attempt_at) WHERE status = 'pending'`,
	})
}

func webhookPendingPerUserDown(ctx context.Context, db *bun.DB) error {
	return execAll(ctx, db, []string{`DROP INDEX IF EXISTS webhook_deliveries_pending_user_idx`})
}
