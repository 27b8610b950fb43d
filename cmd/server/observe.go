package main

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uptrace/bun"

	"taskapi/model"
)

// newRegistry is the registry /metrics serves: the build's version, the Go runtime and the process, the database pool (sql.DBStats) and
// every SQL statement Bun runs. The graph package adds the HTTP and GraphQL series to it. It is the server's own
// rather than Prometheus's global one, so that nothing a library registers globally leaks in, and so that tests can
// run several servers in one process.
func newRegistry(db *bun.DB) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		// go_sql_max_open_connections, go_sql_open_connections, go_sql_in_use_connections, go_sql_idle_connections,
		// go_sql_wait_count_total, go_sql_wait_duration_seconds_total and the connections closed for idleness or
		// age, each labelled db_name="taskapi".
		collectors.NewDBStatsCollector(db.DB, "taskapi"),
	)
	db.AddQueryHook(newSQLMetrics(reg))
	registerListenerEvents(reg)
	registerBuildInfo(reg)
	return reg
}

// registerListenerEvents adds the troubles of the LISTEN session that wakes live subscriptions (model.ListenerEvents):
// each may delay live updates until the hub looks at every feed it follows, or until its next poll.
func registerListenerEvents(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "taskapi_feed_listener_dropped_total",
			Help: "Notifications of new events that the LISTEN session dropped because its buffer was full.",
		}, func() float64 { d, _ := model.ListenerEvents(); return float64(d) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "taskapi_feed_listener_reconnects_total",
			Help: "Times the LISTEN session gave up a broken connection and reconnected (notifications meanwhile are lost).",
		}, func() float64 { _, r := model.ListenerEvents(); return float64(r) }),
	)
}

// sqlMetrics is a Bun query hook that counts statements by operation (SELECT, INSERT, BEGIN...) and outcome, and
// times them.
type sqlMetrics struct {
	statements *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

func newSQLMetrics(reg prometheus.Registerer) *sqlMetrics {
	m := &sqlMetrics{
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskapi_sql_statements_total",
			Help: "SQL statements run, by operation (SELECT, INSERT, UPDATE, DELETE, BEGIN, COMMIT, ROLLBACK, other) " +
				"and outcome (ok, error).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "taskapi_sql_statement_duration_seconds",
			Help:    "Time SQL statements took, by operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
	}
	reg.MustRegister(m.statements, m.duration)
	return m
}

var _ bun.QueryHook = (*sqlMetrics)(nil)

func (m *sqlMetrics) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (m *sqlMetrics) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	op := sqlOperation(e.Operation())
	m.duration.WithLabelValues(op).Observe(time.Since(e.StartTime).Seconds())
	m.statements.WithLabelValues(op, sqlOutcome(e.Err)).Inc()
}

// sqlOperation keeps the operation label to a known set: Bun takes a raw statement's first word as its operation.
func sqlOperation(op string) string {
	op = strings.ToUpper(op)
	switch op {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK", "CREATE", "DROP", "ALTER":
		return op
	}
	return "OTHER"
}

// sqlOutcome is ok or error; a query that found no row is ok. Why a statement failed is in the GraphQL error codes
// (SERVICE_UNAVAILABLE) and the log.
func sqlOutcome(err error) string {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return "ok"
	}
	return "error"
}

// newKeySetFetches counts fetches of the JSON Web Key Set; the returned function is auth.Config.OnKeySetFetch.
func newKeySetFetches(reg prometheus.Registerer) func(error) {
	fetches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskapi_jwks_fetches_total",
		Help: "Fetches of the JSON Web Key Set, at start, hourly and for unknown key ids, by outcome (ok, error).",
	}, []string{"outcome"})
	reg.MustRegister(fetches)
	fetches.WithLabelValues("ok")
	fetches.WithLabelValues("error")
	return func(err error) {
		if err != nil {
			fetches.WithLabelValues("error").Inc()
			return
		}
		fetches.WithLabelValues("ok").Inc()
	}
}

// registerReadCache exports the read cache's counters: taskapi_read_cache_lookups_total{read, result="hit"|"miss"}
// (read: tasks, taskStats, tags), taskapi_read_cache_entries and taskapi_read_cache_bytes (the estimate the bound
// applies to).
func registerReadCache(reg prometheus.Registerer, c *model.ReadCache) {
	for i, read := range model.ReadNames {
		for _, result := range []string{"hit", "miss"} {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "taskapi_read_cache_lookups_total",
				Help:        "Reads through the read cache, by read and by whether the kept result was served (hit) or the database was read (miss).",
				ConstLabels: prometheus.Labels{"read": read, "result": result},
			}, func() float64 {
				s := c.Stats()
				if result == "hit" {
					return float64(s.Hits[i])
				}
				return float64(s.Misses[i])
			}))
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "taskapi_read_cache_entries", Help: "Results kept in the read cache.",
		}, func() float64 { return float64(c.Stats().Entries) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "taskapi_read_cache_bytes", Help: "Estimated memory of the results kept in the read cache (READ_CACHE_BYTES bounds it).",
		}, func() float64 { return float64(c.Stats().Bytes) }),
	)
}
