// Package reminder fires tasks' reminders: a Scheduler in every instance sleeps until the next reminder is due and
// then fires the due ones through the store (model.Store.FireDueReminders), a write like a mutation's: in one
// transaction it claims them, marks them fired and records their REMINDER_DUE events, which the store's write path
// appends to the owners' feeds and hands to its sink (the reminder.due webhooks), and after the commit the read
// cache, the live subscriptions and the webhook worker learn of them as of any write. Each reminder fires exactly
// once however many instances run, and after a restart if it came due while none did.
package reminder

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"taskapi/clock"
	"taskapi/model"
)

// Options tune a Scheduler; zero fields take the defaults given.
type Options struct {
	// Logger receives database trouble. Default: discard.
	Logger *slog.Logger
	// Clock is what the scheduler waits with. Default: the system clock.
	Clock clock.Clock
	// DatabaseNow, when set, replaces the database's clock in the scheduler's statements (for tests that move time).
	DatabaseNow func() time.Time
	// Batch is how many reminders one transaction fires at most. Default: 100.
	Batch int
	// MaxIdle is the longest the scheduler sleeps without looking, when it knows of nothing due (it would miss a
	// reminder another instance created and then crashed before firing). Default: an hour, so that an idle Neon
	// compute may suspend.
	MaxIdle time.Duration
	// Fired, when set, is called with each batch after it has committed (for metrics and tests).
	Fired func([]model.FiredReminder)
}

// Scheduler fires due reminders. Make one with New, run it with Run, and call Notify when reminders were written.
type Scheduler struct {
	store *model.Store
	opts  Options
	wake  chan struct{}
}

// New returns a scheduler that fires reminders through store, whose event sink and read cache see the firings as
// they see any write.
func New(store *model.Store, opts Options) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = time.Hour
	}
	return &Scheduler{store: store, opts: opts, wake: make(chan struct{}, 1)}
}

// Notify tells the scheduler that reminders were created or moved (after the transaction committed), so that it
// looks again at once instead of sleeping past a nearer one. It never blocks.
func (s *Scheduler) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires reminders as they come due until ctx ends. Between batches it sleeps until the next reminder is due (by
// the database's clock), until Notify, or at most MaxIdle; database errors are logged and retried with a growing
// pause.
func (s *Scheduler) Run(ctx context.Context) {
	// Due reminders are every user's; each fired one is handed on with its own user's task only.
	ctx = model.AcrossUsers(ctx)
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		n, err := s.FireDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil && n == s.opts.Batch {
			backoff = 0
			continue // a full batch: more may be due
		}
		var wait time.Duration
		if err == nil {
			wait, err = s.untilNextDue(ctx)
		}
		if err != nil {
			backoff = min(max(2*backoff, time.Second), time.Minute)
			s.opts.Logger.Warn("reminders: cannot read the due reminders; trying again", "err", err, "in", backoff)
			wait = backoff
		} else {
			backoff = 0
		}
		clock.Sleep(ctx, s.opts.Clock, wait, s.wake)
	}
}

// FireDue fires one batch of due reminders (model.Store.FireDueReminders): the claim, which marks them fired, their
// REMINDER_DUE events and their webhooks commit together or not at all, so a reminder is never marked fired without
// its webhook, nor fired twice. It returns how many fired.
func (s *Scheduler) FireDue(ctx context.Context) (int, error) {
	ctx = model.AcrossUsers(ctx) // see Run
	fired, err := s.store.FireDueReminders(ctx, s.opts.DatabaseNow, s.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("reminder: %w", err)
	}
	if len(fired) > 0 && s.opts.Fired != nil {
		s.opts.Fired(fired)
	}
	return len(fired), nil
}

// untilNextDue is how long until the next reminder is due, a little past it so that the claim, a moment later on
// the same clock, certainly sees it due; at most MaxIdle.
func (s *Scheduler) untilNextDue(ctx context.Context) (time.Duration, error) {
	next, now, err := s.store.NextReminderDue(ctx, s.opts.DatabaseNow)
	if err != nil {
		return 0, err
	}
	if next == nil {
		return s.opts.MaxIdle, nil
	}
	return min(max(next.Sub(now)+10*time.Millisecond, 0), s.opts.MaxIdle), nil
}
