package sizedcache

import (
	"context"
	"hash/maphash"
	"strings"
	"testing"
)

// TestCacheStaysWithinItsBytes: entries are evicted least recently used first to keep the bytes within the
// bound, whatever their number, and an entry too large to be worth keeping is not kept.
func TestCacheStaysWithinItsBytes(t *testing.T) {
	ctx := context.Background()
	c := New[string, string](1000, func(k, v string) int64 { return int64(len(k) + len(v)) })
	c.Add(ctx, "a", strings.Repeat("x", 99)) // 100 bytes
	c.Add(ctx, "b", strings.Repeat("x", 99))
	if _, ok := c.Get(ctx, "a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	for i := range 9 {
		c.Add(ctx, string(rune('c'+i)), strings.Repeat("x", 99))
	}
	n, bytes := c.Size()
	if bytes > 1000 || n != 10 {
		t.Fatalf("%d entries, %d bytes", n, bytes)
	}
	if _, ok := c.Get(ctx, "b"); ok {
		t.Error("b, the least recently used, was kept")
	}
	if _, ok := c.Get(ctx, "a"); !ok {
		t.Error("a, used recently, was evicted")
	}
	c.Add(ctx, "huge", strings.Repeat("x", 300))
	if _, ok := c.Get(ctx, "huge"); ok {
		t.Error("an entry of over a quarter of the bound was kept")
	}
	c.Add(ctx, "a", strings.Repeat("x", 9)) // replacing an entry updates its cost
	if _, bytes := c.Size(); bytes != 910 {
		t.Errorf("bytes = %d after replacing a, want 910", bytes)
	}
}

// TestCacheOptions: MaxEntries bounds the count as well, the least recently used going first; MaxEntryBytes
// replaces the quarter of the bound as the most one entry may cost; Remove gives an entry's bytes back.
func TestCacheOptions(t *testing.T) {
	ctx := context.Background()
	cost := func(k [2]byte, v string) int64 { return int64(len(k) + len(v)) }
	c := New(1000, cost, MaxEntries(2), MaxEntryBytes(600))
	c.Add(ctx, [2]byte{'a'}, "x")
	c.Add(ctx, [2]byte{'b'}, "x")
	c.Get(ctx, [2]byte{'a'})
	c.Add(ctx, [2]byte{'c'}, "x")
	if n, bytes := c.Size(); n != 2 || bytes != 6 {
		t.Errorf("%d entries of %d bytes, want 2 of 6", n, bytes)
	}
	if _, ok := c.Get(ctx, [2]byte{'b'}); ok {
		t.Error("b, the least recently used, was kept beyond MaxEntries")
	}
	c.Add(ctx, [2]byte{'d'}, strings.Repeat("x", 500)) // over a quarter of the bound, within MaxEntryBytes
	if _, ok := c.Get(ctx, [2]byte{'d'}); !ok {
		t.Error("an entry within MaxEntryBytes was not kept")
	}
	c.Add(ctx, [2]byte{'e'}, strings.Repeat("x", 600))
	if _, ok := c.Get(ctx, [2]byte{'e'}); ok {
		t.Error("an entry over MaxEntryBytes was kept")
	}
	c.Remove([2]byte{'d'})
	if n, bytes := c.Size(); n != 1 || bytes != 3 {
		t.Errorf("after Remove: %d entries of %d bytes, want 1 of 3", n, bytes)
	}
	c.Remove([2]byte{'z'}) // absent: nothing happens
}

// TestCacheAdmission: with Admission, a full cache keeps a new key in place of the least recently used only when it
// was asked for more often; a key asked for again displaces one that was not; keeping while there is room and
// replacing a kept key's value are never refused; and what was asked for long ago counts for less.
func TestCacheAdmission(t *testing.T) {
	ctx := context.Background()
	cost := func(k, v string) int64 { return 100 }
	c := New(300, cost, Admission(64), MaxEntryBytes(100))
	kept := func(key string) bool {
		t.Helper()
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.entries[key]
		return ok
	}
	for _, k := range []string{"a", "b", "c"} { // room for all three
		c.Get(ctx, k)
		c.Add(ctx, k, "v")
		if !kept(k) {
			t.Fatalf("%s not kept while there was room", k)
		}
	}
	c.Get(ctx, "d") // asked for once, as often as a, the least recently used
	c.Add(ctx, "d", "v")
	if kept("d") || !kept("a") {
		t.Fatalf("d, asked for as often as a, replaced it (d kept %t, a kept %t)", kept("d"), kept("a"))
	}
	c.Get(ctx, "d") // asked for again: more often than a
	c.Add(ctx, "d", "v")
	if !kept("d") || kept("a") {
		t.Fatalf("d, asked for twice, did not replace a, asked for once (d kept %t, a kept %t)", kept("d"), kept("a"))
	}
	c.Add(ctx, "b", "w") // a kept key's value is replaced whatever its count
	if v, _ := c.Get(ctx, "b"); v != "w" {
		t.Fatalf("b = %q after replacing it, want w", v)
	}

	// Halving: after ten additions per counter of a row, earlier counts are halved (a count of 2 becomes 1).
	s := newSketch(64)
	h := maphash.Comparable(maphash.MakeSeed(), "x")
	s.add(h)
	s.add(h)
	if n := s.estimate(h); n != 2 {
		t.Fatalf("estimate after two additions = %d, want 2", n)
	}
	y := maphash.Comparable(maphash.MakeSeed(), "y")
	for range s.halveAt - 2 {
		s.add(y)
	}
	if n := s.estimate(h); n > 1 {
		t.Fatalf("estimate after a halving = %d, want at most 1", n)
	}
	// Counters stop at sketchMax.
	for range 3 * sketchMax {
		s.add(h)
	}
	if n := s.estimate(h); n != sketchMax {
		t.Fatalf("estimate = %d, want the ceiling %d", n, sketchMax)
	}
}
