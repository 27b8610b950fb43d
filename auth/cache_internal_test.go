package auth

import (
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskapi/internal/sizedcache"
)

// The cache keeps to its byte budget by evicting the least recently used entries, and does not keep a viewer too
// large to be worth it.
func TestTokenCacheBounds(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	later := now.Add(time.Hour)
	key := func(i int) [sha256.Size]byte { return sha256.Sum256([]byte(strconv.Itoa(i))) }
	entry := sizedcache.EntryOverhead + len("user-0")

	c := newTokenCache(100, 3*entry)
	for i := range 5 {
		c.put(key(i), Viewer{ID: "user-" + strconv.Itoa(i)}, later, false, 0)
	}
	if n, bytes := c.len(); n != 3 || bytes != 3*entry {
		t.Errorf("%d entries of %d bytes, want 3 of %d", n, bytes, 3*entry)
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := c.get(key(i), now, 0); ok != want {
			t.Errorf("entry %d kept: %v, want %v (the oldest go first)", i, ok, want)
		}
	}

	c.put(key(2), Viewer{ID: "user-2"}, later, false, 0) // replacing an entry does not count it twice
	if _, bytes := c.len(); bytes != 3*entry {
		t.Errorf("after replacing an entry: %d bytes, want %d", bytes, 3*entry)
	}

	c.put(key(9), Viewer{ID: "big", Name: strings.Repeat("n", maxCachedViewerBytes)}, later, false, 0)
	if _, ok := c.get(key(9), now, 0); ok {
		t.Error("a viewer over maxCachedViewerBytes was kept")
	}

	small := newTokenCache(2, maxCacheBytes)
	for i := range 3 {
		small.put(key(i), Viewer{ID: "u"}, later, false, 0)
	}
	if n, _ := small.len(); n != 2 {
		t.Errorf("%d entries in a cache of 2", n)
	}
}

// An entry is good until its expiry, and a key-set entry only in the generation it was verified in.
func TestTokenCacheExpiryAndGeneration(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newTokenCache(10, maxCacheBytes)
	hs, ks := sha256.Sum256([]byte("hs")), sha256.Sum256([]byte("ks"))
	c.put(hs, Viewer{ID: "a"}, now.Add(time.Minute), false, 1)
	c.put(ks, Viewer{ID: "b"}, now.Add(time.Minute), true, 1)

	if v, ok := c.get(ks, now, 1); !ok || v.ID != "b" {
		t.Fatalf("key-set entry in its generation: %v, %v", v, ok)
	}
	if _, ok := c.get(hs, now, 2); !ok {
		t.Error("an HS256 entry was dropped by a key set fetch")
	}
	if _, ok := c.get(ks, now, 2); ok {
		t.Error("a key-set entry survived a fetch of the key set")
	}
	if _, ok := c.get(hs, now.Add(time.Minute), 2); ok {
		t.Error("an entry was served at its exp")
	}
	if n, _ := c.len(); n != 0 {
		t.Errorf("%d stale entries kept", n)
	}
}
