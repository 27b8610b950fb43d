package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/graph"
	"taskapi/httpapi/graphiql"
	"taskapi/model"
)

// Options are the settings of the HTTP handler. Zero values take the defaults.
type Options struct {
	Logger *slog.Logger
	// MaxBodyBytes limits a POST body (default 1 MiB); a larger one is answered 413.
	MaxBodyBytes int64
	// MaxBatch limits the operations of one batched POST (default 10); a larger batch is refused whole.
	MaxBatch int
	// DisableIntrospection turns off __schema and __type.
	DisableIntrospection bool
	// QueryCacheSize is how many parsed and validated documents are kept (default 1000).
	QueryCacheSize int
	// PersistedQueryCacheSize is how many documents automatic persisted queries remember by their hash (default
	// 1000); each is at most 64 KiB.
	PersistedQueryCacheSize int
	// Limits bound the cost of one document.
	Limits Limits

	// Operations (see observe.go, ratelimit.go, cors.go).

	// Registry receives the handler's metrics, which GET /metrics serves with everything else registered there
	// (nil: a registry of the handler's own).
	Registry *prometheus.Registry
	// OperationTimeout bounds each GraphQL operation's resolvers, and so its database work (0: no bound); an
	// operation that runs out answers SERVICE_UNAVAILABLE.
	OperationTimeout time.Duration
	// RateLimit limits requests per user (zero: off).
	RateLimit RateLimit
	// CORSOrigins are the browser origins allowed to call the API (none: no cross-origin access).
	CORSOrigins []string
	// Draining, once closed, means the server is shutting down: /readyz answers 503 and responses close their
	// connections.
	Draining <-chan struct{}
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 10
	}
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = 1000
	}
	if o.PersistedQueryCacheSize <= 0 {
		o.PersistedQueryCacheSize = 1000
	}
}

// NewHandler returns the whole HTTP surface: GraphiQL at GET /, GraphQL at /graphql (behind token verification),
// /healthz, /readyz and /metrics.
func NewHandler(store *model.Store, verifier auth.TokenVerifier, opts Options) http.Handler {
	opts.defaults()
	schema := graph.NewSchema(store, opts.Logger)
	exec := executor.New(schema)
	exec.SetErrorPresenter(graph.ErrorPresenter(opts.Logger))
	exec.SetRecoverFunc(graph.RecoverPanic)
	exec.SetQueryCache(newDocumentCache[*ast.QueryDocument](opts.QueryCacheSize))
	if !opts.DisableIntrospection {
		exec.Use(extension.Introspection{})
	}
	// Persisted queries first: the limits must measure a document looked up by its hash too.
	exec.Use(newPersistedQueries(opts.PersistedQueryCacheSize))
	exec.Use(newLimiter(opts.Limits, schema))
	ops := newObserver(opts)
	exec.Use(ops.extension())
	gql := &transport{exec: exec, maxBodyBytes: opts.MaxBodyBytes, maxBatch: opts.MaxBatch,
		perRequest:    func(ctx context.Context) context.Context { return graph.WithLoaders(ctx, store) },
		afterMutation: graph.ClearLoaders}

	mux := http.NewServeMux()
	mux.Handle("/graphql", auth.Middleware(verifier, unauthorized)(ops.afterAuth(gql)))
	mux.Handle("GET /metrics", metricsHandler(ops.registry))
	ide := graphiql.Handler("/graphql")
	mux.Handle("GET /{$}", ide)
	mux.Handle("GET /graphiql/", ide)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ops.isDraining() {
			writeText(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			opts.Logger.WarnContext(ctx, "not ready", "err", err)
			writeText(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeText(w, http.StatusOK, "ok")
	})
	return withRequestID(ops.wrap(mux))
}

// unauthorized answers a request whose token failed verification: 401 with a GraphQL-shaped body. The auth
// middleware has set WWW-Authenticate already.
func unauthorized(w http.ResponseWriter, r *http.Request, _ error) {
	refuse(w, r, http.StatusUnauthorized, &gqlerror.Error{
		Message: "The token is invalid or expired.", Extensions: map[string]any{"code": graph.CodeUnauthenticated},
	})
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

// withRequestID gives every request an id: the incoming X-Request-Id when it is a sane token, a new random one
// otherwise. It is echoed in the response and carried in internal errors, so a user's report finds its log line.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(graph.WithRequestID(r.Context(), id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
