//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package model

import (
	"context"
	"crypto/tls"
	"database/sql/driver"
	"errors"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
)

// checkAlive is pgdriver's ResetSessionFunc: before database/sql hands out a pooled connection again, it looks at
// the socket without blocking, and has the pool discard the connection when the server has closed it (end of file)
// or sent anything unasked (PostgreSQL's last words before a shutdown, for instance).
//
// Without it, after the database restarts or a pooler drops idle clients (Neon suspending a compute), every idle
// connection in the pool is dead, and the first request to take each one fails with SERVICE_UNAVAILABLE although the
// database is back; database/sql retries on a fresh connection only when the driver reports driver.ErrBadConn
// before it has written anything, and a dead socket usually accepts the write. The check is one non-blocking
// recv(2) with MSG_PEEK: it never waits and never consumes a byte of a live connection.
func checkAlive(_ context.Context, cn *pgdriver.Conn) error {
	c := cn.Conn()
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return driver.ErrBadConn
	}
	var recvErr error
	if err := raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, recvErr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait for readiness: the answer is now or not at all
	}); err != nil {
		return driver.ErrBadConn
	}
	switch {
	case errors.Is(recvErr, syscall.EAGAIN), errors.Is(recvErr, syscall.EWOULDBLOCK), errors.Is(recvErr, syscall.EINTR):
		return nil // nothing to read: the connection is idle, as it should be
	default:
		// No error: a byte is there (an unsolicited message) or the stream has ended (0 bytes). An error: a broken
		// socket.
		return driver.ErrBadConn
	}
}
