//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package model

import (
	"context"

	"github.com/uptrace/bun/driver/pgdriver"
)

// checkAlive cannot peek at a socket without blocking on this system; a dead pooled connection is found by the
// query that uses it, which fails with ErrUnavailable.
func checkAlive(context.Context, *pgdriver.Conn) error { return nil }
