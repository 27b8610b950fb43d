package auth_test

import (
	"sync"
	"testing"
)

// TestOnKeySetFetchReportsEveryFetch pins the hook the server's metrics count key-set fetches with: it hears of the
// first fetch at start, failed ones included.
func TestOnKeySetFetchReportsEveryFetch(t *testing.T) {
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	is.down.Store(true)
	var mu sync.Mutex
	var outcomes []error
	cfg := is.config()
	cfg.OnKeySetFetch = func(err error) {
		mu.Lock()
		outcomes = append(outcomes, err)
		mu.Unlock()
	}
	seen := func() []error {
		mu.Lock()
		defer mu.Unlock()
		return append([]error(nil), outcomes...)
	}
	mustVerifier(t, cfg)
	if got := seen(); len(got) != 1 || got[0] == nil {
		t.Fatalf("outcomes after a start against an issuer that is down: %v", got)
	}

	is.down.Store(false)
	mustVerifier(t, cfg)
	if got := seen(); len(got) != 2 || got[1] != nil {
		t.Fatalf("outcomes after a start against an issuer that answers: %v", got)
	}
}
