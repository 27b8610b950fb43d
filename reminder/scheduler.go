// Package reminder fires tasks' reminders: a Scheduler in every instance claims the due ones from the database,
// and in the same transaction marks them fired, appends their REMINDER_DUE events to the owners' feeds and queues
// their reminder.due webhooks, so that each reminder fires
// exactly once however many instances run, and after a restart if it came due while none did.
package reminder

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"taskapi/clock"
	"taskapi/model"
	"taskapi/webhook"
)

// Render makes the data of a reminder.due webhook for a reminder that fired, with its task as it was then.
type Render func(userID string, task *model.Task, reminder *model.Reminder) any

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
	db     *bun.DB
	outbox *webhook.Outbox
	render Render
	opts   Options
	wake   chan struct{}
}

// New returns a scheduler over db that queues the webhooks of fired reminders in outbox (which may queue none),
// their data rendered by render.
func New(db *bun.DB, outbox *webhook.Outbox, render Render, opts Options) *Scheduler {
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
	return &Scheduler{db: db, outbox: outbox, render: render, opts: opts, wake: make(chan struct{}, 1)}
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
		s.sleep(ctx, wait)
	}
}

func (s *Scheduler) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	timer := make(chan struct{})
	stop := s.opts.Clock.AfterFunc(d, func() { close(timer) })
	defer stop()
	select {
	case <-timer:
	case <-s.wake:
	case <-ctx.Done():
	}
}

// FireDue fires one batch of due reminders in one transaction: the claim (model.FireDueReminders, which marks them
// fired), their REMINDER_DUE events in the owners' feeds and their webhooks commit together or not at all, so a reminder is never marked fired without its webhook,
// nor fired twice. It returns how many fired.
func (s *Scheduler) FireDue(ctx context.Context) (int, error) {
	ctx = model.AcrossUsers(ctx) // see Run
	var fired []model.FiredReminder
	queued := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if fired, err = model.FireDueReminders(ctx, tx, s.opts.DatabaseNow, s.opts.Batch); err != nil {
			return err
		}
		if err := appendEvents(ctx, tx, fired); err != nil {
			return err
		}
		for _, f := range fired {
			id, err := s.outbox.Enqueue(ctx, tx, f.Task.UserID, webhook.ReminderDue, *f.Reminder.FiredAt,
				s.render(f.Task.UserID, f.Task, f.Reminder))
			if err != nil {
				return err
			}
			queued = queued || id != ""
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reminder: fire due reminders: %w", err)
	}
	if queued {
		s.outbox.Notify()
	}
	if len(fired) > 0 && s.opts.Fired != nil {
		s.opts.Fired(fired)
	}
	return len(fired), nil
}

// appendEvents appends a REMINDER_DUE event for each fired reminder to its user's feed, with the task as it was when
// the reminder fired. Users are taken in one order (by id), so that two schedulers, whose batches may share users,
// lock the users' feed heads in the same order and never wait for each other in a circle.
func appendEvents(ctx context.Context, tx bun.IDB, fired []model.FiredReminder) error {
	byUser := map[string][]model.NewEvent{}
	at := map[string]time.Time{}
	for _, f := range fired {
		reminder, err := json.Marshal(f.Reminder)
		if err != nil {
			return err
		}
		u := f.Task.UserID
		byUser[u] = append(byUser[u], model.NewEvent{Kind: model.TaskEventReminderDue, TaskID: f.Task.ID, Task: f.Task, Reminder: reminder})
		at[u] = *f.Reminder.FiredAt
	}
	for _, u := range slices.Sorted(maps.Keys(byUser)) {
		if _, err := model.AppendEvents(ctx, tx, u, at[u], byUser[u]...); err != nil {
			return err
		}
	}
	return nil
}

// untilNextDue is how long until the next reminder is due, a little past it so that the claim, a moment later on
// the same clock, certainly sees it due; at most MaxIdle.
func (s *Scheduler) untilNextDue(ctx context.Context) (time.Duration, error) {
	next, now, err := model.NextReminderDue(ctx, s.db, s.opts.DatabaseNow)
	if err != nil {
		return 0, err
	}
	if next == nil {
		return s.opts.MaxIdle, nil
	}
	return min(max(next.Sub(now)+10*time.Millisecond, 0), s.opts.MaxIdle), nil
}
