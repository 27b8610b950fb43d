package auth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

// TestVerifyRefusalSaysWhy: a refused token's error says what to fix, with what the token holds against what the
// verifier expects, and never repeats the token.
func TestVerifyRefusalSaysWhy(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	v := mustVerifier(t, is.config())
	expiry := time.Now().Add(-2 * time.Hour).Truncate(time.Second)

	cases := []struct {
		name, token string
		want        []string
	}{
		{"Expired", eddsa.sign(t, with(validClaims(), map[string]any{"exp": expiry.Unix()})),
			[]string{"expired at " + expiry.UTC().Format(time.RFC3339), "ago"}},
		{"NotYetValid", eddsa.sign(t, with(validClaims(), map[string]any{"nbf": time.Now().Add(time.Hour).Unix()})),
			[]string{"not valid before", "from now"}},
		{"WrongIssuer", eddsa.sign(t, with(validClaims(), map[string]any{"iss": "http://localhost:3100"})),
			[]string{`iss is "http://localhost:3100", expected "` + testIssuer + `"`}},
		{"WrongAudience", eddsa.sign(t, with(validClaims(), map[string]any{"aud": "http://localhost:3100"})),
			[]string{`aud is ["http://localhost:3100"], expected "` + testAudience + `"`}},
		{"HS256WrongIssuer", signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"iss": "elsewhere"}), ""),
			[]string{`iss is "elsewhere", expected "` + testIssuer + `"`}},
		{"WithoutExp", eddsa.sign(t, with(validClaims(), map[string]any{"exp": nil})), []string{"required claim", "exp"}},
		{"UnknownKid", signingKey{"no-such-kid", jwt.SigningMethodEdDSA, ed25519A}.sign(t, validClaims()),
			[]string{`kid "no-such-kid" is not in the key set at ` + is.jwksURL()}},
		{"AlgNotAccepted", signHS(t, jwt.SigningMethodHS384, testSecret, validClaims(), ""),
			[]string{`algorithm "HS384" is not accepted`, "EdDSA", "HS256"}},
		{"BadSignature", signHS(t, jwt.SigningMethodHS256, []byte("not-the-secret"), validClaims(), ""),
			[]string{"signature does not verify with the shared secret"}},
		{"Malformed", "this is not a token", []string{"malformed token"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), c.token)
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), c.token) {
				t.Errorf("error repeats the token: %q", err)
			}
		})
	}

	t.Run("KeySetUnreachable", func(t *testing.T) {
		gone := httptest.NewServer(nil)
		url := gone.URL + "/api/auth/jwks"
		gone.Close()
		cfg := is.config()
		cfg.KeySet.URL = url
		cfg.HTTPClient = nil // the real network, where nothing listens at url
		unreachable := mustVerifier(t, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := unreachable.Verify(ctx, eddsa.sign(t, validClaims()))
		if err == nil || !strings.Contains(err.Error(), "refetching the key set failed") || !strings.Contains(err.Error(), url) {
			t.Errorf("err = %v; want it to say the key set at %s could not be fetched", err, url)
		}
	})
}
