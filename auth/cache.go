package auth

import (
	"context"
	"crypto/sha256"
	"time"

	"taskapi/internal/sizedcache"
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
//     be worth keeping is not kept), and evicts the least recently used entry first: a sizedcache.Cache, like the
//     server's other caches of what clients send.
type tokenCache struct {
	entries *sizedcache.Cache[[sha256.Size]byte, cachedViewer]
}

type cachedViewer struct {
	viewer  Viewer
	expires time.Time // the token's exp
	keyed   bool      // verified against the key set, in generation gen
	gen     uint64
}

const (
	// defaultCacheSize is how many verified tokens are remembered unless Config.CacheSize says otherwise.
	defaultCacheSize = 10_000
	// maxCacheBytes bounds the memory the remembered viewers take, whatever their number.
	maxCacheBytes = 4 << 20
	// maxCachedViewerBytes is the most one remembered viewer may take: claims longer than that are verified anew each
	// time rather than crowd out other users' entries.
	maxCachedViewerBytes = 2 << 10
)

func newTokenCache(size, maxBytes int) *tokenCache {
	return &tokenCache{entries: sizedcache.New(int64(maxBytes), viewerCost,
		sizedcache.MaxEntries(size), sizedcache.MaxEntryBytes(maxCachedViewerBytes))}
}

// viewerCost is what a remembered viewer takes: its strings, and the entry around them (the key, the times and the
// list links among it).
func viewerCost(_ [sha256.Size]byte, e cachedViewer) int64 {
	return int64(sizedcache.EntryOverhead + len(e.viewer.ID) + len(e.viewer.Email) + len(e.viewer.Name))
}

// get returns a copy of the viewer remembered for the token hashed as key, when it was verified, has not expired at
// now, and, for a key-set token, was verified in the key set's current generation gen.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time, gen uint64) (*Viewer, bool) {
	e, ok := c.entries.Get(context.Background(), key) // the context is graphql.Cache's, which the cache ignores
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) || (e.keyed && e.gen != gen) {
		// Another request may have put a fresh entry since the Get; removing that costs one more verification.
		c.entries.Remove(key)
		return nil, false
	}
	v := e.viewer
	return &v, true
}

// put remembers that the token hashed as key verified as viewer, until expires; keyed says it was verified against
// the key set in generation gen. A viewer over maxCachedViewerBytes is not remembered.
func (c *tokenCache) put(key [sha256.Size]byte, viewer Viewer, expires time.Time, keyed bool, gen uint64) {
	c.entries.Add(context.Background(), key, cachedViewer{viewer: viewer, expires: expires, keyed: keyed, gen: gen})
}

// len returns how many tokens are remembered, and the bytes they are counted as.
func (c *tokenCache) len() (int, int) {
	n, bytes := c.entries.Size()
	return n, int(bytes)
}
