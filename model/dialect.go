package model

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
)

// This file holds what differs between PostgreSQL and SQLite in the store (the schema's differences are in the
// migrations). Everything else is SQL both understand: row-value comparisons, RETURNING, ON CONFLICT DO NOTHING,
// LIKE ... ESCAPE, and UNION ALL.

// IsPostgres reports whether db talks to PostgreSQL; otherwise it is the embedded SQLite database.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// forUpdate locks the selected row until the transaction ends, so that two concurrent patches of one task apply one
// after the other. SQLite has no row locks and needs none: its transactions begin IMMEDIATE, holding the database's
// write lock.
func forUpdate(db bun.IDB, q *bun.SelectQuery) *bun.SelectQuery {
	if IsPostgres(db) {
		return q.For("UPDATE")
	}
	return q
}

// storeError turns an error of the store's operation op into what the store's methods promise: domain errors
// (ErrNotFound, ErrForbidden, *ConflictError, *ValidationError, *InputError) pass through as they are, a database that cannot be reached is
// wrapped with ErrUnavailable (and still the cause), and anything else is wrapped with the operation's name.
func storeError(op string, err error) error {
	var validation *ValidationError
	var input *InputError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrForbidden), errors.Is(err, ErrConflict), errors.As(err, &validation),
		errors.As(err, &input):
		return err
	case isUnavailable(err):
		return fmt.Errorf("model: %s: %w: %w", op, ErrUnavailable, err)
	default:
		return fmt.Errorf("model: %s: %w", op, err)
	}
}

// isUnavailable reports whether err means that the database could not be reached or could not take the request
// now, as opposed to a problem with the request itself.
func isUnavailable(err error) bool {
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	// A deadline that passed while waiting for the database: it did not answer in time. (A cancelled request is
	// the client's doing and is not reported as the database's.)
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for _, target := range []error{
		driver.ErrBadConn, sql.ErrConnDone, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH,
		syscall.ENETUNREACH,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	// Dial failures, DNS failures and timeouts on the socket.
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	// A TLS handshake that failed: the server is not one this configuration can talk to securely.
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &alert) || errors.As(err, &record) {
		return true
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		if v := pgErr.Field('V'); v == "FATAL" || v == "PANIC" {
			return true // the server ended the session: shutting down, out of connections, or refusing us
		}
		code := pgErr.Field('C')
		return strings.HasPrefix(code, "08") || // connection exception
			strings.HasPrefix(code, "53") || // insufficient resources (too many connections, disk full)
			code == "57P01" || code == "57P02" || code == "57P03" // admin/crash shutdown, cannot connect now
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff { // the primary result code of an extended one
		case 5, 6, 10, 13, 14: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
			return true
		}
	}
	// database/sql's "sql: database is closed" has no exported sentinel.
	return strings.Contains(err.Error(), "sql: database is closed")
}
