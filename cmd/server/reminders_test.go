package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestReminderWebhook runs the whole server with webhooks on: a reminder whose time has passed when it is set
// fires at once, as a signed reminder.due webhook whose data has the GraphQL ids and fields, and its firedAt shows.
func TestReminderWebhook(t *testing.T) {
	const whsec = "whsec_Y21kLXRlc3RzLXJlbWluZGVyLXdlYmhvb2stc2VjcmV0IQ=="
	type hit struct {
		header http.Header
		body   []byte
	}
	hits := make(chan hit, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits <- hit{r.Header.Clone(), body}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0",
		"RATE_LIMIT_RPS", "0", "WEBHOOK_URL", receiver.URL+"/hook", "WEBHOOK_SECRET", whsec)
	tok := userToken(t, "reminded-user")
	due := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	const create = `mutation($input: CreateTaskInput!) { createTask(input: $input) {
		task { id reminders { id remindAt minutesBefore firedAt } } userErrors { field code } } }`
	r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, create, map[string]any{"input": map[string]any{
		"title": "call back", "dueAt": due, "reminders": []any{map[string]any{"minutesBefore": 10}, map[string]any{"at": past}}}})
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("createTask: %v %v", err, r.Errors)
	}
	var created struct {
		CreateTask struct {
			Task struct {
				ID        string `json:"id"`
				Reminders []struct {
					ID            string  `json:"id"`
					MinutesBefore *int    `json:"minutesBefore"`
					FiredAt       *string `json:"firedAt"`
				} `json:"reminders"`
			} `json:"task"`
		} `json:"createTask"`
	}
	if err := json.Unmarshal(r.Data, &created); err != nil {
		t.Fatal(err)
	}
	task := created.CreateTask.Task
	if len(task.Reminders) != 2 || task.Reminders[0].MinutesBefore != nil || *task.Reminders[1].MinutesBefore != 10 {
		t.Fatalf("reminders %s, want the passed one first (remindAt order)", r.Data)
	}

	var h hit
	select {
	case h = <-hits:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook within 30 s")
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", h.header.Get("webhook-id"), h.header.Get("webhook-timestamp"), h.body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.header.Get("webhook-signature") != want {
		t.Errorf("signature %q, want %q", h.header.Get("webhook-signature"), want)
	}
	var body struct {
		Type string `json:"type"`
		Data struct {
			UserID string `json:"userId"`
			TaskID string `json:"taskId"`
			Task   struct {
				ID        string           `json:"id"`
				Title     string           `json:"title"`
				Reminders []map[string]any `json:"reminders"`
			} `json:"task"`
			Reminder struct {
				ID      string  `json:"id"`
				FiredAt *string `json:"firedAt"`
			} `json:"reminder"`
		} `json:"data"`
	}
	if err := json.Unmarshal(h.body, &body); err != nil {
		t.Fatal(err)
	}
	d := body.Data
	if body.Type != "reminder.due" || d.UserID != "reminded-user" || d.TaskID != task.ID || d.Task.ID != task.ID ||
		d.Task.Title != "call back" || len(d.Task.Reminders) != 2 || d.Reminder.ID != task.Reminders[0].ID || d.Reminder.FiredAt == nil {
		t.Errorf("webhook body %s", h.body)
	}

	const read = `query($id: ID!) { task(id: $id) { reminders { id firedAt } } }`
	r, _, err = graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, read, map[string]any{"id": task.ID})
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("task: %v %v", err, r.Errors)
	}
	var got struct {
		Task struct {
			Reminders []struct {
				ID      string  `json:"id"`
				FiredAt *string `json:"firedAt"`
			} `json:"reminders"`
		} `json:"task"`
	}
	_ = json.Unmarshal(r.Data, &got)
	if rs := got.Task.Reminders; len(rs) != 2 || rs[0].FiredAt == nil || *rs[0].FiredAt != *d.Reminder.FiredAt || rs[1].FiredAt != nil {
		t.Errorf("after firing: %s", r.Data)
	}
	select {
	case h := <-hits:
		t.Errorf("a second webhook: %s", h.body)
	default:
	}
}
