package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"taskapi/auth"
)

// env builds a getenv from pairs.
func env(pairs ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(k string) string { return m[k] }
}

const secret = "cmd-tests-secret-cmd-tests-secret-0123"

func TestLoadConfig(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.Port != "8080" || c.DataDir != "./data" || !c.MigrateOnStart || c.MaxBatch != 10 || c.MaxBodyBytes != 1<<20 || !c.devMode() {
			t.Errorf("defaults: %+v", c)
		}
	})
	t.Run("PostgresWithoutTokenSettingsRefused", func(t *testing.T) {
		_, err := loadConfig(env("DATABASE_URL", "postgres://u@h/db"))
		if err == nil || !strings.Contains(err.Error(), "BETTER_AUTH_URL") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("PostgresqlSchemeAccepted", func(t *testing.T) {
		c, err := loadConfig(env("DATABASE_URL", "postgresql://u@h/db?sslmode=require&channel_binding=require", "BETTER_AUTH_SECRET", secret))
		if err != nil || !c.postgres() || c.devMode() {
			t.Fatalf("c = %+v, err = %v", c, err)
		}
	})
	t.Run("EveryProblemReportedAtOnce", func(t *testing.T) {
		_, err := loadConfig(env("PORT", "http", "DATABASE_URL", "mysql://x", "MIGRATE_ON_START", "maybe", "MAX_BATCH_SIZE", "0"))
		if err == nil {
			t.Fatal("no error")
		}
		for _, name := range []string{"PORT", "DATABASE_URL", "MIGRATE_ON_START", "MAX_BATCH_SIZE"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not mention %s: %v", name, err)
			}
		}
	})
	t.Run("ShortSecretRefused", func(t *testing.T) {
		if _, err := loadConfig(env("BETTER_AUTH_SECRET", "short")); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("BetterAuthDefaults", func(t *testing.T) {
		c, err := loadConfig(env("BETTER_AUTH_URL", "https://app.example.com/some/path"))
		if err != nil {
			t.Fatal(err)
		}
		if c.jwksURL() != "https://app.example.com/some/path/api/auth/jwks" || c.keySetIssuer() != "https://app.example.com" ||
			c.keySetAudience() != "https://app.example.com" || c.devMode() {
			t.Errorf("jwks %q iss %q aud %q", c.jwksURL(), c.keySetIssuer(), c.keySetAudience())
		}
		c, _ = loadConfig(env("BETTER_AUTH_URL", "https://app.example.com", "JWT_ISSUER", "iss", "JWT_AUDIENCE", "aud", "JWT_JWKS_URL", "https://keys.example.com/jwks"))
		if c.jwksURL() != "https://keys.example.com/jwks" || c.keySetIssuer() != "iss" || c.keySetAudience() != "aud" {
			t.Errorf("overrides ignored: %+v", c)
		}
	})
}

func TestTokenCommand(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"token", "--sub", "user-1", "--email", "u@example.com", "--ttl", "5m"},
		env("BETTER_AUTH_SECRET", secret), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: []byte(secret)}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	viewer, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil || viewer.ID != "user-1" || viewer.Email != "u@example.com" {
		t.Fatalf("viewer %+v, err %v", viewer, err)
	}
	if err := run(context.Background(), []string{"token"}, env("BETTER_AUTH_SECRET", secret), io.Discard, io.Discard); err == nil {
		t.Error("token without --sub succeeded")
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := env("DATA_DIR", dir)
	for _, step := range []string{"up", "status", "down", "up"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"migrate", step}, getenv, &out, io.Discard); err != nil {
			t.Fatalf("migrate %s: %v", step, err)
		}
		if out.Len() == 0 {
			t.Errorf("migrate %s printed nothing", step)
		}
	}
	if err := run(context.Background(), []string{"migrate", "sideways"}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("unknown migrate command accepted")
	}
}

// TestDevelopmentMode starts the server with no settings at all, as a newcomer would, and uses the token it prints.
func TestDevelopmentMode(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadConfig(env("DATA_DIR", dir, "PORT", "0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &stdout, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}

	info, err := os.Stat(filepath.Join(dir, "dev-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("dev-secret: %v %v", info, err)
	}
	tok := regexp.MustCompile(`Bearer ([A-Za-z0-9_\-.]+)`).FindStringSubmatch(stdout.String())
	if tok == nil {
		t.Fatalf("no token printed: %q", stdout.String())
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data struct{ Viewer struct{ ID string } }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if body.Data.Viewer.ID != "dev-user" {
		t.Errorf("viewer = %+v", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLimitsFromEnvironment(t *testing.T) {
	c, err := loadConfig(env("MAX_QUERY_DEPTH", "30", "MAX_QUERY_COMPLEXITY", "500", "PERSISTED_QUERY_CACHE_BYTES", "700000", "MAX_QUERY_BYTES", "65536"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxDepth != 30 || c.Limits.MaxComplexity != 500 || c.PersistedQueryCacheBytes != 700000 || c.Limits.MaxTokens != 0 ||
		c.Limits.MaxDocumentBytes != 65536 {
		t.Errorf("limits = %+v, cache %d", c.Limits, c.PersistedQueryCacheBytes)
	}
	// The read cache: on by default, 0 turns it off, a negative bound is refused.
	for _, c := range []struct {
		value string
		want  int64
	}{{"", 8 << 20}, {"0", 0}, {"1048576", 1 << 20}} {
		cfg, err := loadConfig(env("READ_CACHE_BYTES", c.value))
		if err != nil || cfg.ReadCacheBytes != c.want {
			t.Errorf("READ_CACHE_BYTES=%q: %d, %v; want %d", c.value, cfg.ReadCacheBytes, err, c.want)
		}
	}
	if _, err := loadConfig(env("READ_CACHE_BYTES", "-1")); err == nil || !strings.Contains(err.Error(), "READ_CACHE_BYTES") {
		t.Errorf("READ_CACHE_BYTES=-1: err = %v", err)
	}
	// The count of entries it replaces is refused rather than ignored.
	if _, err := loadConfig(env("PERSISTED_QUERY_CACHE_SIZE", "1000")); err == nil || !strings.Contains(err.Error(), "PERSISTED_QUERY_CACHE_BYTES") {
		t.Errorf("PERSISTED_QUERY_CACHE_SIZE: err = %v", err)
	}
	// The old name of OPERATION_TIMEOUT stops the start rather than being ignored, naming the new one.
	if _, err := loadConfig(env("DB_STATEMENT_TIMEOUT", "5s")); err == nil || !strings.Contains(err.Error(), "OPERATION_TIMEOUT") {
		t.Errorf("DB_STATEMENT_TIMEOUT: err = %v", err)
	}
	// A depth below what GraphiQL's introspection query needs is refused rather than breaking GraphiQL.
	if _, err := loadConfig(env("MAX_QUERY_DEPTH", "5")); err == nil || !strings.Contains(err.Error(), "MAX_QUERY_DEPTH") {
		t.Errorf("err = %v", err)
	}
}

func TestPprof(t *testing.T) {
	if _, err := loadConfig(env("PPROF_ADDR", "6060")); err == nil || !strings.Contains(err.Error(), "PPROF_ADDR") {
		t.Errorf("PPROF_ADDR without a port: err = %v", err)
	}
	c, err := loadConfig(env("PPROF_ADDR", "127.0.0.1:6060"))
	if err != nil || c.PprofAddr != "127.0.0.1:6060" {
		t.Fatalf("c.PprofAddr = %q, err = %v", c.PprofAddr, err)
	}
	srv := httptest.NewServer(pprofHandler())
	defer srv.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
}
