package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is wrapped by every verification failure (errors.Is works). The wrapping error's message says
// why, for logs only: clients are told no more than that the token is invalid.
var ErrInvalidToken = errors.New("invalid token")

const (
	defaultLeeway          = 30 * time.Second
	maxLeeway              = 60 * time.Second
	defaultRefetchInterval = 2 * time.Second
	minRefetchInterval     = time.Second
	maxRefetchInterval     = 5 * time.Second
	maxSubjectLength       = 255
)

// keySetAlgs are the algorithms Better Auth's jwt() plugin can sign with. HS256 is deliberately absent: an HMAC
// "verified" with a public key's bytes would let anyone who can read the key set forge tokens.
var keySetAlgs = []string{"EdDSA", "ES256", "ES512", "RS256", "PS256"}

// KeySetConfig turns on verification against a JSON Web Key Set, as Better Auth's jwt() plugin publishes it.
type KeySetConfig struct {
	URL             string        // JWKS URL, e.g. https://app.example.com/api/auth/jwks; empty turns key-set verification off
	Issuer          string        // required `iss` when non-empty
	Audience        string        // required among the `aud` values when non-empty
	RefetchInterval time.Duration // least time between refetches for unknown kids; 0 means 2s, otherwise 1s to 5s
}

// SecretConfig turns on HS256 verification with a shared secret.
type SecretConfig struct {
	Key      []byte // HS256 shared secret; empty turns HS256 off
	Issuer   string // required `iss` when non-empty
	Audience string // required among the `aud` values when non-empty
}

// Config configures a Verifier. At least one of KeySet.URL and Secret.Key must be set.
type Config struct {
	KeySet     KeySetConfig
	Secret     SecretConfig
	Leeway     time.Duration // clock skew allowed for exp, nbf and iat; 0 means 30s, at most 60s
	HTTPClient *http.Client  // fetches the key set; nil means a client with a 10s timeout
	Logger     *slog.Logger  // nil means slog.Default(); tokens and secrets are never logged
	// OnKeySetFetch, when set, is called after every fetch of the key set with its error (nil when it succeeded), for
	// metrics. It runs on the fetching goroutine and must not block.
	OnKeySetFetch func(err error)
	// CacheSize is how many verified tokens are remembered until their exp, so that a token sent with every request
	// is checked once (0 means 10,000; negative turns the cache off). Whatever the count, the entries take at most
	// 4 MiB. See tokenCache for why this is safe with key rotation.
	CacheSize int
}

// Verifier checks tokens against the configured key set and shared secret. It is safe for concurrent use.
type Verifier struct {
	hs256  *route // nil when no secret is configured
	keyed  *route // nil when no key set is configured
	keySet *keySet
	cache  *tokenCache // nil when turned off
}

// route is how one family of tokens is verified: its parser carries that family's algorithms, issuer and audience.
type route struct {
	parser  *jwt.Parser
	keyfunc func(ctx context.Context) jwt.Keyfunc
	// issuer and audience are what the parser requires ("" when nothing), for the reasons of refusals.
	issuer, audience string
	// keySetURL is where the route's keys come from ("" for the shared secret), for the reasons of refusals.
	keySetURL string
}

// NewVerifier validates cfg and, when a key set is configured, fetches it and keeps it fresh until Close. It returns
// an error naming the problem when neither a key set URL nor a secret is set, when the URL is not an absolute http or
// https URL, when Leeway is negative or over 60s, or when KeySet.RefetchInterval is outside 1s to 5s.
//
// An unreachable key set is not an error, since the issuer may start after this server: NewVerifier logs a warning
// and the keys are fetched when a token first needs them. ctx bounds that first fetch and supplies values to the
// background work, whose lifetime ends with Close rather than with ctx.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	var v Verifier
	if cfg.CacheSize > 0 {
		v.cache = newTokenCache(cfg.CacheSize, maxCacheBytes)
	}
	if len(cfg.Secret.Key) > 0 {
		key := slices.Clone(cfg.Secret.Key) // the caller's slice may change later; the verifier's key must not
		v.hs256 = &route{
			parser: newParser([]string{jwt.SigningMethodHS256.Alg()}, cfg.Leeway, cfg.Secret.Issuer, cfg.Secret.Audience),
			keyfunc: func(context.Context) jwt.Keyfunc {
				return func(*jwt.Token) (any, error) { return key, nil }
			},
			issuer: cfg.Secret.Issuer, audience: cfg.Secret.Audience,
		}
	}
	if cfg.KeySet.URL != "" {
		v.keySet = newKeySet(ctx, cfg.KeySet.URL, cfg.KeySet.RefetchInterval, cfg.HTTPClient, cfg.Logger, cfg.OnKeySetFetch)
		kf, err := keyfunc.New(keyfunc.Options{Storage: v.keySet})
		if err != nil {
			v.Close()
			return nil, fmt.Errorf("auth: key set: %w", err)
		}
		v.keyed = &route{
			parser:  newParser(keySetAlgs, cfg.Leeway, cfg.KeySet.Issuer, cfg.KeySet.Audience),
			keyfunc: kf.KeyfuncCtx,
			issuer:  cfg.KeySet.Issuer, audience: cfg.KeySet.Audience, keySetURL: cfg.KeySet.URL,
		}
		_ = v.keySet.refresh(ctx) // a failure is logged, and the next unknown kid tries again
	}
	return &v, nil
}

func (cfg *Config) withDefaults() error {
	if cfg.KeySet.URL == "" && len(cfg.Secret.Key) == 0 {
		return errors.New("auth: no way to verify tokens: set a key set URL, a shared secret, or both")
	}
	if cfg.KeySet.URL != "" {
		u, err := url.Parse(cfg.KeySet.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("auth: key set URL %q is not an absolute http or https URL", cfg.KeySet.URL)
		}
	}
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = defaultLeeway
	case cfg.Leeway < 0 || cfg.Leeway > maxLeeway:
		return fmt.Errorf("auth: leeway %s is outside 0 to %s", cfg.Leeway, maxLeeway)
	}
	switch interval := cfg.KeySet.RefetchInterval; {
	case interval == 0:
		cfg.KeySet.RefetchInterval = defaultRefetchInterval
	case interval < minRefetchInterval || interval > maxRefetchInterval:
		return fmt.Errorf("auth: key set refetch interval %s is outside %s to %s", interval, minRefetchInterval, maxRefetchInterval)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: keySetFetchTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = defaultCacheSize
	}
	return nil
}

func newParser(algs []string, leeway time.Duration, issuer, audience string) *jwt.Parser {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithLeeway(leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if issuer != "" {
		opts = append(opts, jwt.WithIssuer(issuer))
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	return jwt.NewParser(opts...)
}

// claims are the parts of a token the verifier reads. Email and Name are any so that a non-string value is ignored
// instead of failing the whole token.
type claims struct {
	jwt.RegisteredClaims
	Email any `json:"email,omitempty"`
	Name  any `json:"name,omitempty"`
}

// Verify checks token's signature and claims and returns the viewer it names. The token's `alg` picks the route:
// HS256 is checked with the shared secret, EdDSA, ES256, ES512, RS256 and PS256 with the key set, each only when
// configured; every other algorithm, `none` included, is refused. `exp` is required, `nbf` and `iat` are honoured
// within the leeway, `iss` and `aud` must match when the route has them configured, and `sub` must be 1 to 255
// characters.
//
// Every error wraps ErrInvalidToken, including when ctx ends while an unknown kid waits for the key set to be
// refetched (a wait of at most one refetch interval plus the fetch). Its message says why in terms a person can act
// on (expired and when, the iss or aud received against the one expected, an unknown kid, a key set that could not
// be fetched, an algorithm not accepted, a malformed token) and never repeats the token or a key.
//
// A token that verified is remembered until its exp (see Config.CacheSize): sent again, it is answered from memory
// with the same viewer, unless the key set has been fetched since, which checks it again.
func (v *Verifier) Verify(ctx context.Context, token string) (*Viewer, error) {
	if v.cache == nil {
		viewer, _, _, err := v.verify(ctx, token)
		return viewer, err
	}
	key := sha256.Sum256([]byte(token))
	gen := v.keySetGen() // read before verifying: a fetch during the check makes the entry stale, never the reverse
	now := time.Now()
	if viewer, ok := v.cache.get(key, now, gen); ok {
		return viewer, nil
	}
	viewer, expires, keyed, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if expires.After(now) {
		v.cache.put(key, *viewer, expires, keyed, gen)
	}
	return viewer, nil
}

// keySetGen returns the key set's generation, 0 without a key set.
func (v *Verifier) keySetGen() uint64 {
	if v.keySet == nil {
		return 0
	}
	return v.keySet.gen.Load()
}

// verify is Verify without the cache. It also returns the token's exp and whether the key set verified it.
func (v *Verifier) verify(ctx context.Context, token string) (viewer *Viewer, expires time.Time, keyed bool, err error) {
	// Peeking at the unverified header only chooses which parser, with its own algorithm list, checks the token.
	unverified, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("%w: malformed token: %w", ErrInvalidToken, err)
	}
	var r *route
	switch alg := unverified.Method.Alg(); {
	case alg == jwt.SigningMethodHS256.Alg():
		if v.hs256 == nil {
			return nil, time.Time{}, false, fmt.Errorf("%w: HS256 token but no shared secret is configured", ErrInvalidToken)
		}
		r = v.hs256
	case slices.Contains(keySetAlgs, alg):
		if v.keyed == nil {
			return nil, time.Time{}, false, fmt.Errorf("%w: %s token but no key set is configured", ErrInvalidToken, alg)
		}
		r = v.keyed
	default:
		accepted := slices.Clone(keySetAlgs)
		if v.hs256 != nil {
			accepted = append(accepted, jwt.SigningMethodHS256.Alg())
		}
		return nil, time.Time{}, false, fmt.Errorf("%w: algorithm %q is not accepted (accepted: %s)", ErrInvalidToken, alg, strings.Join(accepted, ", "))
	}

	var c claims
	if _, err := r.parser.ParseWithClaims(token, &c, r.keyfunc(ctx)); err != nil {
		return nil, time.Time{}, false, fmt.Errorf("%w: %s", ErrInvalidToken, r.explain(err, &c, unverified, time.Now()))
	}
	if n := utf8.RuneCountInString(c.Subject); n < 1 || n > maxSubjectLength {
		return nil, time.Time{}, false, fmt.Errorf("%w: sub must be 1 to %d characters, has %d", ErrInvalidToken, maxSubjectLength, n)
	}
	viewer = &Viewer{ID: c.Subject}
	if c.ExpiresAt != nil { // required by the parser; checked anyway
		viewer.Expires = c.ExpiresAt.UTC()
	}
	viewer.Email, _ = c.Email.(string)
	viewer.Name, _ = c.Name.(string)
	return viewer, viewer.Expires, r == v.keyed, nil
}

// explain says why the parser refused a token, with what the token holds against what was expected. The claims are
// filled in before validation, so they are there when a claim was what failed.
func (r *route) explain(err error, c *claims, unverified *jwt.Token, now time.Time) string {
	at := func(d *jwt.NumericDate) string {
		if d == nil {
			return "(none)"
		}
		return d.UTC().Format(time.RFC3339)
	}
	kid, _ := unverified.Header["kid"].(string)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Sprintf("the token expired at %s, %s ago", at(c.ExpiresAt), now.Sub(c.ExpiresAt.Time).Round(time.Second))
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fmt.Sprintf("the token is not valid before %s (nbf), %s from now; check the clocks", at(c.NotBefore), c.NotBefore.Sub(now).Round(time.Second))
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fmt.Sprintf("the token was issued at %s (iat), %s from now; check the clocks", at(c.IssuedAt), c.IssuedAt.Sub(now).Round(time.Second))
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return fmt.Sprintf("iss is %q, expected %q", c.Issuer, r.issuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return fmt.Sprintf("aud is %q, expected %q", []string(c.Audience), r.audience)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing: " + err.Error()
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if r.keySetURL == "" {
			return "the signature does not verify with the shared secret"
		}
		return fmt.Sprintf("the signature does not verify with the key %q of the key set", kid)
	case errors.Is(err, jwt.ErrTokenUnverifiable) && errors.Is(err, jwkset.ErrKeyNotFound):
		return fmt.Sprintf("kid %q is not in the key set at %s", kid, r.keySetURL)
	case errors.Is(err, jwt.ErrTokenUnverifiable) && r.keySetURL != "":
		return fmt.Sprintf("no key to verify kid %q: %v (key set %s)", kid, err, r.keySetURL)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token: " + err.Error()
	}
	return err.Error()
}

// Close stops the key set's background refresh and any fetch in flight, and waits for them to end. Tokens whose keys
// are cached still verify afterwards; unknown kids are refused. Calling Close again does nothing.
func (v *Verifier) Close() {
	if v.keySet != nil {
		v.keySet.close()
	}
}

// SignHS256 issues an HS256 token for v, for the `server token` command and the local development mode. The claims
// are sub (v.ID), email and name when non-empty, iat and nbf (now), exp (now+ttl), and iss and aud when non-empty.
// It returns an error when secret is empty, ttl is not positive, or v.ID is not 1 to 255 characters, so it never
// issues a token that Verify would refuse for those reasons.
func SignHS256(secret []byte, v Viewer, ttl time.Duration, issuer, audience string) (string, error) {
	switch n := utf8.RuneCountInString(v.ID); {
	case len(secret) == 0:
		return "", errors.New("auth: signing needs a non-empty secret")
	case ttl <= 0:
		return "", fmt.Errorf("auth: token lifetime %s is not positive", ttl)
	case n < 1 || n > maxSubjectLength:
		return "", fmt.Errorf("auth: viewer id must be 1 to %d characters, has %d", maxSubjectLength, n)
	}
	now := time.Now()
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   v.ID,
		Issuer:    issuer,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	if audience != "" {
		c.Audience = jwt.ClaimStrings{audience}
	}
	if v.Email != "" {
		c.Email = v.Email
	}
	if v.Name != "" {
		c.Name = v.Name
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: signing token: %w", err)
	}
	return token, nil
}
