package main

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		f := throttle(time.Second, func() { calls.Add(1) })
		f()
		if calls.Load() != 1 {
			t.Fatalf("first call: %d, want it at once", calls.Load())
		}
		for range 100 {
			f()
		}
		synctest.Wait()
		if calls.Load() != 1 {
			t.Fatalf("a burst within the gap called f %d times", calls.Load())
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if calls.Load() != 2 {
			t.Fatalf("after the gap: %d calls, want the burst's one", calls.Load())
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if calls.Load() != 2 {
			t.Fatalf("%d calls with nothing asked", calls.Load())
		}
		f()
		if calls.Load() != 3 {
			t.Fatalf("a call after a quiet spell: %d, want it at once", calls.Load())
		}
	})
}
