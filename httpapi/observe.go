package httpapi

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"taskapi/graph"
)

// observer writes what happened to each request: one log line, the metrics and a trace span per request (observe),
// and per GraphQL operation (operations). It does nothing else; the other concerns of the chain are pieces of their
// own (see NewHandler).
type observer struct {
	logger  *slog.Logger
	metrics *metrics
	tracer  trace.Tracer
}

func newObserver(logger *slog.Logger, m *metrics) *observer {
	return &observer{logger: logger, metrics: m, tracer: otel.Tracer("taskapi/httpapi")}
}

// observation collects what a request's log line and metrics need from deeper in the chain: who asked, the
// operations it ran and the error codes it answered with. It is the one channel to the observer: observe puts it in
// the request's context, and the pieces that learn something (token verification, the transport, the operations
// extension) write to it through observationFrom. Operations of a batch run concurrently, hence the mutex.
type observation struct {
	mu         sync.Mutex
	operations []string
	user       string
	codes      []string
	clientGone bool // the client went away before its answer was made (see clientGone)
}

type observationKey struct{}

// observationFrom returns the request's observation; its methods do nothing on the nil of a context without one.
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

// setClientGone notes that the client went away before its answer was made.
func (o *observation) setClientGone() {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.clientGone = true
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

// observe is the piece of the chain that logs, counts and traces each request. It sits right inside the request
// id and outside everything else, so that it sees every answer, a 429 or a CORS preflight included.
func (o *observer) observe(next http.Handler) http.Handler {
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

		o.metrics.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			o.metrics.inFlight.Dec()
			status := sw.status
			if !sw.wroteHeader {
				status = http.StatusOK // net/http answers 200 for a handler that wrote nothing
			}
			elapsed := time.Since(start)
			obs.mu.Lock()
			ops, user, errCodes, clientLeft := strings.Join(obs.operations, ","), obs.user, obs.codes, obs.clientGone
			obs.mu.Unlock()
			if clientLeft {
				// Whatever was written before (an event stream's 200), the request ended with the client's leaving.
				status = statusClientClosedRequest
			}
			o.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			o.metrics.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())

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
				slog.Int64("bytes", sw.bytes),
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
			if clientLeft {
				attrs = append(attrs, slog.Bool("clientGone", true))
			}
			if sc := span.SpanContext(); sc.IsValid() {
				attrs = append(attrs, slog.String("traceId", sc.TraceID().String()))
			}
			o.logger.LogAttrs(ctx, requestLogLevel(route, status), "request", attrs...)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of a response for the log line and the metrics. It is observe's own:
// nothing else looks for it. Streaming transports (SSE, WebSocket) need the connection's writer beneath it, so it
// passes Flush and Hijack through, both as methods (for type assertions) and by Unwrap (for
// http.ResponseController and its deadlines).
type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush sends what is buffered to the client, as the connection's writer does; a writer that cannot is left alone.
func (w *statusWriter) Flush() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over (a WebSocket upgrade); the log line then shows the status written before, 101
// for an upgrade, and the bytes written through the writer until then.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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

// operations is the executor extension that times, counts and traces each GraphQL operation and notes it in the
// request's observation.
func (o *observer) operations() graphql.HandlerExtension { return operationObserver{o} }

type operationObserver struct{ o *observer }

var (
	_ graphql.HandlerExtension    = operationObserver{}
	_ graphql.ResponseInterceptor = operationObserver{}
)

func (operationObserver) ExtensionName() string                   { return "Observe" }
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse observes one operation's execution.
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
	if op.Operation == ast.Subscription {
		// Each call waits for the next event of a stream that lasts as long as the client wants: operation metrics
		// would count events as operations and their waits as execution (the live metrics count the events).
		return next(ctx)
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
