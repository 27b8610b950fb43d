package main

import (
	"sync"
	"time"
)

// throttle returns a function that calls f at once, unless it called f less than gap ago; then it calls f once when
// gap has passed, however many calls came meanwhile. No call is lost: the last one is always followed by a call of
// f. The feed's notifications arrive at every write of every instance, and each wake-up of the reminder scheduler
// and the webhook worker costs statements; this bounds that to one per gap per instance while a single write is
// still acted on at once.
func throttle(gap time.Duration, f func()) func() {
	var mu sync.Mutex
	var last time.Time
	pending := false
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if pending {
			return // the call at the end of the gap covers this one
		}
		if wait := gap - time.Since(last); wait > 0 {
			pending = true
			time.AfterFunc(wait, func() {
				mu.Lock()
				pending = false
				last = time.Now()
				mu.Unlock()
				f()
			})
			return
		}
		last = time.Now()
		f()
	}
}
