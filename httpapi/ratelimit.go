package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"taskapi/auth"
	"taskapi/graph"
)

// RateLimit bounds how many GraphQL requests one user makes: a token bucket per verified user, and per client
// address for requests without a token. Each operation of a batch counts as one request. The buckets live in this process, so with several
// instances behind a load balancer a user gets the limit once per instance.
type RateLimit struct {
	// RPS is the sustained rate, in requests per second, that each user may make; 0 turns rate limiting off.
	RPS float64
	// Burst is how many requests a user with a full bucket may make at once (0: 50).
	Burst int
	// MaxKeys is how many users' and addresses' buckets are remembered (0: 10000). The least recently seen are
	// forgotten first; a forgotten user starts again with a full bucket, so the bound costs leniency, not wrong
	// refusals.
	MaxKeys int
}

const (
	defaultRateBurst   = 50
	defaultRateMaxKeys = 10000
)

// rateLimiter holds the buckets. A nil one, which newRateLimiter returns when RPS is 0, lets everything through.
type rateLimiter struct {
	limit   rate.Limit
	burst   int
	buckets *lru.Cache[string, *rate.Limiter]
}

// newRateLimiter returns the limiter of cfg, nil when RPS is 0. NewHandler makes one and shares it among its
// transports, so that a user has one bucket whichever they use.
func newRateLimiter(cfg RateLimit) *rateLimiter {
	if cfg.RPS <= 0 {
		return nil
	}
	burst := cfg.Burst
	if burst <= 0 {
		burst = defaultRateBurst
	}
	size := cfg.MaxKeys
	if size <= 0 {
		size = defaultRateMaxKeys
	}
	buckets, err := lru.New[string, *rate.Limiter](size)
	if err != nil {
		panic(err) // only for a size <= 0, excluded above
	}
	return &rateLimiter{limit: rate.Limit(cfg.RPS), burst: burst, buckets: buckets}
}

// take takes n tokens from key's bucket and returns 0, or, when the bucket does not hold them, takes nothing and
// returns how long until it will. cancel gives the tokens back. n above the burst is taken as the burst, so that a
// batch larger than the burst can still be served once the bucket is full.
func (l *rateLimiter) take(key string, n int, now time.Time) (wait time.Duration, cancel func()) {
	bucket, ok := l.buckets.Get(key)
	if !ok {
		bucket = rate.NewLimiter(l.limit, l.burst)
		if prev, found, _ := l.buckets.PeekOrAdd(key, bucket); found {
			bucket = prev // another request of the same user added it first
		}
	}
	n = min(n, l.burst)
	// Checked before reserving: a reservation that has to be cancelled leaves the bucket's clock in the future, and
	// cancelling an earlier one of the same request would then give nothing back.
	if have := bucket.TokensAt(now); have < float64(n) {
		wait := time.Duration((float64(n) - have) / float64(l.limit) * float64(time.Second))
		return max(wait, time.Nanosecond), func() {}
	}
	r := bucket.ReserveN(now, n)
	if !r.OK() {
		return time.Minute, func() {} // only for a burst of 0, which newRateLimiter excludes
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // raced with another request of the key; a refused one must not use up the tokens
		return d, func() {}
	}
	// Cancelled as of when it was taken: a reservation already acted on gives nothing back.
	return 0, func() { r.CancelAt(now) }
}

// wait takes one token from key's bucket and returns 0, or, when the bucket is empty, takes nothing and returns how
// long until a token is there.
func (l *rateLimiter) wait(key string, now time.Time) time.Duration {
	d, _ := l.take(key, 1, now)
	return d
}

// limitRequests is the piece of the chain that answers a request over the limit with 429, Retry-After (whole
// seconds, at least 1) and a RATE_LIMITED error; a nil limiter adds nothing. It runs after token verification, so a
// verified user is limited by id wherever they connect from. A request is charged one token here; the transport
// charges a batch one more per further operation (requestBudget), and when those are not there the batch is refused
// whole and its first token given back. The event stream route takes a token per stream; a WebSocket's upgrade
// takes one from the client's address, and each operation sent over it one from the user (limitOperations), from
// the same limiter.
func (l *rateLimiter) limitRequests(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := rateKey(r)
		wait, cancel := l.take(key, 1, time.Now())
		if wait > 0 {
			tooManyRequests(w, r, wait)
			return
		}
		ctx := withRequestBudget(r.Context())
		budgetFrom(ctx).charge = func(n int) time.Duration {
			wait, _ := l.take(key, n, time.Now())
			if wait > 0 {
				cancel()
			}
			return wait
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitOperations makes exec take a token from the verified user's bucket for every operation sent to it, for a
// transport whose operations are not requests of their own (a WebSocket's). The token is taken before the document is
// parsed, as limitRequests takes it before the body is read: parsing, validation and the cost check are the work an
// operation over the limit must not get. One over the limit is answered with the RATE_LIMITED error alone, and the
// connection goes on.
func (l *rateLimiter) limitOperations(exec graphql.GraphExecutor) graphql.GraphExecutor {
	if l == nil {
		return exec
	}
	return limitedExecutor{GraphExecutor: exec, l: l}
}

type limitedExecutor struct {
	graphql.GraphExecutor
	l *rateLimiter
}

// CreateOperationContext charges the operation, then parses and validates it; DispatchOperation, which the
// transport calls only with what this returned without errors, has nothing left to charge.
func (e limitedExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	if v, ok := auth.FromContext(ctx); ok {
		if wait := e.l.wait("user:"+v.ID, time.Now()); wait > 0 {
			return &graphql.OperationContext{}, gqlerror.List{rateLimited(wait)}
		}
	}
	return e.GraphExecutor.CreateOperationContext(ctx, params)
}

// rateLimited is the RATE_LIMITED error of a refusal that wait ends.
func rateLimited(wait time.Duration) *gqlerror.Error {
	seconds := int(math.Ceil(wait.Seconds()))
	return &gqlerror.Error{
		Message:    fmt.Sprintf("Too many requests; try again in %d s.", seconds),
		Extensions: map[string]any{"code": graph.CodeRateLimited, "retryAfter": seconds},
	}
}

// tooManyRequests answers 429 with Retry-After (whole seconds, at least 1) and a RATE_LIMITED error.
func tooManyRequests(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	refuse(w, r, http.StatusTooManyRequests, rateLimited(wait))
}

// rateKey is whom a request counts against: the verified user, or else the client address (clientIP, the forwarded
// one behind a trusted proxy; an IPv6 client by its /64, which one subscriber usually holds whole).
func rateKey(r *http.Request) string {
	if v, ok := auth.FromContext(r.Context()); ok {
		return "user:" + v.ID
	}
	client := clientIP(r)
	ip, err := netip.ParseAddr(client)
	ip = ip.Unmap()
	switch {
	case err != nil:
		return "addr:" + client
	case ip.Is4():
		return "addr:" + ip.String()
	default:
		p, _ := ip.WithZone("").Prefix(64)
		return "addr:" + p.Addr().String() + "/64"
	}
}
