package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/netip"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/live"
	"taskapi/model/modeltest"
)

// loopback is the test server's peer, the proxy of these tests.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

const (
	clientA = "203.0.113.1"
	clientB = "203.0.113.2"
)

func forwardedFor(addr string) map[string]string {
	return map[string]string{"X-Forwarded-For": addr}
}

// TestTrustedProxyRateLimit: behind a trusted proxy, anonymous clients have a bucket each, by the address the proxy
// forwards; without the setting the header is ignored and they all share the proxy's.
func TestTrustedProxyRateLimit(t *testing.T) {
	const introspect = `{"query":"{ __typename }"}`
	limit := httpapi.RateLimit{RPS: 0.001, Burst: 2}
	exhaust := func(t *testing.T, a *apitest.API) {
		t.Helper()
		for i := range 2 {
			if resp, raw := post(t, a, forwardedFor(clientA), introspect); resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d of client A within the burst: status %d %s", i, resp.StatusCode, raw)
			}
		}
		if resp, _ := post(t, a, forwardedFor(clientA), introspect); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("client A over the burst: status %d, want 429", resp.StatusCode)
		}
	}
	t.Run("Trusted", func(t *testing.T) {
		a := apitest.New(t, modeltest.SQLite, httpapi.Options{RateLimit: limit, TrustedProxies: loopback})
		exhaust(t, a)
		if resp, raw := post(t, a, forwardedFor(clientB), introspect); resp.StatusCode != http.StatusOK {
			t.Errorf("client B behind the same proxy: status %d %s, want 200", resp.StatusCode, raw)
		}
		// A client cannot escape its bucket by naming another address left of its own: the proxy appends the real one.
		if resp, _ := post(t, a, forwardedFor("198.51.100.9, "+clientA), introspect); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("client A with a forged address prepended: status %d, want 429", resp.StatusCode)
		}
	})
	t.Run("NotTrusted", func(t *testing.T) {
		a := apitest.New(t, modeltest.SQLite, httpapi.Options{RateLimit: limit})
		exhaust(t, a)
		if resp, _ := post(t, a, forwardedFor(clientB), introspect); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("client B without TrustedProxies: status %d, want 429 (one bucket for the proxy's address)", resp.StatusCode)
		}
	})
}

// TestTrustedProxyWebsocketUpgrades: upgrades are charged to the client's address, the forwarded one behind a
// trusted proxy, so that the users behind one proxy do not share one bucket of upgrades.
func TestTrustedProxyWebsocketUpgrades(t *testing.T) {
	limit := httpapi.RateLimit{RPS: 0.001, Burst: 2}
	upgrade := func(a *liveAPI, addr string) int {
		a.T.Helper()
		_, resp, err := a.dial(http.Header{"X-Forwarded-For": {addr}})
		if resp == nil {
			a.T.Fatalf("upgrade: %v", err)
		}
		return resp.StatusCode
	}
	exhaust := func(t *testing.T, a *liveAPI) {
		t.Helper()
		for i := range 2 {
			if code := upgrade(a, clientA); code != http.StatusSwitchingProtocols {
				t.Fatalf("upgrade %d of client A within the burst: status %d", i, code)
			}
		}
		if code := upgrade(a, clientA); code != http.StatusTooManyRequests {
			t.Fatalf("client A's third upgrade: status %d, want 429", code)
		}
	}
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		t.Run("Trusted", func(t *testing.T) {
			a := newLiveAPI(t, kind, httpapi.Options{RateLimit: limit, TrustedProxies: loopback}, live.Options{})
			exhaust(t, a)
			if code := upgrade(a, clientB); code != http.StatusSwitchingProtocols {
				t.Errorf("client B behind the same proxy: status %d, want 101", code)
			}
		})
		t.Run("NotTrusted", func(t *testing.T) {
			a := newLiveAPI(t, kind, httpapi.Options{RateLimit: limit}, live.Options{})
			exhaust(t, a)
			if code := upgrade(a, clientB); code != http.StatusTooManyRequests {
				t.Errorf("client B without TrustedProxies: status %d, want 429", code)
			}
		})
	})
}

// TestTrustedProxyRequestLog: the request line's remote is the client behind a trusted proxy, and the peer when
// the peer is not trusted, whatever the header says.
func TestTrustedProxyRequestLog(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		xff     string
		want    string
	}{
		{"Trusted", loopback, clientA + ", 127.0.0.1", clientA},
		{"TrustedMalformedHeader", loopback, "unknown", "127.0.0.1"},
		{"NotTrusted", nil, clientA, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs lockedBuffer
			a := apitest.New(t, modeltest.SQLite, httpapi.Options{TrustedProxies: tc.trusted,
				Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
			if resp, raw := post(t, a, forwardedFor(tc.xff), `{"query":"{ __typename }"}`); resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d %s", resp.StatusCode, raw)
			}
			lines := requestLines(t, logs.String())
			if len(lines) != 1 {
				t.Fatalf("want one line at info, got %d: %s", len(lines), logs.String())
			}
			if lines[0]["remote"] != tc.want {
				t.Errorf("remote = %v, want %s (line %v)", lines[0]["remote"], tc.want, lines[0])
			}
		})
	}
}
