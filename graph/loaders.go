package graph

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"taskapi/auth"
	"taskapi/model"
)

// loaders batch and cache the store reads of one HTTP request, for one user, so that the statements a request
// issues grow neither with the size of a page nor with the number of operations of a batch that ask for the same
// thing: the ids of task and node fields resolved together are fetched in one statement, and each nodes(ids) list,
// page, count, statistics and the tag list are read once however many fields and operations ask for them.
//
// Only task(id) and node(id) wait for each other to make a batch (a dataloader). Everything else is a memo: one
// statement per distinct question whatever the timing, so that what a request costs does not depend on how its
// goroutines were scheduled.
//
// A batch shares one set (the transport puts it in the request's context), which is what makes identical
// operations of a batch cost one. What a set has cached is only good until the next write: the transport clears it
// after every mutation of a batch (see clear), so the operations after a mutation read what it wrote, as if they ran
// in separate requests.
type loaders struct {
	userID string
	store  *model.Store

	tasks *dataloadgen.Loader[uuid.UUID, *model.Task]
	// reminders are the reminders of each task whose Task.reminders is asked for, read together.
	reminders *dataloadgen.Loader[uuid.UUID, []*model.Reminder]
	// users are the people reached through tasks and events (createdBy, actor), read together.
	users *dataloadgen.Loader[string, *model.User]
	// pending are the pendingCount of each list asked for, read together.
	pending *dataloadgen.Loader[uuid.UUID, int]
	// histories are the Task.history pages asked for by tasks that are not elements of a list, read together:
	// one loader per page arguments (first, after).
	historiesMu sync.Mutex
	histories   map[string]*dataloadgen.Loader[uuid.UUID, *model.TaskHistoryPage]
	// pageHistories are the Task.history pages of every task of a list (a page's nodes or edges), read at once
	// when the first of them asks: one statement per list and page arguments, however the fields are scheduled.
	pageHistories memo[map[uuid.UUID]*model.TaskHistoryPage]
	// viewerLists are the viewer's lists (for Task.list), read once.
	viewerLists memo[[]*model.TaskList]
	nodes       memo[[]*model.Task]
	lists       memo[*model.TaskPage]
	counts      memo[int]
	stats       memo[*model.TaskStats]
	tags        memo[[]model.TagCount]
}

// taskBatchWait is how long the task loader collects ids before it fetches them: long enough for the root fields
// of an operation, which gqlgen resolves concurrently, to ask together; short enough not to be noticed.
const taskBatchWait = time.Millisecond

func newLoaders(store *model.Store, userID string) *loaders {
	l := &loaders{userID: userID, store: store}
	l.tasks = dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([]*model.Task, []error) {
		tasks, err := store.TasksByID(ctx, userID, ids)
		if err != nil {
			return nil, []error{err}
		}
		return tasks, nil
	}, dataloadgen.WithWait(taskBatchWait))
	l.reminders = dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([][]*model.Reminder, []error) {
		rs, err := store.Reminders(ctx, userID, ids)
		if err != nil {
			return nil, []error{err}
		}
		return rs, nil
	}, dataloadgen.WithWait(taskBatchWait))
	l.users = dataloadgen.NewLoader(func(ctx context.Context, ids []string) ([]*model.User, []error) {
		us, err := store.Users(ctx, userID, ids)
		if err != nil {
			return nil, []error{err}
		}
		return us, nil
	}, dataloadgen.WithWait(taskBatchWait))
	l.pending = dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([]int, []error) {
		ns, err := store.PendingCounts(ctx, userID, ids)
		if err != nil {
			return nil, []error{err}
		}
		return ns, nil
	}, dataloadgen.WithWait(taskBatchWait))
	return l
}

type loadersKey struct{}

// WithLoaders returns ctx with a new loader set for the user the auth middleware verified, the one place on a
// request's path where the resolvers' viewer is read from the context (see Resolver.loaders). Without a verified
// user it returns ctx as it is: every resolver that would use the set refuses first.
func WithLoaders(ctx context.Context, store *model.Store) context.Context {
	v, ok := auth.FromContext(ctx)
	if !ok || v.ID == "" {
		return ctx
	}
	return context.WithValue(ctx, loadersKey{}, newLoaders(store, v.ID))
}

// ClearLoaders forgets everything the request's loaders have read. A transport that runs several operations on one
// context (a batch) calls it after each mutation, before the operations that follow it start.
func ClearLoaders(ctx context.Context) {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		l.clear()
	}
}

// loaders returns the request's loaders, which know whose they are: the set WithLoaders made for the verified
// user, or errUnauthenticated when the request has none. Outside a request that has a set (gqlgen's test client, a
// transport of someone else's) it returns a new set for the viewer in ctx, which still batches within the field
// that uses it.
func (r *Resolver) loaders(ctx context.Context) (*loaders, error) {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l, nil
	}
	userID, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	return newLoaders(r.Store, userID), nil
}

func (l *loaders) clear() {
	l.tasks.ClearAll()
	l.reminders.ClearAll()
	l.users.ClearAll()
	l.pending.ClearAll()
	l.historiesMu.Lock()
	l.histories = nil
	l.historiesMu.Unlock()
	l.pageHistories.clear()
	l.viewerLists.clear()
	l.nodes.clear()
	l.lists.clear()
	l.counts.clear()
	l.stats.clear()
	l.tags.clear()
}

// task returns the user's task, nil when the user has none with that id.
func (l *loaders) task(ctx context.Context, id uuid.UUID) (*model.Task, error) {
	return l.tasks.Load(ctx, id)
}

// tasksByID returns the user's tasks in the order of ids, nil where the user has none, in one statement per
// distinct list of ids.
func (l *loaders) tasksByID(ctx context.Context, ids []uuid.UUID) ([]*model.Task, error) {
	return l.nodes.get(ctx, jsonKey(ids), func() ([]*model.Task, error) { return l.store.TasksByID(ctx, l.userID, ids) })
}

// taskHistory returns a page of the history of the user's task id (see model.Store.TaskHistories). When the task
// is an element of a list of tasks (siblings, its page's tasks), the histories of the whole list are read at once,
// the first of its tasks to ask reading them for all; otherwise it is read together with the other tasks' that ask
// with the same first and after at about the same time.
func (l *loaders) taskHistory(ctx context.Context, id uuid.UUID, first int, after *string, siblings []uuid.UUID) (*model.TaskHistoryPage, error) {
	if slices.Contains(siblings, id) {
		pages, err := l.pageHistories.get(ctx, jsonKey([]any{first, after, siblings}), func() (map[uuid.UUID]*model.TaskHistoryPage, error) {
			pages, err := l.store.TaskHistories(ctx, l.userID, siblings, first, after)
			if err != nil {
				return nil, err
			}
			byID := make(map[uuid.UUID]*model.TaskHistoryPage, len(siblings))
			for i, id := range siblings {
				byID[id] = pages[i]
			}
			return byID, nil
		})
		if err != nil {
			return nil, err
		}
		return pages[id], nil
	}
	key := jsonKey([]any{first, after})
	l.historiesMu.Lock()
	loader, ok := l.histories[key]
	if !ok {
		loader = dataloadgen.NewLoader(func(ctx context.Context, ids []uuid.UUID) ([]*model.TaskHistoryPage, []error) {
			pages, err := l.store.TaskHistories(ctx, l.userID, ids, first, after)
			if err != nil {
				return nil, []error{err}
			}
			return pages, nil
		}, dataloadgen.WithWait(taskBatchWait))
		if l.histories == nil {
			l.histories = map[string]*dataloadgen.Loader[uuid.UUID, *model.TaskHistoryPage]{}
		}
		l.histories[key] = loader
	}
	l.historiesMu.Unlock()
	return loader.Load(ctx, id)
}

// list returns one of the viewer's lists, from all of them read once per request; model.ErrListNotFound when the
// viewer is not a member of it (a task of an old event, in a list they have left).
func (l *loaders) list(ctx context.Context, id uuid.UUID) (*model.TaskList, error) {
	lists, err := l.viewerLists.get(ctx, "", func() ([]*model.TaskList, error) { return l.store.Lists(ctx, l.userID) })
	if err != nil {
		return nil, err
	}
	for _, list := range lists {
		if list.ID == id {
			return list, nil
		}
	}
	return nil, model.ErrListNotFound
}

// listTasks returns a page of the user's tasks (see model.Store.ListTasks).
func (l *loaders) listTasks(ctx context.Context, q model.ListQuery) (*model.TaskPage, error) {
	return l.lists.get(ctx, jsonKey(q), func() (*model.TaskPage, error) { return l.store.ListTasks(ctx, l.userID, q) })
}

// countTasks counts the user's tasks that match filter (see model.Store.CountTasks).
func (l *loaders) countTasks(ctx context.Context, filter model.TaskFilter) (int, error) {
	return l.counts.get(ctx, jsonKey(filter), func() (int, error) { return l.store.CountTasks(ctx, l.userID, filter) })
}

// taskStats returns the user's statistics with "today" in loc, whose IANA name is zone, over every list of theirs
// or listID alone.
func (l *loaders) taskStats(ctx context.Context, zone string, loc *time.Location, listID *uuid.UUID) (*model.TaskStats, error) {
	return l.stats.get(ctx, zone+"|"+listKey(listID), func() (*model.TaskStats, error) {
		return l.store.Stats(ctx, l.userID, loc, listID)
	})
}

// listKey is listID in a memo's key; "" for every list.
func listKey(listID *uuid.UUID) string {
	if listID == nil {
		return ""
	}
	return listID.String()
}

// tagCounts returns the user's first tags by count (see model.Store.Tags), first at most model.MaxTagsPage. The tags are
// in a fixed order (count descending, then tag), so the longest list a client may ask for is read once and every
// shorter one is its beginning. The result is shared: callers must not change it.
func (l *loaders) tagCounts(ctx context.Context, first int, listID *uuid.UUID) ([]model.TagCount, error) {
	tags, err := l.tags.get(ctx, listKey(listID), func() ([]model.TagCount, error) {
		return l.store.Tags(ctx, l.userID, model.MaxTagsPage, listID)
	})
	return tags[:min(first, len(tags))], err
}

// memo shares one read among every field of a request that asks the same question (the same key), including
// fields that ask while the read is under way. A failed read is not remembered: the next field asks again.
type memo[V any] struct {
	mu    sync.Mutex
	calls map[string]*memoCall[V]
}

type memoCall[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// get returns the remembered answer for key, or reads it. A field that waits for another's read stops waiting when
// its own ctx ends.
func (m *memo[V]) get(ctx context.Context, key string, read func() (V, error)) (V, error) {
	m.mu.Lock()
	if c, ok := m.calls[key]; ok {
		m.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	c := &memoCall[V]{done: make(chan struct{})}
	if m.calls == nil {
		m.calls = map[string]*memoCall[V]{}
	}
	m.calls[key] = c
	m.mu.Unlock()

	c.val, c.err = read()
	if c.err != nil {
		m.mu.Lock()
		if m.calls[key] == c {
			delete(m.calls, key)
		}
		m.mu.Unlock()
	}
	close(c.done)
	return c.val, c.err
}

// clear forgets every answer; reads under way finish for the fields that wait for them.
func (m *memo[V]) clear() {
	m.mu.Lock()
	m.calls = nil
	m.mu.Unlock()
}

// jsonKey writes arguments as a cache key. Equal arguments give equal keys; arguments that differ only in ways that
// do not matter (the order of a list, the offset of an instant) give different keys, which costs a statement but
// never a wrong answer. The arguments are plain data, which always encodes; should one ever fail, its key is unique
// to this call, so it is read without sharing rather than shared wrongly.
func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable:" + uuid.NewString()
	}
	return string(b)
}
