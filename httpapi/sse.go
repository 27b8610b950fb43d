package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/auth"
	"taskapi/clock"
	"taskapi/graph"
)

// GraphQL over Server-Sent Events on /graphql/stream: the graphql-sse library's distinct connections mode. A POST
// with Accept: text/event-stream and the usual JSON body is answered with an event stream: a `next` event per
// result (one for a query or mutation, one per event for a subscription), then `complete`. Problems with the
// document are reported in a `next` event too, as the protocol asks; problems with the HTTP request itself (not
// JSON, too large) are answered as plain HTTP errors.
//
// It is a route of its own rather than gqlgen's transport.SSE on /graphql, which would take every POST whose Accept
// mentions text/event-stream (urql sends that with every query), and whose errors mid-stream panic.
//
// A stream that ends because the token expired or the server is shutting down ends without `complete`, so that the
// graphql-sse client reconnects (with fresh headers) instead of taking the subscription as finished.

// heartbeat is how often an idle stream gets a comment line, so that proxies that cut silent connections leave it
// open and a client that went away is noticed.
const heartbeat = 15 * time.Second

type streams struct {
	exec         *executor.Executor
	maxBodyBytes int64
	maxValues    int // of variables and of extensions (Limits.MaxVariableValues)
	clock        clock.Clock
	logger       *slog.Logger
	open         prometheus.Gauge
	slots        *liveSlots
	writeTimeout time.Duration
	perRequest   func(ctx context.Context) context.Context

	mu       sync.Mutex
	live     map[*int]context.CancelFunc
	draining bool
}

func newStreams(exec *executor.Executor, opts Options, reg prometheus.Registerer, perRequest func(context.Context) context.Context, slots *liveSlots) *streams {
	limits := opts.Limits
	limits.defaults()
	s := &streams{
		exec: exec, maxBodyBytes: opts.MaxBodyBytes, maxValues: limits.MaxVariableValues, clock: opts.Clock,
		logger: opts.Logger, perRequest: perRequest, slots: slots,
		writeTimeout: opts.LiveWriteTimeout,
		live:         map[*int]context.CancelFunc{},
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricEventStreams,
			Help: "Server-Sent Event streams (/graphql/stream) open now.",
		}),
	}
	reg.MustRegister(s.open)
	if opts.Draining != nil {
		go func() {
			<-opts.Draining
			s.closeAll(context.Background())
		}()
	}
	return s
}

func (s *streams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, r, mediaJSON, http.StatusMethodNotAllowed, graph.CodeBadRequest, "Event streams are opened with POST.")
		return
	}
	if !acceptsEventStream(r.Header.Get("Accept")) {
		writeError(w, r, mediaJSON, http.StatusNotAcceptable, graph.CodeBadRequest, "Accept must allow text/event-stream.")
		return
	}
	if !jsonContentType(r.Header.Get("Content-Type")) {
		writeError(w, r, mediaJSON, http.StatusUnsupportedMediaType, graph.CodeBadRequest, "The request must have Content-Type: application/json.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, r, mediaJSON, http.StatusRequestEntityTooLarge, graph.CodeBadRequest,
				fmt.Sprintf("The request body is larger than %d bytes.", s.maxBodyBytes))
			return
		}
		writeError(w, r, mediaJSON, http.StatusBadRequest, graph.CodeBadRequest, "The request body could not be read.")
		return
	}
	var req rawRequest
	if err := strictUnmarshal(body, &req); err != nil {
		writeError(w, r, mediaJSON, http.StatusBadRequest, graph.CodeBadRequest, "The request body is not a JSON object: "+err.Error())
		return
	}
	params, err := req.params(r.Header, s.maxValues)
	if err != nil {
		var limit *gqlerror.Error // too many variable values: refused like a body over the limit
		if errors.As(err, &limit) {
			writeResponse(w, r, mediaJSON, http.StatusBadRequest, &graphql.Response{Errors: gqlerror.List{limit}})
			return
		}
		writeError(w, r, mediaJSON, http.StatusBadRequest, graph.CodeBadRequest, err.Error())
		return
	}

	addr := clientIP(r)
	if refusal := s.slots.take(addr); refusal != "" {
		refuseLive(w, r, refusal)
		return
	}
	defer s.slots.release(addr)
	if v, ok := auth.FromContext(r.Context()); ok {
		if !s.slots.takeUser(v.ID) {
			refuseLive(w, r, msgUserFull)
			return
		}
		defer s.slots.releaseUser(v.ID)
	}

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	key := new(int)
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeError(w, r, mediaJSON, http.StatusServiceUnavailable, graph.CodeServiceUnavailable, "The server is shutting down; connect again.")
		return
	}
	s.live[key] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.live, key)
		s.mu.Unlock()
	}()
	if v, ok := auth.FromContext(ctx); ok && !v.Expires.IsZero() {
		stop := s.clock.AfterFunc(max(v.Expires.Sub(s.clock.Now()), 0), cancel)
		defer stop()
	}
	if s.perRequest != nil {
		ctx = s.perRequest(ctx)
	}

	// A stream outlives the server's read and write timeouts, which are for plain requests; the read deadline would
	// also cancel the request's context when it passes.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	out := &eventWriter{w: w, rc: rc, timeout: s.writeTimeout}
	if err := out.flush(); err != nil {
		return
	}
	s.open.Inc()
	defer s.open.Dec()
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		out.heartbeat(ctx)
	}()
	// Nothing may write to w once ServeHTTP has returned: end the heartbeat and wait for it first.
	defer func() { cancel(); <-beating }()

	opCtx, opRC, done := compile(ctx, s.exec, params)
	if done != nil {
		observationFrom(r.Context()).addErrors(done.resp.Errors)
		_ = out.next(done.resp)
		_ = out.complete()
		return
	}
	responses, opCtx := s.exec.DispatchOperation(opCtx, opRC)
	for {
		// nil: the stream's context ended (the client went away, the token expired, the server is draining), for a
		// query or mutation possibly before it ran.
		resp := responses(opCtx)
		if resp == nil {
			break
		}
		observationFrom(r.Context()).addErrors(resp.Errors)
		if err := out.next(resp); err != nil {
			break // the client went away
		}
	}
	if r.Context().Err() != nil && opRC.Operation.Operation != ast.Subscription {
		// A subscription ends when its client leaves; a query or mutation the client left before its answer is
		// logged and counted as such, as over plain HTTP (clientGone).
		observationFrom(r.Context()).setClientGone()
		return
	}
	if ctx.Err() == nil {
		_ = out.complete()
	}
}

// closeAll ends every stream without `complete` and refuses new ones: the server is shutting down. It waits until
// the streams' handlers have returned or ctx ends.
func (s *streams) closeAll(ctx context.Context) {
	s.mu.Lock()
	s.draining = true
	for _, cancel := range s.live {
		cancel()
	}
	s.mu.Unlock()
	waitFor(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.live) == 0
	})
}

// acceptsEventStream reports whether an Accept header allows text/event-stream.
func acceptsEventStream(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		if mediaType == "text/event-stream" || mediaType == "*/*" || mediaType == "text/*" {
			return true
		}
	}
	return false
}

// eventWriter writes the events of one stream; the heartbeat writes from another goroutine.
type eventWriter struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration // of each write: a client that stops reading is dropped, as over a WebSocket
}

func (e *eventWriter) write(s string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timeout > 0 {
		// Lifted after the write: a deadline left to pass while the stream idles would fail the response's end.
		_ = e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
		defer func() { _ = e.rc.SetWriteDeadline(time.Time{}) }()
	}
	if _, err := io.WriteString(e.w, s); err != nil {
		return err
	}
	return e.rc.Flush()
}

func (e *eventWriter) flush() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rc.Flush()
}

func (e *eventWriter) next(resp *graphql.Response) error {
	b, err := appendResponse(nil, resp)
	if err != nil {
		b = []byte(internalErrorBody)
	}
	return e.write("event: next\ndata: " + string(b) + "\n\n")
}

func (e *eventWriter) complete() error { return e.write("event: complete\ndata: \n\n") }

func (e *eventWriter) heartbeat(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if e.write(":\n\n") != nil {
				return
			}
		}
	}
}
