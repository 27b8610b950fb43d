package httpapi

import (
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"taskapi/graph"
)

// The metric names the handler exports; docs/operations.md lists them too.
const (
	metricHTTPRequests      = "taskapi_http_requests_total"
	metricHTTPDuration      = "taskapi_http_request_duration_seconds"
	metricHTTPInFlight      = "taskapi_http_requests_in_flight"
	metricOperations        = "taskapi_graphql_operations_total"
	metricOperationDuration = "taskapi_graphql_operation_duration_seconds"
	metricErrors            = "taskapi_graphql_errors_total"
	metricWebsockets        = "taskapi_websocket_connections"
	metricEventStreams      = "taskapi_event_streams"
)

// latencyBuckets reach from a cached read (a millisecond) to the operation timeout's order (seconds).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// maxOperationNames bounds the operation label: clients choose operation names, so without a bound a client could
// make the registry grow without end. Names seen after that many distinct ones are counted as "other".
const maxOperationNames = 200

// metrics are the Prometheus series of the HTTP surface. Every label has a bounded set of values.
type metrics struct {
	requests   *prometheus.CounterVec   // handler, method, code
	duration   *prometheus.HistogramVec // handler, method
	inFlight   prometheus.Gauge         //
	operations *prometheus.CounterVec   // operation, type, outcome
	opDuration *prometheus.HistogramVec // operation, type
	errors     *prometheus.CounterVec   // code
	names      labelSet
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricHTTPRequests,
			Help: "HTTP requests answered, by handler (/graphql, /graphql/stream, /, /graphiql/, /healthz, /readyz, /metrics, other), method and status code.",
		}, []string{"handler", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    metricHTTPDuration,
			Help:    "Time from receiving an HTTP request to the end of its response, by handler and method.",
			Buckets: latencyBuckets,
		}, []string{"handler", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricHTTPInFlight,
			Help: "HTTP requests being served now.",
		}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricOperations,
			Help: "GraphQL operations executed, by operation name (anonymous, or other past " +
				"the first 200 names), type (query, mutation) and outcome (ok, or error when the result has errors).",
		}, []string{"operation", "type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    metricOperationDuration,
			Help:    "Execution time of GraphQL operations (after parsing and validation), by operation name and type.",
			Buckets: latencyBuckets,
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricErrors,
			Help: "Errors sent to clients, by extensions.code, including requests refused before execution.",
		}, []string{"code"}),
		names: labelSet{max: maxOperationNames},
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.operations, m.opDuration, m.errors)
	return m
}

// handlerLabel names the route of a path; anything else, which a client chooses freely, is "other".
func handlerLabel(path string) string {
	switch path {
	case "/graphql", "/graphql/stream", "/", "/healthz", "/readyz", "/metrics":
		return path
	case "/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp":
		return path // mounted beside GraphQL (Options.Mounts)
	}
	if strings.HasPrefix(path, "/graphiql/") {
		return "/graphiql/" // GraphiQL's assets
	}
	return "other"
}

// methodLabel keeps the method label to the methods the server answers.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodOptions, http.MethodHead:
		return method
	}
	return "OTHER"
}

// knownCodes are the extensions.code values of the contract; any other is counted as OTHER.
var knownCodes = map[string]bool{
	graph.CodeUnauthenticated: true, graph.CodeNotFound: true, graph.CodeBadUserInput: true, graph.CodeParseFailed: true,
	graph.CodeValidationFailed: true, graph.CodePersistedQueryMissing: true, graph.CodeQueryTooComplex: true, graph.CodeRateLimited: true,
	graph.CodeServiceUnavailable: true, graph.CodeBadRequest: true, graph.CodeInternal: true,
}

func codeLabel(code string) string {
	if knownCodes[code] {
		return code
	}
	return "OTHER"
}

// labelSet admits the first max distinct values of a label chosen by clients and maps later ones to "other".
type labelSet struct {
	mu   sync.Mutex
	seen map[string]bool
	max  int
}

// maxLabelLength bounds one operation name in a label; longer names are "other".
const maxLabelLength = 64

func (s *labelSet) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if len(name) > maxLabelLength {
		return "other"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[name] {
		return name
	}
	if len(s.seen) >= s.max {
		return "other"
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[name] = true
	return name
}

// metricsHandler serves the registry in the Prometheus text format (or OpenMetrics when asked).
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true})
}
