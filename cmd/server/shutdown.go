package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// serveUntilDone serves srv on ln until ctx ends (SIGTERM or SIGINT in main), then shuts down in three steps:
//
//  1. At once: draining is closed, so /readyz answers 503 and every response carries Connection: close, and
//     closeLive (when not nil) closes the WebSockets and event streams, waiting briefly for their handshakes. The
//     server still accepts and serves everything for grace, the time a load balancer needs to notice and stop
//     sending; clients on keep-alive connections are moved off this instance one response at a time, instead of
//     finding their connection closed under a request they have just sent.
//  2. After grace: the listener closes, idle connections close, and the requests in flight get up to timeout to
//     finish.
//  3. The caller closes the database pool once this returns.
//
// afterGrace(grace) is the end of the grace period (time.After in main). It returns nil after a clean shutdown, an error when requests were still running after timeout (they are cut) or
// when the server failed.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, draining chan<- struct{},
	closeLive func(context.Context), grace time.Duration, afterGrace func(time.Duration) <-chan time.Time, timeout time.Duration,
	logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	close(draining)
	logger.Info("shutting down: /readyz answers 503; serving the grace period before closing the listener",
		"grace", grace, "timeout", timeout)
	if closeLive != nil {
		// WebSockets and event streams go at once (1012), so that their clients move to another instance while
		// this one still answers; their close handshakes get a moment to finish.
		liveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(2*time.Second, timeout))
		closeLive(liveCtx)
		cancel()
	}
	if grace > 0 {
		select {
		case <-afterGrace(grace):
		case err := <-errc:
			return err
		}
	}

	logger.Info("shutting down: listener closed; waiting for the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after SHUTDOWN_TIMEOUT=%s were cut: %w", timeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("shutting down: every request answered")
	return nil
}
