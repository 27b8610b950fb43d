package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"taskapi/auth"
	"taskapi/graph"
)

// observer is the operational side of the handler: one log line, metrics and a trace span per request, a deadline
// per GraphQL operation, rate limiting, CORS, security headers and draining. NewHandler builds one from Options.
type observer struct {
	logger    *slog.Logger
	registry  *prometheus.Registry
	metrics   *metrics
	tracer    trace.Tracer
	opTimeout time.Duration
	draining  <-chan struct{}
	limiter   *rateLimiter // nil: no rate limit
	origins   []string
}

func newObserver(opts Options) *observer {
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	var limiter *rateLimiter
	if opts.RateLimit.RPS > 0 {
		limiter = newRateLimiter(opts.RateLimit)
	}
	return &observer{
		logger:    opts.Logger,
		registry:  reg,
		metrics:   newMetrics(reg),
		tracer:    otel.Tracer("taskapi/graph"),
		opTimeout: opts.OperationTimeout,
		draining:  opts.Draining,
		limiter:   limiter,
		origins:   opts.CORSOrigins,
	}
}

// isDraining reports whether the server is shutting down: /readyz answers 503 and every response closes its
// connection, so that load balancers and keep-alive clients move to another instance before the listener closes.
func (o *observer) isDraining() bool {
	if o.draining == nil {
		return false
	}
	select {
	case <-o.draining:
		return true
	default:
		return false
	}
}

// observation collects what a request's log line and metrics need from deep inside the handler: the operations it
// ran, who asked, and the error codes it answered with. Operations of a batch run concurrently, hence the mutex.
type observation struct {
	mu         sync.Mutex
	operations []string
	user       string
	codes      []string
}

type observationKey struct{}

func observationFrom(ctx context.Context) *observation {
	o, _ := ctx.Value(observationKey{}).(*observation)
	return o
}

func (o *observation) addOperation(typ, name string) {
	if o == nil {
		return
	}
	if name == "" {
		name = "anonymous"
	}
	o.mu.Lock()
	o.operations = append(o.operations, typ+" "+truncate(name, maxLabelLength))
	o.mu.Unlock()
}

func (o *observation) setUser(id string) {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.user = id
	o.mu.Unlock()
}

func (o *observation) addErrors(errs gqlerror.List) {
	if o == nil || len(errs) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		o.codes = append(o.codes, code)
	}
}

// observedWriter records the status and size of a response for the log line and the metrics.
type observedWriter struct {
	http.ResponseWriter
	obs         *observation
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *observedWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *observedWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer (for Flush and deadlines).
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noteErrors tells the request's observation which errors a response carries. writeResponse and writeBatch, through
// which every GraphQL-shaped answer goes, call it with their writer.
func noteErrors(w http.ResponseWriter, errs gqlerror.List) {
	for w != nil {
		if ow, ok := w.(*observedWriter); ok {
			ow.obs.addErrors(errs)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// wrap puts the observer around the whole mux: tracing, the log line and the metrics outermost (so that they see
// every answer, a 429 or a CORS preflight included), then draining, security headers and CORS.
func (o *observer) wrap(next http.Handler) http.Handler {
	next = withCORS(o.origins, next)
	next = withSecurityHeaders(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := handlerLabel(r.URL.Path)
		method := methodLabel(r.Method)
		obs := &observation{}
		ctx := context.WithValue(r.Context(), observationKey{}, obs)
		ctx = otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(r.Header))
		ctx, span := o.tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("http.route", route),
				attribute.String("url.path", truncate(r.URL.Path, 200)),
				attribute.String("request.id", graph.RequestID(r.Context())),
			))
		defer span.End()

		if o.isDraining() {
			w.Header().Set("Connection", "close")
		}
		o.metrics.inFlight.Inc()
		ow := &observedWriter{ResponseWriter: w, obs: obs}
		defer func() {
			o.metrics.inFlight.Dec()
			status := ow.status
			if !ow.wroteHeader {
				status = http.StatusOK // net/http answers 200 for a handler that wrote nothing
			}
			elapsed := time.Since(start)
			o.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			o.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())

			obs.mu.Lock()
			ops, user, errCodes := strings.Join(obs.operations, ","), obs.user, obs.codes
			obs.mu.Unlock()
			for _, c := range errCodes {
				o.metrics.errors.WithLabelValues(codeLabel(c)).Inc()
			}

			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}

			// The line carries no header and no query string: a token or a query's variables never reach the log.
			attrs := make([]slog.Attr, 0, 12)
			attrs = append(attrs,
				slog.String("requestId", graph.RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", truncate(r.URL.Path, 200)),
				slog.Int("status", status),
				slog.Float64("durationMs", float64(elapsed.Microseconds())/1000),
				slog.Int64("bytes", ow.bytes),
				slog.String("remote", clientIP(r)),
			)
			if ops != "" {
				attrs = append(attrs, slog.String("operations", ops))
			}
			if user != "" {
				attrs = append(attrs, slog.String("user", user))
			}
			if len(errCodes) > 0 {
				attrs = append(attrs, slog.String("errors", strings.Join(errCodes, ",")))
			}
			if sc := span.SpanContext(); sc.IsValid() {
				attrs = append(attrs, slog.String("traceId", sc.TraceID().String()))
			}
			o.logger.LogAttrs(ctx, requestLogLevel(route, status), "request", attrs...)
		}()
		next.ServeHTTP(ow, r.WithContext(ctx))
	})
}

// requestLogLevel keeps probes and scrapes, which arrive every few seconds, out of the info log while they succeed.
func requestLogLevel(route string, status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	case status < 400 && (route == "/healthz" || route == "/readyz" || route == "/metrics"):
		return slog.LevelDebug
	default:
		return slog.LevelInfo
	}
}

// afterAuth runs between token verification and GraphQL: it records who is asking and applies the rate limit,
// which needs to know that.
func (o *observer) afterAuth(next http.Handler) http.Handler {
	if o.limiter != nil {
		next = o.limiter.middleware(next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, ok := auth.FromContext(r.Context()); ok {
			observationFrom(r.Context()).setUser(v.ID)
		}
		next.ServeHTTP(w, r)
	})
}

// extension is the executor extension that times each operation, records it, and bounds its database work.
func (o *observer) extension() graphql.HandlerExtension { return operationObserver{o} }

type operationObserver struct{ o *observer }

var (
	_ graphql.HandlerExtension    = operationObserver{}
	_ graphql.ResponseInterceptor = operationObserver{}
)

func (operationObserver) ExtensionName() string                   { return "Observe" }
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse runs one operation's resolvers under OperationTimeout: a database that stops answering, or a
// pool with no free connection, fails the operation with SERVICE_UNAVAILABLE when the deadline passes, instead of
// holding the request (and a connection) for as long as the client waits.
func (x operationObserver) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	o := x.o
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil {
		return next(ctx)
	}
	typ, name := string(op.Operation), op.Name
	if o.opTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.opTimeout)
		defer cancel()
	}
	label := o.metrics.names.label(name)
	ctx, span := o.tracer.Start(ctx, typ+" "+label, trace.WithAttributes(
		attribute.String("graphql.operation.type", typ),
		attribute.String("graphql.operation.name", label),
	))
	defer span.End()

	start := time.Now()
	resp := next(ctx)
	o.metrics.opDuration.WithLabelValues(label, typ).Observe(time.Since(start).Seconds())
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
		span.SetStatus(codes.Error, "the result has errors")
	}
	o.metrics.operations.WithLabelValues(label, typ, outcome).Inc()
	observationFrom(ctx).addOperation(typ, name)
	return resp
}

// clientIP is the address the request came from (the proxy's, behind one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
