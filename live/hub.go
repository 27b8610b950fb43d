// Package live follows users' event feeds (appended by every write of model.Store, see its write path) for the
// subscriptions of one instance.
//
// The feed in the database is the only source of events: a Hub never carries an event itself, it only wakes the
// subscriptions whose user's feed has grown, and each subscription reads what is new from the feed, after its own
// cursor, at its own pace. So every event reaches every subscription once and in order, whichever instance wrote it;
// a slow subscription holds up nobody (it reads later, or more at once); and a lost wake-up costs latency, never an
// event.
//
// The wake-ups come from the store (model.Store.WatchFeeds): on PostgreSQL, LISTEN on model.FeedChannel, whose
// notifications (sent at commit by every write that appended events) name the users whose feeds moved, and are only
// a cue to look at the heads of those of them this instance follows, never trusted for what the heads are; on
// SQLite, the store's signal after each write of this process has committed, which names them too. So the work of a
// notification grows with the users whose feeds moved, not with those followed. And a poll of every followed head
// every Options.Poll (one statement per 500 users), which covers notifications that were lost (pgdriver's Listener
// drops them when its buffer is full and while it reconnects; see model.ListenerEvents).
//
// A new subscription costs one statement, when it starts: the read of its starting position (or of the page after
// its cursor). It is counted (Subscriptions, Observer.Subscribed) only then, and its start is what the hub knows of
// the user's feed, so the next poll or notification does not wake it, nor every other new one, for nothing.
package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"taskapi/model"
)

// Options are a Hub's settings. Zero values take the defaults.
type Options struct {
	// ListenDB is the PostgreSQL database whose connector the LISTEN connection is dialled through: one opened on
	// DATABASE_LISTEN_URL, which must reach PostgreSQL directly (a transaction pooler cannot LISTEN). Nil: the
	// store's database.
	ListenDB *bun.DB
	// Poll is how often the heads of the followed feeds are read whatever the notifications say (default 1 s): the
	// longest a lost notification delays an event.
	Poll time.Duration
	// MaxPerUser caps one user's subscriptions on this instance (default 20).
	MaxPerUser int
	// Retention is how long events are kept at least (default 168h); every PruneEvery (default the smaller of 10
	// minutes and Retention/10) the hub deletes older ones.
	Retention  time.Duration
	PruneEvery time.Duration
	// Batch is how many events a subscription reads from the feed at once (default 100).
	Batch int
	// Logger receives the hub's warnings (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock that pruning and delivery lag use (default time.Now).
	Now func() time.Time
	// Observer, when set, is told about subscriptions and deliveries (for metrics).
	Observer Observer
	// OnNotify, when set, is called (and must not block) whenever some feed may have grown: at each cue of
	// model.Store.WatchFeeds (a notification on PostgreSQL, whichever instance wrote; a write of this process on
	// SQLite). Other background jobs
	// that sleep until told (the reminder scheduler, the webhook worker) take the same cue instead of polling.
	OnNotify func()
}

// Observer is told what a Hub does. Its methods must not block.
type Observer interface {
	// Subscribed is called when a subscription starts, Unsubscribed when it ends.
	Subscribed()
	Unsubscribed()
	// Delivered is called for each event handed to a subscription, with how long after the change that was.
	Delivered(lag time.Duration)
}

func (o *Options) defaults() {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxPerUser <= 0 {
		o.MaxPerUser = 20
	}
	if o.Retention <= 0 {
		o.Retention = 168 * time.Hour
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = min(10*time.Minute, o.Retention/10)
	}
	if o.Batch <= 0 {
		o.Batch = model.DefaultEventPageSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Hub wakes the subscriptions of one instance. Make one with New and start it with Run.
type Hub struct {
	store *model.Store
	opts  Options

	mu    sync.Mutex
	users map[string]*follower
	total int
}

// follower is what the hub knows of one user's feed: the subscriptions to wake and the last head it saw or a
// subscription started at (-1 before either).
type follower struct {
	subs  map[*subscription]struct{}
	known int64
}

type subscription struct {
	userID  string
	wake    chan struct{} // one pending wake-up at most
	started bool          // its starting position is read (see Hub.start); until then no check wakes it
}

// New returns a hub that learns of new events from store (model.Store.WatchFeeds) and reads them through it.
func New(store *model.Store, opts Options) *Hub {
	opts.defaults()
	return &Hub{store: store, opts: opts, users: map[string]*follower{}}
}

// Run watches for new events and prunes old ones until ctx ends; it returns nil then. Subscriptions made before Run
// starts are served from its start on.
func (h *Hub) Run(ctx context.Context) error {
	watch, err := h.store.WatchFeeds(ctx, h.opts.ListenDB)
	if err != nil && ctx.Err() == nil {
		// The listener keeps trying to connect and listen; until it does, the poll serves.
		h.opts.Logger.WarnContext(ctx, "live: LISTEN failed; polling until the listener reconnects", "err", err)
	}
	defer watch.Stop()
	poll := time.NewTicker(h.opts.Poll)
	defer poll.Stop()
	prune := time.NewTicker(h.opts.PruneEvery)
	defer prune.Stop()
	h.prune(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-watch.C():
			h.notified()
			users, all := watch.Moved()
			h.check(ctx, users, all)
		case <-poll.C:
			h.check(ctx, nil, true)
		case <-prune.C:
			h.prune(ctx)
		}
	}
}

// notified passes a wake-up on to Options.OnNotify.
func (h *Hub) notified() {
	if h.opts.OnNotify != nil {
		h.opts.OnNotify()
	}
}

// check reads the heads of the followed feeds among moved (of every followed feed when all) and wakes the
// subscriptions of those that grew.
func (h *Hub) check(ctx context.Context, moved []string, all bool) {
	h.mu.Lock()
	var users []string
	if all {
		users = make([]string, 0, len(h.users))
		for u := range h.users {
			users = append(users, u)
		}
	} else {
		for _, u := range moved {
			if h.users[u] != nil {
				users = append(users, u)
			}
		}
	}
	h.mu.Unlock()
	if len(users) == 0 {
		return
	}
	heads, err := h.store.FeedHeads(ctx, users)
	if err != nil {
		if ctx.Err() == nil {
			h.opts.Logger.WarnContext(ctx, "live: cannot read the feed heads; retrying at the next poll", "err", err)
		}
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range users {
		f := h.users[u]
		if f == nil || heads[u] <= f.known {
			continue
		}
		f.known = heads[u]
		for s := range f.subs {
			if s.started {
				s.wakeUp()
			}
		}
	}
}

func (s *subscription) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) prune(ctx context.Context) {
	n, err := h.store.PruneEvents(ctx, h.opts.Now().Add(-h.opts.Retention))
	switch {
	case err != nil && ctx.Err() == nil:
		h.opts.Logger.WarnContext(ctx, "live: pruning the event feed failed; retrying later", "err", err)
	case n > 0:
		h.opts.Logger.InfoContext(ctx, "live: pruned old events", "events", n, "retention", h.opts.Retention)
	}
}

// Subscriptions returns how many subscriptions are open on this hub.
func (h *Hub) Subscriptions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// register adds a subscription of userID, not started yet (see start); model.ErrTooManySubscriptions when the user
// has MaxPerUser already.
func (h *Hub) register(userID string) (*subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.users[userID]
	if f == nil {
		f = &follower{subs: map[*subscription]struct{}{}, known: -1}
		h.users[userID] = f
	}
	if len(f.subs) >= h.opts.MaxPerUser {
		return nil, model.ErrTooManySubscriptions
	}
	s := &subscription{userID: userID, wake: make(chan struct{}, 1)}
	f.subs[s] = struct{}{}
	return s, nil
}

// start counts s, registered before its starting position pos was read, as a subscription from now on. Whatever
// the hub learnt of the user's feed meanwhile is weighed against pos: a head past it wakes s (checks skip it until
// now); a first follower's pos is what the hub knows of the feed, so that the next check wakes nobody unless the
// feed has grown since.
func (h *Hub) start(s *subscription, pos int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.users[s.userID]
	s.started = true
	switch {
	case f.known < 0:
		f.known = pos
	case f.known > pos:
		s.wakeUp()
	}
	h.total++
	if h.opts.Observer != nil {
		h.opts.Observer.Subscribed()
	}
}

func (h *Hub) unregister(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.users[s.userID]
	if _, ok := f.subs[s]; !ok {
		return
	}
	delete(f.subs, s)
	if len(f.subs) == 0 {
		delete(h.users, s.userID)
	}
	if !s.started {
		return
	}
	h.total--
	if h.opts.Observer != nil {
		h.opts.Observer.Unsubscribed()
	}
}

// Subscribe follows the user's feed until ctx ends: with after, every event after that cursor and then each new one
// as it is committed; without, the events committed from now on. Each event comes once, in feed order; the channel
// is closed when ctx ends (or, should the database lose the feed the cursor points into, when it cannot go on).
//
// The first read happens before Subscribe returns, so its errors are Subscribe's: *model.InputError for a
// malformed or foreign after (field "after"), model.ErrTooManySubscriptions when the user has Options.MaxPerUser
// subscriptions already, and the store's errors (model.ErrUnavailable). When ctx ends during that read, the
// channel comes back closed and the error nil. Later database errors are retried: the subscription waits and
// reads on from its cursor.
func (h *Hub) Subscribe(ctx context.Context, userID string, after *string) (<-chan *model.TaskEvent, error) {
	s, err := h.register(userID)
	if err != nil {
		return nil, err
	}
	// Registered before the first read, counted after it (start): whatever commits after that read wakes this
	// subscription, and whoever learns that it is counted (the gauge of subscriptions) can rely on it to receive
	// what commits from then on.
	var page *model.TaskEventPage
	if after != nil {
		page, err = h.store.TaskEvents(ctx, userID, *after, h.opts.Batch)
	} else {
		var cursor string
		cursor, err = h.store.TaskEventCursor(ctx, userID)
		page = &model.TaskEventPage{EndCursor: cursor}
	}
	if err != nil {
		h.unregister(s)
		if ctx.Err() != nil {
			// The operation ended while it started (its client completed it, or the socket closed): there is
			// nothing to deliver and nothing went wrong, which an error would say, as an internal one.
			out := make(chan *model.TaskEvent)
			close(out)
			return out, nil
		}
		return nil, err
	}
	// The page ends at the feed's position when it was read, unless it has more (then s reads on without waiting).
	pos, err := model.ParseEventCursor(userID, page.EndCursor)
	if err != nil {
		h.unregister(s)
		return nil, err
	}
	h.start(s, pos)
	out := make(chan *model.TaskEvent)
	go h.follow(ctx, s, page, out)
	return out, nil
}

// follow hands page's events to out, then reads on from the feed whenever the hub wakes it, until ctx ends.
func (h *Hub) follow(ctx context.Context, s *subscription, page *model.TaskEventPage, out chan<- *model.TaskEvent) {
	defer close(out)
	defer h.unregister(s)
	for {
		for _, ev := range page.Events {
			select {
			case out <- ev:
				if h.opts.Observer != nil {
					h.opts.Observer.Delivered(h.opts.Now().Sub(ev.At))
				}
			case <-ctx.Done():
				return
			}
		}
		if !page.HasMore {
			select {
			case <-s.wake:
			case <-ctx.Done():
				return
			}
		}
		next, ok := h.read(ctx, s.userID, page.EndCursor)
		if !ok {
			return
		}
		page = next
	}
}

// read reads the feed after cursor, retrying while the database fails, until ctx ends (ok false then).
func (h *Hub) read(ctx context.Context, userID, cursor string) (*model.TaskEventPage, bool) {
	delay := 100 * time.Millisecond
	for {
		page, err := h.store.TaskEvents(ctx, userID, cursor, h.opts.Batch)
		if err == nil {
			return page, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		var input *model.InputError
		if errors.As(err, &input) {
			// The cursor came from the feed itself: the feed it points into is gone (a database restored from
			// an older backup). Ending the subscription makes the client resubscribe and refetch.
			h.opts.Logger.WarnContext(ctx, "live: the feed no longer has this subscription's cursor; ending it", "err", err)
			return nil, false
		}
		h.opts.Logger.WarnContext(ctx, "live: reading the event feed failed; retrying", "err", err, "in", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, false
		}
		delay = min(2*delay, 5*time.Second)
	}
}
