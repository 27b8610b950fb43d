package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

// The cost of verifying one token, by route. Compare runs with benchstat (see bench/README.md).
//
// EdDSA is the key-set route on a cache hit, the path of every request once the key set is fetched: the benchmarks
// fail if the issuer is asked for its keys while they run. The baselines are the bare signature checks of the same
// tokens, so the difference is what the verifier adds: parsing, the cache lookup and the claim checks.

// benchTokens returns a verifier configured for both routes (key set warm) and one valid token of each kind.
func benchTokens(b *testing.B) (v *auth.Verifier, is *issuer, hs256, eddsa string, key signingKey) {
	return benchTokensWith(b, 0)
}

// benchTokensWith is benchTokens with the verifier's CacheSize set to cacheSize.
func benchTokensWith(b *testing.B, cacheSize int) (v *auth.Verifier, is *issuer, hs256, eddsa string, key signingKey) {
	b.Helper()
	key, _, _, _, _ = issuerKeys(b)
	is = newIssuer(b, key)
	cfg := is.config()
	cfg.CacheSize = cacheSize
	v = mustVerifier(b, cfg)
	hs256 = signHS(b, jwt.SigningMethodHS256, testSecret, validClaims(), "")
	eddsa = key.sign(b, validClaims())
	for _, tok := range []string{hs256, eddsa} {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			b.Fatalf("the benchmark's token does not verify: %v", err)
		}
	}
	return v, is, hs256, eddsa, key
}

func BenchmarkVerify(b *testing.B) {
	v, is, hs256, eddsa, _ := benchTokens(b)
	ctx := context.Background()
	for _, tc := range []struct{ name, token string }{{"HS256", hs256}, {"EdDSA", eddsa}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			fetches := is.fetches.Load()
			for b.Loop() {
				if _, err := v.Verify(ctx, tc.token); err != nil {
					b.Fatal(err)
				}
			}
			if n := is.fetches.Load() - fetches; n != 0 {
				b.Fatalf("the key set was fetched %d times: not a cache hit", n)
			}
		})
	}
}

// BenchmarkVerifyParallel verifies from every P at once: the shared key-set cache under contention.
// BenchmarkVerifyUncached is BenchmarkVerify with the verifier's cache of verified tokens turned off: the whole
// check, each time.
func BenchmarkVerifyUncached(b *testing.B) {
	v, _, hs256, eddsa, _ := benchTokensWith(b, -1)
	ctx := context.Background()
	for _, tc := range []struct{ name, token string }{{"HS256", hs256}, {"EdDSA", eddsa}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	v, is, hs256, eddsa, _ := benchTokens(b)
	for _, tc := range []struct{ name, token string }{{"HS256", hs256}, {"EdDSA", eddsa}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			fetches := is.fetches.Load()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if _, err := v.Verify(ctx, tc.token); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if n := is.fetches.Load() - fetches; n != 0 {
				b.Fatalf("the key set was fetched %d times: not a cache hit", n)
			}
		})
	}
}

// BenchmarkVerifyBaseline checks only the signatures of the same tokens, with the standard library.
func BenchmarkVerifyBaseline(b *testing.B) {
	_, _, hs256, eddsa, key := benchTokens(b)
	split := func(token string) (signed, sig []byte) {
		i := strings.LastIndexByte(token, '.')
		s, err := base64.RawURLEncoding.DecodeString(token[i+1:])
		if err != nil {
			b.Fatal(err)
		}
		return []byte(token[:i]), s
	}
	b.Run("HS256", func(b *testing.B) {
		b.ReportAllocs()
		signed, sig := split(hs256)
		for b.Loop() {
			mac := hmac.New(sha256.New, testSecret)
			mac.Write(signed)
			if !hmac.Equal(mac.Sum(nil), sig) {
				b.Fatal("bad signature")
			}
		}
	})
	b.Run("EdDSA", func(b *testing.B) {
		b.ReportAllocs()
		signed, sig := split(eddsa)
		pub := key.private.Public().(ed25519.PublicKey)
		for b.Loop() {
			if !ed25519.Verify(pub, signed, sig) {
				b.Fatal("bad signature")
			}
		}
	})
}
