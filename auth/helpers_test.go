package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

const (
	testIssuer   = "https://app.example.com"
	testAudience = "https://app.example.com"
	testInterval = time.Second
)

var testSecret = []byte("a-test-secret-of-at-least-32-bytes!!")

// signingKey is one key the fake issuer signs with, published under kid.
type signingKey struct {
	kid     string
	method  jwt.SigningMethod
	private crypto.Signer
}

// jwk returns the public key as the issuer publishes it. It is written out by hand rather than with jwkset, so the
// tests check that jwkset reads what Better Auth writes, not what jwkset writes.
func (k signingKey) jwk(t testing.TB) map[string]string {
	t.Helper()
	m := map[string]string{"kid": k.kid, "alg": k.method.Alg()}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := k.private.Public().(type) {
	case ed25519.PublicKey:
		// The shape Better Auth's jwt() plugin publishes by default.
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", b64(pub)
	case *ecdsa.PublicKey:
		point, err := pub.Bytes() // 0x04 || X || Y, each coordinate at the curve's full width
		if err != nil {
			t.Fatal(err)
		}
		size := (len(point) - 1) / 2
		m["kty"], m["crv"] = "EC", pub.Curve.Params().Name
		m["x"], m["y"] = b64(point[1:1+size]), b64(point[1+size:])
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	default:
		t.Fatalf("no JWK form for %T", pub)
	}
	return m
}

// sign issues a token with claims, naming the key's kid in its header.
func (k signingKey) sign(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(k.method, claims)
	token.Header["kid"] = k.kid
	s, err := token.SignedString(k.private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Keys are generated once: RSA generation is slow enough to matter when every test does it.
var (
	keysOnce  sync.Once
	ed25519A  crypto.Signer
	ed25519B  crypto.Signer
	p256Key   crypto.Signer
	p521Key   crypto.Signer
	rsaKey    crypto.Signer
	otherEd   crypto.Signer
	generated error
)

func generateKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		must := func(k crypto.Signer, err error) crypto.Signer {
			if err != nil && generated == nil {
				generated = err
			}
			return k
		}
		ed := func() (crypto.Signer, error) { _, k, err := ed25519.GenerateKey(rand.Reader); return k, err }
		ec := func(c elliptic.Curve) (crypto.Signer, error) { return ecdsa.GenerateKey(c, rand.Reader) }
		ed25519A = must(ed())
		ed25519B = must(ed())
		otherEd = must(ed())
		p256Key = must(ec(elliptic.P256()))
		p521Key = must(ec(elliptic.P521()))
		rsaKey = must(rsa.GenerateKey(rand.Reader, 2048))
	})
	if generated != nil {
		t.Fatal(generated)
	}
}

// issuerKeys are the keys the fake issuer starts with, one per algorithm Better Auth can use.
func issuerKeys(t testing.TB) (eddsa, es256, es512, rs256, ps256 signingKey) {
	generateKeys(t)
	return signingKey{"ed-1", jwt.SigningMethodEdDSA, ed25519A},
		signingKey{"es256-1", jwt.SigningMethodES256, p256Key},
		signingKey{"es512-1", jwt.SigningMethodES512, p521Key},
		signingKey{"rs256-1", jwt.SigningMethodRS256, rsaKey},
		signingKey{"ps256-1", jwt.SigningMethodPS256, rsaKey}
}

// issuer is a fake Better Auth JWKS endpoint that counts its fetches. It listens on loopback, and config's client
// reaches it without the network (client), so that a test can run the verifier in a testing/synctest bubble, where
// the waits are of a fake clock.
type issuer struct {
	*httptest.Server
	handler http.Handler
	fetches atomic.Int64
	down    atomic.Bool // answer 503, as an issuer still starting would
	mu      sync.Mutex
	keys    []map[string]string
}

func newIssuer(t testing.TB, keys ...signingKey) *issuer {
	t.Helper()
	is := &issuer{}
	is.publish(t, keys...)
	is.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		if is.down.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		is.mu.Lock()
		body, err := json.Marshal(map[string]any{"keys": is.keys})
		is.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	is.Server = httptest.NewServer(is.handler)
	t.Cleanup(is.Close)
	return is
}

// client is an HTTP client that hands each request to the issuer's handler in the calling goroutine, so that a
// fetch involves no network and no goroutine outside a synctest bubble.
func (is *issuer) client() *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		is.handler.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// publish replaces the published key set, as a rotation at the issuer does.
func (is *issuer) publish(t testing.TB, keys ...signingKey) {
	t.Helper()
	jwks := make([]map[string]string, 0, len(keys))
	for _, k := range keys {
		jwks = append(jwks, k.jwk(t))
	}
	is.mu.Lock()
	is.keys = jwks
	is.mu.Unlock()
}

func (is *issuer) jwksURL() string { return is.URL + "/api/auth/jwks" }

// config verifies the issuer's key set and HS256 tokens with testSecret, quietly.
func (is *issuer) config() auth.Config {
	return auth.Config{
		KeySet: auth.KeySetConfig{
			URL:             is.jwksURL(),
			Issuer:          testIssuer,
			Audience:        testAudience,
			RefetchInterval: testInterval,
		},
		Secret:     auth.SecretConfig{Key: testSecret, Issuer: testIssuer, Audience: testAudience},
		Leeway:     30 * time.Second,
		Logger:     slog.New(slog.DiscardHandler),
		HTTPClient: is.client(),
	}
}

func mustVerifier(t testing.TB, cfg auth.Config) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// validClaims are claims every configured check accepts; cases change one thing.
func validClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA",
		"iss": testIssuer,
		"aud": testAudience,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, changes map[string]any) jwt.MapClaims {
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func signHS(t testing.TB, method jwt.SigningMethod, key []byte, claims jwt.MapClaims, kid string) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	if kid != "" {
		token.Header["kid"] = kid
	}
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsecured builds an `alg: none` token by hand, since the jwt package rightly makes that awkward.
func unsecured(t testing.TB, claims jwt.MapClaims, kid string) string {
	t.Helper()
	header, err := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	return b64(header) + "." + b64(payload) + "."
}
