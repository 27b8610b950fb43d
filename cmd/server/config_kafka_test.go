package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"taskapi/kafkarelay"
)

func TestLoadConfigKafka(t *testing.T) {
	t.Run("Off", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.Kafka.Enabled() {
			t.Errorf("Kafka on without KAFKA_BROKERS: %+v", c.Kafka)
		}
	})
	t.Run("ManagedKafka", func(t *testing.T) {
		c, err := loadConfig(env("KAFKA_BROKERS", " b-1.kafka.example.com:9096, b-2.kafka.example.com:9096 ,",
			"KAFKA_TOPIC_TASKS", "taskapi.tasks", "KAFKA_TOPIC_REMINDERS", "taskapi.reminders", "KAFKA_TLS", "true",
			"KAFKA_SASL_MECHANISM", "scram-sha-512", "KAFKA_SASL_USERNAME", "taskapi", "KAFKA_SASL_PASSWORD", "s3cret-pass"))
		if err != nil {
			t.Fatal(err)
		}
		k := c.Kafka
		if !slices.Equal(k.Brokers, []string{"b-1.kafka.example.com:9096", "b-2.kafka.example.com:9096"}) ||
			k.TopicTasks != "taskapi.tasks" || k.TopicReminders != "taskapi.reminders" || !k.TLS ||
			k.SASL != (kafkarelay.SASL{Mechanism: kafkarelay.ScramSHA512, Username: "taskapi", Password: "s3cret-pass"}) {
			t.Errorf("%+v", k)
		}
		if s := fmt.Sprintf("%v %+v %#v", k, k, k); strings.Contains(s, "s3cret-pass") {
			t.Errorf("the password is printed: %s", s)
		}
	})
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env("KAFKA_BROKERS", "localhost:9092"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Kafka.TLS || c.Kafka.SASL.Mechanism != "" || c.Kafka.TopicTasks != "" {
			t.Errorf("%+v", c.Kafka)
		}
	})
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"BrokerWithoutPort":   {[]string{"KAFKA_BROKERS", "kafka-0"}, "KAFKA_BROKERS"},
		"BrokerPortZero":      {[]string{"KAFKA_BROKERS", "kafka-0:0"}, "KAFKA_BROKERS"},
		"BrokerURL":           {[]string{"KAFKA_BROKERS", "kafka://kafka-0:9092"}, "KAFKA_BROKERS"},
		"TopicWithSpace":      {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_TOPIC_TASKS", "task events"}, "KAFKA_TOPIC_TASKS"},
		"TopicDots":           {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_TOPIC_REMINDERS", ".."}, "KAFKA_TOPIC_REMINDERS"},
		"TLSNotABoolean":      {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_TLS", "yes please"}, "KAFKA_TLS"},
		"UnknownMechanism":    {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_SASL_MECHANISM", "GSSAPI"}, "KAFKA_SASL_MECHANISM"},
		"MechanismNoPassword": {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-256", "KAFKA_SASL_USERNAME", "u"}, "KAFKA_SASL_PASSWORD"},
		"UserNoMechanism":     {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_SASL_USERNAME", "u", "KAFKA_SASL_PASSWORD", "p"}, "KAFKA_SASL_MECHANISM is not"},
		"PlainWithoutTLS": {[]string{"KAFKA_BROKERS", "k:9092", "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_USERNAME", "u",
			"KAFKA_SASL_PASSWORD", "p"}, "KAFKA_TLS=true"},
		"SASLWithoutBrokers": {[]string{"KAFKA_TLS", "true", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-256", "KAFKA_SASL_USERNAME", "u",
			"KAFKA_SASL_PASSWORD", "p"}, "KAFKA_BROKERS is not"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one naming %s", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "p\"") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}
