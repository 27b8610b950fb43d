package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"golang.org/x/time/rate"
)

const (
	// keySetRefreshInterval is how often the key set is fetched when nothing asks for it earlier. Rotation is picked
	// up sooner through unknown kids; this only bounds how long a key removed at the issuer stays trusted.
	keySetRefreshInterval = time.Hour
	// keySetFetchTimeout bounds one fetch, whatever the HTTP client's own timeout is.
	keySetFetchTimeout = 10 * time.Second
)

var errClosed = errors.New("verifier closed")

// keySet keeps the issuer's JSON Web Key Set in memory for keyfunc. It is a jwkset.Storage whose KeyRead refetches
// the set when asked for an unknown kid.
//
// jwkset has that behaviour built in (HTTPClientOptions.RefreshUnknownKID), but it calls rate.Limiter.Wait and then
// fetches once per waiter, using what is left of the wait's deadline for the fetch itself: under a flood of bogus
// kids the waiters queue one fetch each, a real new kid waits behind them, and a waiter released just before its
// deadline has no time left to fetch. So every fetch here (at start, hourly, and for unknown kids) goes through
// refresh instead, which shares one scheduled fetch among all the callers that arrive before it completes and starts
// fetches at least one interval apart. Callers wait for that one fetch, at most an interval plus the fetch, and no
// longer than their own context allows.
type keySet struct {
	jwkset.Storage // the keys of the last successful fetch

	url     string
	client  *http.Client
	log     *slog.Logger
	limiter *rate.Limiter   // one fetch per interval, burst 1
	onFetch func(err error) // nil, or told the outcome of every fetch

	ctx    context.Context // ends with close, and with it every fetch and the hourly refresh
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	next   *scheduledFetch // the fetch callers join; nil when none is scheduled or running

	// gen counts the successful fetches: tokens the verifier remembers were verified against one generation of keys
	// and are verified again in the next (see tokenCache).
	gen atomic.Uint64
}

// scheduledFetch is one fetch of the key set that callers wait for; err is readable once done is closed.
type scheduledFetch struct {
	done chan struct{}
	err  error
}

// newKeySet starts the hourly refresh; the caller starts the first fetch. ctx provides values, not a lifetime: the
// key set lives until close.
func newKeySet(ctx context.Context, url string, interval time.Duration, client *http.Client, log *slog.Logger, onFetch func(error)) *keySet {
	k := &keySet{
		Storage: jwkset.NewMemoryStorage(),
		url:     url,
		client:  client,
		log:     log,
		limiter: rate.NewLimiter(rate.Every(interval), 1),
		onFetch: onFetch,
	}
	k.ctx, k.cancel = context.WithCancel(context.WithoutCancel(ctx))
	k.wg.Add(1)
	go k.refreshEvery(keySetRefreshInterval)
	return k
}

// KeyRead returns the key with this kid, refetching the set first when the cache does not have it. keyfunc calls it
// with the request's context, which bounds the wait. The error wraps jwkset.ErrKeyNotFound when the kid is unknown
// even after a fetch.
func (k *keySet) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	jwk, err := k.Storage.KeyRead(ctx, kid)
	if !errors.Is(err, jwkset.ErrKeyNotFound) {
		return jwk, err
	}
	if err := k.refresh(ctx); err != nil {
		return jwkset.JWK{}, fmt.Errorf("kid %q is not cached and refetching the key set failed: %w", kid, err)
	}
	return k.Storage.KeyRead(ctx, kid)
}

// refresh waits for a fetch of the key set. A fetch already scheduled or running is joined rather than repeated
// (joining one already running can miss a key published during those milliseconds; the next miss fetches again);
// otherwise one is scheduled at the limiter's next slot, at most one interval away because only one reservation is
// ever outstanding.
func (k *keySet) refresh(ctx context.Context) error {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return errClosed
	}
	f := k.next
	if f == nil {
		f = &scheduledFetch{done: make(chan struct{})}
		k.next = f
		k.wg.Add(1)
		go k.run(f, k.limiter.Reserve().Delay())
	}
	k.mu.Unlock()

	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("waiting for the key set: %w", context.Cause(ctx))
	}
}

// run performs f after delay. It is detached from the callers' contexts so that one caller giving up does not cancel
// the fetch the others are waiting for.
func (k *keySet) run(f *scheduledFetch, delay time.Duration) {
	defer k.wg.Done()
	timer := time.NewTimer(delay)
	select {
	case <-k.ctx.Done():
		timer.Stop()
		f.err = errClosed
	case <-timer.C:
		f.err = k.fetch()
	}
	k.mu.Lock()
	k.next = nil
	k.mu.Unlock()
	close(f.done)
}

// fetch replaces the cached keys with the issuer's current set, so keys the issuer removed stop verifying. On failure
// it keeps the cached keys: an issuer that is briefly down must not log everyone out.
func (k *keySet) fetch() error {
	ctx, cancel := context.WithTimeout(k.ctx, keySetFetchTimeout)
	defer cancel()
	keys, err := k.download(ctx)
	if err == nil {
		err = k.Storage.KeyReplaceAll(ctx, keys)
	}
	if err == nil {
		k.gen.Add(1)
	}
	if k.onFetch != nil {
		k.onFetch(err)
	}
	if err != nil {
		k.log.WarnContext(ctx, "auth: could not fetch the JSON Web Key Set; keeping the keys already cached",
			"url", k.url, "error", err)
		return err
	}
	k.log.DebugContext(ctx, "auth: fetched the JSON Web Key Set", "url", k.url, "keys", len(keys))
	return nil
}

func (k *keySet) download(ctx context.Context) ([]jwkset.JWK, error) {
	// Without RefreshInterval, jwkset fetches once and starts no goroutine. Keys of types it does not support (such
	// as Ed448) are skipped rather than failing the whole set.
	fresh, err := jwkset.NewStorageFromHTTP(k.url, jwkset.HTTPClientStorageOptions{
		Client:      k.client,
		Ctx:         ctx,
		HTTPTimeout: keySetFetchTimeout,
	})
	if err != nil {
		return nil, err
	}
	return fresh.KeyReadAll(ctx)
}

func (k *keySet) refreshEvery(interval time.Duration) {
	defer k.wg.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-ticker.C:
			_ = k.refresh(k.ctx) // fetch has logged any failure
		}
	}
}

// close stops the hourly refresh and any scheduled fetch, and waits for their goroutines. Marking the set closed
// under mu first means no refresh can add to wg while close waits on it.
func (k *keySet) close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
}
