package main

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"taskapi/graph"
	"taskapi/model"
	"taskapi/webhook"
)

// taskWebhooks queues the task.created, task.updated and task.deleted webhooks that WEBHOOK_EVENTS asks for, from
// the events of the feed, in the transaction that appends them (model.EventSink). REMINDER_DUE events are the
// reminder scheduler's, which queues their reminder.due webhooks itself.
type taskWebhooks struct {
	outbox *webhook.Outbox
}

// eventTypes maps the feed's kinds to the webhook types.
var eventTypes = map[model.TaskEventKind]webhook.EventType{
	model.TaskEventCreated: webhook.TaskCreated,
	model.TaskEventUpdated: webhook.TaskUpdated,
	model.TaskEventDeleted: webhook.TaskDeleted,
}

// newTaskWebhooks returns the sink for outbox, or nil when the outbox wants none of the task.* types (so that a
// write then costs nothing more).
func newTaskWebhooks(outbox *webhook.Outbox) model.EventSink {
	for _, t := range eventTypes {
		if outbox.Wants(t) {
			return taskWebhooks{outbox: outbox}
		}
	}
	return nil
}

func (w taskWebhooks) EventsAppended(ctx context.Context, tx bun.IDB, userID string, at time.Time, events []model.NewEvent) error {
	for _, ev := range events {
		t, ok := eventTypes[ev.Kind]
		if !ok {
			continue
		}
		if _, err := w.outbox.Enqueue(ctx, tx, userID, t, at, graph.NewWebhookData(userID, ev.TaskID, ev.Task, nil)); err != nil {
			return err
		}
	}
	return nil
}

// EventsCommitted wakes this instance's webhook worker for what the write queued.
func (w taskWebhooks) EventsCommitted() { w.outbox.Notify() }
