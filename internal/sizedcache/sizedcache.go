// Package sizedcache is an LRU cache bounded by the bytes its entries take rather than by their number, for the
// server's caches of client-controlled content (parsed documents, persisted queries, pages of tasks, verified
// tokens). The LRU libraries on offer (hashicorp/golang-lru, for one) bound the count of entries, which bounds
// nothing when entries differ in size by orders of magnitude; this is the small piece they lack.
package sizedcache

import (
	"container/list"
	"context"
	"hash/maphash"
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
	freq    *sketch // nil: every entry is kept (see Admission)
	seed    maphash.Seed
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
	admission     int
}

// MaxEntries bounds the number of entries too, for a cache whose entries are small and many: the least recently
// used go first when either bound is passed. 0 (the default) bounds the bytes only.
func MaxEntries(n int) Option { return func(o *options) { o.maxEntries = n } }

// MaxEntryBytes is the most one entry may cost to be kept, in place of a quarter of the bound.
func MaxEntryBytes(n int64) Option { return func(o *options) { o.maxEntryBytes = n } }

// Admission makes the cache choose what it keeps once it is full (TinyLFU): it counts how often each key is asked
// for (Get), in a small sketch that forgets by halves, and a new entry that would evict others is kept only if its key
// was asked for more often of late than the key of the least recently used entry, the first it would evict. So a
// cache over many more keys than it holds, asked for each about as often, keeps what it has instead of replacing an
// entry at every miss (which costs the entry's memory and the collector's work, and saves nothing: the entry it
// evicts is as likely to be asked for next); an entry asked for again and again still displaces one that is not.
// Replacing the entry of a key already kept, and keeping an entry while there is room, are never refused.
//
// keys is about how many distinct keys the sketch tells apart (more are counted, less exactly); it takes a byte for
// each of four counters per key. 0 (the default) keeps every entry Add is given, as an LRU cache does.
func Admission(keys int) Option { return func(o *options) { o.admission = keys } }

// New returns a cache whose entries cost, together, at most maxBytes, each what cost says it takes.
func New[K comparable, V any](maxBytes int64, cost func(key K, value V) int64, opts ...Option) *Cache[K, V] {
	o := options{maxEntryBytes: maxBytes / 4}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Cache[K, V]{maxBytes: maxBytes, maxEntryBytes: o.maxEntryBytes, maxEntries: o.maxEntries, cost: cost,
		order: list.New(), entries: map[K]*list.Element{}}
	if o.admission > 0 {
		c.freq, c.seed = newSketch(o.admission), maphash.MakeSeed()
	}
	return c
}

// Get returns the value kept for key and marks it recently used.
func (c *Cache[K, V]) Get(_ context.Context, key K) (V, bool) {
	var h uint64
	if c.freq != nil {
		h = maphash.Comparable(c.seed, key)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.freq != nil {
		c.freq.add(h)
	}
	e, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry[K, V]).value, true
}

// Add keeps value for key, evicting the least recently used entries until the cache is within its bound. With
// Admission, a new key that would evict others is kept only if it was asked for more often than the first of them.
func (c *Cache[K, V]) Add(_ context.Context, key K, value V) {
	cost := c.cost(key, value)
	if cost > c.maxEntryBytes {
		return
	}
	var h uint64
	if c.freq != nil {
		h = maphash.Comparable(c.seed, key)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		old := e.Value.(*entry[K, V])
		c.bytes += cost - old.cost
		old.value, old.cost = value, cost
		c.order.MoveToFront(e)
	} else {
		if c.freq != nil && c.order.Len() > 0 &&
			(c.bytes+cost > c.maxBytes || (c.maxEntries > 0 && len(c.entries) >= c.maxEntries)) {
			victim := c.order.Back().Value.(*entry[K, V]).key
			if c.freq.estimate(h) <= c.freq.estimate(maphash.Comparable(c.seed, victim)) {
				return
			}
		}
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

// sketch counts how often hashes were seen, in four rows of saturating counters (a count-min sketch): a hash's
// estimate is its smallest counter, never below its true count since the last halving. After ten times as many
// additions as each row has counters, every counter is halved, so that what was asked for long ago counts for less.
type sketch struct {
	rows    [4][]uint8
	shift   uint // 64 minus log2 of each row's length
	added   int
	halveAt int
}

// sketchMax is where a counter stops: enough to tell a key asked for often from one asked for now and then, small
// enough that halving forgets quickly.
const sketchMax = 15

func newSketch(keys int) *sketch {
	width, shift := 64, uint(58)
	for width < keys && width < 1<<24 {
		width, shift = width*2, shift-1
	}
	s := &sketch{shift: shift, halveAt: 10 * width}
	for i := range s.rows {
		s.rows[i] = make([]uint8, width)
	}
	return s
}

// sketchMul are the multipliers that spread a hash over each row's counters, one per row (Fibonacci hashing: the
// top bits of the product are the index).
var sketchMul = [4]uint64{0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0xd6e8feb86659fd93}

func (s *sketch) slot(h uint64, i int) *uint8 { return &s.rows[i][(h*sketchMul[i])>>s.shift] }

func (s *sketch) add(h uint64) {
	for i := range s.rows {
		if p := s.slot(h, i); *p < sketchMax {
			*p++
		}
	}
	if s.added++; s.added >= s.halveAt {
		s.added = 0
		for i := range s.rows {
			for j := range s.rows[i] {
				s.rows[i][j] /= 2
			}
		}
	}
}

func (s *sketch) estimate(h uint64) uint8 {
	n := uint8(sketchMax)
	for i := range s.rows {
		n = min(n, *s.slot(h, i))
	}
	return n
}
