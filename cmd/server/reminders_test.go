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

	"taskapi/model"
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
		"RATE_LIMIT_RPS", "0", "WEBHOOK_URL", receiver.URL+"/hook", "WEBHOOK_SECRET", whsec,
		"WEBHOOK_EVENTS", "reminder.due,task.created,task.updated,task.deleted")
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

	// The next webhooks, by type, each with its signature checked.
	next := func(n int) map[string]hit {
		t.Helper()
		byType := map[string]hit{}
		for range n {
			var h hit
			select {
			case h = <-hits:
			case <-time.After(30 * time.Second):
				t.Fatalf("no webhook within 30 s (have %d)", len(byType))
			}
			key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
			mac := hmac.New(sha256.New, key)
			fmt.Fprintf(mac, "%s.%s.%s", h.header.Get("webhook-id"), h.header.Get("webhook-timestamp"), h.body)
			if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.header.Get("webhook-signature") != want {
				t.Errorf("signature %q, want %q", h.header.Get("webhook-signature"), want)
			}
			var typ struct{ Type string }
			_ = json.Unmarshal(h.body, &typ)
			byType[typ.Type] = h
		}
		return byType
	}
	first := next(2) // task.created and the passed reminder's reminder.due, in either order
	if c := first["task.created"].body; !strings.Contains(string(c), `"taskId":"`+task.ID+`"`) || !strings.Contains(string(c), `"title":"call back"`) {
		t.Errorf("task.created %s", c)
	}
	h := first["reminder.due"]
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

	// The feed has the REMINDER_DUE event with the reminder as it fired.
	r, _, err = graphqlPost(context.Background(), http.DefaultClient, srv.url, tok,
		`query($after: String!) { taskEvents(after: $after) { events { kind taskId reminder { id firedAt } } } }`,
		map[string]any{"after": model.EventCursor("reminded-user", 0)})
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("taskEvents: %v %v", err, r.Errors)
	}
	if !strings.Contains(string(r.Data), `{"kind":"REMINDER_DUE","taskId":"`+task.ID+`","reminder":{"id":"`+d.Reminder.ID+`","firedAt":"`+*d.Reminder.FiredAt+`"}}`) ||
		!strings.Contains(string(r.Data), `{"kind":"CREATED","taskId":"`+task.ID+`","reminder":null}`) {
		t.Errorf("feed %s", r.Data)
	}

	// An update and a deletion are webhooks too; the deleted task is null.
	const update = `mutation($id: ID!) { updateTask(id: $id, input: {title: "called"}) { task { id } } }`
	if r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, update, map[string]any{"id": task.ID}); err != nil || len(r.Errors) > 0 {
		t.Fatalf("updateTask: %v %v", err, r.Errors)
	}
	if u := next(1)["task.updated"].body; !strings.Contains(string(u), `"title":"called"`) {
		t.Errorf("task.updated %s", u)
	}
	const del = `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`
	if r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, del, map[string]any{"id": task.ID}); err != nil || len(r.Errors) > 0 {
		t.Fatalf("deleteTask: %v %v", err, r.Errors)
	}
	if d := next(1)["task.deleted"].body; !strings.Contains(string(d), `"taskId":"`+task.ID+`","task":null`) {
		t.Errorf("task.deleted %s", d)
	}
	// task.restored is opt-in: this server does not ask for it. One user's webhooks go out oldest first, so the
	// update after the restore comes next, with nothing before it.
	const restore = `mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`
	if r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, restore, map[string]any{"id": task.ID}); err != nil || len(r.Errors) > 0 {
		t.Fatalf("restoreTask: %v %v", err, r.Errors)
	}
	const again = `mutation($id: ID!) { updateTask(id: $id, input: {title: "called again"}) { task { id } } }`
	if r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, again, map[string]any{"id": task.ID}); err != nil || len(r.Errors) > 0 {
		t.Fatalf("updateTask: %v %v", err, r.Errors)
	}
	if u, ok := next(1)["task.updated"]; !ok || !strings.Contains(string(u.body), `"title":"called again"`) {
		t.Errorf("after the restore, want task.updated next, got %s", u.body)
	}
	select {
	case h := <-hits:
		t.Errorf("one webhook too many: %s", h.body)
	default:
	}
}
