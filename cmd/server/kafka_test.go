package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"taskapi/model"
)

// TestKafkaEvents runs the whole server with KAFKA_BROKERS set and webhooks on for reminder.due only: every
// event, the mutations' and the reminder scheduler's alike, reaches Kafka on its kind's topic, keyed by the user,
// with the webhook's body and id, and in the order of the changes; the webhooks are as configured.
func TestKafkaEvents(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "task-events", "reminders-topic"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	const whsec = "whsec_Y21kLXRlc3RzLXJlbWluZGVyLXdlYmhvb2stc2VjcmV0IQ=="
	webhooks := make(chan http.Header, 10)
	webhookBodies := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		webhooks <- r.Header.Clone()
		webhookBodies <- string(body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0",
		"RATE_LIMIT_RPS", "0", "WEBHOOK_URL", receiver.URL+"/hook", "WEBHOOK_SECRET", whsec,
		"KAFKA_BROKERS", strings.Join(cluster.ListenAddrs(), ","), "KAFKA_TOPIC_REMINDERS", "reminders-topic")
	tok := userToken(t, "kafka-user")

	consumer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.ConsumeTopics("task-events", "reminders-topic"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	// next returns the next n records, failing the test when they do not come within 30 s.
	next := func(n int) []*kgo.Record {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out []*kgo.Record
		for len(out) < n {
			fetches := consumer.PollRecords(ctx, n-len(out))
			if ctx.Err() != nil {
				t.Fatalf("%d of %d records within 30 s", len(out), n)
			}
			out = append(out, fetches.Records()...)
		}
		return out
	}
	header := func(r *kgo.Record, key string) string {
		for _, h := range r.Headers {
			if h.Key == key {
				return string(h.Value)
			}
		}
		return ""
	}
	mutate := func(query string, vars map[string]any) json.RawMessage {
		t.Helper()
		r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, query, vars)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %v", query, err, r.Errors)
		}
		return r.Data
	}

	// A task with a reminder whose time has passed: task.created from the mutation, reminder.due from the scheduler.
	data := mutate(`mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }`,
		map[string]any{"input": map[string]any{"title": "call back", "reminders": []any{map[string]any{"at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}}}})
	var created struct {
		CreateTask struct{ Task struct{ ID string } }
	}
	if err := json.Unmarshal(data, &created); err != nil {
		t.Fatal(err)
	}
	taskID := created.CreateTask.Task.ID
	byType := map[string]*kgo.Record{}
	for _, r := range next(2) {
		byType[header(r, "ce_type")] = r
	}
	c, due := byType["task.created"], byType["reminder.due"]
	if c == nil || due == nil {
		t.Fatalf("records %v, want task.created and reminder.due", byType)
	}
	// Keyed by the list, so that one list's events keep their order in one partition.
	inbox := model.InboxID("kafka-user").String()
	if c.Topic != "task-events" || string(c.Key) != inbox || !strings.Contains(string(c.Value), `"type":"task.created"`) ||
		!strings.Contains(string(c.Value), `"taskId":"`+taskID+`"`) {
		t.Errorf("task.created: topic %s key %s value %s", c.Topic, c.Key, c.Value)
	}
	if due.Topic != "reminders-topic" || string(due.Key) != inbox || header(due, "ce_specversion") != "1.0" ||
		header(due, "content-type") != "application/json" || header(due, "ce_source") == "" || header(due, "ce_time") == "" {
		t.Errorf("reminder.due: topic %s key %s headers %v", due.Topic, due.Key, due.Headers)
	}
	// The webhook of the same event: the same id and the same body.
	select {
	case h := <-webhooks:
		if body := <-webhookBodies; h.Get("webhook-id") != header(due, "ce_id") || body != string(due.Value) {
			t.Errorf("webhook %s %s; record %s %s", h.Get("webhook-id"), body, header(due, "ce_id"), due.Value)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no reminder.due webhook within 30 s")
	}

	// An update and a deletion, in that order on the user's partition; no webhook for them (WEBHOOK_EVENTS).
	mutate(`mutation($id: ID!) { updateTask(id: $id, input: {title: "called"}) { task { id } } }`, map[string]any{"id": taskID})
	mutate(`mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": taskID})
	rest := next(2)
	if header(rest[0], "ce_type") != "task.updated" || header(rest[1], "ce_type") != "task.deleted" ||
		rest[0].Partition != c.Partition || rest[1].Partition != c.Partition ||
		!strings.Contains(string(rest[1].Value), `"task":null`) {
		t.Errorf("then %s (partition %d) and %s (partition %d), want task.updated and task.deleted on partition %d",
			rest[0].Value, rest[0].Partition, rest[1].Value, rest[1].Partition, c.Partition)
	}
	// A restore is task.restored, on the same partition, with the task.
	mutate(`mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": taskID})
	if r := next(1)[0]; header(r, "ce_type") != "task.restored" || r.Topic != "task-events" || r.Partition != c.Partition ||
		!strings.Contains(string(r.Value), `"title":"called"`) {
		t.Errorf("after the restore %s (%s, partition %d), want task.restored on partition %d", r.Value, r.Topic, r.Partition, c.Partition)
	}
	select {
	case h := <-webhooks:
		t.Errorf("a webhook WEBHOOK_EVENTS does not ask for: %s", h.Get("webhook-id"))
	default:
	}
}
