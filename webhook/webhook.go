// Package webhook delivers the task API's events to one receiver as signed HTTP POSTs that follow the Standard
// Webhooks specification (https://www.standardwebhooks.com), through a durable outbox in the task database.
//
// Callers queue a delivery with Outbox.Enqueue inside the transaction that makes the change, so that the two
// commit together or not at all, and then call Outbox.Notify. A Worker in every instance claims due deliveries
// under a lease, POSTs them, and retries failed ones on the configured schedule before giving up. Delivery is at
// least once: a receiver deduplicates by the webhook-id header, which stays the same on every attempt.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EventType is the type of a webhook, as it appears in the body's "type" and in WEBHOOK_EVENTS.
type EventType string

// The event types a receiver can subscribe to.
const (
	ReminderDue EventType = "reminder.due"
	TaskCreated EventType = "task.created"
	TaskUpdated EventType = "task.updated"
	TaskDeleted EventType = "task.deleted"
	// TaskRestored is a task back from the trash (restoreTask). A receiver that mirrors tasks and acts on
	// task.deleted needs it too, or a restored task stays deleted on its side.
	TaskRestored EventType = "task.restored"
)

// EventTypes are every type, in the order docs/configuration.md lists them.
var EventTypes = []EventType{ReminderDue, TaskCreated, TaskUpdated, TaskDeleted, TaskRestored}

// DefaultEvents is what WEBHOOK_EVENTS means when it is not set.
var DefaultEvents = []EventType{ReminderDue}

// DefaultRetrySchedule is what WEBHOOK_RETRY_SCHEDULE means when it is not set: the waits before each retry.
var DefaultRetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Config is where webhooks go and which ones. The zero Config (no URL) sends none.
type Config struct {
	// URL receives every webhook; empty turns webhooks off.
	URL string
	// Secret signs them; required with URL.
	Secret Secret
	// Events are the types sent; nil means DefaultEvents.
	Events []EventType
	// RetrySchedule is how long to wait before each retry of a failed delivery: a delivery is attempted
	// len(RetrySchedule)+1 times at most, then given up. Nil means DefaultRetrySchedule.
	RetrySchedule []time.Duration
	// MaxPendingPerUser bounds the deliveries one user may have pending (queued, or waiting for a retry); past it,
	// that user's new webhooks are dropped, not queued, and counted (taskapi_webhook_dropped_total). 0 means
	// DefaultMaxPendingPerUser.
	MaxPendingPerUser int
}

// DefaultMaxPendingPerUser is what WEBHOOK_MAX_PENDING_PER_USER means when it is not set: far more than one person's
// reminders and changes while a receiver is down for the whole retry schedule, and few enough that one user cannot
// fill the outbox for everyone.
const DefaultMaxPendingPerUser = 1000

func (c Config) maxPendingPerUser() int {
	if c.MaxPendingPerUser <= 0 {
		return DefaultMaxPendingPerUser
	}
	return c.MaxPendingPerUser
}

// Enabled reports whether webhooks are sent at all.
func (c Config) Enabled() bool { return c.URL != "" }

// Wants reports whether a webhook of type t is sent.
func (c Config) Wants(t EventType) bool {
	if !c.Enabled() {
		return false
	}
	events := c.Events
	if events == nil {
		events = DefaultEvents
	}
	return slices.Contains(events, t)
}

func (c Config) schedule() []time.Duration {
	if c.RetrySchedule == nil {
		return DefaultRetrySchedule
	}
	return c.RetrySchedule
}

// Secret is the key that signs webhooks: the bytes of the base64 part of a whsec_ secret.
type Secret struct {
	key []byte
}

// secretPrefix begins every secret, as the Standard Webhooks libraries expect it.
const secretPrefix = "whsec_"

// Minimum and maximum key sizes, as the Standard Webhooks specification recommends (192 to 512 bits).
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// ParseSecret reads a secret written as whsec_ followed by the standard base64 (with padding) of 24 to 64 random
// bytes, the form the Standard Webhooks libraries take. Its error says how to make a good one and never repeats the
// secret.
func ParseSecret(s string) (Secret, error) {
	const how = `generate one with: echo "whsec_$(openssl rand -base64 32)"`
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return Secret{}, errors.New("must start with whsec_; " + how)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return Secret{}, errors.New("the part after whsec_ is not standard base64; " + how)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return Secret{}, fmt.Errorf("the key after whsec_ is %d bytes, it must be %d to %d; %s", len(key), minSecretBytes, maxSecretBytes, how)
	}
	return Secret{key: key}, nil
}

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String hides the key, so that a Secret printed by mistake gives nothing away.
func (s Secret) String() string { return "whsec_[redacted]" }

// GoString hides the key from %#v too.
func (s Secret) GoString() string { return s.String() }

// Sign returns the webhook-signature header value for one attempt: "v1," and the base64 of HMAC-SHA256 over
// "<id>.<timestamp>.<body>", with timestamp in Unix seconds.
func (s Secret) Sign(id string, timestamp time.Time, body []byte) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(timestamp.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ParseURL checks a WEBHOOK_URL: an absolute http or https URL with a host, without user information (credentials
// belong in the receiver's verification of the signature, not in a URL that ends up in proxies' logs).
func ParseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("must be an absolute http(s) URL such as https://app.example.com/api/webhooks")
	}
	if u.User != nil {
		return "", errors.New("must not carry a user name or password; the signature authenticates the server")
	}
	return u.String(), nil
}

// ParseEvents reads a comma-separated list of event types (WEBHOOK_EVENTS). Blank entries and repetitions are
// ignored; an empty list is DefaultEvents. The error names the first unknown type and lists the known ones.
func ParseEvents(raw string) ([]EventType, error) {
	var out []EventType
	for _, part := range strings.Split(raw, ",") {
		t := EventType(strings.ToLower(strings.TrimSpace(part)))
		switch {
		case t == "":
		case !slices.Contains(EventTypes, t):
			known := make([]string, len(EventTypes))
			for i, k := range EventTypes {
				known[i] = string(k)
			}
			return nil, fmt.Errorf("%q is not an event type; use %s", part, strings.Join(known, ", "))
		case !slices.Contains(out, t):
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return slices.Clone(DefaultEvents), nil
	}
	return out, nil
}

// Bounds of a retry schedule: a retry sooner than a second is no retry, and one more than a week away outlives
// anything a receiver would still want.
const (
	minRetryWait  = time.Second
	maxRetryWait  = 7 * 24 * time.Hour
	maxRetrySteps = 50
)

// ParseSchedule reads a comma-separated list of durations (WEBHOOK_RETRY_SCHEDULE), each from 1s to 168h, at most
// 50 of them; an empty list is DefaultRetrySchedule.
func ParseSchedule(raw string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil || d < minRetryWait || d > maxRetryWait {
			return nil, fmt.Errorf("%q must be a duration from 1s to 168h, such as 5s, 5m or 2h", part)
		}
		out = append(out, d)
	}
	if len(out) > maxRetrySteps {
		return nil, fmt.Errorf("has %d steps, at most %d are allowed", len(out), maxRetrySteps)
	}
	if len(out) == 0 {
		return slices.Clone(DefaultRetrySchedule), nil
	}
	return out, nil
}
