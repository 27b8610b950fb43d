package model

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Bun and pgdriver log through loggers of their own, in plain text on standard error: among others pgdriver's
// listener, when it drops a notification ("Listener buffer is full") or a broken connection ("discarding bad
// listener connection"). RouteDriverLogs sends those lines through the server's logger instead, and the listener's
// troubles are counted (ListenerEvents), since each one may delay a live update until the next poll.

var listenerDrops, listenerReconnects atomic.Uint64

// ListenerEvents returns how many notifications on FeedChannel this process's listeners dropped (their buffer was
// full) and how many times they gave up a broken connection to reconnect, since the process started. Either may
// have lost notifications, which WatchFeeds' watchers make up for by looking at every feed they follow (a drop) or
// at their next poll (a reconnection).
func ListenerEvents() (dropped, reconnected uint64) {
	return listenerDrops.Load(), listenerReconnects.Load()
}

// RouteDriverLogs sends what Bun and pgdriver log to logger, as warnings with a component attribute ("bun",
// "pgdriver"), for the whole process: those libraries keep their loggers in package variables, which are set once
// (the first call) to forward to the logger of the latest call. Call it at start, before the database is opened.
func RouteDriverLogs(logger *slog.Logger) {
	driverLog.Store(logger)
	routeOnce.Do(func() {
		bun.SetLogger(bunLogger{})
		pgdriver.Logger = pgdriverLogger{}
	})
}

var (
	driverLog atomic.Pointer[slog.Logger]
	routeOnce sync.Once
)

type bunLogger struct{}

func (bunLogger) Printf(format string, v ...any) {
	driverLog.Load().Warn(strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "bun")
}

type pgdriverLogger struct{}

func (pgdriverLogger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	if strings.Contains(msg, "discarding bad listener connection") {
		listenerReconnects.Add(1)
	}
	driverLog.Load().WarnContext(ctx, msg, "component", "pgdriver")
}
