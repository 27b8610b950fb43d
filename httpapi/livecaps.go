package httpapi

import (
	"net/http"
	"strconv"
	"sync"

	"taskapi/graph"
)

// Caps on the live connections (WebSockets and event streams together) of one instance, in all, per client address
// (clientIP: behind trusted proxies, the client X-Forwarded-For names) and per user. Each holds a file
// descriptor, goroutines and buffers for as long as its client likes; without a cap one user's tabs gone wild, or
// anyone opening sockets faster than they close, would use up the process's file descriptors, and then the
// health checks and plain requests that need one too would go unanswered. The cap per address holds back one
// machine that opens sockets before it signs in (a WebSocket's user is known only after the upgrade), sized for
// an office behind one NAT address. A refused client is told to come back
// later: 429 with Retry-After before a WebSocket's upgrade or an event stream's first byte, close code 4429 after
// the upgrade (a WebSocket learns its user in connection_init, after the upgrade).

// liveRetryAfter is the Retry-After of a refusal at a cap, in seconds: sockets close at human speed (a tab closed,
// a token expired), so sooner would only be refused again.
const liveRetryAfter = 10

// liveSlots counts the live connections open, in all, per address and per user.
type liveSlots struct {
	perUser    int // MaxSocketsPerUser
	perAddress int // MaxSocketsPerAddress; none when negative
	total      int // MaxSockets

	mu        sync.Mutex
	open      int
	byAddress map[string]int
	byUser    map[string]int
}

func newLiveSlots(total, perAddress, perUser int) *liveSlots {
	return &liveSlots{total: total, perAddress: perAddress, perUser: perUser, byAddress: map[string]int{}, byUser: map[string]int{}}
}

// take takes one of the instance's slots for a connection from the client address addr; it returns "" when there
// was one, else the refusal's message. release gives it back.
func (l *liveSlots) take(addr string) (refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.total {
		return msgInstanceFull
	}
	if l.perAddress >= 0 {
		if l.byAddress[addr] >= l.perAddress {
			return msgAddressFull
		}
		l.byAddress[addr]++
	}
	l.open++
	return ""
}

func (l *liveSlots) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perAddress >= 0 {
		if l.byAddress[addr] <= 1 {
			delete(l.byAddress, addr)
		} else {
			l.byAddress[addr]--
		}
	}
}

// takeUser takes one of user's slots and reports whether there was one; releaseUser gives it back.
func (l *liveSlots) takeUser(user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser[user] >= l.perUser {
		return false
	}
	l.byUser[user]++
	return true
}

func (l *liveSlots) releaseUser(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser[user] <= 1 {
		delete(l.byUser, user) // a map of every user ever seen would only grow
		return
	}
	l.byUser[user]--
}

// Messages of the refusals, which say what the client can do.
const (
	msgInstanceFull = "This server holds as many live connections as it may; connect again later (to another instance)."
	msgUserFull     = "You have too many live connections open (WebSockets and event streams); close one first."
	msgAddressFull  = "Too many live connections (WebSockets and event streams) are open from your network address; close one first, or connect again later."
)

// refuseLive answers 429 with Retry-After and a RATE_LIMITED error.
func refuseLive(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("Retry-After", strconv.Itoa(liveRetryAfter))
	writeError(w, r, mediaJSON, http.StatusTooManyRequests, graph.CodeRateLimited, message)
}
