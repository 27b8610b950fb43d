package deploy

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads compose.yaml as `docker compose` does (compose-go is its loader): validated against the Compose
// specification's JSON schema, interpolated with env, normalized.
func loadCompose(t *testing.T, file string, env map[string]string) (*types.Project, error) {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("taskapi", true) })
}

// TestCompose: compose.yaml is valid Compose, and it runs the server as docs/deployment.md says: built from the
// Dockerfile, after PostgreSQL is healthy, migrating at start, healthy once /readyz answers, on loopback only.
func TestCompose(t *testing.T) {
	p, err := loadCompose(t, "../compose.yaml", map[string]string{})
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, err := p.GetService("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if pg.HealthCheck == nil || len(pg.HealthCheck.Test) < 2 || !slices.Contains(pg.HealthCheck.Test, "pg_isready") {
		t.Errorf("postgres health check %+v: the server waits for it, so it must ask pg_isready", pg.HealthCheck)
	}
	srv, err := p.GetService("server")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Build == nil || srv.Build.Dockerfile != "Dockerfile" || filepath.Base(srv.Build.Context) != filepath.Base(filepath.Dir(mustAbs(t, "../compose.yaml"))) {
		t.Errorf("server build %+v: want the repository's Dockerfile", srv.Build)
	}
	if dep, ok := srv.DependsOn["postgres"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("server depends_on %+v: want postgres with condition service_healthy", srv.DependsOn)
	}
	if hc := srv.HealthCheck; hc == nil || strings.Join(hc.Test, " ") != "CMD /server healthcheck --path /readyz" {
		t.Errorf("server health check %+v: want [CMD, /server, healthcheck, --path, /readyz] (no shell in the image)", hc)
	}
	envOf := func(k string) string {
		if v := srv.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if envOf("MIGRATE_ON_START") != "true" {
		t.Errorf("MIGRATE_ON_START=%q: want migrations at start", envOf("MIGRATE_ON_START"))
	}
	db, err := url.Parse(envOf("DATABASE_URL"))
	if err != nil || db.Scheme != "postgres" || db.Hostname() != "postgres" || db.Query().Get("sslmode") != "disable" {
		t.Errorf("DATABASE_URL %q: want the postgres service, without TLS on compose's network", envOf("DATABASE_URL"))
	}
	if envOf("BETTER_AUTH_URL") != "http://localhost:3000" || !strings.HasPrefix(envOf("JWT_JWKS_URL"), "http://host.docker.internal:") {
		t.Errorf("token settings BETTER_AUTH_URL=%q JWT_JWKS_URL=%q", envOf("BETTER_AUTH_URL"), envOf("JWT_JWKS_URL"))
	}
	if len(srv.Ports) != 1 || srv.Ports[0].HostIP != "127.0.0.1" || srv.Ports[0].Target != 8080 {
		t.Errorf("server ports %+v: want 127.0.0.1:8080:8080", srv.Ports)
	}
	for k := range srv.Environment {
		if !knownSetting(t, k) {
			t.Errorf("server environment sets %s, which docs/configuration.md does not list", k)
		}
	}

	// The variables a developer sets on the command line reach the server.
	p, err = loadCompose(t, "../compose.yaml", map[string]string{"BETTER_AUTH_URL": "http://localhost:3100"})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ = p.GetService("server")
	if v := srv.Environment["BETTER_AUTH_URL"]; v == nil || *v != "http://localhost:3100" {
		t.Errorf("BETTER_AUTH_URL from the environment: %v", v)
	}
}

// TestComposeValidationIsAlive: the loader refuses what Compose refuses, so TestCompose would notice a typo.
func TestComposeValidationIsAlive(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown key":   "services:\n  server:\n    image: x\n    healthchek:\n      test: [\"CMD\", \"true\"]\n",
		"wrong type":    "services:\n  server:\n    image: x\n    ports: 8080\n",
		"missing build": "services:\n  server:\n    depends_on:\n      postgres:\n        condition: service_healthy\n",
	} {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		writeFile(t, file, body)
		if _, err := loadCompose(t, file, map[string]string{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
