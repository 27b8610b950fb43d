package httpapi

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// The server pings each socket every Options.WebsocketPingInterval and drops one that has not answered for two
// intervals. gqlgen's transport would do it with a goroutine per socket waiting on a ticker; here it is one timer
// (time.AfterFunc), which holds no goroutine between pings: with thousands of idle sockets, that goroutine's stack
// was a fifth of what each one cost. The first ping comes at a random point of the first interval, so that sockets
// opened together (every client reconnecting after a restart) do not all ping in the same instant ever after.
//
// The deadline is gqlgen's rule, kept: it is set two intervals ahead when the socket is acknowledged; a pong clears
// it (the transport does that as it reads the pong); each ping after a pong sets it two intervals ahead again. So a
// peer that answers stays, and one that stops answering is cut at most two intervals after the last ping it
// answered, whatever it sends otherwise. Like the write deadline, it runs on the system clock: it is the network's.

// startPings arms the socket's pings; the socket stops them when it finishes.
func (c *protocolConn) startPings(interval time.Duration) {
	if interval <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pingsStopped {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * interval))
	c.pingEvery = interval
	c.pinger = time.AfterFunc(interval/2+rand.N(interval/2+1), c.ping)
}

// ping sends a ping and arms the next one.
func (c *protocolConn) ping() {
	c.mu.Lock()
	answered := c.ponged
	c.ponged = false
	stopped := c.pingsStopped
	c.mu.Unlock()
	if stopped {
		return
	}
	if err := c.write(pingMessage); err != nil {
		return // the socket is broken: its read fails, and it finishes
	}
	if answered {
		_ = c.SetReadDeadline(time.Now().Add(2 * c.pingEvery))
	}
	c.mu.Lock()
	if !c.pingsStopped {
		c.pinger.Reset(c.pingEvery)
	}
	c.mu.Unlock()
}

// pingMessage is graphql-transport-ws's ping, without a payload, encoded once: thousands of idle sockets each send
// one per interval.
var pingMessage = json.RawMessage(`{"type":"ping"}`)

// stopPings stops the pings for good.
func (c *protocolConn) stopPings() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pingsStopped = true
	if c.pinger != nil {
		c.pinger.Stop()
	}
}
