package httpapi_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"taskapi/httpapi"
	"taskapi/live"
	"taskapi/model/modeltest"
)

// idleSocketGoroutines is the most goroutines an idle socket with one subscription may hold on the server: the one
// reading the socket. Its subscription holds none (the hub hands its events over on a goroutine of its own while it
// has some, websocket_serve.go), pings and the deadlines hold none (websocket_ping.go), and net/http's goroutine for
// the connection ends with the upgrade (websocket_handshake.go).
const idleSocketGoroutines = 1

// TestIdleSocketGoroutines opens idle sockets of one subscription each and counts the goroutines they hold: every
// goroutine parked per socket costs its stack, the larger part of what an idle socket costs. None of them is
// net/http's for the connection, which would hold its buffers and its connection state for the socket's life.
func TestIdleSocketGoroutines(t *testing.T) {
	const sockets = 20
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{WebsocketPingInterval: time.Hour}, live.Options{Poll: time.Hour})
	before := settledGoroutines(t, -1)
	servingBefore := httpServing()
	for i := range sockets {
		c := a.connectAs(fmt.Sprintf("idle%d", i))
		c.subscribe("1", eventSubscription, nil)
	}
	waitUntil(t, func() bool { return a.hub.Subscriptions() == sockets })
	// Stable for a while: the hub's goroutines start as the subscriptions are accepted.
	after := -1
	for stable := 0; stable < 5; {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == after {
			stable++
		} else {
			after, stable = n, 0
		}
	}
	if per := float64(after-before) / sockets; per > idleSocketGoroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%.2f goroutines per idle socket, want at most %d:\n%s", per, idleSocketGoroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := httpServing() - servingBefore; n > 0 {
		t.Errorf("net/http still serves %d of the %d sockets' connections", n, sockets)
	}
}

// httpServing counts the goroutines in net/http's serving of a connection.
func httpServing() int {
	buf := make([]byte, 8<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "net/http.(*conn).serve(")
}
