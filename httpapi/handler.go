package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"

	"taskapi/auth"
	"taskapi/clock"
	"taskapi/graph"
	"taskapi/httpapi/graphiql"
	"taskapi/internal/sizedcache"
	"taskapi/live"
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
	// ExplainTokenRefusals puts the reason a token was refused into the 401's extensions.reason, for development
	// mode. The reason is always logged; without this the body says no more than that the token is invalid.
	ExplainTokenRefusals bool
	// QueryCacheBytes bounds the memory of the parsed and validated documents kept, by an estimate of what each
	// takes (documentCost; default 8 MiB). A bound on their number would let large documents take a hundred times
	// more.
	QueryCacheBytes int64
	// PersistedQueryCacheBytes bounds the documents automatic persisted queries remember by their hash, by their
	// length (default 2 MiB).
	PersistedQueryCacheBytes int64
	// Limits bound the cost of one document.
	Limits Limits
	// Hub serves the taskEvents subscription (nil: subscriptions are answered SERVICE_UNAVAILABLE).
	Hub *live.Hub

	// Live transports (see websocket.go and sse.go).

	// AnyOrigin lets WebSockets be opened from any browser origin (development mode); otherwise only from
	// CORSOrigins and the API's own origin.
	AnyOrigin bool
	// WebsocketInitTimeout is how long a socket may take to send connection_init before it is closed with 4408
	// (default 10 s).
	WebsocketInitTimeout time.Duration
	// WebsocketPingInterval is how often the server pings each socket; one that has not answered two intervals
	// later is dropped (default 20 s).
	WebsocketPingInterval time.Duration
	// MaxSockets bounds the live connections of the instance, WebSockets and event streams together (default
	// 10000); one more is refused with 429 (see livecaps.go).
	MaxSockets int
	// MaxSocketsPerAddress bounds the live connections from one client address (clientIP; default 500; negative: no
	// bound); one more is refused with 429 before the upgrade.
	MaxSocketsPerAddress int
	// MaxSocketsPerUser bounds the live connections of one user on the instance (default 50); one more is refused
	// with 429, or, for a WebSocket, whose user is known only from connection_init, closed with 4429.
	MaxSocketsPerUser int
	// LiveWriteTimeout is how long a write to a WebSocket or an event stream may take; a client that has not taken
	// it by then is dropped, a WebSocket recorded with close code 4008 (default 10 s; see websocket_slow.go).
	LiveWriteTimeout time.Duration
	// Clock is when tokens expire and connection_init is overdue (nil: the system clock); tests inject one.
	Clock clock.Clock

	// Operations (see observe.go, timeout.go, ratelimit.go, cors.go, drain.go).

	// Registry receives the handler's metrics, which GET /metrics serves with everything else registered there
	// (nil: a registry of the handler's own).
	Registry *prometheus.Registry
	// OperationTimeout, the setting OPERATION_TIMEOUT, bounds each GraphQL operation's resolvers, and so its
	// database work (0: no bound); an operation that runs out answers SERVICE_UNAVAILABLE.
	OperationTimeout time.Duration
	// RateLimit limits requests per user (zero: off).
	RateLimit RateLimit
	// CORSOrigins are the browser origins allowed to call the API (none: no cross-origin access).
	CORSOrigins []string
	// TrustedProxies are the reverse proxies and load balancers in front of the server (none: the peer is the
	// client). A request from within one of them is taken to come from the client its X-Forwarded-For names (see
	// clientAddress), for the rate limit of requests without a user, the charge of WebSocket upgrades and the log.
	TrustedProxies []netip.Prefix
	// Draining, once closed, means the server is shutting down: /readyz answers 503 and responses close their
	// connections.
	Draining <-chan struct{}
	// Version is the server's version; GET /healthz answers "ok" and it, so that a probe or a person can tell
	// which build an instance runs.
	Version string

	// Mounts are further handlers served beside GraphQL on the same chain (see mount.go), such as /mcp.
	Mounts []Mount

	// extensions are more executor extensions, after the others: this package's tests use them to act at a phase
	// of an operation (export_test.go).
	extensions []graphql.HandlerExtension
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
	if o.QueryCacheBytes <= 0 {
		o.QueryCacheBytes = 8 << 20
	}
	if o.PersistedQueryCacheBytes <= 0 {
		o.PersistedQueryCacheBytes = 2 << 20
	}
	if o.WebsocketInitTimeout <= 0 {
		o.WebsocketInitTimeout = 10 * time.Second
	}
	if o.WebsocketPingInterval <= 0 {
		o.WebsocketPingInterval = 20 * time.Second
	}
	if o.LiveWriteTimeout <= 0 {
		o.LiveWriteTimeout = 10 * time.Second
	}
	if o.MaxSockets <= 0 {
		o.MaxSockets = 10000
	}
	if o.MaxSocketsPerUser <= 0 {
		o.MaxSocketsPerUser = 50
	}
	if o.MaxSocketsPerAddress == 0 {
		o.MaxSocketsPerAddress = 500
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
}

// NewHandler returns the whole HTTP surface: GraphiQL at GET /, GraphQL at /graphql (over HTTP behind token
// verification, and over WebSocket, which authenticates in connection_init), GraphQL over Server-Sent Events at
// /graphql/stream, /healthz, /readyz and /metrics. It reads top to bottom as the chain a request passes through: each piece is a
// func(http.Handler) http.Handler with one job, the first listed sees the request first, and the GraphQL transport
// comes last, with the operation timeout among the executor's extensions (newExecutor).
func NewHandler(store *model.Store, verifier auth.TokenVerifier, opts Options) *Handler {
	opts.defaults()
	registry := opts.Registry
	if registry == nil {
		registry = prometheus.NewRegistry()
	}
	obs := newObserver(opts.Logger, newMetrics(registry))
	drain := drainSignal(opts.Draining)

	clients := clientAddress(opts.TrustedProxies, opts.Logger)

	mux := http.NewServeMux()
	surface := chain(
		requestID,               // an id for the request, before anything logs
		clients,                 // the client's address: the peer's, or the one a trusted proxy forwards
		obs.observe,             // one log line, metrics and a span, seeing every answer below
		drain.closeWhenDraining, // Connection: close while shutting down
		securityHeaders,         // nosniff, no referrer, no framing
		cors(opts.CORSOrigins),  // preflights and the CORS headers of the listed origins
	)(mux)

	exec := newExecutor(store, opts, obs)
	rates := newRateLimiter(opts.RateLimit) // one bucket per user, whichever transport they use (nil: no limit)
	perRequest := func(ctx context.Context) context.Context { return graph.WithLoaders(ctx, store) }
	limits := opts.Limits
	limits.defaults()
	overHTTP := chain(
		// The viewer, or 401 for a bad token (the reason logged); none is fine (introspection).
		verifyToken(verifier, opts.Logger, opts.ExplainTokenRefusals),
		privateToViewer,     // Cache-Control: private, no-store on whatever is answered for a viewer
		rates.limitRequests, // per verified user, else per client address
	)(&transport{exec: exec, maxBodyBytes: opts.MaxBodyBytes, maxBatch: opts.MaxBatch, maxValues: limits.MaxVariableValues,
		perRequest: perRequest, afterMutation: graph.ClearLoaders})
	// A WebSocket authenticates in connection_init (a bad token closes it with 4403, not a 401), so its upgrade
	// skips the chain's token verification.
	slots := newLiveSlots(opts.MaxSockets, opts.MaxSocketsPerAddress, opts.MaxSocketsPerUser) // WebSockets and event streams together
	socks := newSockets(verifier, opts, registry, slots)
	overWebsocket := chain(
		// The upgrade, per client address: opening sockets (each may idle until the init timeout without a token)
		// costs what a request costs. Each operation over the socket is then charged to the user (limitOperations).
		rates.limitRequests,
	)(socks.handler(perOperation{rates.limitOperations(exec), perRequest}))
	streams := newStreams(exec, opts, registry, perRequest, slots)
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) {
			overWebsocket.ServeHTTP(w, r)
			return
		}
		overHTTP.ServeHTTP(w, r)
	}))
	mux.Handle("/graphql/stream", chain(
		verifyToken(verifier, opts.Logger, opts.ExplainTokenRefusals),
		privateToViewer,
		rates.limitRequests, // one token per stream
	)(streams))
	mountAll(mux, opts.Mounts, Shared{limiter: rates}, opts.MaxBodyBytes)
	mux.Handle("GET /metrics", metricsHandler(registry))
	ide := graphiql.Handler("/graphql")
	mux.Handle("GET /{$}", ide)
	mux.Handle("GET /graphiql/", ide)
	healthz := strings.TrimSpace("ok " + opts.Version)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, healthz)
	})
	mux.Handle("GET /readyz", readyz(store, drain, opts.Logger))
	return &Handler{Handler: surface, sockets: socks, streams: streams}
}

// Handler is the HTTP surface NewHandler builds.
type Handler struct {
	http.Handler
	sockets *sockets
	streams *streams
}

// CloseLive closes every WebSocket with 1012 (Service Restart) and ends every event stream without complete, so
// that their clients reconnect, to another instance, and resume from their cursors; it refuses new ones from then on
// (Options.Draining does the same when it closes). It returns when their handlers are done or ctx ends. The server
// calls it when shutting down: http.Server.Shutdown does not touch hijacked connections, and would wait for streams.
func (h *Handler) CloseLive(ctx context.Context) {
	h.sockets.closeAll(ctx)
	h.streams.closeAll(ctx)
}

// chain composes pieces, the first outermost: chain(a, b)(h) is a(b(h)).
func chain(pieces ...func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		for i := len(pieces) - 1; i >= 0; i-- {
			h = pieces[i](h)
		}
		return h
	}
}

// newExecutor runs the schema for every transport, with these extensions for each operation: persisted queries
// first (the limits must measure a document looked up by its hash too), the limits, then, around execution, the
// operation timeout and the observation of the operation.
func newExecutor(store *model.Store, opts Options, obs *observer) *executor.Executor {
	schema := graph.NewSchema(store, opts.Logger, opts.Hub)
	exec := executor.New(schema)
	exec.SetErrorPresenter(graph.ErrorPresenter(opts.Logger))
	exec.SetRecoverFunc(graph.RecoverPanic)
	exec.SetQueryCache(sizedcache.New(opts.QueryCacheBytes, documentCost))
	exec.SetDefaultRulesFn(graph.ValidationRules(!opts.DisableIntrospection))
	exec.SetDisableSuggestion(opts.DisableIntrospection)
	if !opts.DisableIntrospection {
		exec.Use(extension.Introspection{})
	}
	exec.Use(newPersistedQueries(opts.PersistedQueryCacheBytes))
	exec.Use(newDocumentLimiter(opts.Limits, schema))
	exec.Use(graph.VariableScalars(schema))
	exec.Use(operationTimeout(opts.OperationTimeout))
	exec.Use(obs.operations())
	for _, ext := range opts.extensions {
		exec.Use(ext)
	}
	return exec
}

// readyz answers 200 while the database answers and the server is not draining, 503 otherwise.
func readyz(store *model.Store, drain drainSignal, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if drain.draining() {
			writeText(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			logger.WarnContext(ctx, "not ready", "err", err)
			writeText(w, http.StatusServiceUnavailable, "database unavailable")
			return
		}
		writeText(w, http.StatusOK, "ok")
	})
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}
