package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	eddsa, es256, es512, rs256, ps256 := issuerKeys(t)
	is := newIssuer(t, eddsa, es256, es512, rs256, ps256)
	v := mustVerifier(t, is.config())

	tests := []struct {
		name  string
		token string
		want  auth.Viewer
	}{
		{"EdDSAFromKeySet", eddsa.sign(t, validClaims()), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"ES256FromKeySet", es256.sign(t, validClaims()), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"ES512FromKeySet", es512.sign(t, validClaims()), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"RS256FromKeySet", rs256.sign(t, validClaims()), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"PS256FromKeySet", ps256.sign(t, validClaims()), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"HS256WithSecret", signHS(t, jwt.SigningMethodHS256, testSecret, validClaims(), ""), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{
			"EmailAndNameCopied",
			eddsa.sign(t, with(validClaims(), map[string]any{"email": "ada@example.com", "name": "Ada Lovelace"})),
			auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA", Email: "ada@example.com", Name: "Ada Lovelace"},
		},
		{
			"EmailAndNameCopiedFromHS256",
			signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"email": "ada@example.com", "name": "Ada"}), ""),
			auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA", Email: "ada@example.com", Name: "Ada"},
		},
		{
			"NonStringEmailAndNameIgnored",
			eddsa.sign(t, with(validClaims(), map[string]any{"email": 42, "name": map[string]any{"first": "Ada"}})),
			auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"},
		},
		{"AudienceAmongSeveral", eddsa.sign(t, with(validClaims(), map[string]any{"aud": []string{"other", testAudience}})), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"NoIatNorNbf", eddsa.sign(t, with(validClaims(), map[string]any{"iat": nil, "nbf": nil})), auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"SubOfOneCharacter", eddsa.sign(t, with(validClaims(), map[string]any{"sub": "x"})), auth.Viewer{ID: "x"}},
		{"SubOf255Characters", eddsa.sign(t, with(validClaims(), map[string]any{"sub": strings.Repeat("é", 255)})), auth.Viewer{ID: strings.Repeat("é", 255)}},
		{"UUIDSub", eddsa.sign(t, with(validClaims(), map[string]any{"sub": "0190a6c4-7b2e-7c3d-9f1a-2b3c4d5e6f70"})), auth.Viewer{ID: "0190a6c4-7b2e-7c3d-9f1a-2b3c4d5e6f70"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// Every token of the table expires in an hour (validClaims), to the second.
			if left := time.Until(got.Expires); left < 59*time.Minute || left > time.Hour || got.Expires.Location() != time.UTC {
				t.Errorf("Expires = %v, want the token's exp, an hour from now, in UTC", got.Expires)
			}
			viewer := *got
			viewer.Expires = time.Time{}
			if viewer != tt.want {
				t.Errorf("Verify = %+v, want %+v", viewer, tt.want)
			}
		})
	}
}

// refusedTokens are tokens that a verifier made from issuer.config() must refuse.
func refusedTokens(t *testing.T) []struct{ name, token string } {
	t.Helper()
	eddsa, _, _, rs256, _ := issuerKeys(t)
	now := time.Now()
	forged := signingKey{eddsa.kid, jwt.SigningMethodEdDSA, otherEd}
	rsaDER, err := x509.MarshalPKIXPublicKey(rsaKey.Public().(*rsa.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return []struct{ name, token string }{
		{"Expired", eddsa.sign(t, with(validClaims(), map[string]any{"exp": now.Add(-2 * time.Minute).Unix()}))},
		{"WithoutExp", eddsa.sign(t, with(validClaims(), map[string]any{"exp": nil}))},
		{"NotYetValid", eddsa.sign(t, with(validClaims(), map[string]any{"nbf": now.Add(2 * time.Minute).Unix()}))},
		{"IssuedInTheFuture", eddsa.sign(t, with(validClaims(), map[string]any{"iat": now.Add(2 * time.Minute).Unix()}))},
		{"WrongIssuer", eddsa.sign(t, with(validClaims(), map[string]any{"iss": "https://evil.example.com"}))},
		{"WithoutIssuer", eddsa.sign(t, with(validClaims(), map[string]any{"iss": nil}))},
		{"WrongAudience", eddsa.sign(t, with(validClaims(), map[string]any{"aud": "https://other.example.com"}))},
		{"WithoutAudience", eddsa.sign(t, with(validClaims(), map[string]any{"aud": nil}))},
		{"HS256WrongIssuer", signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"iss": "elsewhere"}), "")},
		{"HS256WrongAudience", signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"aud": "elsewhere"}), "")},
		{"BadSignature", forged.sign(t, validClaims())},
		{"TamperedPayload", tamper(t, eddsa.sign(t, validClaims()))},
		{"HS256WithOtherSecret", signHS(t, jwt.SigningMethodHS256, []byte("not-the-secret"), validClaims(), "")},
		{"AlgNone", unsecured(t, validClaims(), eddsa.kid)},
		{"HS256SignedWithEd25519PublicKey", signHS(t, jwt.SigningMethodHS256, ed25519A.Public().(ed25519.PublicKey), validClaims(), eddsa.kid)},
		{"HS256SignedWithRSAPublicKey", signHS(t, jwt.SigningMethodHS256, rsaDER, validClaims(), rs256.kid)},
		{"HS384WithSecret", signHS(t, jwt.SigningMethodHS384, testSecret, validClaims(), "")},
		{"RS384FromKeySetKey", signingKey{rs256.kid, jwt.SigningMethodRS384, rsaKey}.sign(t, validClaims())},
		{"AlgDifferentFromKeys", signingKey{rs256.kid, jwt.SigningMethodPS256, rsaKey}.sign(t, validClaims())},
		{"UnknownKid", signingKey{"no-such-kid", jwt.SigningMethodEdDSA, ed25519A}.sign(t, validClaims())},
		{"WithoutSub", eddsa.sign(t, with(validClaims(), map[string]any{"sub": nil}))},
		{"EmptySub", eddsa.sign(t, with(validClaims(), map[string]any{"sub": ""}))},
		{"SubOf256Characters", eddsa.sign(t, with(validClaims(), map[string]any{"sub": strings.Repeat("a", 256)}))},
		{"NumericSub", eddsa.sign(t, with(validClaims(), map[string]any{"sub": 12345}))},
		{"Garbage", "this is not a token"},
		{"TwoSegments", strings.Join(strings.Split(eddsa.sign(t, validClaims()), ".")[:2], ".")},
		{"BadBase64", "eyJhbGciOiJFZERTQSJ9.!!!notbase64!!!.c2ln"},
		{"Empty", ""},
	}
}

// tamper changes the subject without re-signing.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload := `{"sub":"someone-else","iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` +
		jwt.NewNumericDate(time.Now().Add(time.Hour)).String() + `}`
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(parts, ".")
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	eddsa, es256, es512, rs256, ps256 := issuerKeys(t)
	is := newIssuer(t, eddsa, es256, es512, rs256, ps256)
	v := mustVerifier(t, is.config())

	for _, tt := range refusedTokens(t) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %+v, %v; want an error wrapping ErrInvalidToken", got, err)
			}
			if got != nil {
				t.Errorf("Verify returned viewer %+v with its error", got)
			}
		})
	}
}

func TestVerifyRefusesRoutesNotConfigured(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)

	secretOnly := is.config()
	secretOnly.KeySet = auth.KeySetConfig{}
	keySetOnly := is.config()
	keySetOnly.Secret = auth.SecretConfig{}

	tests := []struct {
		name  string
		cfg   auth.Config
		token string
	}{
		{"HS256WithoutSecret", keySetOnly, signHS(t, jwt.SigningMethodHS256, testSecret, validClaims(), "")},
		{"HS256SignedWithPublicKeyWithoutSecret", keySetOnly, signHS(t, jwt.SigningMethodHS256, ed25519A.Public().(ed25519.PublicKey), validClaims(), eddsa.kid)},
		{"EdDSAWithoutKeySet", secretOnly, eddsa.sign(t, validClaims())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustVerifier(t, tt.cfg)
			if got, err := v.Verify(context.Background(), tt.token); !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("Verify = %+v, %v; want an error wrapping ErrInvalidToken", got, err)
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	v := mustVerifier(t, is.config()) // 30s leeway
	now := time.Now()

	tests := []struct {
		name   string
		change map[string]any
		ok     bool
	}{
		{"ExpiredWithinLeeway", map[string]any{"exp": now.Add(-10 * time.Second).Unix()}, true},
		{"ExpiredBeyondLeeway", map[string]any{"exp": now.Add(-90 * time.Second).Unix()}, false},
		{"NotBeforeWithinLeeway", map[string]any{"nbf": now.Add(10 * time.Second).Unix()}, true},
		{"NotBeforeBeyondLeeway", map[string]any{"nbf": now.Add(90 * time.Second).Unix()}, false},
		{"IssuedAheadWithinLeeway", map[string]any{"iat": now.Add(10 * time.Second).Unix()}, true},
		{"IssuedAheadBeyondLeeway", map[string]any{"iat": now.Add(90 * time.Second).Unix()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), eddsa.sign(t, with(validClaims(), tt.change)))
			if tt.ok && err != nil {
				t.Errorf("Verify: %v, want accepted", err)
			}
			if !tt.ok && !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("Verify: %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestNewVerifierConfig(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	tests := []struct {
		name    string
		cfg     auth.Config
		wantErr bool
	}{
		{"NothingToVerifyWith", auth.Config{Logger: quiet}, true},
		{"LeewayOverOneMinute", auth.Config{Secret: auth.SecretConfig{Key: testSecret}, Leeway: 2 * time.Minute}, true},
		{"NegativeLeeway", auth.Config{Secret: auth.SecretConfig{Key: testSecret}, Leeway: -time.Second}, true},
		{"LeewayOfOneMinute", auth.Config{Secret: auth.SecretConfig{Key: testSecret}, Leeway: time.Minute}, false},
		{"SecretOnly", auth.Config{Secret: auth.SecretConfig{Key: testSecret}}, false},
		{"RefetchIntervalTooShort", auth.Config{KeySet: auth.KeySetConfig{URL: "https://app.example.com/api/auth/jwks", RefetchInterval: 500 * time.Millisecond}, Logger: quiet}, true},
		{"RefetchIntervalTooLong", auth.Config{KeySet: auth.KeySetConfig{URL: "https://app.example.com/api/auth/jwks", RefetchInterval: 6 * time.Second}, Logger: quiet}, true},
		{"KeySetURLNotAbsolute", auth.Config{KeySet: auth.KeySetConfig{URL: "/api/auth/jwks"}, Logger: quiet}, true},
		{"KeySetURLNotHTTP", auth.Config{KeySet: auth.KeySetConfig{URL: "ftp://app.example.com/jwks"}, Logger: quiet}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := auth.NewVerifier(context.Background(), tt.cfg)
			if err == nil {
				v.Close()
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("NewVerifier error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewVerifierWithUnreachableKeySet(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL + "/api/auth/jwks"
	gone.Close()

	v := mustVerifier(t, auth.Config{
		KeySet: auth.KeySetConfig{URL: url, RefetchInterval: testInterval},
		Logger: slog.New(slog.DiscardHandler),
	})
	eddsa, _, _, _, _ := issuerKeys(t)
	// The next fetch is an interval away and will fail too; the request need not wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := v.Verify(ctx, eddsa.sign(t, validClaims())); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify with no key set reachable: %v, want ErrInvalidToken", err)
	}
}

func TestKeySetFetchedOnDemandWhenIssuerStartsLater(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	is.down.Store(true)
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config()) // its first fetch fails and uses the limiter's slot

		is.down.Store(false)
		start := time.Now()
		if _, err := v.Verify(context.Background(), eddsa.sign(t, validClaims())); err != nil {
			t.Fatalf("Verify once the issuer is up: %v", err)
		}
		// The clock is the bubble's: Verify waited for exactly the fetch at the next slot, not for anything after it.
		if waited := time.Since(start); waited > testInterval {
			t.Errorf("Verify waited %s for the key set, want at most one interval (%s)", waited, testInterval)
		}
	})
}

func TestKeyRotationPickedUpWithoutRestart(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	rotated := signingKey{"ed-2", jwt.SigningMethodEdDSA, ed25519B}
	is := newIssuer(t, eddsa)
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config())
		if _, err := v.Verify(context.Background(), eddsa.sign(t, validClaims())); err != nil {
			t.Fatalf("Verify before rotation: %v", err)
		}

		is.publish(t, rotated) // the old key is retired along with the rotation
		start := time.Now()
		if _, err := v.Verify(context.Background(), rotated.sign(t, validClaims())); err != nil {
			t.Fatalf("Verify with the new kid: %v", err)
		}
		if waited := time.Since(start); waited > testInterval {
			t.Errorf("new kid accepted after %s, want within one interval (%s)", waited, testInterval)
		}
		// Were the retired key still cached, Verify would accept at once; the short context only spares the wait for
		// the next refetch, which cannot bring it back.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := v.Verify(ctx, eddsa.sign(t, validClaims())); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("Verify with the retired key: %v, want ErrInvalidToken", err)
		}
	})
}

func TestUnknownKidFloodDoesNotHammerIssuer(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	rotated := signingKey{"ed-2", jwt.SigningMethodEdDSA, ed25519B}
	is := newIssuer(t, eddsa)
	const flood = 1000
	tokens := make([]string, flood)
	for i := range tokens {
		tokens[i] = signingKey{fmt.Sprintf("bogus-%d-%s", i, rand.Text()), jwt.SigningMethodEdDSA, otherEd}.sign(t, validClaims())
	}
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config())
		before := is.fetches.Load()

		refused := make(chan error, flood)
		for _, token := range tokens {
			go func() {
				_, err := v.Verify(context.Background(), token)
				refused <- err
			}()
		}
		synctest.Wait() // every bogus kid is waiting for the one scheduled fetch

		// A real rotation in the middle of the flood.
		is.publish(t, eddsa, rotated)
		start := time.Now()
		if _, err := v.Verify(context.Background(), rotated.sign(t, validClaims())); err != nil {
			t.Fatalf("Verify with the rotated kid during the flood: %v", err)
		}
		if waited := time.Since(start); waited > testInterval {
			t.Errorf("rotated kid accepted after %s during the flood, want within one interval (%s)", waited, testInterval)
		}

		for range flood {
			if err := <-refused; !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("bogus kid: %v, want ErrInvalidToken", err)
			}
		}
		n := is.fetches.Load() - before
		t.Logf("%d concurrent unknown kids caused %d fetches", flood, n)
		if n > 2 {
			t.Errorf("flood of %d unknown kids caused %d fetches, want at most 2", flood, n)
		}
	})
}

func TestUnknownKidFloodFetchesAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	rotated := signingKey{"ed-2", jwt.SigningMethodEdDSA, ed25519B}
	is := newIssuer(t, eddsa)

	// Clients that give up after 100ms keep the flood going across several intervals.
	const flood, clients = 1000, 50
	tokens := make(chan string, flood)
	for i := range flood {
		tokens <- signingKey{fmt.Sprintf("bogus-%d-%s", i, rand.Text()), jwt.SigningMethodEdDSA, otherEd}.sign(t, validClaims())
	}
	close(tokens)
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config())
		before := is.fetches.Load()
		start := time.Now()
		var wg sync.WaitGroup
		var accepted atomic.Int64
		for range clients {
			wg.Go(func() {
				for token := range tokens {
					ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
					if _, err := v.Verify(ctx, token); err == nil {
						accepted.Add(1)
					}
					cancel()
				}
			})
		}

		is.publish(t, eddsa, rotated)
		rotatedAt := time.Now()
		if _, err := v.Verify(context.Background(), rotated.sign(t, validClaims())); err != nil {
			t.Fatalf("Verify with the rotated kid during the flood: %v", err)
		}
		if waited := time.Since(rotatedAt); waited > testInterval {
			t.Errorf("rotated kid accepted after %s during the flood, want within one interval (%s)", waited, testInterval)
		}

		wg.Wait()
		elapsed := time.Since(start)
		if n := accepted.Load(); n != 0 {
			t.Errorf("%d tokens with bogus kids accepted", n)
		}
		fetches := is.fetches.Load() - before
		t.Logf("%d bogus kids over %s caused %d fetches", flood, elapsed.Round(time.Millisecond), fetches)
		if elapsed <= testInterval {
			t.Errorf("the flood lasted %s; it must span more than one interval to show the bound", elapsed)
		}
		if limit := int64(elapsed/testInterval) + 1; fetches > limit {
			t.Errorf("%d fetches in %s, want at most one per %s interval (%d)", fetches, elapsed, testInterval, limit)
		}
	})
}

func TestUnknownKidWaitEndsWithRequestContext(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config()) // its first fetch used the limiter's slot; the next is an interval away
		before := is.fetches.Load()

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		unknown := signingKey{"not-published", jwt.SigningMethodEdDSA, otherEd}
		if _, err := v.Verify(ctx, unknown.sign(t, validClaims())); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("Verify: %v, want ErrInvalidToken", err)
		}
		// Verify returned at its context's deadline, before the fetch it was waiting for happened.
		if waited := time.Since(start); waited > 50*time.Millisecond {
			t.Errorf("Verify returned after %s, want at its context's 50ms deadline", waited)
		}
		if n := is.fetches.Load() - before; n != 0 {
			t.Errorf("%d fetches before Verify returned; it must not have waited for the next one", n)
		}
	})
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	v, err := auth.NewVerifier(context.Background(), is.config())
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	v.Close()

	if _, err := v.Verify(context.Background(), eddsa.sign(t, validClaims())); err != nil {
		t.Errorf("Verify with a cached key after Close: %v", err)
	}
	unknown := signingKey{"not-published", jwt.SigningMethodEdDSA, otherEd}
	if _, err := v.Verify(context.Background(), unknown.sign(t, validClaims())); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify with an unknown kid after Close: %v, want ErrInvalidToken", err)
	}
}

func TestSignHS256RoundTrip(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, auth.Config{
		Secret: auth.SecretConfig{Key: testSecret, Issuer: testIssuer, Audience: testAudience},
		Logger: slog.New(slog.DiscardHandler),
	})
	tests := []struct {
		name   string
		viewer auth.Viewer
	}{
		{"IDOnly", auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA"}},
		{"WithEmailAndName", auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA", Email: "ada@example.com", Name: "Ada Lovelace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := auth.SignHS256(testSecret, tt.viewer, time.Hour, testIssuer, testAudience)
			if err != nil {
				t.Fatalf("SignHS256: %v", err)
			}
			got, err := v.Verify(context.Background(), token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if left := time.Until(got.Expires); left < 59*time.Minute || left > time.Hour {
				t.Errorf("Expires = %v, want the ttl's end", got.Expires)
			}
			got.Expires = time.Time{}
			if *got != tt.viewer {
				t.Errorf("Verify = %+v, want %+v", *got, tt.viewer)
			}
		})
	}
}

func TestSignHS256Refuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret []byte
		viewer auth.Viewer
		ttl    time.Duration
	}{
		{"EmptySecret", nil, auth.Viewer{ID: "u1"}, time.Hour},
		{"NonPositiveTTL", testSecret, auth.Viewer{ID: "u1"}, 0},
		{"EmptyID", testSecret, auth.Viewer{}, time.Hour},
		{"IDOf256Characters", testSecret, auth.Viewer{ID: strings.Repeat("a", 256)}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if token, err := auth.SignHS256(tt.secret, tt.viewer, tt.ttl, "", ""); err == nil {
				t.Errorf("SignHS256 = %q, want an error", token)
			}
		})
	}
}
