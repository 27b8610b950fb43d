package webhook

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the worker's Prometheus series. A nil *Metrics counts nothing.
type Metrics struct {
	deliveredTotal prometheus.Counter
	failedTotal    prometheus.Counter
	retriedTotal   prometheus.Counter
	givenUpTotal   prometheus.Counter
	droppedTotal   prometheus.Counter
	oldest         atomic.Pointer[func() float64]
}

// NewMetrics registers the webhook series on reg:
//
//   - taskapi_webhook_delivered_total: deliveries the receiver answered 2xx;
//   - taskapi_webhook_failed_attempts_total: attempts that failed (an answer that is not 2xx, a redirect, no answer
//     within the timeout, a network error);
//   - taskapi_webhook_retried_total: failed attempts after which a retry was scheduled;
//   - taskapi_webhook_given_up_total: deliveries abandoned after the last retry failed;
//   - taskapi_webhook_dropped_total: webhooks not queued because their user already had Config.MaxPendingPerUser
//     deliveries pending (counted by the Outbox given the Metrics, see Outbox.SetMetrics);
//   - taskapi_webhook_oldest_pending_age_seconds: how long the oldest delivery not yet delivered nor given up has
//     been waiting, as this instance's worker last saw the outbox (it looks at every claim, and at least every
//     MaxIdle); 0 when none is.
//
// It panics when reg already has them, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveredTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_webhook_delivered_total",
			Help: "Webhook deliveries the receiver answered with 2xx.",
		}),
		failedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_webhook_failed_attempts_total",
			Help: "Webhook attempts that failed: not 2xx, a redirect, no answer within the timeout, or a network error.",
		}),
		retriedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_webhook_retried_total",
			Help: "Failed webhook attempts after which a retry was scheduled.",
		}),
		givenUpTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_webhook_given_up_total",
			Help: "Webhook deliveries given up after the last retry of the schedule failed.",
		}),
		droppedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskapi_webhook_dropped_total",
			Help: "Webhooks not queued because their user already had WEBHOOK_MAX_PENDING_PER_USER deliveries pending.",
		}),
	}
	oldest := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "taskapi_webhook_oldest_pending_age_seconds",
		Help: "Age of the oldest webhook delivery still pending, as this instance last saw the outbox; 0 when none is.",
	}, func() float64 {
		if f := m.oldest.Load(); f != nil {
			return (*f)()
		}
		return 0
	})
	reg.MustRegister(m.deliveredTotal, m.failedTotal, m.retriedTotal, m.givenUpTotal, m.droppedTotal, oldest)
	return m
}

func (m *Metrics) observeOldest(f func() float64) {
	if m != nil {
		m.oldest.Store(&f)
	}
}

func (m *Metrics) delivered() {
	if m != nil {
		m.deliveredTotal.Inc()
	}
}

func (m *Metrics) failedAttempt() {
	if m != nil {
		m.failedTotal.Inc()
	}
}

func (m *Metrics) retried() {
	if m != nil {
		m.retriedTotal.Inc()
	}
}

func (m *Metrics) gaveUp() {
	if m != nil {
		m.givenUpTotal.Inc()
	}
}

func (m *Metrics) dropped() {
	if m != nil {
		m.droppedTotal.Inc()
	}
}
