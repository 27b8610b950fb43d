package httpapi

import (
	"context"
	"sync"
	"time"
)

// requestBudget is what one HTTP request has spent, shared by its operations: a batch of ten operations gets one
// complexity budget, not ten, and is charged ten requests by the rate limit, not one. Without it a signed-in user
// within every limit sent ten operations of nine aliased tasks(first: 100) each, 0.6 s of CPU per POST.
type requestBudget struct {
	mu         sync.Mutex
	complexity int
	// charge, when the rate limit is on, takes n more requests from the caller's bucket, or takes nothing and says
	// how long until there are that many.
	charge func(n int) time.Duration
}

type requestBudgetKey struct{}

// withRequestBudget gives the request behind ctx a fresh budget; the transport calls it once per HTTP request.
func withRequestBudget(ctx context.Context) context.Context {
	if budgetFrom(ctx) != nil {
		return ctx
	}
	return context.WithValue(ctx, requestBudgetKey{}, &requestBudget{})
}

// budgetFrom returns the request's budget, nil outside an HTTP request.
func budgetFrom(ctx context.Context) *requestBudget {
	b, _ := ctx.Value(requestBudgetKey{}).(*requestBudget)
	return b
}

// spend adds an operation's complexity to what the request has spent and returns the new total, unless that would
// pass max: then it adds nothing, so that a refused operation leaves the budget to those that fit, and returns the
// total it would have been.
func (b *requestBudget) spend(complexity, max int) (total int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	total = b.complexity + complexity
	if total > max {
		return total, false
	}
	b.complexity = total
	return total, true
}

// chargeOperations charges the request's rate limit for n operations beyond the one the request itself was charged;
// it returns how long the caller must wait when the bucket does not hold that many (0: charged, or no rate limit).
func (b *requestBudget) chargeOperations(n int) time.Duration {
	if b == nil || b.charge == nil || n <= 0 {
		return 0
	}
	return b.charge(n)
}
