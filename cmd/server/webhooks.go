package main

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/graph"
	"taskapi/model"
	"taskapi/webhook"
)

// webhookSink queues the webhooks that WEBHOOK_EVENTS asks for (task.created, task.updated, task.deleted,
// task.restored, reminder.due) from the changes the store's writes record, in the transaction that makes them (model.EventSink):
// mutations and the reminder scheduler's firings alike.
type webhookSink struct {
	outbox *webhook.Outbox
}

// eventTypes maps the feed's kinds to the webhook types.
var eventTypes = map[model.TaskEventKind]webhook.EventType{
	model.TaskEventCreated:     webhook.TaskCreated,
	model.TaskEventUpdated:     webhook.TaskUpdated,
	model.TaskEventDeleted:     webhook.TaskDeleted,
	model.TaskEventRestored:    webhook.TaskRestored,
	model.TaskEventReminderDue: webhook.ReminderDue,
}

// newWebhookSink returns the sink for outbox, or nil when the outbox wants none of the types (so that a write then
// costs nothing more).
func newWebhookSink(outbox *webhook.Outbox) model.EventSink {
	for _, t := range eventTypes {
		if outbox.Wants(t) {
			return webhookSink{outbox: outbox}
		}
	}
	return nil
}

// Recorded queues a webhook for each change of a wanted type, once per change however many members' feeds it went
// to, its data rendered as the API renders the task (and for reminder.due, the reminder that fired). Its userId is
// the actor, or for a reminder (which the server fires) the member who set it; the stream's key is the list.
func (w webhookSink) Recorded(ctx context.Context, tx bun.IDB, changes []model.Change) error {
	for _, c := range changes {
		t, ok := eventTypes[c.Kind]
		if !ok {
			continue
		}
		user := c.ActorID
		if user == "" {
			user = c.UserID
		}
		list := ""
		if c.ListID != (uuid.UUID{}) {
			list = c.ListID.String()
		}
		data := graph.NewWebhookData(user, c.ActorID, c.ListID, c.TaskID, c.Task, c.Reminder)
		if _, err := w.outbox.EnqueueFor(ctx, tx, user, list, t, c.At, data); err != nil {
			return err
		}
	}
	return nil
}

// Committed wakes this instance's webhook worker for what the write queued.
func (w webhookSink) Committed() { w.outbox.Notify() }
