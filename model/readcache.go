package model

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"taskapi/internal/sizedcache"
)

// ReadCache keeps what the store's reads of a user's tasks returned (pages of task lists, statistics, tag counts),
// each under its user and the position of the user's feed that it reflects, so that a read whose owner has not
// written since costs one statement that reads one row (the user's feed_heads position) instead of its own, which
// reads, sorts and counts the user's tasks.
//
// What makes it safe is the feed (see Store.write): every change to a user's tasks, by any instance, commits with an
// increment of the user's position, and positions never go back. A result is kept with a position read no later
// than its own data (in the same statement, or just before it); a later read serves it only if the position it
// reads, in a statement of its own, at the time of the read, is still that one. So what the cache serves is exactly
// what the read's statements would return at that moment: never another user's (the key and the position are the
// user's), and never older than the user's last committed write, on this instance or any other. A result that also
// depends on the clock (the statistics' overdue and due-today figures) is kept with the span of time over which it
// holds and is served only within it; lists filtered by overdue are not kept. The cache is bounded by bytes (least
// recently used results go first); once full, it keeps a new result only if it was asked for more often of late than
// the one it would evict first, so that a miss costs what the read costs without the cache and no more.
//
// A change made to the tables outside the store (a data migration, a fix by hand, migrate down, which drops the feed)
// appends no event, or resets positions, and is not seen: after one, the instances restart (or the cache is off
// meanwhile).
//
// Kept results are shared by the requests they are served to and must not be modified.
type ReadCache struct {
	entries *sizedcache.Cache[string, *cachedRead]
	counts  [numReads][2]atomic.Int64 // by read: misses, hits
	// written is the feed position after the last write this process committed, by user (see wrote).
	written *sizedcache.Cache[string, int64]
}

// The reads a ReadCache keeps, indexing ReadNames and ReadCacheStats.
const (
	readTasks = iota
	readStats
	readTags
	numReads
)

// ReadNames are the names of the reads a ReadCache keeps, as ReadCacheStats indexes them: the GraphQL fields they
// serve.
var ReadNames = [numReads]string{"tasks", "taskStats", "tags"}

// cachedRead is a kept result with the feed position it reflects and, for one that depends on the clock, the span
// [from, until] of times at which it holds.
type cachedRead struct {
	position    int64
	from, until time.Time // zero until: at any time
	value       any       // *TaskPage, *TaskStats or []TagCount
	cost        int64
}

func (c *cachedRead) holdsAt(now time.Time) bool {
	return c.until.IsZero() || (!now.Before(c.from) && !now.After(c.until))
}

// NewReadCache returns a cache that takes at most maxBytes, by an estimate of what each result takes in memory.
func NewReadCache(maxBytes int64) *ReadCache {
	return &ReadCache{
		// Admission: once full, a result is kept in place of the least recently used only if it was asked for more
		// often of late (see sizedcache.Admission), so that reads spread over many more users than it holds do not
		// each replace a result as likely to be read again as their own. The sketch tells apart about one key for
		// every 512 bytes of the bound (a kept tag list or statistics take about that; a page more).
		entries: sizedcache.New(maxBytes, func(_ string, e *cachedRead) int64 { return e.cost },
			sizedcache.Admission(int(min(max(maxBytes/512, 1024), 1<<22)))),
		written: sizedcache.New(max(maxBytes/64, 64<<10), func(userID string, _ int64) int64 { return int64(len(userID)) + sizedcache.EntryOverhead }),
	}
}

// wrote notes that a write of the user's, through a store with this cache, committed at feed position pos (the write
// path calls it after every commit that moved the user's feed): a result
// kept at an earlier position is then known to be stale without reading the position, which spares the read the
// user makes next (typically a refetch after a mutation) a statement. Only ever a shortcut to a miss: a result is
// served only after the position is read, so a note lost to eviction or to two writes noting out of order costs
// that statement and nothing else.
func (c *ReadCache) wrote(userID string, pos int64) {
	if known, ok := c.written.Get(context.Background(), userID); !ok || pos > known {
		c.written.Add(context.Background(), userID, pos)
	}
}

// ReadCacheStats are a cache's counters since it was made.
type ReadCacheStats struct {
	// Hits and Misses count, by read (indexed as ReadNames), the reads served from the cache and those that were
	// not (the database was read).
	Hits, Misses [numReads]int64
	Entries      int
	Bytes        int64 // the estimate of what the entries take
}

// Stats returns the cache's counters.
func (c *ReadCache) Stats() ReadCacheStats {
	n, bytes := c.entries.Size()
	s := ReadCacheStats{Entries: n, Bytes: bytes}
	for r := range numReads {
		s.Misses[r], s.Hits[r] = c.counts[r][0].Load(), c.counts[r][1].Load()
	}
	return s
}

// WithReadCache returns a copy of the store that keeps what ListTasks, Stats and Tags read in c (nil: none). Share
// one cache only among stores over the same database.
func (s *Store) WithReadCache(c *ReadCache) *Store {
	cp := *s
	cp.reads = c
	return &cp
}

// lookup returns the entry kept under key if the user's feed is still at its position and it holds at now, and
// counts the read as a hit or a miss (nil). On a miss, pos is the position it read, -1 when it read none (nothing
// was kept for key, or what was does not hold at now).
func (c *ReadCache) lookup(ctx context.Context, s *Store, read int, userID, key string, now time.Time) (hit *cachedRead, pos int64, err error) {
	pos = -1
	if kept, ok := c.entries.Get(ctx, key); ok && kept.holdsAt(now) {
		if known, ok := c.written.Get(ctx, userID); ok && known > kept.position {
			c.counts[read][0].Add(1) // this process wrote since: stale, no need to ask
			return nil, -1, nil
		}
		if pos, err = feedPosition(ctx, s.db, userID); err != nil {
			return nil, 0, err
		}
		if kept.position == pos {
			c.counts[read][1].Add(1)
			return kept, pos, nil
		}
	}
	c.counts[read][0].Add(1)
	return nil, pos, nil
}

// keep keeps e under key.
func (c *ReadCache) keep(ctx context.Context, key string, e *cachedRead) {
	e.cost += int64(len(key)) + sizedcache.EntryOverhead
	c.entries.Add(ctx, key, e)
}

// readKey returns the key of one read of the user's: its kind, the user and what distinguishes it.
func readKey(read int, userID, rest string) string {
	return strconv.Itoa(read) + "\x00" + userID + "\x00" + rest
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
	return readKey(readTasks, userID, string(b)), true
}

// cachedListTasks is ListTasks through the read cache. A page kept for the key costs the statement that reads the
// user's position, and is served when the position is the one it was read at; otherwise (and when none is kept) the
// page is read with its position, in one snapshot, and kept.
func (s *Store) cachedListTasks(ctx context.Context, userID string, q ListQuery, key string) (*TaskPage, error) {
	kept, _, err := s.reads.lookup(ctx, s, readTasks, userID, key, time.Time{})
	if err != nil {
		return nil, storeError("list tasks", err)
	}
	if kept != nil {
		return kept.value.(*TaskPage).at(userID, q, kept.position), nil
	}
	page, pos, err := s.listTasksAt(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	page.EventCursor = ""
	s.reads.keep(ctx, key, &cachedRead{position: pos, value: page, cost: pageCost(page)})
	return page.at(userID, q, pos), nil
}

// at returns the kept page p as q asks for it: with the event cursor of position pos, or without one.
func (p *TaskPage) at(userID string, q ListQuery, pos int64) *TaskPage {
	c := *p
	if q.WithEventCursor {
		c.EventCursor = EventCursor(userID, pos)
	}
	return &c
}

// cachedTags is Tags through the read cache. The tags are read with the position in one statement; when that
// returns no row (the user has no tags), with the position the lookup read before them, if it read one (else they
// are not kept: an empty list is cheap to compute). Either way the tags kept reflect that position or later changes,
// which a later lookup then finds the position past.
func (s *Store) cachedTags(ctx context.Context, userID string, limit int, listID *uuid.UUID) ([]TagCount, error) {
	key := readKey(readTags, userID, strconv.Itoa(limit))
	if listID != nil {
		key = readKey(readTags, userID, strconv.Itoa(limit)+"|"+listID.String())
	}
	kept, pos, err := s.reads.lookup(ctx, s, readTags, userID, key, time.Time{})
	if err != nil {
		return nil, storeError("tags", err)
	}
	if kept != nil {
		return kept.value.([]TagCount), nil
	}
	var read sql.NullInt64
	tags, err := s.tags(ctx, userID, limit, listID, &read)
	if err != nil {
		return nil, err
	}
	if read.Valid {
		pos = read.Int64
	}
	if pos >= 0 {
		s.reads.keep(ctx, key, &cachedRead{position: pos, value: tags, cost: tagCountsCost(tags)})
	}
	return tags, nil
}

// pageCost estimates what a kept page takes in memory: the page and its edges, and each task with its strings;
// measured at about 600 bytes for a task with a short title and two tags, which this errs above.
func pageCost(p *TaskPage) int64 {
	const pageOverhead, taskOverhead = 256, 480
	n := int64(pageOverhead)
	for _, e := range p.Edges {
		t := e.Node
		n += taskOverhead + int64(len(e.Cursor)+len(t.CreatedBy)+len(t.Title)+len(t.TitleFold))
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

// tagCountsCost estimates what kept tag counts take in memory.
func tagCountsCost(tags []TagCount) int64 {
	n := int64(64)
	for _, t := range tags {
		n += 32 + int64(len(t.Tag))
	}
	return n
}
