// Package clocktest gives tests a clock whose time moves only when the test advances it, for the background
// workers' waits and the live transports' timers (clock.Clock).
package clocktest

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// Fake is a clock (it satisfies clock.Clock) whose time moves only when the test advances it. Its timers run
// their functions in goroutines of their own, as time.AfterFunc does.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*timer
	changed chan struct{} // closed and replaced whenever a timer is added or removed
}

type timer struct {
	at time.Time
	d  time.Duration
	f  func()
}

// New returns a fake clock set a minute ahead of the real time (truncated to the second).
func New() *Fake {
	// A minute ahead of the real time, so that the rows the database stamps with its own clock (Enqueue) are due
	// for the worker at once.
	return &Fake{now: time.Now().UTC().Truncate(time.Second).Add(time.Minute), changed: make(chan struct{})}
}

// Now returns the fake time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc calls f once the fake time has advanced by d, unless stop is called first.
func (c *Fake) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{at: c.now.Add(d), d: d, f: f}
	if d <= 0 {
		go f()
		return func() bool { return false }
	}
	c.timers = append(c.timers, t)
	c.signal()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := slices.Index(c.timers, t)
		if i < 0 {
			return false
		}
		c.timers = slices.Delete(c.timers, i, i+1)
		c.signal()
		return true
	}
}

func (c *Fake) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the time on by d and fires the timers that are then due.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		go t.f()
	}
	c.timers = kept
	c.signal()
}

// WaitForTimer waits until a timer whose length matches is pending and returns its length. It fails the test after a
// minute of real time.
func (c *Fake) WaitForTimer(t *testing.T, match func(time.Duration) bool) time.Duration {
	t.Helper()
	return c.WaitForTimers(t, 1, match)
}

// WaitForTimers waits until n timers whose lengths match are pending (several workers each asleep) and returns the
// length of the first. It fails the test after a minute of real time.
func (c *Fake) WaitForTimers(t *testing.T, n int, match func(time.Duration) bool) time.Duration {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		c.mu.Lock()
		var found []time.Duration
		for _, tm := range c.timers {
			if match(tm.d) {
				found = append(found, tm.d)
			}
		}
		if len(found) >= n {
			c.mu.Unlock()
			return found[0]
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			c.mu.Lock()
			for _, tm := range c.timers {
				t.Logf("pending timer %s", tm.d)
			}
			c.mu.Unlock()
			t.Fatalf("%d matching timers were not started within a minute", n)
		}
	}
}
