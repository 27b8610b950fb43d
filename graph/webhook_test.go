package graph_test

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"taskapi/graph"
	"taskapi/graph/scalar"
	"taskapi/model"
	"taskapi/recur"
)

// TestWebhookTaskHasEveryField keeps the webhook's task and reminder in step with the GraphQL types they mirror:
// every field of Task and Reminder is in the JSON, by its GraphQL name, and nothing else is.
func TestWebhookTaskHasEveryField(t *testing.T) {
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	fields := func(typ string) []string {
		var out []string
		for _, f := range schema.Types[typ].Fields {
			out = append(out, f.Name)
		}
		slices.Sort(out)
		return out
	}
	due := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	task := &model.Task{ID: uuid.New(), CreatedBy: "u", Title: "t", Priority: model.PriorityHigh, Tags: model.Tags{"x"},
		DueAt: &due, CreatedAt: due, UpdatedAt: due,
		Reminders: []*model.Reminder{{ID: uuid.New(), RemindAt: due, MinutesBefore: new(int)}}}
	b, err := json.Marshal(graph.NewWebhookData("u", "", uuid.UUID{}, task.ID, task, task.Reminders[0]))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		UserID   string         `json:"userId"`
		TaskID   string         `json:"taskId"`
		Task     map[string]any `json:"task"`
		Reminder map[string]any `json:"reminder"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	// history is a page of the viewer's feed, not the task's data.
	taskFields := slices.DeleteFunc(fields("Task"), func(f string) bool { return f == "history" })
	if got := slices.Sorted(maps.Keys(data.Task)); !slices.Equal(got, taskFields) {
		t.Errorf("webhook task fields %v, GraphQL Task fields %v", got, taskFields)
	}
	recurring := *task
	recurring.SeriesID = &recurring.ID
	recurring.Rule = &recur.Rule{Frequency: recur.Daily, Interval: 1, TimeZone: "UTC", TimeOfDay: 9 * time.Hour}
	var withRule struct {
		Task struct {
			SeriesID   string         `json:"seriesId"`
			Recurrence map[string]any `json:"recurrence"`
		} `json:"task"`
	}
	b2, _ := json.Marshal(graph.NewWebhookData("u", "", uuid.UUID{}, task.ID, &recurring, nil))
	if err := json.Unmarshal(b2, &withRule); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(withRule.Task.Recurrence)); !slices.Equal(got, fields("Recurrence")) ||
		withRule.Task.SeriesID != data.TaskID || withRule.Task.Recurrence["rrule"] != "FREQ=DAILY" {
		t.Errorf("webhook recurrence %s, GraphQL Recurrence fields %v", b2, fields("Recurrence"))
	}
	if got := slices.Sorted(maps.Keys(data.Reminder)); !slices.Equal(got, fields("Reminder")) {
		t.Errorf("webhook reminder fields %v, GraphQL Reminder fields %v", got, fields("Reminder"))
	}
	if data.TaskID != data.Task["id"] || data.Task["priority"] != "HIGH" || data.Task["dueAt"] != "2026-12-01T09:00:00.000Z" ||
		data.UserID != "u" {
		t.Errorf("data %s", b)
	}
	deleted, _ := json.Marshal(graph.NewWebhookData("u", "", uuid.UUID{}, task.ID, nil, nil))
	if string(deleted) != `{"userId":"u","actorId":null,"listId":null,"taskId":"`+data.TaskID+`","task":null}` {
		t.Errorf("task.deleted data %s", deleted)
	}
	list := uuid.New()
	shared, _ := json.Marshal(graph.NewWebhookData("u", "u", list, task.ID, nil, nil))
	if string(shared) != `{"userId":"u","actorId":"u","listId":"`+scalar.ListID(list)+`","taskId":"`+data.TaskID+`","task":null}` {
		t.Errorf("task.deleted data of a list %s", shared)
	}
}
