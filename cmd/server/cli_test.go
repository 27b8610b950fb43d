package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHelpExitsBeforeStarting: --help on every command prints its usage and returns, with no database created, no
// port bound and no setting read (a bad one does not hide the usage).
func TestHelpExitsBeforeStarting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	badEnv := env("DATA_DIR", dir, "PORT", "not-a-port", "DATABASE_URL", "mysql://x")
	cases := [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"serve", "--help"}, {"serve", "-h"},
		{"migrate", "--help"}, {"token", "--help"}, {"healthcheck", "--help"}, {"version", "--help"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, args, badEnv, &out, io.Discard); err != nil {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(out.String(), "usage:") || !strings.Contains(out.String(), "server") {
				t.Errorf("no usage printed: %q", out.String())
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("--help created %s", dir)
			}
		})
	}
	t.Run("FlagsListed", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"token", "--help"}, env(), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, flag := range []string{"-sub", "-email", "-name", "-ttl"} {
			if !strings.Contains(out.String(), flag) {
				t.Errorf("token --help does not list %s: %q", flag, out.String())
			}
		}
	})
	t.Run("UnknownFlagRefused", func(t *testing.T) {
		err := run(context.Background(), []string{"serve", "--port", "80"}, env("DATA_DIR", dir), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "usage:") {
			t.Errorf("err = %v", err)
		}
		if err := run(context.Background(), []string{"serve", "extra"}, env("DATA_DIR", dir), io.Discard, io.Discard); err == nil {
			t.Error("serve with an argument succeeded")
		}
	})
}

func TestVersionCommand(t *testing.T) {
	old := version
	version = "v1.2.3-test"
	t.Cleanup(func() { version = old })
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("server v1.2.3-test (%s, %s/%s)\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if out.String() != want {
		t.Errorf("version printed %q, want %q", out.String(), want)
	}
	version = ""
	if v := buildVersion(); v == "" {
		t.Error("without a stamp the version is empty; want the build info's or (devel)")
	}
}

// TestBuildInfoMetric: /metrics carries the version, and so do /healthz and the log line that says the server is
// serving.
func TestBuildInfoMetric(t *testing.T) {
	old := version
	version = "v9.8.7-test"
	t.Cleanup(func() { version = old })
	srv := startServer(t, nil, "DATA_DIR", t.TempDir())
	got := scrape(t, srv.url)
	series := fmt.Sprintf(`taskapi_build_info{goversion="%s",version="v9.8.7-test"}`, runtime.Version())
	if got[series] != 1 {
		t.Errorf("%s = %v; build_info series: %v", series, got[series], matching(got, "taskapi_build_info"))
	}
	resp, err := http.Get(srv.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok v9.8.7-test\n" {
		t.Errorf("/healthz answered %q, want the version after ok", body)
	}
	if !strings.Contains(srv.logs.String(), `"version":"v9.8.7-test"`) {
		t.Errorf("the serving log line has no version: %s", srv.logs.String())
	}
}

func matching(samples map[string]float64, prefix string) []string {
	var out []string
	for k := range samples {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

func TestHealthcheckCommand(t *testing.T) {
	srv := startServer(t, nil, "DATA_DIR", t.TempDir())
	_, port, _ := net.SplitHostPort(srv.addr)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, env("DATA_DIR", t.TempDir(), "PORT", port), &out, io.Discard); err != nil {
		t.Fatalf("healthcheck against a running server: %v", err)
	}
	if !strings.Contains(out.String(), "/healthz answered 200") {
		t.Errorf("out = %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"healthcheck", "--path", "/readyz"}, env("DATA_DIR", t.TempDir(), "PORT", port), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "/readyz answered 200") {
		t.Fatalf("healthcheck --path /readyz: %v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"healthcheck", "--path", "/graphql"}, env("PORT", port), io.Discard, io.Discard); err == nil {
		t.Error("healthcheck --path /graphql accepted")
	}
	// A server listening on every interface is probed on loopback.
	if h := probeHost("0.0.0.0"); h != "127.0.0.1" {
		t.Errorf("probeHost(0.0.0.0) = %q", h)
	}
	if h := probeHost("[::]"); h != "::1" {
		t.Errorf("probeHost([::]) = %q", h)
	}

	// Nothing listening: the command fails, so the exit status is 1 and the container unhealthy.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, free, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	if err := run(context.Background(), []string{"healthcheck", "--timeout", "2s"}, env("PORT", free), io.Discard, io.Discard); err == nil {
		t.Error("healthcheck succeeded with no server")
	}
}

func TestHost(t *testing.T) {
	t.Run("LoopbackInDevelopmentMode", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil || c.Host != "127.0.0.1" || c.listenAddr() != "127.0.0.1:8080" {
			t.Fatalf("host %q addr %q err %v", c.Host, c.listenAddr(), err)
		}
		srv := startServer(t, nil, "DATA_DIR", t.TempDir())
		if host, _, _ := net.SplitHostPort(srv.addr); host != "127.0.0.1" {
			t.Errorf("development server listens on %s, want loopback only", srv.addr)
		}
	})
	t.Run("EveryInterfaceOtherwise", func(t *testing.T) {
		c, err := loadConfig(env("BETTER_AUTH_SECRET", secret))
		if err != nil || c.Host != "" || c.listenAddr() != ":8080" {
			t.Fatalf("host %q addr %q err %v", c.Host, c.listenAddr(), err)
		}
	})
	t.Run("Set", func(t *testing.T) {
		for host, addr := range map[string]string{"0.0.0.0": "0.0.0.0:8080", "::": "[::]:8080", "[::1]": "[::1]:8080", "api.internal": "api.internal:8080"} {
			c, err := loadConfig(env("HOST", host))
			if err != nil || c.listenAddr() != addr {
				t.Errorf("HOST=%s: addr %q err %v", host, c.listenAddr(), err)
			}
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, host := range []string{"127.0.0.1:8080", "http://localhost", "a..b", "-x.example"} {
			if _, err := loadConfig(env("HOST", host)); err == nil || !strings.Contains(err.Error(), "HOST") {
				t.Errorf("HOST=%q: err = %v", host, err)
			}
		}
	})
}

func TestCORSAllowsBetterAuthOrigin(t *testing.T) {
	c, err := loadConfig(env("BETTER_AUTH_URL", "http://localhost:3000/app", "CORS_ORIGINS", "https://admin.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://admin.example.com", "http://localhost:3000"}; !slices.Equal(c.CORSOrigins, want) {
		t.Errorf("origins %q, want %q", c.CORSOrigins, want)
	}
	c, _ = loadConfig(env("BETTER_AUTH_URL", "https://App.example.com", "CORS_ORIGINS", "https://app.example.com"))
	if want := []string{"https://app.example.com"}; !slices.Equal(c.CORSOrigins, want) {
		t.Errorf("listed twice: %q", c.CORSOrigins)
	}

	// And the browser on that origin gets the CORS answer from the running server.
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "BETTER_AUTH_URL", "http://localhost:3000")
	if got := preflight(t, srv.url, "http://localhost:3000"); got != "http://localhost:3000" {
		t.Errorf("preflight from the Better Auth origin: Access-Control-Allow-Origin %q", got)
	}
	if got := preflight(t, srv.url, "http://127.0.0.1:3000"); got != "" {
		t.Errorf("127.0.0.1 is another origin than localhost, yet allowed: %q", got)
	}
}

// preflight sends a browser's CORS preflight for a POST from origin and returns Access-Control-Allow-Origin.
func preflight(t *testing.T, baseURL, origin string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, baseURL+"/graphql", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Access-Control-Allow-Origin")
}

func TestLogFormat(t *testing.T) {
	prod, err := loadConfig(env("BETTER_AUTH_SECRET", secret))
	if err != nil {
		t.Fatal(err)
	}
	line := func(cfg Config, terminal bool) string {
		var buf bytes.Buffer
		newLogger(cfg, &buf, terminal).Info("request", slog.Float64("durationMs", 1.5), slog.Duration("grace", 5*time.Second))
		return buf.String()
	}
	if l := line(prod, false); !strings.HasPrefix(l, "{") || !strings.Contains(l, `"durationMs":1.5`) {
		t.Errorf("production, not a terminal: want JSON with durationMs, got %q", l)
	}
	for name, l := range map[string]string{"terminal": line(prod, true), "development": line(Config{LogLevel: "info"}, false)} {
		if strings.HasPrefix(l, "{") || !strings.Contains(l, "duration=1.5ms") || !strings.Contains(l, "grace=5s") {
			t.Errorf("%s: want text with readable durations, got %q", name, l)
		}
		if strings.Contains(l, "T") && strings.Contains(l, "time=20") {
			t.Errorf("%s: want the time of day only, got %q", name, l)
		}
	}
	prod.LogFormat = "json"
	if l := line(prod, true); !strings.HasPrefix(l, "{") {
		t.Errorf("LOG_FORMAT=json on a terminal: got %q", l)
	}
}
