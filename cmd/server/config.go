package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the server, read once from the environment and validated as a whole.
type Config struct {
	Port        string
	DatabaseURL string // empty: the embedded SQLite database in DataDir
	DataDir     string

	BetterAuthURL    string
	BetterAuthSecret string
	JWKSURL          string
	JWTIssuer        string
	JWTAudience      string

	MigrateOnStart  bool
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	MaxBatch        int
	Introspection   bool
	LogFormat       string // "json" or "text"
	LogLevel        string
}

// loadConfig reads the environment through getenv. Every problem is reported at once, each with what to do.
func loadConfig(getenv func(string) string) (Config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	boolean := func(name string, def bool) bool {
		v := str(name, "")
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("%s=%q is not a boolean; use true or false", name, v)
		}
		return b
	}
	integer := func(name string, def, lo, hi int64) int64 {
		v := str(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			bad("%s=%q must be a whole number from %d to %d", name, v, lo, hi)
		}
		return n
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := str(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("%s=%q is not a duration such as 15s or 1m", name, v)
		}
		return d
	}

	c := Config{
		Port:             str("PORT", "8080"),
		DatabaseURL:      str("DATABASE_URL", ""),
		DataDir:          str("DATA_DIR", "./data"),
		BetterAuthURL:    str("BETTER_AUTH_URL", ""),
		BetterAuthSecret: getenv("BETTER_AUTH_SECRET"),
		JWKSURL:          str("JWT_JWKS_URL", ""),
		JWTIssuer:        str("JWT_ISSUER", ""),
		JWTAudience:      str("JWT_AUDIENCE", ""),
		MigrateOnStart:   boolean("MIGRATE_ON_START", true),
		ShutdownTimeout:  duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		MaxBodyBytes:     integer("MAX_BODY_BYTES", 1<<20, 1024, 64<<20),
		MaxBatch:         int(integer("MAX_BATCH_SIZE", 10, 1, 100)),
		Introspection:    boolean("INTROSPECTION", true),
		LogFormat:        str("LOG_FORMAT", ""),
		LogLevel:         str("LOG_LEVEL", "info"),
	}

	if n, err := strconv.Atoi(c.Port); err != nil || n < 0 || n > 65535 {
		bad("PORT=%q must be a port number from 0 to 65535", c.Port)
	}
	if c.DatabaseURL != "" && !c.postgres() {
		bad("DATABASE_URL must start with postgres:// or postgresql://; leave it unset for the embedded SQLite database")
	}
	if c.BetterAuthURL != "" {
		if _, err := origin(c.BetterAuthURL); err != nil {
			bad("BETTER_AUTH_URL=%q must be an absolute http(s) URL such as https://app.example.com", c.BetterAuthURL)
		}
	}
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("JWT_JWKS_URL=%q must be an absolute http(s) URL", c.JWKSURL)
		}
	}
	if c.BetterAuthSecret != "" && len(c.BetterAuthSecret) < 32 {
		bad("BETTER_AUTH_SECRET must be at least 32 characters long; generate one with: openssl rand -base64 32")
	}
	if c.postgres() && !c.tokensConfigured() {
		bad("with DATABASE_URL set, configure token verification: BETTER_AUTH_URL (Better Auth's JWKS), " +
			"BETTER_AUTH_SECRET (HS256) or JWT_JWKS_URL; the development secret is only for the embedded database")
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		bad("LOG_FORMAT=%q must be json or text", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel)
	}
	if len(problems) > 0 {
		return c, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

func (c Config) postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// tokensConfigured reports whether any token verification is set up.
func (c Config) tokensConfigured() bool {
	return c.BetterAuthURL != "" || c.BetterAuthSecret != "" || c.JWKSURL != ""
}

// devMode is the zero-setup local mode: embedded database, no token settings, a generated secret.
func (c Config) devMode() bool { return !c.postgres() && !c.tokensConfigured() }

// jwksURL is where the key set is: JWT_JWKS_URL, or Better Auth's jwt() plugin endpoint.
func (c Config) jwksURL() string {
	if c.JWKSURL != "" {
		return c.JWKSURL
	}
	if c.BetterAuthURL != "" {
		return strings.TrimRight(c.BetterAuthURL, "/") + "/api/auth/jwks"
	}
	return ""
}

// keySetIssuer and keySetAudience default to the origin of BETTER_AUTH_URL, which is what Better Auth puts in iss
// and aud.
func (c Config) keySetIssuer() string {
	if c.JWTIssuer != "" {
		return c.JWTIssuer
	}
	o, _ := origin(c.BetterAuthURL)
	return o
}

func (c Config) keySetAudience() string {
	if c.JWTAudience != "" {
		return c.JWTAudience
	}
	o, _ := origin(c.BetterAuthURL)
	return o
}

// origin returns scheme://host[:port] of an absolute http(s) URL; "" for "".
func origin(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("not an absolute http(s) URL: %q", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
