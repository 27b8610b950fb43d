// Package clock is the time source of the server's waits: the webhook worker's and the reminder scheduler's sleeps,
// and the live transports' timers (a token's expiry, a connection_init that is overdue). Code that waits takes a
// Clock so that tests can move time themselves (package clocktest) instead of sleeping.
package clock

import "time"

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
