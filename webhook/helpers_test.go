package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"taskapi/clock"
	"taskapi/model"
	"taskapi/webhook"
)

// testSecret is a whsec_ secret of 32 bytes made for these tests only.
const testSecret = "whsec_dGFza2FwaS13ZWJob29rLXRlc3Qtc2VjcmV0LTMyYnk="

func mustSecret(t *testing.T) webhook.Secret {
	t.Helper()
	s, err := webhook.ParseSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// referenceVerify checks a webhook the way the Standard Webhooks specification tells receivers to, written from
// the specification and independently of the package under test: the key is the base64-decoded part of the
// secret after "whsec_"; the signed content is "<webhook-id>.<webhook-timestamp>.<body>"; the signature header is
// a space-separated list of "<version>,<base64 signature>", and one "v1" entry must equal the base64 of
// HMAC-SHA256 of the content, compared in constant time; the timestamp must be within five minutes of now.
func referenceVerify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	id, tsText, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || tsText == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not Unix seconds", tsText)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("webhook-timestamp %d is %s away from now", ts, d)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, ts)
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, expected) {
			return nil
		}
	}
	return errors.New("no v1 signature matches")
}

// hit is one request a receiver got.
type hit struct {
	header http.Header
	body   []byte
	at     time.Time // the fake clock's time when it arrived
}

// receiver is a webhook endpoint whose answer to the n-th request (from 0) is answer(n, r); an answer of 0 never
// answers (it waits for the sender to give up).
type receiver struct {
	*httptest.Server
	hits chan hit
}

func newReceiver(t *testing.T, c clock.Clock, answer func(n int, r *http.Request) int) *receiver {
	t.Helper()
	rc := &receiver{hits: make(chan hit, 100)}
	var mu sync.Mutex
	n := 0
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		rc.hits <- hit{header: r.Header.Clone(), body: body, at: c.Now()}
		status := answer(i, r)
		if status == 0 {
			<-r.Context().Done()
			return
		}
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// next returns the next request, failing the test when none comes within five minutes: a stall detector, not a
// time limit (the first delivery of a test waits for its worker's start, which a busy machine running -race delays).
func (rc *receiver) next(t *testing.T) hit {
	t.Helper()
	select {
	case h := <-rc.hits:
		return h
	case <-time.After(5 * time.Minute):
		t.Fatal("the receiver got no request within five minutes")
		return hit{}
	}
}

// none fails the test if the receiver has a request waiting.
func (rc *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case h := <-rc.hits:
		t.Fatalf("unexpected request %s", h.header.Get("webhook-id"))
	default:
	}
}

// logBuffer collects a logger's output; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogger(l *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// metric returns the value of the series name on reg (a counter or gauge without labels).
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		if c := m.GetCounter(); c != nil {
			return c.GetValue()
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// enqueue queues a webhook in a transaction of its own that commits, then notifies, as a caller does.
func enqueue(t *testing.T, db *bun.DB, o *webhook.Outbox, userID string, typ webhook.EventType, data any) string {
	t.Helper()
	var id string
	err := db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		id, err = o.Enqueue(ctx, tx, userID, typ, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	o.Notify()
	return id
}

// inspect is the context of the tests' own reads of the outbox, which look at rows by id whoever they belong to.
var inspect = model.AcrossUsers(context.Background())

// row is what the outbox holds about one delivery.
type row struct {
	UserID     string     `bun:"user_id"`
	Type       string     `bun:"type"`
	Body       string     `bun:"body"`
	Status     string     `bun:"status"`
	Attempts   int        `bun:"attempts"`
	LeaseOwner *string    `bun:"lease_owner"`
	LastError  *string    `bun:"last_error"`
	FinishedAt *time.Time `bun:"finished_at"`
}

func readRow(t *testing.T, db *bun.DB, id string) row {
	t.Helper()
	var r row
	err := db.NewSelect().Table("webhook_deliveries").
		Column("user_id", "type", "body", "status", "attempts", "lease_owner", "last_error", "finished_at").
		Where("id = ?", id).Scan(inspect, &r)
	if err != nil {
		t.Fatalf("read delivery %s: %v", id, err)
	}
	return r
}

// between matches timer lengths in [lo, hi).
func between(lo, hi time.Duration) func(time.Duration) bool {
	return func(d time.Duration) bool { return d >= lo && d < hi }
}

// exactly matches timers of length d.
func exactly(d time.Duration) func(time.Duration) bool {
	return func(got time.Duration) bool { return got == d }
}

// start runs w until the test ends and waits for it to stop.
func start(t *testing.T, w *webhook.Worker) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}
