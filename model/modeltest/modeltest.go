// Package modeltest gives tests fresh, migrated databases of every kind the store supports: the embedded SQLite
// always, and PostgreSQL when one is reachable at TEST_DATABASE_URL.
package modeltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/migrations"
	"taskapi/model"
)

// DefaultPostgresURL is the PostgreSQL that tests use when TEST_DATABASE_URL is not set. Its role must be allowed
// to create databases.
const DefaultPostgresURL = "postgres://root@127.0.0.1:5432/postgres?sslmode=disable"

// The database kinds.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// PostgresURL is the PostgreSQL through which test databases are created and dropped: TEST_DATABASE_URL, or
// DefaultPostgresURL when that is not set.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// admin is the process's connection to PostgresURL, opened on first use; err says why PostgreSQL cannot be used.
var admin struct {
	once sync.Once
	db   *bun.DB
	err  error
}

func adminDB() (*bun.DB, error) {
	admin.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		db, err := model.OpenDB(ctx, model.DBConfig{URL: PostgresURL(), MaxOpenConns: 4})
		if err == nil {
			if err = db.PingContext(ctx); err != nil {
				_ = db.Close()
			}
		}
		admin.db, admin.err = db, err
	})
	return admin.db, admin.err
}

// Databases returns the kinds of database to run a test on: SQLite always, and PostgreSQL when it is reachable at
// TEST_DATABASE_URL (default DefaultPostgresURL). When it is not, the test fails if the environment variable CI is
// set (so that CI cannot pass without PostgreSQL), and otherwise logs that PostgreSQL is skipped.
func Databases(tb testing.TB) []string {
	tb.Helper()
	if _, err := adminDB(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("PostgreSQL at %s is unreachable and CI is set: %v", redacted(PostgresURL()), err)
		}
		tb.Logf("PostgreSQL at %s is unreachable, testing SQLite only: %v", redacted(PostgresURL()), err)
		return []string{SQLite}
	}
	return []string{SQLite, Postgres}
}

// MustOpenDB returns a new, migrated database of kind (SQLite or Postgres) without any task, which tb's cleanup
// closes and deletes. It fails the test when the database cannot be made. A ScopeGuard reporting to tb is
// installed on it, so that any statement on a per-user table without the user_id condition fails the test.
func MustOpenDB(tb testing.TB, kind string) *bun.DB {
	tb.Helper()
	db := MustOpenEmptyDB(tb, kind)
	if _, err := migrations.Up(context.Background(), db); err != nil {
		tb.Fatalf("migrate the %s test database: %v", kind, err)
	}
	db.AddQueryHook(ScopeGuard{Report: tb.Errorf})
	return db
}

// MustOpenBenchDB is MustOpenDB for a benchmark, without the ScopeGuard: its pattern matching on every statement
// cost a sixth of a handler benchmark's CPU, which would measure the guard rather than the server. The tests run
// the same statements under the guard.
func MustOpenBenchDB(b *testing.B, kind string) *bun.DB {
	b.Helper()
	db := MustOpenEmptyDB(b, kind)
	if _, err := migrations.Up(context.Background(), db); err != nil {
		b.Fatalf("migrate the %s benchmark database: %v", kind, err)
	}
	return db
}

// MustOpenEmptyDB returns a new database of kind without any table (migrations not applied), which tb's cleanup
// closes and deletes. A SQLite database is a file in tb.TempDir(); a PostgreSQL one is a database of its own, created
// through PostgresURL and dropped, with (FORCE), at cleanup.
//
// A PostgreSQL database is created from template0 and migrated, rather than copied from a migrated template: that
// takes under 0.1 s, and a shared template would outlive the test process, with nothing to drop it.
func MustOpenEmptyDB(tb testing.TB, kind string) *bun.DB {
	tb.Helper()
	switch kind {
	case SQLite:
		db, err := model.OpenDB(context.Background(), model.DBConfig{DataDir: tb.TempDir()})
		if err != nil {
			tb.Fatalf("open SQLite: %v", err)
		}
		tb.Cleanup(func() { _ = db.Close() })
		return db
	case Postgres:
		return mustOpenPostgres(tb)
	default:
		tb.Fatalf("modeltest: unknown database kind %q", kind)
		return nil
	}
}

func mustOpenPostgres(tb testing.TB) *bun.DB {
	tb.Helper()
	ctx := context.Background()
	adm, err := adminDB()
	if err != nil {
		tb.Fatalf("PostgreSQL at %s is unreachable: %v", redacted(PostgresURL()), err)
	}
	name := "taskapi_test_" + randomHex(8)
	// The database collates text by ICU's English rules, which order neither by bytes nor like C.UTF-8, so that the
	// tests show that order does not depend on the database's locale. A server without ICU (or older than
	// PostgreSQL 15) gets its default.
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'", bun.Ident(name)); err != nil {
		if _, err := adm.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE template0", bun.Ident(name)); err != nil {
			tb.Fatalf("create database %s: %v", name, err)
		}
	}
	u, err := url.Parse(PostgresURL())
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	db, err := model.OpenDB(ctx, model.DBConfig{URL: u.String()})
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = db.Close()
		if _, err := adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS ? WITH (FORCE)", bun.Ident(name)); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redacted returns a URL fit for a log: without its password.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "TEST_DATABASE_URL"
	}
	return u.Redacted()
}

// MustOpenAgain returns a second connection pool to the PostgreSQL database db is connected to, as a second
// instance of the server would have, which tb's cleanup closes. applicationName, when not empty, names its sessions
// in pg_stat_activity. It fails the test for SQLite, whose database belongs to one process.
func MustOpenAgain(tb testing.TB, db *bun.DB, applicationName string) *bun.DB {
	tb.Helper()
	u, err := url.Parse(MustURL(tb, db))
	if err != nil {
		tb.Fatal(err)
	}
	if applicationName != "" {
		q := u.Query()
		q.Set("application_name", applicationName)
		u.RawQuery = q.Encode()
	}
	again, err := model.OpenDB(context.Background(), model.DBConfig{URL: u.String()})
	if err != nil {
		tb.Fatalf("open the database again: %v", err)
	}
	tb.Cleanup(func() { _ = again.Close() })
	return again
}

// MustURL returns the URL of the PostgreSQL test database db, for a server under test to connect to. It fails the
// test for SQLite.
func MustURL(tb testing.TB, db *bun.DB) string {
	tb.Helper()
	if !model.IsPostgres(db) {
		tb.Fatal("modeltest: MustURL needs PostgreSQL")
	}
	var name string
	if err := db.NewRaw("SELECT current_database()").Scan(context.Background(), &name); err != nil {
		tb.Fatalf("current_database: %v", err)
	}
	u, err := url.Parse(PostgresURL())
	if err != nil {
		tb.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
