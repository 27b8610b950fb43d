package main

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskapi/webhook"
)

func TestLoadConfigOperations(t *testing.T) {
	t.Run("DevelopmentDefaults", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.ShutdownGrace != 0 || c.RateLimitRPS != 0 || len(c.CORSOrigins) != 0 || c.OTLPEndpoint != "" {
			t.Errorf("development mode: grace %s, rate %v, origins %v, otlp %q", c.ShutdownGrace, c.RateLimitRPS, c.CORSOrigins, c.OTLPEndpoint)
		}
	})
	t.Run("ProductionDefaults", func(t *testing.T) {
		c, err := loadConfig(env("DATABASE_URL", "postgres://u@h/db", "BETTER_AUTH_SECRET", secret))
		if err != nil {
			t.Fatal(err)
		}
		if c.ShutdownGrace != 5*time.Second || c.ShutdownTimeout != 15*time.Second || c.RateLimitRPS != 10 || c.RateLimitBurst != 50 ||
			c.OperationTimeout != 5*time.Second || c.DBMaxOpenConns != 10 || c.DBMaxIdleConns != 10 || c.DBConnMaxLifetime != 30*time.Minute {
			t.Errorf("defaults: %+v", c)
		}
		if c.HTTP != defaultHTTPTimeouts {
			t.Errorf("HTTP timeouts: %+v", c.HTTP)
		}
	})
	t.Run("Set", func(t *testing.T) {
		c, err := loadConfig(env("SHUTDOWN_GRACE", "2s", "RATE_LIMIT_RPS", "2.5", "RATE_LIMIT_BURST", "7",
			"OPERATION_TIMEOUT", "0", "DB_MAX_OPEN_CONNS", "20", "DB_MAX_IDLE_CONNS", "5", "DB_CONN_MAX_LIFETIME", "5m",
			"CORS_ORIGINS", " https://app.example.com/ , http://localhost:3000,https://*.vercel.app",
			"OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"))
		if err != nil {
			t.Fatal(err)
		}
		if c.ShutdownGrace != 2*time.Second || c.RateLimitRPS != 2.5 || c.RateLimitBurst != 7 || c.OperationTimeout != 0 ||
			c.DBMaxOpenConns != 20 || c.DBMaxIdleConns != 5 || c.DBConnMaxLifetime != 5*time.Minute || c.OTLPEndpoint == "" {
			t.Errorf("%+v", c)
		}
		want := []string{"https://app.example.com", "http://localhost:3000", "https://*.vercel.app"}
		if !slices.Equal(c.CORSOrigins, want) {
			t.Errorf("origins %q, want %q", c.CORSOrigins, want)
		}
	})
	t.Run("EveryProblemReported", func(t *testing.T) {
		_, err := loadConfig(env("SHUTDOWN_GRACE", "soon", "RATE_LIMIT_RPS", "-1", "RATE_LIMIT_BURST", "0",
			"DB_MAX_OPEN_CONNS", "4", "DB_MAX_IDLE_CONNS", "8", "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318",
			"CORS_ORIGINS", "*"))
		if err == nil {
			t.Fatal("no error")
		}
		for _, name := range []string{"SHUTDOWN_GRACE", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST", "DB_MAX_IDLE_CONNS", "OTEL_EXPORTER_OTLP_ENDPOINT", "CORS_ORIGINS"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not mention %s: %v", name, err)
			}
		}
	})
	t.Run("CORSOriginsRefused", func(t *testing.T) {
		for _, o := range []string{"*", "https://*", "app.example.com", "https://app.example.com/path", "ftp://x.example.com",
			"https://a.*.*.example.com", "https://*.com", "https://app.*.example.com", "https://user@app.example.com", "https://app.example.com?x=1"} {
			if _, err := loadConfig(env("CORS_ORIGINS", o)); err == nil || !strings.Contains(err.Error(), "CORS_ORIGINS") {
				t.Errorf("CORS_ORIGINS=%q: err = %v", o, err)
			}
		}
	})
}

func TestLoadConfigWebhooks(t *testing.T) {
	const whsec = "whsec_Y21kLXRlc3RzLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3"
	t.Run("Off", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.Webhook.Enabled() || !slices.Equal(c.Webhook.Events, webhook.DefaultEvents) || !slices.Equal(c.Webhook.RetrySchedule, webhook.DefaultRetrySchedule) ||
			c.Webhook.MaxPendingPerUser != webhook.DefaultMaxPendingPerUser {
			t.Errorf("defaults: %+v", c.Webhook)
		}
	})
	t.Run("On", func(t *testing.T) {
		c, err := loadConfig(env("WEBHOOK_URL", "https://app.example.com/api/webhooks", "WEBHOOK_SECRET", whsec,
			"WEBHOOK_EVENTS", "task.created, reminder.due", "WEBHOOK_RETRY_SCHEDULE", "10s,1h", "WEBHOOK_MAX_PENDING_PER_USER", "50"))
		if err != nil {
			t.Fatal(err)
		}
		w := c.Webhook
		if !w.Enabled() || w.URL != "https://app.example.com/api/webhooks" || w.Secret.IsZero() ||
			!slices.Equal(w.Events, []webhook.EventType{webhook.TaskCreated, webhook.ReminderDue}) ||
			!slices.Equal(w.RetrySchedule, []time.Duration{10 * time.Second, time.Hour}) || w.MaxPendingPerUser != 50 {
			t.Errorf("%+v", w)
		}
	})
	t.Run("EveryProblemReported", func(t *testing.T) {
		for _, tc := range []struct {
			env  []string
			want []string
		}{
			{[]string{"WEBHOOK_URL", "https://app.example.com/hook"}, []string{"WEBHOOK_SECRET is not", "openssl rand"}},
			{[]string{"WEBHOOK_URL", "app.example.com/hook", "WEBHOOK_SECRET", "whsec_c2hvcnQ=", "WEBHOOK_EVENTS", "task.moved",
				"WEBHOOK_RETRY_SCHEDULE", "5s,later"}, []string{"WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_EVENTS", "WEBHOOK_RETRY_SCHEDULE"}},
			{[]string{"WEBHOOK_MAX_PENDING_PER_USER", "0"}, []string{"WEBHOOK_MAX_PENDING_PER_USER", "from 1 to 1000000"}},
			{[]string{"WEBHOOK_MAX_PENDING_PER_USER", "many"}, []string{"WEBHOOK_MAX_PENDING_PER_USER"}},
		} {
			_, err := loadConfig(env(tc.env...))
			if err == nil {
				t.Fatalf("%q accepted", tc.env)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q: the error does not say %q: %v", tc.env, w, err)
				}
			}
			if strings.Contains(err.Error(), "c2hvcnQ") {
				t.Errorf("the error repeats the secret: %v", err)
			}
		}
	})
}

func TestTrustedProxiesFromEnvironment(t *testing.T) {
	t.Run("NoneByDefault", func(t *testing.T) {
		c, err := loadConfig(env("DATABASE_URL", "postgres://u@h/db", "BETTER_AUTH_SECRET", secret))
		if err != nil || len(c.TrustedProxies) != 0 {
			t.Errorf("trusted %v, err %v; want none", c.TrustedProxies, err)
		}
	})
	t.Run("AddressesAndPrefixes", func(t *testing.T) {
		c, err := loadConfig(env("TRUSTED_PROXIES", " 10.0.0.0/8, 192.0.2.10 ,fd00::/8,2001:db8::1,, 172.16.5.4/12,::ffff:198.51.100.1,::ffff:100.64.0.0/106"))
		if err != nil {
			t.Fatal(err)
		}
		want := []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.10/32"), netip.MustParsePrefix("fd00::/8"),
			netip.MustParsePrefix("2001:db8::1/128"),
			netip.MustParsePrefix("172.16.0.0/12"),   // the host bits of a prefix are dropped
			netip.MustParsePrefix("198.51.100.1/32"), // an IPv4-mapped address is the IPv4 address
			netip.MustParsePrefix("100.64.0.0/10"),   // and so is an IPv4-mapped prefix
		}
		if !slices.Equal(c.TrustedProxies, want) {
			t.Errorf("trusted %v, want %v", c.TrustedProxies, want)
		}
	})
	t.Run("InvalidEntryNamed", func(t *testing.T) {
		for _, entry := range []string{"proxy.internal", "10.0.0.0/33", "10.0.0.1:8080", "fd00::/129", "*", "10.0.0.256",
			"fe80::1%eth0", "10.0.0.0/"} {
			_, err := loadConfig(env("TRUSTED_PROXIES", "10.0.0.0/8,"+entry))
			if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") || !strings.Contains(err.Error(), strconv.Quote(entry)) {
				t.Errorf("TRUSTED_PROXIES entry %q: err = %v, want one naming it", entry, err)
			}
		}
	})
	t.Run("ReachesTheHandler", func(t *testing.T) {
		srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0",
			"TRUSTED_PROXIES", "127.0.0.1,::1")
		req, _ := http.NewRequest(http.MethodGet, srv.url+"/graphql?query=%7B__typename%7D", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.77")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if logs := srv.logs.String(); !strings.Contains(logs, `"remote":"203.0.113.77"`) {
			t.Errorf("the request line does not show the forwarded client: %s", logs)
		}
	})
}
