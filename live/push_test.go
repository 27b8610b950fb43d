package live_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"taskapi/live"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// settledGoroutines returns the number of goroutines once it has stayed the same for a while.
func settledGoroutines() int {
	n := -1
	for stable := 0; stable < 5; {
		time.Sleep(20 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			stable++
		} else {
			n, stable = m, 0
		}
	}
	return n
}

// TestIdleSubscriptionHoldsNoGoroutine: a subscription waiting for its user's feed to grow holds no goroutine of the
// hub; one starts when the feed grows and ends when the events are handed on.
func TestIdleSubscriptionHoldsNoGoroutine(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			db := modeltest.MustOpenDB(t, kind)
			in := startHub(t, db, live.Options{Poll: time.Hour})
			if kind == modeltest.Postgres {
				waitListening(t, db, 1)
			}
			const n = 20
			before := settledGoroutines()
			chans := make([]<-chan *model.TaskEvent, n)
			for i := range n {
				chans[i] = in.subscribe(t, fmt.Sprintf("idle-%02d", i), nil)
			}
			if extra := settledGoroutines() - before; extra > 0 {
				t.Errorf("%d idle subscriptions hold %d goroutines, want none", n, extra)
			}
			in.create(t, "idle-07", "t", 2)
			receive(t, chans[7], 2, "t", 1)
			if extra := settledGoroutines() - before; extra > 0 {
				t.Errorf("after delivering, %d goroutines remain, want none", extra)
			}
		})
	}
}

// pushed collects what a Push hands over: its function takes the event the hub has just put in the channel, which
// must be there, without waiting.
type pushed struct {
	t      *testing.T
	ch     <-chan *model.TaskEvent
	mu     sync.Mutex
	events []*model.TaskEvent
	closed bool
	calls  int
}

func (p *pushed) ready() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	select {
	case ev, ok := <-p.ch:
		if !ok {
			p.closed = true
			return
		}
		p.events = append(p.events, ev)
	default:
		p.t.Errorf("call %d: nothing to take from the channel", p.calls)
	}
}

func (p *pushed) snapshot() ([]*model.TaskEvent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*model.TaskEvent(nil), p.events...), p.closed
}

// TestPush: a subscription given a Push hands each event over by calling it, in feed order, the history after the
// cursor first, then each new one, and calls it once more when it ends, with the channel closed; no goroutine waits
// on the channel.
func TestPush(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			db := modeltest.MustOpenDB(t, kind)
			in := startHub(t, db, live.Options{Poll: 50 * time.Millisecond, Batch: 2})
			start, err := in.store.TaskEventCursor(context.Background(), "u")
			if err != nil {
				t.Fatal(err)
			}
			in.create(t, "u", "t", 3) // two pages of history
			p := &pushed{t: t}
			push := live.NewPush(p.ready)
			ctx, cancel := context.WithCancel(live.WithPush(context.Background(), push))
			defer cancel()
			// The calls wait for p.ch: the transport's equivalent waits until its dispatch has returned.
			p.mu.Lock()
			ch, err := in.hub.Subscribe(ctx, "u", &start)
			if err != nil {
				p.mu.Unlock()
				t.Fatal(err)
			}
			p.ch = ch
			p.mu.Unlock()
			if !push.Taken() {
				t.Fatal("the subscription did not take the Push")
			}
			in.create(t, "u", "t", 5) // t0..t4 again: 3 live events after the 3 of history, titled t0, t1, t2
			want := []string{"t0", "t1", "t2", "t0", "t1", "t2", "t3", "t4"}
			deadline := time.Now().Add(wait)
			for {
				got, _ := p.snapshot()
				if len(got) >= len(want) {
					for i, ev := range got {
						if i >= len(want) || title(ev) != want[i] || ev.Position != int64(i+1) {
							t.Fatalf("event %d: %v at %d, want %q at %d", i, title(ev), ev.Position, want[min(i, len(want)-1)], i+1)
						}
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("pushed %d of %d events", len(got), len(want))
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			for {
				if _, closed := p.snapshot(); closed {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the end of the subscription was not pushed")
				}
				time.Sleep(10 * time.Millisecond)
			}
			waitFor(t, func() bool { return in.hub.Subscriptions() == 0 })
		})
	}
}

// waitFor waits until cond holds, for at most wait.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
