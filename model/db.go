package model

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DBConfig says which database to open and how to pool its connections.
type DBConfig struct {
	// URL is a postgres:// or postgresql:// URL; empty selects the embedded SQLite database in DataDir.
	URL string
	// DataDir holds the embedded database, tasks.db; it is created (mode 0700) when missing.
	DataDir string
	// MaxOpenConns caps the PostgreSQL pool (0: 10). MaxIdleConns is how many of them stay open while idle (0: as
	// many as MaxOpenConns). ConnMaxLifetime retires connections after that long (0: 30 minutes), so that a pooler
	// or a failover sees new ones. The embedded database ignores all three: it uses one connection (see OpenDB).
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
}

// OpenDB opens the database cfg names, without applying migrations.
//
// PostgreSQL is reached through Bun's pgdriver and not contacted yet: the first query connects, so a database that is
// down at start does not keep the caller from starting. The URL may carry libpq's sslmode (disable, require,
// verify-ca, verify-full), sslrootcert, sslcert, sslkey, connect_timeout, application_name and channel_binding, and
// pgdriver's dial_timeout, read_timeout and write_timeout (see postgresDSN for channel_binding and Neon's options).
// Any other parameter is an error naming it: pgdriver would send it to the server as a session setting on every
// new connection, which fails the connection when the server does not know it, and behind a pooler in transaction
// mode leaks to other clients of the pool.
//
// The embedded SQLite database is opened at once, with ctx, so that an unusable DataDir fails here.
//
// Errors name the setting that is wrong and never repeat the URL, which may hold a password.
func OpenDB(ctx context.Context, cfg DBConfig) (*bun.DB, error) {
	switch {
	case cfg.URL == "":
		return openSQLite(ctx, cfg.DataDir)
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		return openPostgres(cfg)
	default:
		scheme, _, _ := strings.Cut(cfg.URL, ":")
		return nil, fmt.Errorf("model: the database URL must start with postgres:// or postgresql://, not %q (leave it empty for the embedded database)", scheme+":")
	}
}

func openPostgres(cfg DBConfig) (*bun.DB, error) {
	dsn, err := postgresDSN(cfg.URL)
	if err != nil {
		return nil, err
	}
	connector, err := pgConnector(dsn)
	if err != nil {
		return nil, err
	}
	sqldb := sql.OpenDB(connector)
	maxOpen := orDefault(cfg.MaxOpenConns, 10)
	sqldb.SetMaxOpenConns(maxOpen)
	sqldb.SetMaxIdleConns(orDefault(cfg.MaxIdleConns, maxOpen))
	sqldb.SetConnMaxLifetime(orDefault(cfg.ConnMaxLifetime, 30*time.Minute))
	// A server or pooler that drops idle connections (Neon suspends an idle compute) leaves dead ones in the pool;
	// retiring idle connections early keeps the first query after a quiet spell from meeting one.
	sqldb.SetConnMaxIdleTime(4 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// knownParams are the URL parameters that pgdriver reads as client settings rather than sending them to the server.
var knownParams = map[string]bool{
	"sslmode": true, "sslrootcert": true, "sslcert": true, "sslkey": true,
	"connect_timeout": true, "application_name": true,
	"dial_timeout": true, "read_timeout": true, "write_timeout": true,
}

// postgresDSN prepares a PostgreSQL URL for pgdriver, which accepts both the postgres:// and postgresql:// schemes but
// sends every query parameter it does not know to the server as a session setting. Parameters that are neither
// pgdriver's own nor handled here are refused, naming them.
//
// Channel binding (SCRAM-SHA-256-PLUS) ties the password exchange to the TLS connection, so that a man in the middle
// who terminates TLS with a certificate of its own is detected. pgdriver cannot do it: it ignores the -PLUS mechanism
// and authenticates with plain SCRAM-SHA-256. What channel_binding=require protects against can still be had another
// way, by verifying the server's certificate and host name, which refuses that man in the middle before any
// password is exchanged. So:
//   - channel_binding=require needs TLS (sslmode require, verify-ca or verify-full; anything else is an error), and
//     sslmode=require is tightened to verify-full: the certificate must chain to a trusted root (the system's, or
//     sslrootcert's) and name the host. Neon's certificates do, so Neon's pooled URLs work as they are.
//   - channel_binding=prefer and disable promise nothing beyond the sslmode and are dropped.
//
// Neon documents options=endpoint=<id> for clients without SNI; pgdriver sends SNI, which carries the endpoint
// already, so that option is dropped. Any other options value is refused: it would be a session setting too.
//
// Also, sslrootcert=system (libpq 16) means the system's roots, which is what pgdriver uses without sslrootcert.
func postgresDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, password and all; keep only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("model: the database URL is not a valid URL: %v", err)
	}
	if u.Host == "" {
		return "", errors.New("model: the database URL has no host (expected postgres://user:password@host:port/database)")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", errors.New("model: the database URL's parameters are not valid URL query syntax")
	}
	sslmode := q.Get("sslmode")
	switch binding := q.Get("channel_binding"); binding {
	case "", "disable", "prefer":
	case "require":
		switch sslmode {
		case "require":
			q.Set("sslmode", "verify-full")
		case "verify-ca", "verify-full":
		default:
			return "", fmt.Errorf("model: the database URL has channel_binding=require but sslmode=%q; channel binding needs TLS, so set sslmode=require or verify-full", sslmode)
		}
	default:
		return "", fmt.Errorf("model: the database URL has channel_binding=%q; use require, prefer or disable", binding)
	}
	q.Del("channel_binding")
	if q.Has("options") {
		for _, o := range q["options"] {
			if !neonEndpointOption(o) {
				return "", fmt.Errorf("model: the database URL has options=%q; only Neon's endpoint=<id> is understood (and not needed: the host name names the endpoint). Session settings in the URL would leak to other clients of a pooler; leave them out", o)
			}
		}
		q.Del("options")
	}
	if q.Get("sslrootcert") == "system" {
		q.Del("sslrootcert")
	}
	var unknown []string
	for name := range q {
		if !knownParams[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return "", fmt.Errorf("model: the database URL has the parameter(s) %s, which the server does not understand; remove them (known: sslmode, sslrootcert, sslcert, sslkey, channel_binding, connect_timeout, application_name, dial_timeout, read_timeout, write_timeout, and Neon's options=endpoint=<id>). A session setting such as statement_timeout would leak to other clients of a pooler; use OPERATION_TIMEOUT, the server's deadline for each GraphQL operation, instead", strings.Join(unknown, ", "))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// neonEndpointOption reports whether an options value holds nothing but Neon's endpoint=<id> (with libpq's -c or
// --, as Neon's documentation shows both forms).
func neonEndpointOption(o string) bool {
	o = strings.TrimSpace(o)
	o = strings.TrimPrefix(o, "--")
	o = strings.TrimSpace(strings.TrimPrefix(o, "-c"))
	id, ok := strings.CutPrefix(o, "endpoint=")
	return ok && id != "" && !strings.ContainsAny(id, " \t")
}

// pgConnector builds pgdriver's connector; pgdriver panics on a DSN it cannot use, which becomes an error here.
func pgConnector(dsn string) (c *pgdriver.Connector, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("model: the database URL cannot be used: %v", r)
		}
	}()
	return pgdriver.NewConnector(pgdriver.WithDSN(dsn), pgdriver.WithResetSessionFunc(checkAlive)), nil
}

// openSQLite opens $dataDir/tasks.db.
//
// The pool has a single connection: SQLite lets one writer in at a time, and a second connection that finds the
// database locked either waits in SQLite's busy handler (which gives up after busy_timeout, with SQLITE_BUSY) or, in
// a transaction that began as a reader, fails at once. One connection queues every statement in Go instead, fairly
// and bounded only by the caller's context. Transactions still begin IMMEDIATE and busy_timeout is still set, for
// another process (such as `migrate` while the server runs) that opens the same file. WAL lets that process read
// while this one writes. foreign_keys is a per-connection setting in SQLite, hence in the DSN.
func openSQLite(ctx context.Context, dataDir string) (*bun.DB, error) {
	if dataDir == "" {
		return nil, errors.New("model: no data directory for the embedded database (set DATA_DIR, or a PostgreSQL DATABASE_URL)")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("model: create the data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dataDir, "tasks.db"))
	if err != nil {
		return nil, fmt.Errorf("model: data directory: %w", err)
	}
	if strings.ContainsAny(path, "?#") {
		// The driver reads its options after a '?'; such a path would be cut short.
		return nil, fmt.Errorf("model: the data directory %q must not contain '?' or '#'", dataDir)
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("model: open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(1)
	sqldb.SetMaxIdleConns(1)
	sqldb.SetConnMaxLifetime(0)
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("model: open %s: %w", path, err)
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
