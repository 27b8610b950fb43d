package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"taskapi/model"
	"taskapi/model/modeltest"
)

// TestOpenDBStopsAtPermanentErrors: a refused password or a missing database ends the start at the first attempt,
// saying what to fix, while a server that is starting up is tried again.
func TestOpenDBStopsAtPermanentErrors(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	t.Run("PasswordRefused", func(t *testing.T) {
		srv := modeltest.NewFakePostgres(t, "28P01", `password authentication failed for user "u"`)
		_, err := openDB(context.Background(), Config{DatabaseURL: "postgres://u:pw@" + srv.Addr + "/db?sslmode=disable"}, quiet)
		if !errors.Is(err, model.ErrPermanent) || !strings.Contains(err.Error(), "password was refused") {
			t.Fatalf("err = %v", err)
		}
		if n := srv.Connections.Load(); n > 3 {
			// database/sql itself may try a bad connection again a couple of times; openDB must not add rounds.
			t.Errorf("%d connections for one permanent failure", n)
		}
	})
	t.Run("StartingUpIsRetried", func(t *testing.T) {
		srv := modeltest.NewFakePostgres(t, "57P03", "the database system is starting up")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := openDB(ctx, Config{DatabaseURL: "postgres://u:pw@" + srv.Addr + "/db?sslmode=disable"}, quiet)
			done <- err
		}()
		// Retried: more rounds of connections than one attempt makes, then given up when ctx ends.
		first := int64(-1)
		for {
			select {
			case err := <-done:
				t.Fatalf("openDB gave up on a transient error: %v", err)
			default:
			}
			n := srv.Connections.Load()
			if first < 0 && n > 0 {
				first = n
			}
			if first > 0 && n > first+3 {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling a counter; no margin depends on it
		}
		cancel()
		if err := <-done; err == nil || errors.Is(err, model.ErrPermanent) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestListenURLStopsAtPermanentErrors: DATABASE_LISTEN_URL with a refused password ends the start, naming the
// setting, instead of a listener that retries forever; one that does not answer yet is left to the listener.
func TestListenURLStopsAtPermanentErrors(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	db := modeltest.MustOpenDB(t, modeltest.SQLite)
	store := model.NewStore(db)
	t.Run("PasswordRefused", func(t *testing.T) {
		srv := modeltest.NewFakePostgres(t, "28P01", `password authentication failed for user "u"`)
		cfg := Config{DatabaseListenURL: "postgres://u:pw@" + srv.Addr + "/db?sslmode=disable"}
		_, _, err := startHub(context.Background(), cfg, store, nil, quiet, nil)
		if !errors.Is(err, model.ErrPermanent) || !strings.Contains(err.Error(), "DATABASE_LISTEN_URL") {
			t.Fatalf("err = %v, want a permanent error naming DATABASE_LISTEN_URL", err)
		}
	})
	t.Run("StartingUpIsLeftToTheListener", func(t *testing.T) {
		srv := modeltest.NewFakePostgres(t, "57P03", "the database system is starting up")
		cfg := Config{DatabaseListenURL: "postgres://u:pw@" + srv.Addr + "/db?sslmode=disable"}
		_, stop, err := startHub(context.Background(), cfg, store, nil, quiet, nil)
		if err != nil {
			t.Fatalf("err = %v, want the hub started", err)
		}
		stop()
	})
}
