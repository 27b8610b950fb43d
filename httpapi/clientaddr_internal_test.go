package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"taskapi/auth"
)

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// TestClientAddress pins down whom a request is taken to come from: X-Forwarded-For is read only when the peer is a
// trusted proxy, from the right, up to the first address that is not a trusted proxy itself.
func TestClientAddress(t *testing.T) {
	proxies := prefixes(t, "10.0.0.0/8", "192.0.2.10/32", "fd00::/8", "fe80::/10")
	cases := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string // one header line each; nil: no header
		want    string
		ignored bool // the header was ignored as malformed
	}{
		{name: "NoTrustedProxiesIgnoresHeader", remote: "10.0.0.1:5000", xff: []string{"203.0.113.7"}, want: "10.0.0.1"},
		{name: "NoHeader", trusted: proxies, remote: "10.0.0.1:5000", want: "10.0.0.1"},
		{name: "TrustedPeer", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.7"}, want: "203.0.113.7"},
		{name: "SpoofedFromUntrustedPeer", trusted: proxies, remote: "198.51.100.4:5000", xff: []string{"203.0.113.7"},
			want: "198.51.100.4"},
		{name: "SpoofedTrustedAddressFromUntrustedPeer", trusted: proxies, remote: "198.51.100.4:5000",
			xff: []string{"10.0.0.9"}, want: "198.51.100.4"},
		{name: "TrustedHopsSkipped", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.7, 10.0.0.2, 192.0.2.10"},
			want: "203.0.113.7"},
		{name: "WhatTheClientPrependedIsNotBelieved", trusted: proxies, remote: "10.0.0.1:5000",
			xff: []string{"198.51.100.99, 203.0.113.7, 10.0.0.2"}, want: "203.0.113.7"},
		{name: "ClientPrependingGarbageKeepsItsAddress", trusted: proxies, remote: "10.0.0.1:5000",
			xff: []string{"garbage, 203.0.113.7"}, want: "203.0.113.7"},
		{name: "AllTrustedTakesLeftmost", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"10.0.0.3, 10.0.0.2"},
			want: "10.0.0.3"},
		{name: "SeveralHeaderLinesInOrder", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.7", "10.0.0.2"},
			want: "203.0.113.7"},
		{name: "SpacesAroundEntries", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"  203.0.113.7 ,10.0.0.2  "},
			want: "203.0.113.7"},
		{name: "IPv6PeerAndClient", trusted: proxies, remote: "[fd00::1]:443", xff: []string{"2001:db8:1:2::5"},
			want: "2001:db8:1:2::5"},
		{name: "IPv4ClientThroughIPv6Proxy", trusted: proxies, remote: "[fd00::1]:443", xff: []string{"203.0.113.7, fd00::2"},
			want: "203.0.113.7"},
		{name: "IPv4MappedPeerMatchesIPv4Prefix", trusted: proxies, remote: "[::ffff:10.0.0.1]:5000",
			xff: []string{"203.0.113.7"}, want: "203.0.113.7"},
		{name: "IPv4MappedEntryIsIPv4", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"::ffff:203.0.113.7"},
			want: "203.0.113.7"},
		{name: "ZonedPeerMatchesItsPrefix", trusted: proxies, remote: "[fe80::1%eth0]:5000", xff: []string{"203.0.113.7"},
			want: "203.0.113.7"},
		{name: "PeerWithoutPort", trusted: proxies, remote: "10.0.0.1", xff: []string{"203.0.113.7"}, want: "203.0.113.7"},
		{name: "UnparsablePeerIgnoresHeader", trusted: prefixes(t, "0.0.0.0/0", "::/0"), remote: "pipe",
			xff: []string{"203.0.113.7"}, want: "pipe"},
		{name: "MalformedEntry", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"not-an-address"}, want: "10.0.0.1",
			ignored: true},
		{name: "MalformedEntryBehindTrustedHop", trusted: proxies, remote: "10.0.0.1:5000",
			xff: []string{"203.0.113.7, bogus, 10.0.0.2"}, want: "10.0.0.1", ignored: true},
		{name: "EntryWithPort", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.7:1234"}, want: "10.0.0.1",
			ignored: true},
		{name: "EntryWithPrefix", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.0/24"}, want: "10.0.0.1",
			ignored: true},
		{name: "EmptyEntry", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{"203.0.113.7,"}, want: "10.0.0.1",
			ignored: true},
		{name: "EmptyHeader", trusted: proxies, remote: "10.0.0.1:5000", xff: []string{""}, want: "10.0.0.1", ignored: true},
		{name: "MalformedHeaderFromUntrustedPeerIsNotRead", trusted: proxies, remote: "198.51.100.4:5000",
			xff: []string{"bogus"}, want: "198.51.100.4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, bad := resolveClient(r, tc.trusted)
			if got != tc.want || (bad != "") != tc.ignored {
				t.Errorf("resolveClient = %q, malformed %q; want %q, ignored %v", got, bad, tc.want, tc.ignored)
			}
		})
	}
}

// TestRateKeyUsesTheClientAddress: the rate limit's key is the address the chain settled on, an IPv6 client by its
// /64, and a verified user by id whatever the address.
func TestRateKeyUsesTheClientAddress(t *testing.T) {
	trusted := prefixes(t, "10.0.0.0/8")
	cases := []struct {
		name, remote, xff, user, want string
	}{
		{name: "IPv4Client", remote: "10.0.0.1:5000", xff: "203.0.113.7", want: "addr:203.0.113.7"},
		{name: "IPv6ClientBySlash64", remote: "10.0.0.1:5000", xff: "2001:db8:1:2:aaaa::5", want: "addr:2001:db8:1:2::/64"},
		{name: "UntrustedPeer", remote: "[2001:db8:9:9::1]:5000", xff: "203.0.113.7", want: "addr:2001:db8:9:9::/64"},
		{name: "User", remote: "10.0.0.1:5000", xff: "203.0.113.7", user: "alice", want: "user:alice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := clientAddress(trusted, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.user != "" {
					r = r.WithContext(auth.NewContext(r.Context(), &auth.Viewer{ID: tc.user}))
				}
				got = rateKey(r)
			}))
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil).WithContext(context.Background())
			r.RemoteAddr = tc.remote
			r.Header.Set("X-Forwarded-For", tc.xff)
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("rateKey = %q, want %q", got, tc.want)
			}
		})
	}
}
