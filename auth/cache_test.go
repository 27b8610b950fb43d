package auth_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

// A token that verified is remembered, and answered with a viewer of its own each time; a refused one is not.
func TestVerifyRemembersVerifiedTokens(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, auth.Config{Secret: auth.SecretConfig{Key: testSecret}})
	token := signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"email": "ada@example.com"}), "")
	first, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	first.ID = "changed by the caller"
	second, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA" || second.Email != "ada@example.com" {
		t.Errorf("remembered viewer = %+v", second)
	}
	if n := auth.CachedTokens(v); n != 1 {
		t.Errorf("%d tokens remembered, want 1", n)
	}
	if _, err := v.Verify(context.Background(), token+"x"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("a changed token: %v, want ErrInvalidToken", err)
	}
	if n := auth.CachedTokens(v); n != 1 {
		t.Errorf("%d tokens remembered after a refused one, want 1", n)
	}

	off := mustVerifier(t, auth.Config{Secret: auth.SecretConfig{Key: testSecret}, CacheSize: -1})
	if _, err := off.Verify(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if n := auth.CachedTokens(off); n != 0 {
		t.Errorf("CacheSize -1 remembered %d tokens", n)
	}
}

// A remembered token is checked again from its exp on, and refused once the leeway has passed, as without the
// cache.
func TestRememberedTokenExpires(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, auth.Config{Secret: auth.SecretConfig{Key: testSecret}, Leeway: 30 * time.Second})
		token := signHS(t, jwt.SigningMethodHS256, testSecret, with(validClaims(), map[string]any{"exp": time.Now().Add(10 * time.Second).Unix()}), "")
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second) // past exp, within the leeway
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatalf("within the leeway: %v", err)
		}
		if n := auth.CachedTokens(v); n != 0 {
			t.Errorf("%d tokens remembered past their exp", n)
		}
		time.Sleep(30 * time.Second)
		if _, err := v.Verify(context.Background(), token); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("past exp and the leeway: %v, want ErrInvalidToken", err)
		}
	})
}

// A token remembered from before a key rotation is checked again against the new key set: the very same token,
// signed with a key the issuer retired, is refused once the server has fetched the set without it.
func TestRememberedTokenRefusedAfterItsKeyIsRetired(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	rotated := signingKey{"ed-2", jwt.SigningMethodEdDSA, ed25519B}
	is := newIssuer(t, eddsa)
	synctest.Test(t, func(t *testing.T) {
		v := mustVerifier(t, is.config())
		old := eddsa.sign(t, validClaims())
		for range 2 {
			if _, err := v.Verify(context.Background(), old); err != nil {
				t.Fatalf("Verify before rotation: %v", err)
			}
		}
		is.publish(t, rotated)
		if _, err := v.Verify(context.Background(), rotated.sign(t, validClaims())); err != nil { // fetches the new set
			t.Fatalf("Verify with the new kid: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := v.Verify(ctx, old); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("the remembered token of the retired key: %v, want ErrInvalidToken", err)
		}
	})
}
