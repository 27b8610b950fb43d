package sizedcache

import (
	"context"
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
