package graph

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"taskapi/auth"
	"taskapi/model"
)

// loaders batch and cache the store reads of one HTTP request, for one user, so that the statements a request
// issues grow neither with the size of a page nor with the number of operations of a batch that ask for the same
// thing: the ids of task and node fields resolved together are fetched in one statement, nodes(ids) in one, and
// each list, count, statistics and the tag list are read once however many fields and operations ask for them.
//
// Only task(id) and node(id) wait for each other to make a batch. Everything else is one statement per distinct
// question whatever the timing, so that what a request costs does not depend on how its goroutines were scheduled.
//
// A batch shares one set (the transport puts it in the request's context), which is what makes identical
// operations of a batch cost one. What a set has cached is only good until the next write: the transport clears it
// after every mutation of a batch (see clear), so the operations after a mutation read what it wrote, as if they ran
// in separate requests.
type loaders struct {
	userID string
	store  *model.Store

	tasks  *dataloadgen.Loader[uuid.UUID, *model.Task]
	nodes  *dataloadgen.Loader[string, []*model.Task]
	lists  *dataloadgen.Loader[string, *model.TaskPage]
	counts *dataloadgen.Loader[string, int]
	stats  *dataloadgen.Loader[string, *model.TaskStats]
	tags   *dataloadgen.Loader[struct{}, []model.TagCount]

	// The lists and counts are keyed by their arguments written as JSON (what the loaders need: comparable keys);
	// these remember the arguments behind each key.
	mu        sync.Mutex
	nodeArgs  map[string][]uuid.UUID
	listArgs  map[string]model.ListQuery
	countArgs map[string]model.TaskFilter
	zones     map[string]*time.Location
}

// taskBatchWait is how long the task loader collects ids before it fetches them: long enough for the root fields
// of an operation, which gqlgen resolves concurrently, to ask together; short enough not to be noticed.
const taskBatchWait = time.Millisecond

func newLoaders(store *model.Store, userID string) *loaders {
	l := &loaders{
		userID: userID, store: store,
		nodeArgs: map[string][]uuid.UUID{}, listArgs: map[string]model.ListQuery{}, countArgs: map[string]model.TaskFilter{},
		zones: map[string]*time.Location{},
	}
	l.tasks = dataloadgen.NewLoader(l.fetchTasks, dataloadgen.WithWait(taskBatchWait))
	// The others are there for their cache: each key is one statement of its own, so they do not wait to collect a
	// batch.
	l.nodes = dataloadgen.NewLoader(l.fetchNodes, dataloadgen.WithWait(0))
	l.lists = dataloadgen.NewLoader(l.fetchLists, dataloadgen.WithWait(0))
	l.counts = dataloadgen.NewLoader(l.fetchCounts, dataloadgen.WithWait(0))
	l.stats = dataloadgen.NewLoader(l.fetchStats, dataloadgen.WithWait(0))
	l.tags = dataloadgen.NewLoader(l.fetchTags, dataloadgen.WithWait(0))
	return l
}

type loadersKey struct{}

// withLoaders returns ctx with a new loader set for the user the auth middleware verified (none when there is
// none: every resolver that would use it refuses first).
func withLoaders(ctx context.Context, store *model.Store) context.Context {
	userID := ""
	if v, ok := auth.FromContext(ctx); ok {
		userID = v.ID
	}
	return context.WithValue(ctx, loadersKey{}, newLoaders(store, userID))
}

// clearLoaders forgets everything the request's loaders have read. The transport calls it after each mutation.
func clearLoaders(ctx context.Context) {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		l.clear()
	}
}

// loaders returns the request's loaders for userID. Outside a request that has them (gqlgen's test client, a
// transport of someone else's) it returns a new set, which still batches within the field that uses it.
func (r *Resolver) loaders(ctx context.Context, userID string) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok && l.userID == userID {
		return l
	}
	return newLoaders(r.Store, userID)
}

func (l *loaders) clear() {
	l.tasks.ClearAll()
	l.nodes.ClearAll()
	l.lists.ClearAll()
	l.counts.ClearAll()
	l.stats.ClearAll()
	l.tags.ClearAll()
}

// task returns the user's task, nil when the user has none with that id.
func (l *loaders) task(ctx context.Context, id uuid.UUID) (*model.Task, error) {
	return l.tasks.Load(ctx, id)
}

// tasksByID returns the user's tasks in the order of ids, nil where the user has none, in one statement per
// distinct list of ids.
func (l *loaders) tasksByID(ctx context.Context, ids []uuid.UUID) ([]*model.Task, error) {
	key, ok := jsonKey(ids)
	if !ok {
		return l.store.TasksByID(ctx, l.userID, ids)
	}
	l.mu.Lock()
	if _, ok := l.nodeArgs[key]; !ok {
		l.nodeArgs[key] = ids
	}
	l.mu.Unlock()
	return l.nodes.Load(ctx, key)
}

// listTasks returns a page of the user's tasks (see model.Store.ListTasks).
func (l *loaders) listTasks(ctx context.Context, q model.ListQuery) (*model.TaskPage, error) {
	key, ok := jsonKey(q)
	if !ok {
		return l.store.ListTasks(ctx, l.userID, q)
	}
	l.mu.Lock()
	if _, ok := l.listArgs[key]; !ok {
		l.listArgs[key] = q
	}
	l.mu.Unlock()
	return l.lists.Load(ctx, key)
}

// countTasks counts the user's tasks that match filter (see model.Store.CountTasks).
func (l *loaders) countTasks(ctx context.Context, filter model.TaskFilter) (int, error) {
	key, ok := jsonKey(filter)
	if !ok {
		return l.store.CountTasks(ctx, l.userID, filter)
	}
	l.mu.Lock()
	if _, ok := l.countArgs[key]; !ok {
		l.countArgs[key] = filter
	}
	l.mu.Unlock()
	return l.counts.Load(ctx, key)
}

// taskStats returns the user's statistics with "today" in loc, whose IANA name is zone.
func (l *loaders) taskStats(ctx context.Context, zone string, loc *time.Location) (*model.TaskStats, error) {
	l.mu.Lock()
	if _, ok := l.zones[zone]; !ok {
		l.zones[zone] = loc
	}
	l.mu.Unlock()
	return l.stats.Load(ctx, zone)
}

// tagCounts returns the user's first tags by count (see model.Store.Tags), first at most maxTagsPage. The result is
// shared: callers must not change it.
func (l *loaders) tagCounts(ctx context.Context, first int) ([]model.TagCount, error) {
	tags, err := l.tags.Load(ctx, struct{}{})
	return tags[:min(first, len(tags))], err
}

func (l *loaders) fetchTasks(ctx context.Context, ids []uuid.UUID) ([]*model.Task, []error) {
	tasks, err := l.store.TasksByID(ctx, l.userID, ids)
	if err != nil {
		return nil, []error{err}
	}
	return tasks, nil
}

// fetchNodes reads each list of ids in one statement. It does not prime the task loader with what it found: whether
// a task(id) then found it there would depend on which goroutine ran first, and so would the statements a request
// costs.
func (l *loaders) fetchNodes(ctx context.Context, keys []string) ([][]*model.Task, []error) {
	lists, errs := make([][]*model.Task, len(keys)), make([]error, len(keys))
	concurrently(len(keys), func(i int) {
		l.mu.Lock()
		ids := l.nodeArgs[keys[i]]
		l.mu.Unlock()
		lists[i], errs[i] = l.store.TasksByID(ctx, l.userID, ids)
	})
	return lists, errs
}

func (l *loaders) fetchLists(ctx context.Context, keys []string) ([]*model.TaskPage, []error) {
	pages, errs := make([]*model.TaskPage, len(keys)), make([]error, len(keys))
	concurrently(len(keys), func(i int) {
		l.mu.Lock()
		q := l.listArgs[keys[i]]
		l.mu.Unlock()
		pages[i], errs[i] = l.store.ListTasks(ctx, l.userID, q)
	})
	return pages, errs
}

func (l *loaders) fetchCounts(ctx context.Context, keys []string) ([]int, []error) {
	counts, errs := make([]int, len(keys)), make([]error, len(keys))
	concurrently(len(keys), func(i int) {
		l.mu.Lock()
		filter := l.countArgs[keys[i]]
		l.mu.Unlock()
		counts[i], errs[i] = l.store.CountTasks(ctx, l.userID, filter)
	})
	return counts, errs
}

func (l *loaders) fetchStats(ctx context.Context, zones []string) ([]*model.TaskStats, []error) {
	stats, errs := make([]*model.TaskStats, len(zones)), make([]error, len(zones))
	concurrently(len(zones), func(i int) {
		l.mu.Lock()
		loc := l.zones[zones[i]]
		l.mu.Unlock()
		stats[i], errs[i] = l.store.Stats(ctx, l.userID, loc)
	})
	return stats, errs
}

// fetchTags reads the longest list a client may ask for, once: the tags are in a fixed order (count descending,
// then tag), so every shorter list is its beginning.
func (l *loaders) fetchTags(ctx context.Context, keys []struct{}) ([][]model.TagCount, []error) {
	tags, err := l.store.Tags(ctx, l.userID, maxTagsPage)
	if err != nil {
		return nil, []error{err}
	}
	out := make([][]model.TagCount, len(keys))
	for i := range keys {
		out[i] = tags
	}
	return out, nil
}

// concurrently runs f(0) to f(n-1) at the same time and waits for them: a batch of different lists is as many
// statements, and they should not wait for each other any more than they did before they shared a loader.
func concurrently(n int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

// jsonKey writes arguments as a cache key. Equal arguments give equal keys; arguments that differ only in ways that
// do not matter (the order of a list, the offset of an instant) give different keys, which costs a statement but
// never a wrong answer. ok is false for arguments that do not encode (they are plain data and always should), which
// are then read without the cache.
func jsonKey(v any) (key string, ok bool) {
	b, err := json.Marshal(v)
	return string(b), err == nil
}
