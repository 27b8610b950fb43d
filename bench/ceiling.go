package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"taskapi/model"
)

// serverReadCacheBytes is the server's default READ_CACHE_BYTES.
const serverReadCacheBytes = 8 << 20

// storeWorkload is the raw-SQL ceiling: for each operation of the mix, the store calls its resolver makes, over a
// pgdriver-backed bun.DB with the server's pool settings, and with a read cache of the server's default size, as the
// server has one. That is the same SQL the server sends, without HTTP, JSON, token verification and GraphQL execution
// around it.
type storeWorkload struct {
	store    *model.Store
	users    []*user
	mix      mix
	pageSize int
	berlin   *time.Location
	filter   model.TaskFilter
	order    model.TaskOrder
}

func newStoreWorkload(db bun.IDB, users []*user, m mix, pageSize int) (*storeWorkload, error) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil, err
	}
	pending := model.TaskStatusFilterPending
	return &storeWorkload{
		store: model.NewStore(db).WithReadCache(model.NewReadCache(serverReadCacheBytes)), users: users, mix: m, pageSize: pageSize, berlin: berlin,
		filter: model.TaskFilter{Status: &pending, Tags: []string{"work"}},
		order:  model.TaskOrder{Field: model.TaskOrderFieldDueAt, Direction: model.OrderDirectionAsc},
	}, nil
}

// do makes the store calls of operation op as u: what Query.tasks (with totalCount), Query.taskStats, Query.tags,
// Mutation.createTask, Mutation.updateTask and Mutation.setTaskCompleted call.
func (s *storeWorkload) do(ctx context.Context, w *worker, u *user, op int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch op {
	case opTasks:
		first := s.pageSize
		page, err := s.store.ListTasks(ctx, u.id, model.ListQuery{Filter: s.filter, Order: &s.order, First: &first,
			WithTotalCount: true})
		if err != nil {
			return err
		}
		if len(page.Edges) == 0 {
			return errors.New("empty page")
		}
		return nil
	case opStats:
		_, err := s.store.Stats(ctx, u.id, s.berlin, nil)
		return err
	case opTags:
		_, err := s.store.Tags(ctx, u.id, 10, nil)
		return err
	case opCreate:
		due := time.Now().Add(time.Duration(w.rng.IntN(30*24)) * time.Hour).UTC()
		_, err := s.store.CreateTask(ctx, u.id, model.CreateTaskInput{
			Title: fmt.Sprintf("Ceiling task %d-%d", w.id, w.n), Priority: model.Priority(w.rng.IntN(3)),
			Tags: []string{"work", "bench"}, DueAt: &due,
		})
		return err
	case opUpdate:
		_, _, err := s.store.UpdateTask(ctx, u.id, u.uuids[w.rng.IntN(len(u.uuids))], model.TaskPatch{
			Title:    model.Some(fmt.Sprintf("Edited %d-%d", w.id, w.n)),
			Priority: model.Some(model.Priority(w.rng.IntN(3))),
		})
		return err
	case opComplete:
		_, _, err := s.store.SetTaskCompleted(ctx, u.id, u.uuids[w.rng.IntN(len(u.uuids))], w.rng.IntN(2) == 0)
		return err
	}
	return errors.New("unknown operation")
}

func (s *storeWorkload) unit(ctx context.Context, w *worker) (int, error) {
	op := s.mix.pick(w.rng)
	u := s.users[w.rng.IntN(len(s.users))]
	return op, s.do(ctx, w, u, op)
}

// primeIDs reads the ids of each user's newest tasks through the store, as primeIDs of the HTTP workload does through
// the server.
func (s *storeWorkload) primeIDs(ctx context.Context, n int) error {
	for _, u := range s.users {
		page, err := s.store.ListTasks(ctx, u.id, model.ListQuery{First: &n})
		if err != nil {
			return err
		}
		u.uuids = u.uuids[:0]
		for _, e := range page.Edges {
			u.uuids = append(u.uuids, e.Node.ID)
		}
		if len(u.uuids) == 0 {
			return fmt.Errorf("user %s has no tasks", u.id)
		}
	}
	return nil
}

// statementHook counts the statements Bun sends, BEGIN and COMMIT included (Bun reports them to hooks too).
type statementHook struct{ n atomic.Int64 }

func (h *statementHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	h.n.Add(1)
	return ctx
}

func (h *statementHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// captureHook records the SQL text of every statement Bun sends, as sent (Bun formats the arguments into the text).
type captureHook struct {
	mu    sync.Mutex
	texts []string
}

func (h *captureHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	h.mu.Lock()
	h.texts = append(h.texts, e.Query)
	h.mu.Unlock()
	return ctx
}

func (h *captureHook) AfterQuery(context.Context, *bun.QueryEvent) {}

func (h *captureHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.texts
	h.texts = nil
	return t
}

// statementsOf returns the SQL statements the store sends for operation op (a read) as u, captured by a query hook
// on the store calls the resolvers make: what pgbench replays as the SQL ceiling, derived from the code rather than
// copied from it. countStatements checks them against what the server binary sends for the same request.
func statementsOf(ctx context.Context, db *bun.DB, op int, pageSize int, u *user) ([]string, error) {
	hook := &captureHook{}
	s, err := newStoreWorkload(db.WithQueryHook(hook), []*user{u}, newMix(0), pageSize)
	if err != nil {
		return nil, err
	}
	if err := s.do(ctx, &worker{rng: newRand(1)}, u, op); err != nil {
		return nil, fmt.Errorf("%s as %s: %w", opNames[op], u.id, err)
	}
	texts := hook.take()
	if len(texts) == 0 {
		return nil, fmt.Errorf("%s sent no statement", opNames[op])
	}
	return texts, nil
}

// cachedStatementOf returns the statement a dashboard read as u sends when the store's read cache serves it: the
// read of the user's feed position (the page is read once, then read again with the position unchanged).
func cachedStatementOf(ctx context.Context, db *bun.DB, pageSize int, u *user) (string, error) {
	hook := &captureHook{}
	s, err := newStoreWorkload(db.WithQueryHook(hook), []*user{u}, newMix(0), pageSize)
	if err != nil {
		return "", err
	}
	for range 2 {
		hook.take()
		if err := s.do(ctx, &worker{rng: newRand(1)}, u, opTasks); err != nil {
			return "", fmt.Errorf("tasks as %s: %w", u.id, err)
		}
	}
	texts := hook.take()
	if len(texts) != 1 || !strings.Contains(texts[0], "feed_heads") {
		return "", fmt.Errorf("a read served from the read cache sent %q, want the one statement of the feed position", texts)
	}
	return texts[0], nil
}

// countStatementOf returns the statement CountTasks sends for the dashboard's filter as u: the count alone, which
// on PostgreSQL the page's own statement carries as a subquery.
func countStatementOf(ctx context.Context, db *bun.DB, u *user) (string, error) {
	hook := &captureHook{}
	s, err := newStoreWorkload(db.WithQueryHook(hook), []*user{u}, newMix(0), 1)
	if err != nil {
		return "", err
	}
	if _, err := s.store.CountTasks(ctx, u.id, s.filter); err != nil {
		return "", fmt.Errorf("count as %s: %w", u.id, err)
	}
	texts := hook.take()
	if len(texts) != 1 {
		return "", fmt.Errorf("the count sent %d statements, want 1: %q", len(texts), texts)
	}
	return texts[0], nil
}
