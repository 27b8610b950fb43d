package live

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The metric names of the hub; docs/operations.md lists them too.
const (
	MetricSubscriptions   = "taskapi_subscriptions"
	MetricEventsDelivered = "taskapi_subscription_events_delivered_total"
	MetricDeliveryLag     = "taskapi_subscription_delivery_lag_seconds"
)

// lagBuckets reach from a wake-up by notification (milliseconds) past the poll's second to a subscription that was
// away (a replay delivers old events, whose lag is their age).
var lagBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60}

// Metrics is an Observer that keeps Prometheus series: the open subscriptions, the events delivered, and how long
// after its change each event was handed to its subscription.
type Metrics struct {
	subscriptions prometheus.Gauge
	delivered     prometheus.Counter
	lag           prometheus.Histogram
}

// NewMetrics registers the hub's series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricSubscriptions,
			Help: "Live taskEvents subscriptions open on this instance (WebSocket and Server-Sent Events).",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: MetricEventsDelivered,
			Help: "Events handed to subscriptions, replays included.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    MetricDeliveryLag,
			Help:    "Time from a change to the hand-over of its event to a subscription (for a replay, the event's age).",
			Buckets: lagBuckets,
		}),
	}
	reg.MustRegister(m.subscriptions, m.delivered, m.lag)
	return m
}

// Subscribed implements Observer.
func (m *Metrics) Subscribed() { m.subscriptions.Inc() }

// Unsubscribed implements Observer.
func (m *Metrics) Unsubscribed() { m.subscriptions.Dec() }

// Delivered implements Observer.
func (m *Metrics) Delivered(lag time.Duration) {
	m.delivered.Inc()
	m.lag.Observe(max(lag, 0).Seconds())
}
