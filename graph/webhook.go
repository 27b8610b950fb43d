package graph

import (
	"time"

	"github.com/google/uuid"

	"taskapi/graph/scalar"
	"taskapi/model"
)

// WebhookData is the "data" of a webhook body: the user (who made the change; for reminder.due, the member whose
// reminder fired), the actor (null for the server's changes), the task's list, the task's id, the task as the change
// left it (nil for a deleted task) and, for reminder.due, the reminder that fired. The task and the reminder have the GraphQL field
// names and id forms, so that a receiver reads them as it reads API responses.
type WebhookData struct {
	UserID   string           `json:"userId"`
	ActorID  *string          `json:"actorId"`
	ListID   *string          `json:"listId"`
	TaskID   string           `json:"taskId"`
	Task     *webhookTask     `json:"task"`
	Reminder *webhookReminder `json:"reminder,omitempty"`
}

// webhookTask mirrors the GraphQL Task type's fields; TestWebhookTaskHasEveryField keeps the two in step.
type webhookTask struct {
	ID          string             `json:"id"`
	Title       string             `json:"title"`
	Description *string            `json:"description"`
	Completed   bool               `json:"completed"`
	Priority    string             `json:"priority"`
	Tags        []string           `json:"tags"`
	DueAt       *string            `json:"dueAt"`
	CompletedAt *string            `json:"completedAt"`
	CreatedAt   string             `json:"createdAt"`
	UpdatedAt   string             `json:"updatedAt"`
	DeletedAt   *string            `json:"deletedAt"`
	Reminders   []*webhookReminder `json:"reminders"`
	Recurrence  *webhookRecurrence `json:"recurrence"`
	SeriesID    *string            `json:"seriesId"`
	Version     int                `json:"version"`
	Position    string             `json:"position"`
	// List, CreatedBy, CompletedBy and Assignee carry the ids of the task's list, creator, completer and assignee
	// (the rest is the API's to read); CompletedBy is null while the task is pending, Assignee while it is assigned
	// to nobody.
	List        webhookRef  `json:"list"`
	CreatedBy   webhookRef  `json:"createdBy"`
	CompletedBy *webhookRef `json:"completedBy"`
	Assignee    *webhookRef `json:"assignee"`
}

// webhookRef is an object of the API by its id only.
type webhookRef struct {
	ID string `json:"id"`
}

// webhookRecurrence mirrors the GraphQL Recurrence type, upcoming with its default length.
type webhookRecurrence struct {
	Frequency      model.RecurrenceFrequency `json:"frequency"`
	Interval       int                       `json:"interval"`
	Weekdays       []model.Weekday           `json:"weekdays"`
	MonthDay       *int                      `json:"monthDay"`
	TimeZone       string                    `json:"timeZone"`
	Count          *int                      `json:"count"`
	Until          *string                   `json:"until"`
	FromCompletion bool                      `json:"fromCompletion"`
	RRULE          string                    `json:"rrule"`
	Upcoming       []string                  `json:"upcoming"`
}

// webhookReminder mirrors the GraphQL Reminder type.
type webhookReminder struct {
	ID            string  `json:"id"`
	RemindAt      string  `json:"remindAt"`
	MinutesBefore *int    `json:"minutesBefore"`
	FiredAt       *string `json:"firedAt"`
}

// NewWebhookData renders the data of a webhook about the task id in the list list (zero: none) for userID, made by
// actor ("" for the server). task is nil for a deleted task, and reminder nil unless one fired; task's Reminders
// must be loaded (nil is written as none).
func NewWebhookData(userID, actor string, list uuid.UUID, id uuid.UUID, task *model.Task, reminder *model.Reminder) WebhookData {
	d := WebhookData{UserID: userID, TaskID: taskID(id), Reminder: renderReminder(reminder)}
	if actor != "" {
		d.ActorID = &actor
	}
	if list != (uuid.UUID{}) {
		l := listID(list)
		d.ListID = &l
	}
	if task != nil {
		tags := task.Tags
		if tags == nil {
			tags = model.Tags{}
		}
		d.Task = &webhookTask{
			ID: taskID(task.ID), Title: task.Title, Description: task.Description, Completed: task.Completed,
			Priority: task.Priority.String(), Tags: tags, DueAt: formatPtr(task.DueAt),
			CompletedAt: formatPtr(task.CompletedAt), CreatedAt: scalar.FormatDateTime(task.CreatedAt),
			UpdatedAt: scalar.FormatDateTime(task.UpdatedAt), DeletedAt: formatPtr(task.DeletedAt), Reminders: []*webhookReminder{},
			Version: task.Version, Position: task.Position, List: webhookRef{ID: listID(task.ListID)}, CreatedBy: webhookRef{ID: task.CreatedBy},
		}
		if task.CompletedBy != nil {
			d.Task.CompletedBy = &webhookRef{ID: *task.CompletedBy}
		}
		if task.AssigneeID != nil {
			d.Task.Assignee = &webhookRef{ID: *task.AssigneeID}
		}
		for _, r := range task.Reminders {
			d.Task.Reminders = append(d.Task.Reminders, renderReminder(r))
		}
		if task.SeriesID != nil {
			id := taskID(*task.SeriesID)
			d.Task.SeriesID = &id
		}
		d.Task.Recurrence = renderRecurrence(task.Recurrence())
	}
	return d
}

func renderRecurrence(r *model.Recurrence) *webhookRecurrence {
	if r == nil {
		return nil
	}
	upcoming, _ := r.Upcoming(model.DefaultUpcoming) // the default is within the bounds
	out := &webhookRecurrence{
		Frequency: r.Frequency(), Interval: r.Interval(), Weekdays: r.Weekdays(), MonthDay: r.MonthDay(),
		TimeZone: r.TimeZone(), Count: r.Count(), Until: formatPtr(r.Until()), FromCompletion: r.FromCompletion(),
		RRULE: r.RRULE(), Upcoming: make([]string, len(upcoming)),
	}
	for i, t := range upcoming {
		out.Upcoming[i] = scalar.FormatDateTime(t)
	}
	return out
}

func renderReminder(r *model.Reminder) *webhookReminder {
	if r == nil {
		return nil
	}
	return &webhookReminder{ID: reminderID(r.ID), RemindAt: scalar.FormatDateTime(r.RemindAt),
		MinutesBefore: r.MinutesBefore, FiredAt: formatPtr(r.FiredAt)}
}

func formatPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := scalar.FormatDateTime(*t)
	return &s
}
