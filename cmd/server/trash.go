package main

import (
	"context"
	"log/slog"
	"time"

	"taskapi/clock"
	"taskapi/model"
)

// trashPurgeBatch is how many expired tasks one transaction of the trash purge deletes at most.
const trashPurgeBatch = 500

// purgeTrash deletes for good the tasks that have been in the trash longer than retention, now and then every
// tenth of retention (at most every 10 minutes), until ctx ends. Every instance runs it: the store's purge takes
// its rows FOR UPDATE SKIP LOCKED, as the reminder scheduler's claim does, so instances purging together delete
// disjoint tasks and none twice.
func purgeTrash(ctx context.Context, store *model.Store, clk clock.Clock, retention time.Duration, logger *slog.Logger) {
	// The trash of every user: the purge returns nothing of theirs but a count.
	ctx = model.AcrossUsers(ctx)
	every := min(10*time.Minute, retention/10)
	for ctx.Err() == nil {
		total := 0
		for {
			n, err := store.PurgeExpiredTrash(ctx, clk.Now().Add(-retention), trashPurgeBatch)
			total += n
			if err != nil {
				if ctx.Err() == nil {
					logger.Warn("trash: purging expired tasks failed; trying again later", "err", err)
				}
				break
			}
			if n < trashPurgeBatch {
				break
			}
		}
		if total > 0 {
			logger.Info("trash: purged expired tasks", "tasks", total, "retention", retention)
		}
		clock.Sleep(ctx, clk, every, nil)
	}
}
