package model_test

import (
	"crypto/tls"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"taskapi/model"
	"taskapi/model/modeltest"
)

func TestOpenDB(t *testing.T) {
	for _, tc := range []struct{ name, url, want string }{
		{"ErrUnknownScheme", "mysql://u:s3cret@db.example.com/tasks", "must start with postgres:// or postgresql://"},
		{"ErrMalformedURL", "postgres://u:s3cret@db.example.com:port/tasks", "not a valid URL"},
		{"ErrChannelBindingWithoutTLS", "postgresql://u:s3cret@db.example.com/tasks?sslmode=disable&channel_binding=require", "set sslmode=require or verify-full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := model.OpenDB(ctx, model.DBConfig{URL: tc.url})
			if err == nil {
				_ = db.Close()
				t.Fatal("OpenDB succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error = %q, want one that says %q and does not repeat the password", err, tc.want)
			}
		})
	}

	t.Run("SQLiteCreatesItsDirectory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "nested")
		db, err := model.OpenDB(ctx, model.DBConfig{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory: %v, %v; want mode 0700", fi, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "tasks.db")); err != nil {
			t.Error(err)
		}
		var foreignKeys int
		var journal string
		if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil || foreignKeys != 1 {
			t.Errorf("foreign_keys = %d, %v; want 1", foreignKeys, err)
		}
		if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil || journal != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", journal, err)
		}
		if model.IsPostgres(db) {
			t.Error("IsPostgres = true for SQLite")
		}
	})

	t.Run("ErrSQLiteDirectoryUnusable", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if db, err := model.OpenDB(ctx, model.DBConfig{DataDir: file}); err == nil {
			_ = db.Close()
			t.Error("OpenDB succeeded with a file as its data directory")
		}
	})
}

// TestOpenDBPostgres connects to the test server with URLs in the forms DATABASE_URL may take.
func TestOpenDBPostgres(t *testing.T) {
	if !slices.Contains(modeltest.Databases(t), modeltest.Postgres) {
		t.Skip("PostgreSQL is unreachable")
	}
	base, err := url.Parse(modeltest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	withQuery := func(scheme string, set map[string]string) string {
		u := *base
		u.Scheme = scheme
		q := u.Query()
		for k, v := range set {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	ping := func(rawURL string) error {
		db, err := model.OpenDB(ctx, model.DBConfig{URL: rawURL})
		if err != nil {
			t.Fatalf("OpenDB: %v", err)
		}
		defer db.Close()
		if !model.IsPostgres(db) {
			t.Error("IsPostgres = false")
		}
		return model.NewStore(db).Ping(ctx)
	}

	t.Run("PostgresqlScheme", func(t *testing.T) {
		if err := ping(withQuery("postgresql", nil)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ChannelBinding", func(t *testing.T) {
		if err := ping(withQuery("postgres", map[string]string{"sslmode": "require"})); err != nil {
			t.Skipf("the test server does not speak TLS: %v", err)
		}
		// channel_binding=prefer is dropped: with pgdriver as it is, it would fail every connection.
		if err := ping(withQuery("postgresql", map[string]string{"sslmode": "require", "channel_binding": "prefer"})); err != nil {
			t.Errorf("channel_binding=prefer: %v", err)
		}
		// channel_binding=require verifies the server like sslmode=verify-full: it connects exactly when that does.
		verifyFull := ping(withQuery("postgres", map[string]string{"sslmode": "verify-full"}))
		required := ping(withQuery("postgresql", map[string]string{"sslmode": "require", "channel_binding": "require"}))
		if (verifyFull == nil) != (required == nil) {
			t.Fatalf("verify-full: %v; channel_binding=require: %v; want the same outcome", verifyFull, required)
		}
		if required != nil {
			var certErr *tls.CertificateVerificationError
			if !errors.As(required, &certErr) || !errors.Is(required, model.ErrUnavailable) {
				t.Errorf("channel_binding=require to a server with an unverifiable certificate: %v; want a certificate error, ErrUnavailable", required)
			}
		}
	})
}
