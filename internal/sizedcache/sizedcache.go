// Package sizedcache is an LRU cache bounded by the bytes its entries take rather than by their number, for the
// server's caches of client-controlled content (parsed documents, persisted queries, pages of tasks). The LRU
// libraries on offer (hashicorp/golang-lru, for one) bound the count of entries, which bounds nothing when entries
// differ in size by orders of magnitude; this is the small piece they lack.
package sizedcache

import (
	"container/list"
	"context"
	"sync"
)

// EntryOverhead is what one entry takes beyond its key and value: the map slot, the list element and the entry
// itself, about 160 bytes on 64-bit platforms. Cost functions add it to what their key and value take.
const EntryOverhead = 160

// Cache is an LRU cache keyed by document text (or a hash) whose bound is the bytes its entries take, not
// their number: a cache of 1,000 entries holds 1,000 documents whatever their size, and one client sending
// distinct large documents grew the server by 300 MiB that way. Each entry costs what cost says it takes, the key
// included; an entry that alone costs more than a quarter of the bound is not kept (it would evict a quarter of
// everything to save one parse). Safe for concurrent use.
type Cache[V any] struct {
	maxBytes int64
	cost     func(key string, value V) int64

	mu      sync.Mutex
	bytes   int64
	order   *list.List // front: most recently used; values are *entry[V]
	entries map[string]*list.Element
}

type entry[V any] struct {
	key   string
	value V
	cost  int64
}

func New[V any](maxBytes int64, cost func(key string, value V) int64) *Cache[V] {
	return &Cache[V]{maxBytes: maxBytes, cost: cost, order: list.New(), entries: map[string]*list.Element{}}
}

// Get returns the value kept for key and marks it recently used.
func (c *Cache[V]) Get(_ context.Context, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry[V]).value, true
}

// Add keeps value for key, evicting the least recently used entries until the cache is within its bound.
func (c *Cache[V]) Add(_ context.Context, key string, value V) {
	cost := c.cost(key, value)
	if cost > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		old := e.Value.(*entry[V])
		c.bytes += cost - old.cost
		old.value, old.cost = value, cost
		c.order.MoveToFront(e)
	} else {
		c.entries[key] = c.order.PushFront(&entry[V]{key: key, value: value, cost: cost})
		c.bytes += cost
	}
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		victim := last.Value.(*entry[V])
		c.order.Remove(last)
		delete(c.entries, victim.key)
		c.bytes -= victim.cost
	}
}

// Size returns the number of entries and the bytes they are taken to cost.
func (c *Cache[V]) Size() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}
