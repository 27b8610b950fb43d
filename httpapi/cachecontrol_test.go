package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model/modeltest"
)

// TestNoSharedCacheKeepsAViewersAnswer: whatever is answered for a verified viewer (a hashed GET a CDN could cache,
// a POST, a persisted-query miss, a rate-limit refusal) is Cache-Control: private, no-store; what is the same for
// everyone (introspection without a token) is not marked private, and every answer varies by Authorization.
func TestNoSharedCacheKeepsAViewersAnswer(t *testing.T) {
	a := apitest.New(t, modeltest.SQLite, httpapi.Options{RateLimit: httpapi.RateLimit{RPS: 0.001, Burst: 4}})
	alice := map[string]string{"Authorization": "Bearer " + apitest.Token(t, "alice")}
	query := "{ viewer { id email } }"
	sum := sha256.Sum256([]byte(query))
	ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`)
	hashed := "/graphql?extensions=" + ext

	check := func(name string, resp *http.Response, private bool) {
		t.Helper()
		cc := resp.Header.Get("Cache-Control")
		if got := strings.Contains(cc, "private") && strings.Contains(cc, "no-store"); got != private {
			t.Errorf("%s: Cache-Control %q (status %d), want private, no-store: %t", name, cc, resp.StatusCode, private)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Authorization") {
			t.Errorf("%s: Vary %q lacks Authorization", name, resp.Header.Values("Vary"))
		}
	}
	resp, _ := a.Request(http.MethodGet, hashed, alice, nil)
	check("PersistedMissForAViewer", resp, true)
	resp, _ = a.Request(http.MethodGet, hashed+"&query="+url.QueryEscape(query), alice, nil)
	check("HashedGETWithQuery", resp, true)
	resp, _ = a.Request(http.MethodGet, hashed, alice, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("hashed GET: %d", resp.StatusCode)
	}
	check("HashedGET", resp, true)
	resp, _ = post(t, a, alice, `{"query":"{ viewer { id } }"}`)
	check("POST", resp, true)
	resp, _ = post(t, a, alice, `{"query":"{ viewer { id } }"}`)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the burst: %d", resp.StatusCode)
	}
	check("RateLimited", resp, true)
	resp, _ = a.Request(http.MethodGet, "/graphql?query="+url.QueryEscape("{ __typename }"), nil, nil)
	check("AnonymousIntrospection", resp, false)
}
