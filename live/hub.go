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

// subscription is one subscription of a user. It holds no goroutine while it waits: a wake-up starts one
// (deliver), which reads the feed after the subscription's cursor and hands the events on, and ends when the feed
// has nothing more. With thousands of idle subscriptions, a goroutine parked in each (with the stack its reads of
// the feed had grown) was a large part of what an idle subscription cost.
type subscription struct {
	userID  string
	started bool // its starting position is read (see Hub.start); until then no check wakes it; under Hub.mu

	ctx  context.Context
	out  chan *model.TaskEvent
	push func() // with a Push: takes each event from out as it is handed over, and sees out closed

	mu      sync.Mutex
	page    *model.TaskEventPage // what is read and not handed on yet; its EndCursor is where the next read starts
	running bool                 // deliver runs
	woken   bool                 // a wake-up came, and deliver has not read the feed since: it reads before it ends
	closed  bool                 // out is closed: ctx ended, or the subscription cannot go on
	stop    func() bool          // stops the context.AfterFunc that ends the subscription with ctx
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
				s.wakeUp(h)
			}
		}
	}
}

// wakeUp makes s read the feed: it starts deliver, or, when deliver runs, has it read once more before it ends.
// Called under Hub.mu.
func (s *subscription) wakeUp(h *Hub) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.woken = true
	if !s.running {
		s.running = true
		go h.deliver(s)
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
	s := &subscription{userID: userID}
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
		s.wakeUp(h)
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
	s.ctx, s.page = ctx, page
	if p, ok := ctx.Value(pushKey{}).(*Push); ok && !p.taken {
		p.taken = true
		s.push, s.out = p.ready, make(chan *model.TaskEvent, 1)
	} else {
		s.out = make(chan *model.TaskEvent)
	}
	s.stop = context.AfterFunc(ctx, func() { h.end(s) })
	h.start(s, pos)
	if len(page.Events) > 0 || page.HasMore {
		// The page is handed on, and what follows it read, at once (unless start's wake-up has seen to it).
		s.mu.Lock()
		if !s.running {
			s.running = true
			go h.deliver(s)
		}
		s.mu.Unlock()
	}
	return s.out, nil
}

// deliver hands s's page of events on, then reads on from the feed while it has more or a wake-up came meanwhile;
// then it returns, and the subscription holds no goroutine until the next wake-up. One runs at a time per
// subscription (s.running), so the events go out in feed order.
func (h *Hub) deliver(s *subscription) {
	for {
		s.mu.Lock()
		page := s.page
		s.mu.Unlock()
		for _, ev := range page.Events {
			select {
			case s.out <- ev:
				if s.push != nil {
					s.push()
				}
				if h.opts.Observer != nil {
					h.opts.Observer.Delivered(h.opts.Now().Sub(ev.At))
				}
			case <-s.ctx.Done():
				h.stopped(s)
				return
			}
		}
		s.mu.Lock()
		s.page = &model.TaskEventPage{EndCursor: page.EndCursor}
		if !page.HasMore && !s.woken {
			s.running = false
			s.mu.Unlock()
			if s.ctx.Err() != nil {
				h.end(s) // its context ended while deliver ran: end left the rest to it
			}
			return
		}
		s.woken = false
		s.mu.Unlock()
		next, ok := h.read(s.ctx, s.userID, page.EndCursor)
		if !ok {
			h.stopped(s)
			return
		}
		s.mu.Lock()
		s.page = next
		s.mu.Unlock()
	}
}

// stopped ends s from deliver, which returns: its context ended, or its cursor is gone from the feed.
func (h *Hub) stopped(s *subscription) {
	s.stop()
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	h.end(s)
}

// end closes s's channel and forgets s, once deliver is not running (deliver calls it as it stops otherwise).
func (h *Hub) end(s *subscription) {
	s.mu.Lock()
	if s.running || s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	h.unregister(s)
	close(s.out)
	if s.push != nil {
		s.push()
	}
}

// Push lets the caller of Subscribe take the events without a goroutine waiting on the channel: a transport that
// serves thousands of idle subscriptions holds no goroutine for each. Subscribe, given a context that carries a
// Push (WithPush), takes it (Taken reports that), and then calls its function on a goroutine of the hub each time it
// has handed an event to the channel, which the function must read before it returns, and once after the channel
// is closed. The calls for one subscription come one at a time, in feed order; the function may block (a slow
// client holds up that subscription alone). Without a Push, or when another Subscribe took it, the channel is read as
// usual.
type Push struct {
	ready func()
	taken bool
}

// NewPush returns a Push that calls ready.
func NewPush(ready func()) *Push { return &Push{ready: ready} }

// Taken reports whether a subscription took p: its events come through p's function, not to a reader of the
// channel. Call it after Subscribe has returned, on the goroutine that called it.
func (p *Push) Taken() bool { return p.taken }

type pushKey struct{}

// WithPush returns ctx carrying p, for Subscribe.
func WithPush(ctx context.Context, p *Push) context.Context {
	return context.WithValue(ctx, pushKey{}, p)
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
