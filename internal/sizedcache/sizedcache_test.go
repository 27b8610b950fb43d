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
	c := New[string](1000, func(k, v string) int64 { return int64(len(k) + len(v)) })
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
