package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"time"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/model"
)

// profileResult is the top of a CPU profile.
type profileResult struct {
	Note      string
	Flat, Cum string
	Parts     []profilePart
}

// profilePart is the cumulative share of one function that stands for a part of the work.
type profilePart struct {
	Label, Func, Cum string
}

// profileParts name the functions that stand for the parts of a request, by regular expression on the function
// name; the first match of each is reported, and parts the profile does not have are left out.
var profileParts = []struct{ label, pattern string }{
	{"token verification", `^taskapi/auth\.\(\*Verifier\)\.Verify$`},
	{"of which Ed25519 signature checks", `^crypto/ed25519\.Verify`},
	{"of which HS256 (HMAC)", `^crypto/hmac\.`},
	{"request body read and decoded", `^io\.ReadAll$`},
	{"parse, validate, coerce (query cache warm)", `^github\.com/99designs/gqlgen/graphql/executor\.\(\*Executor\)\.CreateOperationContext$`},
	{"execution (resolvers, store, marshalling)", `^taskapi/httpapi\.\(\*transport\)\.execute$`},
	{"store: ListTasks", `^taskapi/model\.\(\*Store\)\.ListTasks$`},
	{"store: CountTasks", `^taskapi/model\.\(\*Store\)\.CountTasks$`},
	{"store: Stats", `^taskapi/model\.\(\*Store\)\.Stats$`},
	{"store: Tags", `^taskapi/model\.\(\*Store\)\.Tags$`},
	{"store: CreateTask", `^taskapi/model\.\(\*Store\)\.CreateTask$`},
	{"store: UpdateTask / SetTaskCompleted", `^taskapi/model\.\(\*Store\)\.patch$`},
	{"Bun building queries", `^github\.com/uptrace/bun\.\(\*SelectQuery\)\.AppendQuery$`},
	{"pgdriver reading rows", `^github\.com/uptrace/bun/driver/pgdriver\.\(\*rows\)\.Next$`},
	{"JSON response written", `^taskapi/httpapi\.writeResponse$`},
	{"system calls (network, both directions)", `^internal/runtime/syscall/linux\.Syscall6$`},
	{"memory allocation", `^runtime\.mallocgc$`},
}

// profileInProcess profiles the server's work for the main workload, in process so that the run stays
// self-contained and every sample can be attributed by label (a running binary can be profiled through PPROF_ADDR
// instead): httpapi.NewHandler over the same database, with the verifier configured as cmd/server configures it and
// the same pool, served on loopback by httptest and driven by the same workload. Only samples taken under the
// handler (labelled side=server) are kept, leaving the load generator's work out.
func profileInProcess(ctx context.Context, cfg config, db *benchDB, is *issuer, users []*user, tmp string) (*profileResult, error) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	verifier, err := auth.NewVerifier(ctx, auth.Config{
		KeySet: auth.KeySetConfig{URL: is.jwksURL(), Issuer: is.origin, Audience: is.origin},
		Secret: auth.SecretConfig{Key: []byte(is.secret), Issuer: is.origin, Audience: is.origin},
		Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	defer verifier.Close()
	// As cmd/server sets it up, with the benchmark's rate limit; cmd/server's Bun hook that feeds /metrics is the one
	// part left out (it lives in package main).
	store := model.NewStore(db.db).WithReadCache(model.NewReadCache(serverReadCacheBytes))
	h := httpapi.NewHandler(store, verifier, httpapi.Options{
		Logger: logger, OperationTimeout: 5 * time.Second, RateLimit: httpapi.RateLimit{RPS: 1e6},
	})
	labels := pprof.Labels("side", "server")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), labels, func(ctx context.Context) { h.ServeHTTP(w, r.WithContext(ctx)) })
	}))
	defer srv.Close()
	c := newClient(srv.URL, cfg.Concurrency)
	defer c.close()
	web := newHTTPWorkload(c, users, newMix(cfg.Writes), cfg.PageSize)
	// Warm the query cache, the key set and the connections before profiling.
	runPhase(ctx, phase{name: "warm-up", concurrency: cfg.Concurrency, duration: min(cfg.Warmup, 2*time.Second) + 100*time.Millisecond, seed: cfg.Seed + 6, unit: web.unit}, nil)

	path := filepath.Join(tmp, "cpu.pprof")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	res := runPhase(ctx, phase{name: "in-process", concurrency: cfg.Concurrency, duration: cfg.ProfileDuration, seed: cfg.Seed + 7, unit: web.unit}, nil)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return nil, err
	}
	if res.Errors > 0 {
		return nil, fmt.Errorf("the in-process run had %d failed requests: %s", res.Errors, strings.Join(res.ErrorSample, " | "))
	}
	top := func(extra ...string) (string, error) {
		args := append([]string{"tool", "pprof", "-top", "-relative_percentages", "-tagfocus=side=server"}, extra...)
		out, err := commandOutput(ctx, "", "go", append(args, path)...)
		if err != nil {
			return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
		}
		return trimPprof(out), nil
	}
	flat, err := top("-nodecount=25")
	if err != nil {
		return nil, err
	}
	cum, err := top("-cum", "-nodecount=30")
	if err != nil {
		return nil, err
	}
	all, err := top("-cum", "-nodecount=2000")
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("This is the server's in-process equivalent, profiled so that its samples can be told from the load generator's: `httpapi.NewHandler` over the benchmark database with the verifier and pool `cmd/server` sets up, served by `httptest` on loopback and driven by the same workload at %d concurrent for %s (%.0f req/s, p99 %s while profiled). "+
		"Only samples under the handler are kept (`pprof.Do` label side=server, `-tagfocus`), so the load generator is left out; the HTTP server's reading of request headers, outside the handler, is left out too. "+
		"Reproduce: `go -C bench run . -profile always`, or profile the same way with `go tool pprof -top -tagfocus=side=server`.",
		cfg.Concurrency, cfg.ProfileDuration, res.Rate(), ms(res.Lat.P99))
	return &profileResult{Note: note, Flat: flat, Cum: cum, Parts: findParts(all)}, nil
}

// findParts picks the rows of profileParts out of `go tool pprof -top -cum` output, whose lines are
// "flat flat% sum% cum cum% function".
func findParts(top string) []profilePart {
	var parts []profilePart
	for _, want := range profileParts {
		re := regexp.MustCompile(want.pattern)
		for _, line := range strings.Split(top, "\n") {
			f := strings.Fields(line)
			if len(f) < 6 || !strings.HasSuffix(f[4], "%") {
				continue
			}
			name := strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)")
			if re.MatchString(name) {
				parts = append(parts, profilePart{Label: want.label, Func: name, Cum: f[4]})
				break
			}
		}
	}
	return parts
}

// trimPprof drops the file and time lines of `go tool pprof -top`, which name local paths.
func trimPprof(out string) string {
	var b strings.Builder
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Time:") || strings.HasPrefix(line, "Build ID:") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
