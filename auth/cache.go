package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// The verifier remembers the tokens it has verified, so that a client sending the same token with every request (as
// every client does, for the token's lifetime) pays for the signature check and the claims' parsing once rather than
// per request; that was a seventh of the server's CPU under the dashboard load, half of it Ed25519.
//
// Why this is safe:
//   - An entry is keyed by the SHA-256 of the whole token, so a hit means that exactly these bytes were verified
//     before; a different token, however similar, never finds another's entry. It maps the token to the viewer the
//     token itself names, nothing else, so it cannot carry one user's identity to another's request. Keeping the
//     hash rather than the token also keeps bearer credentials out of the process's long-lived memory.
//   - Only tokens that verified are remembered, and only until their `exp` (never the leeway beyond it): after that
//     the token goes through the whole check again, which refuses it once the leeway has passed too. `nbf` and `iat`
//     only ever become more true with time.
//   - Key rotation: an entry of a key-set token is tied to the key set it was verified against. Every fetch of the
//     set (the hourly one, and those for unknown kids) starts a new generation, and an entry of an older generation
//     is verified again, so a key the issuer retired stops verifying as soon as the server has fetched the new set,
//     exactly as without the cache. The shared HS256 secret cannot change while the server runs.
//   - Revocation: the server has none. A JWT is valid until its `exp` whatever happens at the issuer (Better Auth's
//     sign-out ends the session, not the JWTs issued for it); the cache changes nothing there.
//   - It is bounded by count (Config.CacheSize) and by bytes (maxCacheBytes; a viewer whose claims are too long to
//     be worth keeping is not kept), and evicts the least recently used entry first.
type tokenCache struct {
	mu       sync.Mutex
	entries  *simplelru.LRU[[sha256.Size]byte, cachedViewer]
	bytes    int
	maxBytes int
}

type cachedViewer struct {
	viewer  Viewer
	expires time.Time // the token's exp
	keyed   bool      // verified against the key set, in generation gen
	gen     uint64
	size    int
}

const (
	// defaultCacheSize is how many verified tokens are remembered unless Config.CacheSize says otherwise.
	defaultCacheSize = 10_000
	// maxCacheBytes bounds the memory the remembered viewers take, whatever their number.
	maxCacheBytes = 4 << 20
	// maxCachedViewerBytes is the most one remembered viewer may take: claims longer than that are verified anew each
	// time rather than crowd out other users' entries.
	maxCachedViewerBytes = 2 << 10
	// cacheEntryOverhead approximates what an entry costs beyond its strings: the key, the times and the list links.
	cacheEntryOverhead = 160
)

func newTokenCache(size, maxBytes int) *tokenCache {
	c := &tokenCache{maxBytes: maxBytes}
	// NewLRU fails only for a size below 1, which the callers exclude.
	c.entries, _ = simplelru.NewLRU(size, func(_ [sha256.Size]byte, e cachedViewer) { c.bytes -= e.size })
	return c
}

// get returns a copy of the viewer remembered for the token hashed as key, when it was verified, has not expired at
// now, and, for a key-set token, was verified in the key set's current generation gen.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time, gen uint64) (*Viewer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) || (e.keyed && e.gen != gen) {
		c.entries.Remove(key)
		return nil, false
	}
	v := e.viewer
	return &v, true
}

// put remembers that the token hashed as key verified as viewer, until expires; keyed says it was verified against
// the key set in generation gen.
func (c *tokenCache) put(key [sha256.Size]byte, viewer Viewer, expires time.Time, keyed bool, gen uint64) {
	size := cacheEntryOverhead + len(viewer.ID) + len(viewer.Email) + len(viewer.Name)
	if size > maxCachedViewerBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Remove(key) // a replaced entry's bytes are given back by the eviction callback
	c.entries.Add(key, cachedViewer{viewer: viewer, expires: expires, keyed: keyed, gen: gen, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.entries.RemoveOldest()
	}
}

// len returns how many tokens are remembered, and the bytes they are counted as.
func (c *tokenCache) len() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Len(), c.bytes
}
