package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// version is stamped at build time with -ldflags "-X main.version=v1.2.3" (see scripts/build-server.sh, which the
// Dockerfile runs); empty, the module's build info says what it can.
var version string

// buildVersion is the stamped version, else the main module's version the Go toolchain recorded in the build
// information, which is "(devel)" for a plain `go build`.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// registerBuildInfo adds taskapi_build_info{version, goversion} 1, so that dashboards can tell which version each
// instance runs and when a rollout reached it.
func registerBuildInfo(reg prometheus.Registerer) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "taskapi_build_info",
		Help: "Always 1; the labels say which version of the server this is and which Go built it.",
	}, []string{"version", "goversion"})
	reg.MustRegister(g)
	g.WithLabelValues(buildVersion(), runtime.Version()).Set(1)
}

// healthFlags are healthcheck's flags.
type healthFlags struct {
	timeout *time.Duration
	path    *string
}

func (f *healthFlags) register(fs *flag.FlagSet) {
	f.timeout = fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	f.path = fs.String("path", "/healthz", "what to ask for: /healthz (the process is up) or /readyz (and the database answers)")
}

// healthcheck asks the server that cfg describes on this machine for GET path (/healthz or /readyz). It returns nil
// on 200 and an error saying what happened otherwise, so that the exit status is the container's health.
func healthcheck(ctx context.Context, cfg Config, path string, timeout time.Duration, stdout io.Writer) error {
	if path != "/healthz" && path != "/readyz" {
		return fmt.Errorf("healthcheck: --path %q must be /healthz or /readyz", path)
	}
	url := "http://" + net.JoinHostPort(probeHost(cfg.Host), cfg.Port) + path
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy from the environment: the server is on this machine, and HTTP_PROXY must not send the probe elsewhere.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	_, _ = fmt.Fprintf(stdout, "healthy: GET %s answered %s\n", url, resp.Status)
	return nil
}

// probeHost is where to reach a server listening on host: the loopback address for every interface (an empty
// host, 0.0.0.0 or ::), host itself otherwise.
func probeHost(host string) string {
	switch h := strings.Trim(host, "[]"); h {
	case "", "0.0.0.0":
		return "127.0.0.1"
	case "::":
		return "::1"
	default:
		return h
	}
}
