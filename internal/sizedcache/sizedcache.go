// Package sizedcache is an LRU cache bounded by the bytes its entries take rather than by their number, for the
// server's caches of client-controlled content (parsed documents, persisted queries, pages of tasks, verified
// tokens). The LRU libraries on offer (hashicorp/golang-lru, for one) bound the count of entries, which bounds
// nothing when entries differ in size by orders of magnitude; this is the small piece they lack.
package sizedcache

import (
	"container/list"
	"context"
	"sync"
)

// EntryOverhead is what one entry takes beyond its key and value: the map slot, the list element and the entry
// itself, about 160 bytes on 64-bit platforms. Cost functions add it to what their key and value take.
const EntryOverhead = 160

// Cache is an LRU cache whose bound is the bytes its entries take, not their number: a cache of 1,000 entries
// holds 1,000 documents whatever their size, and one client sending distinct large documents grew the server by
// 300 MiB that way. Each entry costs what cost says it takes, the key included; an entry that alone costs more
// than a quarter of the bound (or MaxEntryBytes) is not kept (it would evict a quarter of everything to save one
// parse). Safe for concurrent use.
type Cache[K comparable, V any] struct {
	maxBytes      int64
	maxEntryBytes int64
	maxEntries    int // 0: no bound but the bytes
	cost          func(key K, value V) int64

	mu      sync.Mutex
	bytes   int64
	order   *list.List // front: most recently used; values are *entry[K, V]
	entries map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key   K
	value V
	cost  int64
}

// Option tunes a Cache beyond its bound in bytes.
type Option func(*options)

type options struct {
	maxEntries    int
	maxEntryBytes int64
}

// MaxEntries bounds the number of entries too, for a cache whose entries are small and many: the least recently
// used go first when either bound is passed. 0 (the default) bounds the bytes only.
func MaxEntries(n int) Option { return func(o *options) { o.maxEntries = n } }

// MaxEntryBytes is the most one entry may cost to be kept, in place of a quarter of the bound.
func MaxEntryBytes(n int64) Option { return func(o *options) { o.maxEntryBytes = n } }

// New returns a cache whose entries cost, together, at most maxBytes, each what cost says it takes.
func New[K comparable, V any](maxBytes int64, cost func(key K, value V) int64, opts ...Option) *Cache[K, V] {
	o := options{maxEntryBytes: maxBytes / 4}
	for _, opt := range opts {
		opt(&o)
	}
	return &Cache[K, V]{maxBytes: maxBytes, maxEntryBytes: o.maxEntryBytes, maxEntries: o.maxEntries, cost: cost,
		order: list.New(), entries: map[K]*list.Element{}}
}

// Get returns the value kept for key and marks it recently used.
func (c *Cache[K, V]) Get(_ context.Context, key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry[K, V]).value, true
}

// Add keeps value for key, evicting the least recently used entries until the cache is within its bound.
func (c *Cache[K, V]) Add(_ context.Context, key K, value V) {
	cost := c.cost(key, value)
	if cost > c.maxEntryBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		old := e.Value.(*entry[K, V])
		c.bytes += cost - old.cost
		old.value, old.cost = value, cost
		c.order.MoveToFront(e)
	} else {
		c.entries[key] = c.order.PushFront(&entry[K, V]{key: key, value: value, cost: cost})
		c.bytes += cost
	}
	for c.bytes > c.maxBytes || (c.maxEntries > 0 && len(c.entries) > c.maxEntries) {
		last := c.order.Back()
		victim := last.Value.(*entry[K, V])
		c.order.Remove(last)
		delete(c.entries, victim.key)
		c.bytes -= victim.cost
	}
}

// Remove forgets the entry of key, if there is one.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.order.Remove(e)
		delete(c.entries, key)
		c.bytes -= e.Value.(*entry[K, V]).cost
	}
}

// Size returns the number of entries and the bytes they are taken to cost.
func (c *Cache[K, V]) Size() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}
