// Package clock is the time source of the server's waits: the webhook worker's and the reminder scheduler's sleeps,
// and the live transports' timers (a token's expiry, a connection_init that is overdue). Code that waits takes a
// Clock so that tests can move time themselves (package clocktest) instead of sleeping.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and runs functions later.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless stop is called first; stop reports whether
	// it prevented the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// System is the real clock.
type System struct{}

// Now is time.Now.
func (System) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (System) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Sleep returns once d has passed on c, a value arrives on wake, or ctx ends, whichever comes first; at once when d
// is not positive. It is how the background workers wait between rounds: until the next row is due, or until a
// write tells them to look sooner.
func Sleep(ctx context.Context, c Clock, d time.Duration, wake <-chan struct{}) {
	if d <= 0 {
		return
	}
	timer := make(chan struct{})
	stop := c.AfterFunc(d, func() { close(timer) })
	defer stop()
	select {
	case <-timer:
	case <-wake:
	case <-ctx.Done():
	}
}
