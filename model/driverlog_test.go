package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"taskapi/model"
)

// lockedBuffer is a buffer a logger may write from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

// TestDriverLogsGoThroughTheLogger: what pgdriver logs (its listener's drops and reconnections among others) comes
// out of the server's logger, as JSON, not as plain text of its own; a reconnection is counted.
func TestDriverLogsGoThroughTheLogger(t *testing.T) {
	var out lockedBuffer
	model.RouteDriverLogs(slog.New(slog.NewJSONHandler(&out, nil)))
	t.Cleanup(func() { model.RouteDriverLogs(slog.Default()) })
	_, before := model.ListenerEvents()

	pgdriver.Logger.Printf(context.Background(), "bun: discarding bad listener connection: %s", io.ErrUnexpectedEOF)
	pgdriver.Logger.Printf(context.Background(), "pgdriver: Listener buffer is full (message is dropped)")

	if _, after := model.ListenerEvents(); after != before+1 {
		t.Errorf("reconnections counted: %d, want %d", after, before+1)
	}
	want := map[string]bool{
		"bun: discarding bad listener connection: unexpected EOF": false,
		"pgdriver: Listener buffer is full (message is dropped)":  false,
	}
	for _, line := range out.lines() {
		var rec struct{ Level, Msg, Component string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if _, ok := want[rec.Msg]; ok && rec.Level == "WARN" && rec.Component == "pgdriver" {
			want[rec.Msg] = true
		}
	}
	for msg, seen := range want {
		if !seen {
			t.Errorf("no JSON warning %q with component pgdriver in:\n%s", msg, strings.Join(out.lines(), "\n"))
		}
	}
}
