package live

import "context"

// CheckAll reads the heads of every followed feed and wakes the subscriptions of those that grew, as the poll does.
func (h *Hub) CheckAll(ctx context.Context) { h.check(ctx, nil, true) }
