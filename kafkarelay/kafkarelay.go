// Package kafkarelay streams the task API's events to Kafka through the same durable outbox as the webhooks:
// webhook.Outbox hands every task.* and reminder.due event to a Queue (a webhook.Stream), which writes it to the
// table kafka_outbox in the transaction of the change, and a Relay in every instance claims the queued rows under a
// lease and produces them.
//
// Each event becomes one record: the value is the webhook's JSON body byte for byte, the key is the partition key
// (the user's id; see PartitionKey), and the headers are CloudEvents 1.0 attributes in Kafka's binary content mode
// (ce_specversion, ce_id equal to the webhook-id, ce_type, ce_source, ce_time, content-type). task.* events go to
// one topic and reminder.due to another.
//
// Order: a key's records are produced one at a time, each only after the broker has acknowledged the one before,
// whichever instance produced it, so that they land in one partition in the order their changes committed.
// Delivery is at least once: the producer is idempotent, so the client's own retries of a record never duplicate
// it; only a record whose outcome was lost with its instance (a crash while the broker had it but had not answered)
// is produced again, with the same ce_id. A broker outage delays records, never loses them: a row stays queued
// until the broker acknowledges it.
package kafkarelay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"taskapi/webhook"
)

// Default topics.
const (
	DefaultTopicTasks     = "task-events"
	DefaultTopicReminders = "reminders"
)

// The SASL mechanisms KAFKA_SASL_MECHANISM takes.
const (
	ScramSHA256 = "SCRAM-SHA-256"
	ScramSHA512 = "SCRAM-SHA-512"
	Plain       = "PLAIN"
)

// Config is where the events go. The zero Config (no brokers) streams none.
type Config struct {
	// Brokers are the seed brokers, host:port each; none turns streaming off.
	Brokers []string
	// TopicTasks receives task.created, task.updated, task.deleted and task.restored; empty means DefaultTopicTasks.
	TopicTasks string
	// TopicReminders receives reminder.due; empty means DefaultTopicReminders.
	TopicReminders string
	// TLS dials the brokers over TLS, verified against the system's roots (or TLSConfig's).
	TLS bool
	// TLSConfig, when set, replaces the default TLS configuration (tests use it for their own certificate
	// authority). It is not read from the environment.
	TLSConfig *tls.Config
	// SASL authenticates the client; a zero SASL none.
	SASL SASL
}

// SASL is a SASL user and its mechanism.
type SASL struct {
	// Mechanism is ScramSHA256, ScramSHA512, Plain or "" (no SASL).
	Mechanism string
	Username  string
	Password  Password
}

// Password is a SASL password; it prints as [redacted].
type Password string

// String hides the password.
func (Password) String() string { return "[redacted]" }

// GoString hides the password from %#v too.
func (p Password) GoString() string { return p.String() }

// Enabled reports whether events are streamed at all.
func (c Config) Enabled() bool { return len(c.Brokers) > 0 }

// Topic is the topic of events of type t, or "" for a type that is not streamed.
func (c Config) Topic(t webhook.EventType) string {
	switch t {
	case webhook.TaskCreated, webhook.TaskUpdated, webhook.TaskDeleted, webhook.TaskRestored:
		return cmpOr(c.TopicTasks, DefaultTopicTasks)
	case webhook.ReminderDue:
		return cmpOr(c.TopicReminders, DefaultTopicReminders)
	}
	return ""
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// PartitionKey is the key of an event's record, which chooses its partition: the id of the list the change belongs
// to, so that one list's events stay in one partition and in order (every member sees them); the user's id for an
// event of no list. Every row keeps the key it was queued with, so the rows queued before lists keyed by user are
// still produced in their order.
func PartitionKey(ev webhook.StreamEvent) string {
	if ev.ListID != "" {
		return ev.ListID
	}
	return ev.UserID
}

// ParseBrokers reads a comma-separated list of host:port (KAFKA_BROKERS). Blank entries are ignored; the error
// names the first malformed one.
func ParseBrokers(raw string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		host, port, err := net.SplitHostPort(part)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q must be host:port, such as kafka-0.kafka:9092", part)
		}
		out = append(out, part)
	}
	return out, nil
}

// ParseTopic checks a topic name as Kafka does: 1 to 249 of the characters a-z, A-Z, 0-9, '.', '_' and '-', and
// not "." or "..".
func ParseTopic(raw string) (string, error) {
	ok := raw != "" && len(raw) <= 249 && raw != "." && raw != ".."
	for _, r := range raw {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return "", errors.New("must be 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-', as Kafka requires")
	}
	return raw, nil
}

// ParseMechanism reads KAFKA_SASL_MECHANISM, in any case: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN, or "" for none.
func ParseMechanism(raw string) (string, error) {
	switch m := strings.ToUpper(strings.TrimSpace(raw)); m {
	case "", ScramSHA256, ScramSHA512, Plain:
		return m, nil
	}
	return "", fmt.Errorf("%q must be SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN", raw)
}

// clientOptions are the franz-go options that reach the brokers as c says.
func (c Config) clientOptions() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...)}
	if c.TLS || c.TLSConfig != nil {
		tc := c.TLSConfig
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	var m sasl.Mechanism
	user, pass := c.SASL.Username, string(c.SASL.Password)
	switch c.SASL.Mechanism {
	case ScramSHA256:
		m = scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
	case ScramSHA512:
		m = scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
	case Plain:
		m = plain.Auth{User: user, Pass: pass}.AsMechanism()
	}
	if m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts
}
