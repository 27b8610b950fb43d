package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/auth"
)

// issuer stands in for Better Auth: it publishes an Ed25519 key under a kid at /api/auth/jwks, as the jwt() plugin
// does, and signs EdDSA tokens with it; HS256 tokens are signed with the shared secret the server is given as
// BETTER_AUTH_SECRET. Both kinds carry iss and aud, which the server is told to require through JWT_ISSUER and
// JWT_AUDIENCE.
type issuer struct {
	srv     *httptest.Server
	private ed25519.PrivateKey
	kid     string
	secret  string
	origin  string // iss and aud
}

func newIssuer() (*issuer, error) {
	pub, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	var secret [24]byte
	_, _ = rand.Read(secret[:])
	is := &issuer{private: private, kid: "bench-ed25519-1", secret: hex.EncodeToString(secret[:])}
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": is.kid,
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}}})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/auth/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	is.srv = httptest.NewServer(mux) // 127.0.0.1 only
	is.origin = is.srv.URL
	return is, nil
}

func (is *issuer) jwksURL() string { return is.srv.URL + "/api/auth/jwks" }

func (is *issuer) close() { is.srv.Close() }

// Token algorithms.
const (
	algEdDSA = "EdDSA"
	algHS256 = "HS256"
)

// token signs a token for user id with alg, valid for ttl.
func (is *issuer) token(id, alg string, ttl time.Duration) (string, error) {
	viewer := auth.Viewer{ID: id, Email: id + "@bench.example", Name: "Bench " + id[:6]}
	switch alg {
	case algHS256:
		return auth.SignHS256([]byte(is.secret), viewer, ttl, is.origin, is.origin)
	case algEdDSA:
		now := time.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
			"sub": viewer.ID, "email": viewer.Email, "name": viewer.Name,
			"iss": is.origin, "aud": is.origin,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(),
		})
		tok.Header["kid"] = is.kid
		return tok.SignedString(is.private)
	default:
		return "", fmt.Errorf("unknown algorithm %q", alg)
	}
}

// userID makes an id like Better Auth's: 32 random letters and digits.
func userID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [32]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
