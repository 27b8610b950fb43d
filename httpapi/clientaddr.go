package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"taskapi/graph"
)

// clientAddress is the piece of the chain that settles once which address a request came from, for everything
// after it (clientIP): the rate limit's key for requests without a user, the charge of WebSocket upgrades, and the
// log line. That is the peer's address (RemoteAddr), unless the peer is one of the trusted proxies: then it is the
// client X-Forwarded-For names (resolveClient). From any other peer the header is not read, so that a client cannot
// choose its own address; with no trusted proxies at all the piece adds nothing, and clientIP reads the peer's.
func clientAddress(trusted []netip.Prefix, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addr, bad := resolveClient(r, trusted)
			if bad != "" && logger != nil {
				// A proxy's misconfiguration, or garbage passed through: not worth more than debug on every request.
				logger.DebugContext(r.Context(), "X-Forwarded-For ignored", "requestId", graph.RequestID(r.Context()),
					"peer", addr, "entry", truncate(bad, 64))
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, addr)))
		})
	}
}

type clientAddrKey struct{}

// clientIP is the address the request came from: the one clientAddress settled on, or the peer's without it.
func clientIP(r *http.Request) string {
	if addr, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return addr
	}
	return peerString(r.RemoteAddr)
}

// resolveClient returns the client address of r. When the peer is a trusted proxy, X-Forwarded-For (all its lines,
// in order, as one comma-separated list) is walked from the right, each entry written by the hop after it: trusted
// proxies are skipped, and the first address that is not one is the client, since no proxy of ours vouches for what
// is to its left. When every entry is trusted, the leftmost is the client. An entry the walk reaches that is not a
// plain IP address (empty, with a port, a name, "unknown") makes the header untrustworthy: the peer's address is
// returned, and the entry as bad.
func resolveClient(r *http.Request, trusted []netip.Prefix) (addr string, bad string) {
	peer, ok := parsePeer(r.RemoteAddr)
	if !ok {
		return peerString(r.RemoteAddr), ""
	}
	if !isTrusted(peer, trusted) {
		return peer.String(), ""
	}
	lines := r.Header.Values("X-Forwarded-For")
	if len(lines) == 0 {
		return peer.String(), ""
	}
	entries := strings.Split(strings.Join(lines, ","), ",")
	client := peer
	for i := len(entries) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(entries[i]))
		if err != nil || a.Zone() != "" {
			return peer.String(), orEmptyMark(entries[i])
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client.String(), ""
}

// parsePeer reads RemoteAddr, host:port as net/http sets it, or a bare address.
func parsePeer(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// peerString is the host of RemoteAddr, or RemoteAddr whole when it is not host:port.
func peerString(remote string) string {
	if a, ok := parsePeer(remote); ok {
		return a.String()
	}
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// isTrusted reports whether a is within one of the prefixes; a zone does not change which network it is on.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.WithZone("")
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func orEmptyMark(entry string) string {
	if e := strings.TrimSpace(entry); e != "" {
		return e
	}
	return "(empty)"
}
