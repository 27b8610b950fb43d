package model_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"taskapi/live"
	"taskapi/model"
	"taskapi/reminder"
	"taskapi/webhook"
)

// outboxSink queues a webhook for every change the store's writes record, as the server's sink does, and counts
// the commits it is told of.
type outboxSink struct {
	outbox    *webhook.Outbox
	committed atomic.Int64
}

var webhookTypes = map[model.TaskEventKind]webhook.EventType{
	model.TaskEventCreated:     webhook.TaskCreated,
	model.TaskEventUpdated:     webhook.TaskUpdated,
	model.TaskEventDeleted:     webhook.TaskDeleted,
	model.TaskEventReminderDue: webhook.ReminderDue,
}

func (s *outboxSink) Recorded(ctx context.Context, tx bun.IDB, changes []model.Change) error {
	for _, c := range changes {
		data := map[string]any{"taskId": c.TaskID, "reminder": c.Reminder}
		user := c.ActorID
		if user == "" {
			user = c.UserID
		}
		if _, err := s.outbox.Enqueue(ctx, tx, user, webhookTypes[c.Kind], c.At, data); err != nil {
			return err
		}
	}
	return nil
}

func (s *outboxSink) Committed() {
	s.committed.Add(1)
	s.outbox.Notify()
}

// TestOneWritePath: a mutation and a reminder firing, each made the way its production caller makes it (a store
// method; the reminder scheduler's FireDue), reach the same places the same way: a live subscription, woken by the
// write's own cue (the hub polls only hourly); the read cache, told the feed's new position after the commit, whose
// cached page then shows the write's event cursor; and the webhook outbox, one row of the change's type queued in
// the write's transaction, the worker woken after the commit. A writer that went around the store's write path would
// miss at least one of them.
func TestOneWritePath(t *testing.T) {
	secret, err := webhook.ParseSecret("whsec_cmVtaW5kZXItdGVzdHMtc2lnbmluZy1zZWNyZXQtMzI=")
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, e *env) {
		cache := model.NewReadCache(1 << 20)
		sink := &outboxSink{outbox: webhook.NewOutbox(webhook.Config{URL: "http://127.0.0.1:1/unused", Secret: secret,
			Events: []webhook.EventType{webhook.TaskCreated, webhook.TaskUpdated, webhook.TaskDeleted, webhook.ReminderDue}})}
		store := e.store.WithReadCache(cache).WithEventSink(sink)
		cued := make(chan struct{}, 1)
		hub := live.New(store, live.Options{Poll: time.Hour, Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler), OnNotify: func() {
			select {
			case cued <- struct{}{}:
			default:
			}
		}})
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = hub.Run(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		scheduler := reminder.New(store, reminder.Options{DatabaseNow: e.clock.Now})

		// The hub watches from some moment after Run starts: write (another user's tasks) until a write cues it.
		for watching := false; !watching; {
			e.create(t, "warm-up", model.CreateTaskInput{Title: "warm-up"})
			select {
			case <-cued:
				watching = true
			case <-time.After(100 * time.Millisecond):
			}
		}
		events, err := hub.Subscribe(runCtx, "u", nil)
		if err != nil {
			t.Fatal(err)
		}

		past := start.Add(-time.Minute)
		paths := []struct {
			name  string
			kind  model.TaskEventKind
			hook  webhook.EventType
			write func(t *testing.T)
		}{
			{"Mutation", model.TaskEventCreated, webhook.TaskCreated, func(t *testing.T) {
				in := model.CreateTaskInput{Title: "remind me", Reminders: []model.ReminderInput{{At: &past}}}
				if _, err := store.CreateTask(ctx, "u", in); err != nil {
					t.Fatal(err)
				}
			}},
			{"ReminderFiring", model.TaskEventReminderDue, webhook.ReminderDue, func(t *testing.T) {
				if n, err := scheduler.FireDue(ctx); err != nil || n != 1 {
					t.Fatalf("FireDue = %d, %v; want 1 fired", n, err)
				}
			}},
		}
		for _, p := range paths {
			// A page kept in the cache before the write.
			if _, err := store.ListTasks(ctx, "u", model.ListQuery{WithEventCursor: true}); err != nil {
				t.Fatal(err)
			}
			queued, committed := deliveries(t, e.db, "u"), sink.committed.Load()

			p.write(t)

			var ev *model.TaskEvent
			select {
			case ev = <-events:
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: the subscription received nothing", p.name)
			}
			if ev.Kind != p.kind {
				t.Fatalf("%s: the subscription received %s, want %s", p.name, ev.Kind, p.kind)
			}
			if noted, ok := model.ReadCacheNoted(cache, "u"); !ok || noted != ev.Position {
				t.Errorf("%s: the read cache was told of position %d (%t), want %d", p.name, noted, ok, ev.Position)
			}
			page, err := store.ListTasks(ctx, "u", model.ListQuery{WithEventCursor: true})
			if err != nil || page.EventCursor != ev.Cursor || len(page.Edges) != 1 {
				t.Errorf("%s: the cached read shows %d tasks at %q (%v), want 1 at %q", p.name, len(page.Edges),
					page.EventCursor, err, ev.Cursor)
			}
			if got := deliveries(t, e.db, "u"); len(got) != len(queued)+1 || got[len(got)-1] != p.hook {
				t.Errorf("%s: webhooks queued %v, then %v; want one %s more", p.name, queued, got, p.hook)
			}
			if n := sink.committed.Load(); n != committed+1 {
				t.Errorf("%s: the sink was told of %d commits, want 1", p.name, n-committed)
			}
		}
	})
}

// deliveries returns the types of the user's queued webhooks, oldest first.
func deliveries(t *testing.T, db *bun.DB, userID string) []webhook.EventType {
	t.Helper()
	var bodies []string
	if err := db.NewSelect().Table("webhook_deliveries").Column("body").Where("user_id = ?", userID).
		OrderExpr("created_at, id").Scan(ctx, &bodies); err != nil {
		t.Fatal(err)
	}
	out := make([]webhook.EventType, len(bodies))
	for i, b := range bodies {
		var body struct {
			Type webhook.EventType `json:"type"`
		}
		if err := json.Unmarshal([]byte(b), &body); err != nil {
			t.Fatal(err)
		}
		out[i] = body.Type
	}
	return out
}
