package graph

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"taskapi/graph/scalar"
	"taskapi/model"
)

// reminderID returns the opaque id of a reminder (see scalar.ReminderID).
func reminderID(id uuid.UUID) string { return scalar.ReminderID(id) }

// reminderInputs turns the GraphQL reminders of an update (omitted, null or a list) into the store's patch field.
func reminderInputs(o graphql.Omittable[[]*model.ReminderInput]) model.Optional[[]model.ReminderInput] {
	v, set := o.ValueOK()
	switch {
	case !set:
		return model.Optional[[]model.ReminderInput]{}
	case v == nil:
		return model.Null[[]model.ReminderInput]()
	}
	out := make([]model.ReminderInput, len(v))
	for i, in := range v {
		out[i] = *in
	}
	return model.Some(out)
}

// taskReminders returns a task's reminders: those it was loaded with (a write, or an event's snapshot), or else
// those of the store, read for every task of the request at once.
func (r *Resolver) taskReminders(ctx context.Context, task *model.Task) ([]*model.Reminder, error) {
	if task.Reminders != nil {
		return task.Reminders, nil
	}
	l, err := r.loaders(ctx)
	if err != nil {
		return nil, err
	}
	return l.reminders.Load(ctx, task.ID)
}

// eventReminder is the reminder a REMINDER_DUE event carries, as it was when it fired; nil for other events.
func eventReminder(ev *model.TaskEvent) (*model.Reminder, error) {
	if len(ev.Reminder) == 0 {
		return nil, nil
	}
	r := new(model.Reminder)
	if err := json.Unmarshal(ev.Reminder, r); err != nil {
		return nil, fmt.Errorf("graph: the reminder of event %s: %w", ev.Cursor, err)
	}
	return r, nil
}
