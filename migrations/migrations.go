// Package migrations holds the database schema of the task API as Bun migrations compiled into the binary, and
// the helpers that apply, roll back and report them on PostgreSQL and on the embedded SQLite alike.
package migrations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrations are the schema's migrations. Each is a Go file named after its version (the file name is the
// migration's name, which Bun records), so that a deployed binary carries them and each can choose its SQL by
// dialect.
var Migrations = migrate.NewMigrations()

// locksTable is where Bun's migrator keeps its lock (its default name).
const locksTable = "bun_migration_locks"

// lockWait is how long Up and Down wait for another instance's migration lock when ctx has no deadline.
const lockWait = time.Minute

// NewMigrator returns a migrator of Migrations over db. It marks a migration applied only after it succeeded, so a
// failed migration is retried on the next run instead of being skipped.
func NewMigrator(db *bun.DB) *migrate.Migrator {
	return migrate.NewMigrator(db, Migrations, migrate.WithMarkAppliedOnSuccess(true))
}

// Up applies every pending migration and returns the names of those it applied (none when the schema is up to
// date). It holds the migrator's lock while it works, waiting for another instance that holds it, so that instances
// starting together do not race; it gives up when ctx ends or after a minute.
func Up(ctx context.Context, db *bun.DB) (applied []string, err error) {
	err = locked(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if group == nil {
			return err
		}
		done := group.Migrations
		if err != nil && len(done) > 0 {
			// The group ends with the migration that failed, which is not applied.
			done = done[:len(done)-1]
		}
		for _, mig := range done {
			applied = append(applied, mig.String())
		}
		return err
	})
	if err != nil {
		return applied, fmt.Errorf("migrations: up: %w", err)
	}
	return applied, nil
}

// Down rolls back the last group of migrations (those one Up applied) and returns their names, newest first; none
// when nothing is applied. It takes the lock like Up.
func Down(ctx context.Context, db *bun.DB) (rolledBack []string, err error) {
	err = locked(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if group != nil {
			for i := len(group.Migrations) - 1; i >= 0; i-- {
				rolledBack = append(rolledBack, group.Migrations[i].String())
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("migrations: down: %w", err)
	}
	return rolledBack, nil
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Name       string // version and description, such as 20261125000001_create_tasks
	Applied    bool
	GroupID    int64     // the group that applied it; 0 when pending
	MigratedAt time.Time // when it was applied; zero when pending
}

// StatusReport lists every migration, oldest first.
type StatusReport struct {
	Migrations []MigrationStatus
}

// Pending returns the names of the migrations not yet applied.
func (r StatusReport) Pending() []string {
	var names []string
	for _, m := range r.Migrations {
		if !m.Applied {
			names = append(names, m.Name)
		}
	}
	return names
}

// String renders the report one migration a line, as `migrate status` prints it.
func (r StatusReport) String() string {
	var b strings.Builder
	for _, m := range r.Migrations {
		if m.Applied {
			fmt.Fprintf(&b, "applied  %s (group %d, %s)\n", m.Name, m.GroupID, m.MigratedAt.UTC().Format(time.RFC3339))
		} else {
			fmt.Fprintf(&b, "pending  %s\n", m.Name)
		}
	}
	if len(r.Migrations) == 0 {
		b.WriteString("no migrations\n")
	}
	return b.String()
}

// Status reports which migrations are applied. It creates Bun's bookkeeping tables when they are missing but
// changes nothing else.
func Status(ctx context.Context, db *bun.DB) (StatusReport, error) {
	m := NewMigrator(db)
	if err := initTables(ctx, m); err != nil {
		return StatusReport{}, fmt.Errorf("migrations: status: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return StatusReport{}, fmt.Errorf("migrations: status: %w", err)
	}
	report := StatusReport{Migrations: make([]MigrationStatus, len(ms))}
	for i, mig := range ms {
		report.Migrations[i] = MigrationStatus{
			Name: mig.String(), Applied: mig.IsApplied(), GroupID: mig.GroupID, MigratedAt: mig.MigratedAt,
		}
	}
	return report, nil
}

// locked runs fn while holding the migrator's lock.
func locked(ctx context.Context, db *bun.DB, fn func(*migrate.Migrator) error) (err error) {
	m := NewMigrator(db)
	if err := initTables(ctx, m); err != nil {
		return err
	}
	if err := lock(ctx, m); err != nil {
		return err
	}
	defer func() {
		// Unlock even when ctx has ended, or the lock would outlive this process.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if uerr := m.Unlock(unlockCtx); uerr != nil {
			err = errors.Join(err, fmt.Errorf("release migration lock: %w", uerr))
		}
	}()
	return fn(m)
}

// initTables creates Bun's bookkeeping tables. Two instances doing so at once on PostgreSQL can collide in the
// catalog (CREATE TABLE IF NOT EXISTS is not atomic there), so a failure is retried once after a pause.
func initTables(ctx context.Context, m *migrate.Migrator) error {
	err := m.Init(ctx)
	if err == nil {
		return nil
	}
	select {
	case <-time.After(200 * time.Millisecond):
	case <-ctx.Done():
		return err
	}
	return m.Init(ctx)
}

// lock takes the migrator's lock. Bun's lock is a row in bun_migration_locks that a second taker fails to insert
// rather than waits for, so lock polls until the row is free, ctx ends, or lockWait (when ctx has no deadline) has
// passed.
func lock(ctx context.Context, m *migrate.Migrator) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lockWait)
		defer cancel()
	}
	delay := 50 * time.Millisecond
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		// Bun reports every failed insert as "already locked". When the database cannot even be read, waiting
		// does not help: say so at once.
		if _, qerr := m.DB().NewSelect().TableExpr(locksTable).Exists(ctx); qerr != nil && ctx.Err() == nil {
			return fmt.Errorf("take the migration lock: %w", qerr)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return fmt.Errorf("%w; another instance may be migrating. If none is, a crashed one left its lock behind: "+
				"delete it with DELETE FROM %s", err, locksTable)
		}
		delay = min(delay*2, time.Second)
	}
}

// execAll runs statements one by one in a transaction (both databases have transactional DDL), so that a migration
// either applies whole or not at all.
func execAll(ctx context.Context, db *bun.DB, statements []string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, stmt := range statements {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%w\nin: %s", err, stmt)
			}
		}
		return nil
	})
}
