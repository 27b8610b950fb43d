// Command server is the task GraphQL API: `server` (or `server serve`) runs it, `server migrate up|down|status`
// manages the database schema, and `server token --sub ID` prints a token for the configured HS256 secret.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // taskStats time zones must resolve on machines without a zoneinfo database

	"github.com/uptrace/bun"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/migrations"
	"taskapi/model"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  server [serve]                                          run the API (the default)
  server migrate up|down|status                           manage the database schema
  server token --sub ID [--email E] [--name N] [--ttl 1h] print an HS256 token`

// run is the whole program, so that tests can drive it: args without the program name, the environment through
// getenv, and where to write.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger, stdout, nil)
	case "migrate":
		return migrate(ctx, cfg, args, stdout)
	case "token":
		return token(cfg, args, stdout)
	case "help", "-h", "--help":
		_, _ = fmt.Fprintln(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if cfg.devMode() {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openDB opens the configured database, retrying while it does not answer (a Neon compute waking from suspend
// takes a moment) until ctx ends or about half a minute has passed. The waits double from 100 ms to 5 s, each
// shortened by a random part of up to a half so that instances started together do not knock in step.
func openDB(ctx context.Context, cfg Config, logger *slog.Logger) (*bun.DB, error) {
	db, err := model.OpenDB(ctx, model.DBConfig{
		URL:             cfg.DatabaseURL,
		DataDir:         cfg.DataDir,
		MaxOpenConns:    cfg.DBMaxOpenConns,
		MaxIdleConns:    cfg.DBMaxIdleConns,
		ConnMaxLifetime: cfg.DBConnMaxLifetime,
	})
	if err != nil {
		return nil, err
	}
	delay := 100 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = db.PingContext(pingCtx)
		cancel()
		if err == nil {
			return db, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = db.Close()
			return nil, fmt.Errorf("database does not answer: %w", err)
		}
		wait := delay - mrand.N(delay/2)
		logger.Warn("database does not answer yet; retrying", "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// serve runs the API until ctx ends, then shuts down gracefully (see serveUntilDone) and closes the database pool.
// The development token goes to stdout; ready, when not nil, receives the listening address.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer, ready chan<- string) error {
	db, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	registry := newRegistry(db)
	stopTracing, err := startTracing(ctx, cfg, db, logger)
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		stopTracing(flushCtx)
	}()
	if cfg.postgres() {
		logger.Info("database: PostgreSQL")
	} else {
		logger.Info("database: embedded SQLite", "path", filepath.Join(cfg.DataDir, "tasks.db"))
	}
	if cfg.MigrateOnStart {
		applied, err := migrations.Up(ctx, db)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if len(applied) > 0 {
			logger.Info("migrations applied", "migrations", applied)
		}
	}

	authCfg, err := authConfig(cfg, logger)
	if err != nil {
		return err
	}
	authCfg.OnKeySetFetch = newKeySetFetches(registry)
	verifier, err := auth.NewVerifier(ctx, authCfg)
	if err != nil {
		return fmt.Errorf("token verification: %w", err)
	}
	defer verifier.Close()
	if cfg.devMode() {
		tok, err := auth.SignHS256(authCfg.Secret.Key, auth.Viewer{ID: "dev-user", Email: "dev@example.com", Name: "Developer"}, 24*time.Hour, "", "")
		if err != nil {
			return err
		}
		logger.Warn("local development mode: tokens are signed with a generated secret; set BETTER_AUTH_URL or BETTER_AUTH_SECRET for real use",
			"secretFile", filepath.Join(cfg.DataDir, "dev-secret"))
		// The token goes to standard output, not to the log, which must never carry one.
		_, _ = fmt.Fprintf(stdout, "Development token for user dev-user (valid 24h); in GraphiQL set the header\n  {\"Authorization\": \"Bearer %s\"}\n", tok)
	}

	draining := make(chan struct{})
	handler := httpapi.NewHandler(model.NewStore(db), verifier, httpapi.Options{
		Logger:                  logger,
		MaxBodyBytes:            cfg.MaxBodyBytes,
		MaxBatch:                cfg.MaxBatch,
		DisableIntrospection:    !cfg.Introspection,
		Limits:                  cfg.Limits,
		PersistedQueryCacheSize: cfg.PersistedQueryCacheSize,
		Registry:                registry,
		StatementTimeout:        cfg.DBStatementTimeout,
		RateLimit:               httpapi.RateLimit{RPS: cfg.RateLimitRPS, Burst: cfg.RateLimitBurst},
		CORSOrigins:             cfg.CORSOrigins,
		Draining:                draining,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeader,
		ReadTimeout:       cfg.HTTP.Read,
		WriteTimeout:      cfg.HTTP.Write,
		IdleTimeout:       cfg.HTTP.Idle,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if cfg.PprofAddr != "" {
		if err := startPprof(ctx, cfg.PprofAddr, logger); err != nil {
			return fmt.Errorf("PPROF_ADDR: %w", err)
		}
	}
	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		return err
	}
	logger.Info("serving", "addr", ln.Addr().String(), "graphiql", fmt.Sprintf("http://localhost:%d/", ln.Addr().(*net.TCPAddr).Port))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	afterGrace := cfg.afterGrace
	if afterGrace == nil {
		afterGrace = time.After
	}
	return serveUntilDone(ctx, srv, ln, draining, cfg.ShutdownGrace, afterGrace, cfg.ShutdownTimeout, logger)
}

// authConfig turns the settings into the verifier's configuration; in development mode it creates or reads the
// development secret.
func authConfig(cfg Config, logger *slog.Logger) (auth.Config, error) {
	ac := auth.Config{
		KeySet: auth.KeySetConfig{URL: cfg.jwksURL(), Issuer: cfg.keySetIssuer(), Audience: cfg.keySetAudience()},
		Secret: auth.SecretConfig{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience},
		Logger: logger,
	}
	switch {
	case cfg.BetterAuthSecret != "":
		ac.Secret.Key = []byte(cfg.BetterAuthSecret)
	case cfg.devMode():
		key, err := devSecret(cfg.DataDir)
		if err != nil {
			return ac, err
		}
		ac.Secret.Key = key
	}
	return ac, nil
}

// devSecret reads $DATA_DIR/dev-secret, creating it (mode 0600) with a random secret the first time.
func devSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "dev-secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("development secret: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("development secret: %w", err)
	}
	return []byte(secret), nil
}

func migrate(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: server migrate up|down|status")
	}
	db, err := model.OpenDB(ctx, model.DBConfig{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "up":
		applied, err := migrations.Up(ctx, db)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			_, _ = fmt.Fprintln(stdout, "database is up to date")
		}
		for _, name := range applied {
			_, _ = fmt.Fprintln(stdout, "applied", name)
		}
	case "down":
		rolledBack, err := migrations.Down(ctx, db)
		if err != nil {
			return err
		}
		if len(rolledBack) == 0 {
			_, _ = fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, name := range rolledBack {
			_, _ = fmt.Fprintln(stdout, "rolled back", name)
		}
	case "status":
		status, err := migrations.Status(ctx, db)
		if err != nil {
			return err
		}
		_, _ = fmt.Fprint(stdout, status)
	default:
		return fmt.Errorf("unknown migrate command %q; use up, down or status", args[0])
	}
	return nil
}

func token(cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "the user id (required)")
	email := fs.String("email", "", "the email claim")
	name := fs.String("name", "", "the name claim")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" {
		return errors.New("token: --sub is required")
	}
	if *ttl <= 0 {
		return errors.New("token: --ttl must be positive")
	}
	var secret []byte
	switch {
	case cfg.BetterAuthSecret != "":
		secret = []byte(cfg.BetterAuthSecret)
	case cfg.devMode():
		var err error
		if secret, err = devSecret(cfg.DataDir); err != nil {
			return err
		}
	default:
		return errors.New("token: set BETTER_AUTH_SECRET (or use the embedded database without token settings for the development secret)")
	}
	tok, err := auth.SignHS256(secret, auth.Viewer{ID: *sub, Email: *email, Name: *name}, *ttl, cfg.JWTIssuer, cfg.JWTAudience)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintln(stdout, tok)
	return nil
}
