package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"taskapi/auth"
	"taskapi/httpapi"
	"taskapi/internal/apitest"
	"taskapi/model"
	"taskapi/model/modeltest"
)

// BenchmarkDistinctDocumentsMemory sends one distinct valid document of about 5.5 KB (18 aliased tasks fields) per
// iteration, each registered as a persisted query too, the way one client can fill the caches, and reports the
// heap and the process's RSS after a collection, with the caches full. Run it with -benchtime 2000x: the figures
// are what the caches hold after that many documents. "Default" has the default bounds in bytes (8 MiB of parsed
// documents, 2 MiB of persisted ones); "Cache1GiB" lifts them, which is what the bound of 1,000 entries used to
// allow for documents of this size, for comparison.
func BenchmarkDistinctDocumentsMemory(b *testing.B) {
	for _, c := range []struct {
		name string
		opts httpapi.Options
	}{
		{"Default", httpapi.Options{}},
		{"Cache1GiB", httpapi.Options{QueryCacheBytes: 1 << 30, PersistedQueryCacheBytes: 1 << 30}},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := modeltest.MustOpenDB(b, modeltest.SQLite)
			verifier, err := auth.NewVerifier(context.Background(), auth.Config{Secret: auth.SecretConfig{Key: apitest.Secret}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(verifier.Close)
			c.opts.Logger = slog.New(slog.DiscardHandler)
			h := httpapi.NewHandler(model.NewStore(db), verifier, c.opts)
			bearer := "Bearer " + apitest.Token(b, benchUser)
			fields := "id title description completed priority tags dueAt completedAt createdAt updatedAt"
			i := 0
			for b.Loop() {
				i++
				var q strings.Builder
				fmt.Fprintf(&q, "query Distinct%d {", i)
				for j := range 18 {
					fmt.Fprintf(&q, "\n  t%d_%d: tasks(first: 1, filter: {search: \"%d\"}) { edges { cursor node { %s } } nodes { %s } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }", i, j, j, fields, fields)
				}
				q.WriteString("\n}")
				sum := sha256.Sum256([]byte(q.String()))
				body, _ := json.Marshal(map[string]any{"query": q.String(), "extensions": map[string]any{
					"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", bearer)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
					b.Fatalf("HTTP %d: %.300s", rec.Code, rec.Body.Bytes())
				}
			}
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
			if rss := residentBytes(); rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
			}
			runtime.KeepAlive(h)
		})
	}
}

// residentBytes is the process's resident set from /proc/self/statm (0 where there is none).
func residentBytes() int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
