package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"taskapi/clock"
	"taskapi/model"
)

// trashPurgeBatch is how many expired tasks one transaction of the trash purge deletes at most.
const trashPurgeBatch = 500

// trashPurger deletes for good the tasks that have been in the trash longer than retention, now and then every
// tenth of retention (at most every 10 minutes), until ctx ends. Every instance runs one: the store's purge takes
// its rows FOR UPDATE SKIP LOCKED, as the reminder scheduler's claim does, so instances purging together delete
// disjoint tasks and none twice.
type trashPurger struct {
	store     *model.Store
	clock     clock.Clock
	retention time.Duration
	// batch is how many tasks one transaction deletes at most; 0 means trashPurgeBatch.
	batch   int
	logger  *slog.Logger
	metrics trashMetrics
	// afterRound, when set, is told how many tasks each round purged, before the purger sleeps (for tests).
	afterRound func(purged int)
}

// trashMetrics are the purge's series: taskapi_trash_purged_total (tasks this instance purged) and
// taskapi_trash_purge_failures_total (rounds that failed and were left for later).
type trashMetrics struct {
	purged, failures prometheus.Counter
}

func newTrashMetrics(reg prometheus.Registerer) trashMetrics {
	m := trashMetrics{
		purged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_trash_purged_total",
			Help: "Tasks this instance purged from the trash after TRASH_RETENTION.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_trash_purge_failures_total",
			Help: "Rounds of the trash purge that failed (a database error); the next round tries again.",
		}),
	}
	reg.MustRegister(m.purged, m.failures)
	return m
}

func (p trashPurger) run(ctx context.Context) {
	// The trash of every user: the purge returns nothing of theirs but a count.
	ctx = model.AcrossUsers(ctx)
	every := min(10*time.Minute, p.retention/10)
	batch := p.batch
	if batch <= 0 {
		batch = trashPurgeBatch
	}
	for ctx.Err() == nil {
		total := 0
		for {
			n, err := p.store.PurgeExpiredTrash(ctx, p.clock.Now().Add(-p.retention), batch)
			total += n
			p.metrics.purged.Add(float64(n))
			if err != nil {
				if ctx.Err() == nil {
					p.metrics.failures.Inc()
					p.logger.Warn("trash: purging expired tasks failed; trying again later", "err", err)
				}
				break
			}
			if n < batch {
				break
			}
		}
		if total > 0 {
			p.logger.Info("trash: purged expired tasks", "tasks", total, "retention", p.retention)
		}
		if p.afterRound != nil {
			p.afterRound(total)
		}
		clock.Sleep(ctx, p.clock, every, nil)
	}
}
