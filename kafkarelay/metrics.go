package kafkarelay

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the relay's Prometheus series. A nil *Metrics counts nothing.
type Metrics struct {
	producedTotal prometheus.Counter
	failedTotal   prometheus.Counter
	oldest        atomic.Pointer[func() float64]
}

// NewMetrics registers the Kafka series on reg:
//
//   - taskapi_kafka_produced_total: records the brokers acknowledged;
//   - taskapi_kafka_failed_attempts_total: records that failed and were given back to the outbox for another
//     attempt (refused by the broker, not acknowledged within the delivery timeout, or cut by a shutdown);
//   - taskapi_kafka_oldest_queued_age_seconds: how long the oldest event not yet acknowledged has been queued, as
//     this instance's relay last saw the outbox (at each claim, and at least every MaxIdle); 0 when none is.
//
// It panics when reg already has them, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		producedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_kafka_produced_total",
			Help: "Events produced to Kafka and acknowledged by the brokers.",
		}),
		failedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_kafka_failed_attempts_total",
			Help: "Attempts to produce an event to Kafka that failed; the event is tried again after a backoff.",
		}),
	}
	oldest := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "taskapi_kafka_oldest_queued_age_seconds",
		Help: "Age of the oldest event queued for Kafka and not yet acknowledged, as this instance last saw the outbox; 0 when none is.",
	}, func() float64 {
		if f := m.oldest.Load(); f != nil {
			return (*f)()
		}
		return 0
	})
	reg.MustRegister(m.producedTotal, m.failedTotal, oldest)
	return m
}

func (m *Metrics) observeOldest(f func() float64) {
	if m != nil {
		m.oldest.Store(&f)
	}
}

func (m *Metrics) produced(n int) {
	if m != nil {
		m.producedTotal.Add(float64(n))
	}
}

func (m *Metrics) failedAttempt() {
	if m != nil {
		m.failedTotal.Inc()
	}
}
