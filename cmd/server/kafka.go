package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"taskapi/kafkarelay"
	"taskapi/webhook"
)

// newOutbox returns the outbox that every writer queues its events in: the webhooks that WEBHOOK_EVENTS asks for,
// and with KAFKA_BROKERS set every event for Kafka too (whatever WEBHOOK_EVENTS says), in the same transaction; and
// the relay that produces the Kafka side (a relay that does nothing without brokers).
func newOutbox(cfg Config, db *bun.DB, logger *slog.Logger, registry prometheus.Registerer) (*webhook.Outbox, *kafkarelay.Relay, error) {
	outbox := webhook.NewOutbox(cfg.Webhook)
	queue := kafkarelay.NewQueue(cfg.Kafka)
	if cfg.Kafka.Enabled() {
		outbox = outbox.WithStream(queue)
		logger.Info("events to Kafka on", "brokers", cfg.Kafka.Brokers,
			"tasks", cfg.Kafka.Topic(webhook.TaskCreated), "reminders", cfg.Kafka.Topic(webhook.ReminderDue),
			"tls", cfg.Kafka.TLS, "sasl", cfg.Kafka.SASL.Mechanism)
	}
	relay, err := kafkarelay.NewRelay(db, queue, kafkarelay.Options{Logger: logger, Metrics: kafkarelay.NewMetrics(registry)})
	if err != nil {
		return nil, nil, err
	}
	return outbox, relay, nil
}
