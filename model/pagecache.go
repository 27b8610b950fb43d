package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync/atomic"

	"taskapi/internal/sizedcache"
)

// PageCache keeps pages of task lists that the store has read, each under its user and the position of the user's
// feed that it reflects, so that a read of a list whose owner has not written since costs one statement that reads
// one row (the user's feed_heads position) instead of the page's own, which reads and sorts the list and counts it.
//
// What makes it safe is the feed (see AppendEvents): every change to a user's tasks, by any instance, commits with an
// increment of the user's position, and positions never go back. A page is kept with the position read in its own
// first statement's snapshot; a later read serves it only if the position it reads, in a statement of its own, at
// the time of the read, is still that one. So a page served from the cache is exactly what the list's statements
// would read at that moment: never another user's (the key and the position are the user's), and never older than
// the user's last committed write, on this instance or any other. Nothing is kept in time: a page is served as
// long as its owner does not write, and the cache is bounded by bytes (least recently used pages go first).
//
// Lists whose content depends on the clock (the overdue filter) are not kept. Pages are shared by the requests that
// are served them and must not be modified.
type PageCache struct {
	pages        *sizedcache.Cache[*cachedPage]
	hits, misses atomic.Int64
}

// cachedPage is a page with the feed position it reflects.
type cachedPage struct {
	position int64
	page     *TaskPage
}

// NewPageCache returns a cache of pages that takes at most maxBytes, by an estimate of what a page takes in memory
// (see pageCost).
func NewPageCache(maxBytes int64) *PageCache {
	return &PageCache{pages: sizedcache.New(maxBytes, pageCost)}
}

// PageCacheStats are a cache's counters since it was made.
type PageCacheStats struct {
	Hits, Misses int64 // reads served from the cache, and reads that were not (the list was read)
	Entries      int
	Bytes        int64 // the estimate of what the entries take
}

// Stats returns the cache's counters.
func (c *PageCache) Stats() PageCacheStats {
	n, bytes := c.pages.Size()
	return PageCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: n, Bytes: bytes}
}

// WithPageCache returns a copy of the store that keeps the pages ListTasks reads in c (nil: none). Give each store
// over one database its own cache, or share one among stores over the same database only.
func (s *Store) WithPageCache(c *PageCache) *Store {
	cp := *s
	cp.pages = c
	return &cp
}

// pageCacheKey returns the key of q's page for the user, or false when q's page must not be kept: its list depends
// on the clock. The key is the query as the client gave it; WithEventCursor is not part of it, since every kept page
// knows its position.
func pageCacheKey(userID string, q ListQuery) (string, bool) {
	if q.Filter.Overdue != nil {
		return "", false
	}
	q.WithEventCursor = false
	b, err := json.Marshal(q)
	if err != nil {
		return "", false
	}
	return userID + "\x00" + string(b), true
}

// cachedListTasks is ListTasks through the store's page cache. A page kept for the key costs the statement that
// reads the user's position, and is served when the position is the one it was read at; otherwise (and when none is
// kept) the page is read with its position, in one snapshot, and kept.
func (s *Store) cachedListTasks(ctx context.Context, userID string, q ListQuery, key string) (*TaskPage, error) {
	if kept, ok := s.pages.pages.Get(ctx, key); ok {
		pos, err := feedPosition(ctx, s.db, userID)
		if err != nil {
			return nil, wrapErr("list tasks", err)
		}
		if kept.position == pos {
			s.pages.hits.Add(1)
			return kept.page.forQuery(userID, q, pos), nil
		}
	}
	s.pages.misses.Add(1)
	page, pos, err := s.listTasksAt(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	page.EventCursor = ""
	s.pages.pages.Add(ctx, key, &cachedPage{position: pos, page: page})
	return page.forQuery(userID, q, pos), nil
}

// forQuery returns the kept page p as q asked for it: with its event cursor, at position pos, or without one.
func (p *TaskPage) forQuery(userID string, q ListQuery, pos int64) *TaskPage {
	c := *p
	c.EventCursor = ""
	if q.WithEventCursor {
		c.EventCursor = EventCursor(userID, pos)
	}
	return &c
}

// feedPosition reads the user's feed position: 0 before the first event.
func feedPosition(ctx context.Context, db queryRower, userID string) (int64, error) {
	var pos int64
	err := db.QueryRowContext(ctx, "SELECT h.position FROM feed_heads AS h WHERE h.user_id = ?", userID).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return pos, err
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pageCost estimates what a kept page takes in memory: its key, the page and its edges, and each task with its
// strings; measured at about 600 bytes for a task with a short title and two tags, which this errs above.
func pageCost(key string, p *cachedPage) int64 {
	const pageOverhead, taskOverhead = 256, 480
	n := int64(len(key)) + pageOverhead
	for _, e := range p.page.Edges {
		t := e.Node
		n += taskOverhead + int64(len(e.Cursor)+len(t.UserID)+len(t.Title)+len(t.TitleFold))
		if t.Description != nil {
			n += 2 * int64(len(*t.Description)) // with its folded copy
		}
		for _, tag := range t.Tags {
			n += 16 + int64(len(tag))
		}
		if t.Rule != nil {
			n += 256
		}
	}
	return n
}
