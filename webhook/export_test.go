package webhook

import "context"

// Claim leases due deliveries to w as Run would, without sending them: a worker that then stops is one that
// crashed holding its leases. It returns the ids claimed.
func (w *Worker) Claim(ctx context.Context) ([]string, error) {
	claimed, err := w.claim(ctx)
	ids := make([]string, len(claimed))
	for i, d := range claimed {
		ids[i] = d.ID
	}
	return ids, err
}
