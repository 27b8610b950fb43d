package webhook

import "time"

// Clock is what the Worker waits with: between deliveries, for a request's timeout, and to stamp webhook-timestamp.
// Whether a delivery is due is decided by the database's clock instead (see model.DatabaseNow), so that instances whose
// clocks disagree still agree on leases.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless stop is called first; stop reports whether
	// it prevented the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
