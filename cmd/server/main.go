// Command server is the task GraphQL API: `server` (or `server serve`) runs it, `server migrate up|down|status`
// manages the database schema, `server token --sub ID` prints a token for the configured HS256 secret,
// `server healthcheck` probes a running server's /healthz (a container's health check) and `server version` prints
// the version. Every command takes --help.
package main

import (
	"cmp"
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
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // taskStats time zones must resolve on machines without a zoneinfo database

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/mattn/go-isatty"
	"github.com/uptrace/bun"

	"taskapi/auth"
	"taskapi/clock"
	"taskapi/httpapi"
	"taskapi/live"
	"taskapi/migrations"
	"taskapi/model"
	"taskapi/reminder"
	"taskapi/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	applyMemorySettings(os.Getenv, memlimit.FromCgroup)
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  server [serve]                                          run the API (the default)
  server migrate up|down|status                           manage the database schema
  server token --sub ID [--email E] [--name N] [--ttl 1h] print an HS256 token
  server healthcheck [--path /readyz] [--timeout 5s]      exit 0 when this machine's server answers /healthz
  server version                                          print the version

Every command takes --help. Settings come from the environment (see docs/configuration.md).`

// command is one subcommand: its usage line, the flags it takes, and what it does with the configuration and the
// arguments left after the flags.
type command struct {
	usage string
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, env runEnv, args []string) error
}

// runEnv is what every command may use: the environment, where to write, and whether stderr is a terminal.
type runEnv struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	terminal       bool
}

// config reads the settings and builds the logger; commands that need neither (version, help) never call it, so
// that a bad setting does not hide the usage.
func (e runEnv) config() (Config, *slog.Logger, error) {
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		return cfg, nil, err
	}
	return cfg, newLogger(cfg, e.stderr, e.terminal), nil
}

// run is the whole program, so that tests can drive it: args without the program name, the environment through
// getenv, and where to write.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			_, _ = fmt.Fprintln(stdout, usage)
			return nil
		}
		if !strings.HasPrefix(args[0], "-") {
			name, args = args[0], args[1:]
		}
	}
	env := runEnv{getenv: getenv, stdout: stdout, stderr: stderr, terminal: isTerminal(stderr)}
	cmds := commands()
	cmd, ok := cmds[name]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", name, usage)
	}
	// Every command parses its flags, so that --help prints its usage and exits before anything starts.
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			_, _ = fmt.Fprintf(stdout, "usage: %s\n", cmd.usage)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("%s: %w\nusage: %s", name, err, cmd.usage)
	}
	return cmd.run(ctx, env, fs.Args())
}

// commands are the subcommands by name.
func commands() map[string]command {
	var tok tokenFlags
	var health healthFlags
	noArgs := func(name string, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("%s takes no arguments, got %q", name, args)
		}
		return nil
	}
	return map[string]command{
		"serve": {
			usage: "server [serve]\n\nRuns the API until SIGTERM or SIGINT; settings come from the environment.",
			run: func(ctx context.Context, env runEnv, args []string) error {
				if err := noArgs("serve", args); err != nil {
					return err
				}
				cfg, logger, err := env.config()
				if err != nil {
					return err
				}
				return serve(ctx, cfg, logger, env.stdout, nil)
			},
		},
		"migrate": {
			usage: "server migrate up|down|status\n\nup applies pending migrations, down rolls back the last group, status lists them.",
			run: func(ctx context.Context, env runEnv, args []string) error {
				cfg, _, err := env.config()
				if err != nil {
					return err
				}
				return migrate(ctx, cfg, args, env.stdout)
			},
		},
		"token": {
			usage: "server token --sub ID [--email E] [--name N] [--ttl 1h]\n\nPrints an HS256 token signed with BETTER_AUTH_SECRET (or the development secret).",
			flags: tok.register,
			run: func(ctx context.Context, env runEnv, args []string) error {
				if err := noArgs("token", args); err != nil {
					return err
				}
				cfg, _, err := env.config()
				if err != nil {
					return err
				}
				return token(cfg, tok, env.stdout)
			},
		},
		"healthcheck": {
			usage: "server healthcheck [--path /healthz|/readyz] [--timeout 5s]\n\nAsks the server configured by HOST and PORT on this machine for /healthz (or /readyz); exits 0 on 200, 1 otherwise.\n" +
				"A container's health check needs neither a shell nor curl for it.",
			flags: health.register,
			run: func(ctx context.Context, env runEnv, args []string) error {
				if err := noArgs("healthcheck", args); err != nil {
					return err
				}
				cfg, err := loadConfig(env.getenv)
				if err != nil {
					return err
				}
				return healthcheck(ctx, cfg, *health.path, *health.timeout, env.stdout)
			},
		},
		"version": {
			usage: "server version\n\nPrints the version, the Go version and the platform.",
			run: func(_ context.Context, env runEnv, args []string) error {
				if err := noArgs("version", args); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(env.stdout, "server %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			},
		},
	}
}

// isTerminal reports whether w is a terminal, where people read the log rather than a collector.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// newLogger writes JSON for a log collector, or text for a person: with LOG_FORMAT unset, text in development mode
// and when stderr is a terminal. Text logs show durations as 1.5ms or 2s rather than numbers of a fixed unit, and
// the time of day only.
func newLogger(cfg Config, w io.Writer, terminal bool) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		if cfg.devMode() || terminal {
			format = "text"
		}
	}
	if format == "text" {
		opts.ReplaceAttr = readableAttr
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// readableAttr shortens the time to the time of day and turns a durationMs number (which the JSON log keeps, for
// collectors to compute with) into a duration a person reads at a glance.
func readableAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch {
	case a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime:
		return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
	case a.Key == "durationMs" && a.Value.Kind() == slog.KindFloat64:
		return slog.Duration("duration", time.Duration(a.Value.Float64()*float64(time.Millisecond)).Round(time.Microsecond))
	}
	return a
}

// openDB opens the configured database, retrying while it does not answer (a Neon compute waking from suspend
// takes a moment) until ctx ends or about half a minute has passed. The waits double from 100 ms to 5 s, each
// shortened by a random part of up to a half so that instances started together do not knock in step. A failure
// that retrying cannot cure (a refused password, a missing database, an untrusted certificate:
// model.PermanentConnectError) ends it at once, saying what to fix.
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
		if permanent := model.PermanentConnectError(err); permanent != nil {
			_ = db.Close()
			return nil, fmt.Errorf("cannot connect to the database: %w", permanent)
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
	model.RouteDriverLogs(logger) // pgdriver's listener says when it drops a notification: in the JSON log, not as plain text
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

	// Every write goes through the store's write path, whose commit appends the events, queues their webhooks (the
	// sink: task.* of mutations and reminder.due of the scheduler's firings alike), tells the read cache and wakes the
	// hub. The worker sends the queued webhooks, in every instance; the scheduler fires due reminders through the
	// store, in every instance too. The store tells the scheduler when this instance wrote a nearer reminder; the
	// hub's notifications of every instance's feed writes wake both, at most once a second, so that what another
	// instance queued and then left (crashing) is picked up within its lease or at once. Both run until ctx ends,
	// and finish what they are doing before the database closes. With KAFKA_BROKERS set, the outbox queues every
	// event for Kafka as well (whatever WEBHOOK_EVENTS says), and the relay produces them, woken as the worker is.
	outbox, relay, err := newOutbox(cfg, db, logger, registry)
	if err != nil {
		return err
	}
	webhookMetrics := webhook.NewMetrics(registry)
	outbox.SetMetrics(webhookMetrics) // it counts the webhooks it drops past WEBHOOK_MAX_PENDING_PER_USER
	worker := webhook.NewWorker(db, outbox, webhook.Options{Logger: logger, Metrics: webhookMetrics})
	store := model.NewStore(db)
	if cfg.ReadCacheBytes > 0 {
		reads := model.NewReadCache(cfg.ReadCacheBytes)
		registerReadCache(registry, reads)
		store = store.WithReadCache(reads)
	}
	if sink := newWebhookSink(outbox); sink != nil {
		store = store.WithEventSink(sink)
	}
	// The scheduler's own store needs no reminder signal: a firing never makes a reminder due sooner.
	scheduler := reminder.New(store, reminder.Options{Logger: logger})
	store = store.WithReminderSignal(scheduler.Notify)
	hub, stopHub, err := startHub(ctx, cfg, store, live.NewMetrics(registry), logger, throttle(time.Second, func() {
		outbox.Notify()
		scheduler.Notify()
	}))
	if err != nil {
		return err
	}
	defer stopHub()
	backgroundCtx, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	background.Go(func() { worker.Run(backgroundCtx) })
	background.Go(func() { scheduler.Run(backgroundCtx) })
	background.Go(func() { relay.Run(backgroundCtx) })
	purger := trashPurger{store: store, clock: clock.System{}, retention: cfg.TrashRetention, logger: logger,
		metrics: newTrashMetrics(registry)}
	background.Go(func() { purger.run(backgroundCtx) })
	defer func() { stopBackground(); background.Wait() }()
	if cfg.Webhook.Enabled() {
		logger.Info("webhooks on", "events", cfg.Webhook.Events, "retrySchedule", cfg.Webhook.RetrySchedule)
	}

	draining := make(chan struct{})
	handler := httpapi.NewHandler(store, verifier, httpapi.Options{
		Logger:                   logger,
		MaxBodyBytes:             cfg.MaxBodyBytes,
		MaxBatch:                 cfg.MaxBatch,
		DisableIntrospection:     !cfg.Introspection,
		ExplainTokenRefusals:     cfg.devMode(),
		Limits:                   cfg.Limits,
		QueryCacheBytes:          cfg.QueryCacheBytes,
		PersistedQueryCacheBytes: cfg.PersistedQueryCacheBytes,
		Registry:                 registry,
		OperationTimeout:         cfg.OperationTimeout,
		RateLimit:                httpapi.RateLimit{RPS: cfg.RateLimitRPS, Burst: cfg.RateLimitBurst},
		CORSOrigins:              cfg.CORSOrigins,
		TrustedProxies:           cfg.TrustedProxies,
		Draining:                 draining,
		Version:                  buildVersion(),
		Hub:                      hub,
		MaxSockets:               cfg.MaxSockets,
		MaxSocketsPerUser:        cfg.MaxSocketsPerUser,
		MaxSocketsPerAddress:     cmp.Or(cfg.MaxSocketsPerAddress, -1), // 0 is no cap, which the handler spells -1
		AnyOrigin:                cfg.devMode(),
		Mounts:                   mcpMounts(cfg, store, verifier, logger),
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
	ln, err := net.Listen("tcp", cfg.listenAddr())
	if err != nil {
		return err
	}
	logger.Info("serving", "addr", ln.Addr().String(), "version", buildVersion(),
		"graphiql", fmt.Sprintf("http://localhost:%d/", ln.Addr().(*net.TCPAddr).Port))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	afterGrace := cfg.afterGrace
	if afterGrace == nil {
		afterGrace = time.After
	}
	return serveUntilDone(ctx, srv, ln, draining, handler.CloseLive, cfg.ShutdownGrace, afterGrace, cfg.ShutdownTimeout, logger)
}

// startHub starts the live hub, listening on DATABASE_LISTEN_URL (or DATABASE_URL). It runs until the returned stop
// is called, which the server does after it has shut down, so that subscriptions are served through the grace period.
func startHub(ctx context.Context, cfg Config, store *model.Store, observer live.Observer, logger *slog.Logger,
	onNotify func()) (*live.Hub, func(), error) {
	var listenDB *bun.DB // nil: the store's own
	closeListenDB := func() {}
	if cfg.DatabaseListenURL != "" {
		var err error
		// The listener dials its own connection through this database's connector; the pool serves its pings.
		listenDB, err = model.OpenDB(ctx, model.DBConfig{URL: cfg.DatabaseListenURL, MaxOpenConns: 2})
		if err != nil {
			return nil, nil, fmt.Errorf("DATABASE_LISTEN_URL: %w", err)
		}
		// A refused password or a missing database would only be logged by the listener, which then retries
		// forever while the poll serves: a setting that never works, noticed by nobody. Stop at start instead, as
		// DATABASE_URL does; a database that does not answer yet is the listener's to retry.
		if perm := model.PermanentConnectError(listenDB.PingContext(ctx)); perm != nil {
			_ = listenDB.Close()
			return nil, nil, fmt.Errorf("DATABASE_LISTEN_URL: %w", perm)
		}
		closeListenDB = func() { _ = listenDB.Close() }
	}
	hub := live.New(store, live.Options{
		ListenDB:   listenDB,
		MaxPerUser: cfg.MaxSubscriptionsPerUser,
		Retention:  cfg.EventRetention,
		Logger:     logger,
		Observer:   observer,
		OnNotify:   onNotify,
	})
	hubCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Run(hubCtx)
	}()
	return hub, func() {
		cancel()
		<-done
		closeListenDB()
	}, nil
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

// tokenFlags are token's flags.
type tokenFlags struct {
	sub, email, name *string
	ttl              *time.Duration
}

func (f *tokenFlags) register(fs *flag.FlagSet) {
	f.sub = fs.String("sub", "", "the user id (required)")
	f.email = fs.String("email", "", "the email claim")
	f.name = fs.String("name", "", "the name claim")
	f.ttl = fs.Duration("ttl", time.Hour, "how long the token is valid")
}

func token(cfg Config, f tokenFlags, stdout io.Writer) error {
	sub, email, name, ttl := f.sub, f.email, f.name, f.ttl
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
