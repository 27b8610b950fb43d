package webhook_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/model/modeltest"
	"taskapi/webhook"
)

// recordingStream is a Stream that wants every type and keeps what it is given.
type recordingStream struct {
	mu       sync.Mutex
	events   []webhook.StreamEvent
	notified int
}

func (s *recordingStream) Wants(webhook.EventType) bool { return true }

func (s *recordingStream) Enqueue(_ context.Context, _ bun.IDB, ev webhook.StreamEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return nil
}

func (s *recordingStream) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notified++
}

func TestOutboxStream(t *testing.T) {
	for _, kind := range modeltest.Databases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			stream := &recordingStream{}
			// Webhooks for reminder.due only (the default); the stream gets every type all the same.
			o := webhook.NewOutbox(webhook.Config{URL: "https://hooks.example.com/in", Secret: mustSecret(t)}).WithStream(stream)
			if !o.Wants(webhook.TaskCreated) {
				t.Error("an outbox with a stream that wants task.created does not want it")
			}
			taskID := enqueue(t, db, o, "u1", webhook.TaskCreated, map[string]string{"taskId": "t1"})
			reminderID := enqueue(t, db, o, "u1", webhook.ReminderDue, map[string]string{"taskId": "t1"})
			if taskID == "" || reminderID == "" {
				t.Fatalf("ids %q, %q: the stream's events were not queued", taskID, reminderID)
			}
			var webhookIDs []string
			if err := db.NewSelect().Table("webhook_deliveries").Column("id").Scan(inspect, &webhookIDs); err != nil {
				t.Fatal(err)
			}
			if len(webhookIDs) != 1 || webhookIDs[0] != reminderID {
				t.Errorf("webhooks queued %q, want only the reminder.due %q", webhookIDs, reminderID)
			}
			stream.mu.Lock()
			defer stream.mu.Unlock()
			if len(stream.events) != 2 || stream.notified != 2 {
				t.Fatalf("stream got %d events and %d notifications, want 2 and 2", len(stream.events), stream.notified)
			}
			for i, want := range []struct {
				id  string
				typ webhook.EventType
			}{{taskID, webhook.TaskCreated}, {reminderID, webhook.ReminderDue}} {
				ev := stream.events[i]
				if ev.ID != want.id || ev.Type != want.typ || ev.UserID != "u1" || !ev.At.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("event %d = %+v, want id %s type %s", i, ev, want.id, want.typ)
				}
			}
			// The stream's body is the webhook's, byte for byte.
			var body string
			if err := db.NewSelect().Table("webhook_deliveries").Column("body").Where("id = ?", reminderID).Scan(inspect, &body); err != nil {
				t.Fatal(err)
			}
			if string(stream.events[1].Body) != body {
				t.Errorf("stream body %s, webhook body %s", stream.events[1].Body, body)
			}
		})
		t.Run(kind+"/PendingBoundIsTheWebhooksOnly", func(t *testing.T) {
			t.Parallel()
			db := modeltest.MustOpenDB(t, kind)
			stream := &recordingStream{}
			o := webhook.NewOutbox(webhook.Config{URL: "https://hooks.example.com/in", Secret: mustSecret(t),
				Events: webhook.EventTypes, MaxPendingPerUser: 1}).WithStream(stream)
			first := enqueue(t, db, o, "u1", webhook.TaskCreated, map[string]string{"taskId": "t1"})
			second := enqueue(t, db, o, "u1", webhook.TaskUpdated, map[string]string{"taskId": "t1"})
			if first == "" || second == "" {
				t.Fatalf("ids %q, %q: the stream's events were not queued", first, second)
			}
			var webhookIDs []string
			if err := db.NewSelect().Table("webhook_deliveries").Column("id").Scan(inspect, &webhookIDs); err != nil {
				t.Fatal(err)
			}
			stream.mu.Lock()
			defer stream.mu.Unlock()
			if len(webhookIDs) != 1 || webhookIDs[0] != first || len(stream.events) != 2 || stream.events[1].ID != second {
				t.Errorf("webhooks %q and %d stream events; want the first webhook only (the bound) and both events", webhookIDs, len(stream.events))
			}
		})
	}
}
