package main

import (
	"bufio"
	"context"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestConfigurationDoc: docs/configuration.md lists every environment variable the server looks up, and nothing
// else. What the server looks up is recorded, not listed by hand: every command runs through run with a getenv that
// remembers each name asked for (run hands getenv to nothing but loadConfig), loadConfig runs again in the modes
// whose checks differ, and main's memorySettings is asked too.
//
// The doc has two kinds of tables. A table whose first column is "Variable" lists settings. A table whose first
// column is "Old name" lists names the server reads only to refuse them (an old name that stops the start with a
// message naming its replacement, in the second column); each must really be refused that way. Variables that
// libraries read on their own (the OpenTelemetry SDK's OTEL_*) are never asked for through getenv, and the doc
// mentions them in prose, not in a first column.
func TestConfigurationDoc(t *testing.T) {
	read := lookedUp(t)
	settings, refused := documentedSettings(t, "../../docs/configuration.md")
	if len(settings) == 0 {
		t.Fatal("docs/configuration.md has no table whose first column is Variable")
	}
	for _, name := range slices.Sorted(maps.Keys(read)) {
		if _, ok := settings[name]; !ok {
			if _, ok := refused[name]; !ok {
				t.Errorf("the server reads %s, which docs/configuration.md does not list", name)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if !read[name] {
			t.Errorf("docs/configuration.md lists %s, which the server does not read", name)
		}
		if _, ok := refused[name]; ok {
			t.Errorf("docs/configuration.md lists %s both as a setting and as refused", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(refused)) {
		if !read[name] {
			t.Errorf("docs/configuration.md says %s is refused, but the server does not read it", name)
			continue
		}
		_, err := loadConfig(env(name, "1"))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), refused[name]) {
			t.Errorf("%s=1: err = %v; want a refusal that names %s and its replacement %s", name, err, name, refused[name])
		}
	}
}

// lookedUp returns the names the server asks its environment for.
func lookedUp(t *testing.T) map[string]bool {
	var mu sync.Mutex
	names := map[string]bool{}
	recording := func(getenv func(string) string) func(string) string {
		return func(name string) string {
			mu.Lock()
			names[name] = true
			mu.Unlock()
			return getenv(name)
		}
	}

	// Every command, on a context that has already ended: each reads its settings and then stops at its first
	// step that waits for something (serve and migrate at the database, healthcheck at its request), or at a
	// missing argument.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	base := env("DATA_DIR", t.TempDir())
	for name := range commands() {
		_ = run(ctx, []string{name}, recording(base), io.Discard, io.Discard)
	}
	if len(names) == 0 {
		t.Fatal("no command read any setting")
	}
	// The modes whose checks read more or differently: PostgreSQL with each kind of token verification, webhooks
	// on, and settings that fail their checks.
	for _, e := range []func(string) string{
		env("DATABASE_URL", "postgres://u@h/db", "BETTER_AUTH_URL", "https://app.example.com", "DATABASE_LISTEN_URL", "postgres://u@h/db"),
		env("DATABASE_URL", "postgres://u@h/db", "BETTER_AUTH_SECRET", secret, "JWT_JWKS_URL", "https://keys.example.com"),
		env("WEBHOOK_URL", "https://hooks.example.com", "WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "WEBHOOK_EVENTS", "task.created"),
		env("EVENT_RETENTION", "1s", "PORT", "x", "HOST", "-", "LOG_FORMAT", "x", "OTEL_EXPORTER_OTLP_ENDPOINT", "x", "PPROF_ADDR", "x"),
	} {
		_, _ = loadConfig(recording(e))
	}
	memorySettings(recording(env()), func() (uint64, error) { return 1 << 30, nil })
	return names
}

// documentedSettings reads the tables of the configuration doc: the names in the first column of the tables headed
// Variable, and those of the tables headed Old name with the name in their second column.
func documentedSettings(t *testing.T, path string) (settings, refused map[string]string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]*)`")
	settings, refused = map[string]string{}, map[string]string{}
	var table string // the first header cell of the table being read, "" outside one
	inHeader := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			table = ""
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case table == "":
			table, inHeader = cells[0], true
			continue
		case inHeader: // the delimiter row
			inHeader = false
			continue
		}
		var into map[string]string
		switch table {
		case "Variable":
			into = settings
		case "Old name":
			into = refused
		default:
			continue
		}
		replacement := ""
		if len(cells) > 1 {
			if m := name.FindStringSubmatch(cells[1]); m != nil {
				replacement = m[1]
			}
		}
		for _, m := range name.FindAllStringSubmatch(cells[0], -1) {
			if _, dup := into[m[1]]; dup {
				t.Errorf("%s lists %s twice", path, m[1])
			}
			into[m[1]] = replacement
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return settings, refused
}
