package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRestoredWebhook runs the whole server with WEBHOOK_EVENTS=task.deleted,task.restored: a task deleted to the
// trash and restored sends task.deleted and then task.restored, whose data is the restored task, as task.created's
// is, with the list and who restored it. A receiver mirroring tasks from task.deleted needs the second to undo the
// first. task.restored is opt-in: TestReminderWebhook's server, which does not ask for it, sends none.
func TestRestoredWebhook(t *testing.T) {
	const whsec = "whsec_Y21kLXRlc3RzLXJlbWluZGVyLXdlYmhvb2stc2VjcmV0IQ=="
	bodies := make(chan []byte, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		bodies <- body
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0",
		"RATE_LIMIT_RPS", "0", "WEBHOOK_URL", receiver.URL+"/hook", "WEBHOOK_SECRET", whsec,
		"WEBHOOK_EVENTS", "task.deleted, task.restored")
	tok := userToken(t, "restoring-user")
	mutate := func(query string, vars map[string]any) json.RawMessage {
		t.Helper()
		r, _, err := graphqlPost(context.Background(), http.DefaultClient, srv.url, tok, query, vars)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %v", query, err, r.Errors)
		}
		return r.Data
	}
	type hook struct {
		Type string `json:"type"`
		Data struct {
			UserID  string  `json:"userId"`
			ActorID *string `json:"actorId"`
			ListID  *string `json:"listId"`
			TaskID  string  `json:"taskId"`
			Task    *struct {
				ID        string  `json:"id"`
				Title     string  `json:"title"`
				DeletedAt *string `json:"deletedAt"`
				Version   int     `json:"version"`
				Reminders []any   `json:"reminders"`
				List      struct {
					ID string `json:"id"`
				} `json:"list"`
			} `json:"task"`
		} `json:"data"`
	}
	next := func() hook {
		t.Helper()
		select {
		case b := <-bodies:
			var h hook
			if err := json.Unmarshal(b, &h); err != nil {
				t.Fatal(err)
			}
			return h
		case <-time.After(30 * time.Second):
			t.Fatal("no webhook within 30 s")
		}
		return hook{}
	}

	var created struct {
		CreateTask struct{ Task struct{ ID string } }
	}
	due := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	if err := json.Unmarshal(mutate(`mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }`,
		map[string]any{"input": map[string]any{"title": "water plants", "dueAt": due,
			"reminders": []any{map[string]any{"minutesBefore": 15}}}}), &created); err != nil {
		t.Fatal(err)
	}
	id := created.CreateTask.Task.ID
	mutate(`mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": id})
	if h := next(); h.Type != "task.deleted" || h.Data.TaskID != id || h.Data.Task != nil {
		t.Fatalf("first webhook %+v, want task.deleted of %s", h, id)
	}
	mutate(`mutation($id: ID!) { restoreTask(id: $id) { task { id } } }`, map[string]any{"id": id})
	h := next()
	if h.Type != "task.restored" || h.Data.TaskID != id || h.Data.UserID != "restoring-user" ||
		h.Data.ActorID == nil || *h.Data.ActorID != "restoring-user" || h.Data.ListID == nil || h.Data.Task == nil {
		t.Fatalf("second webhook %+v, want task.restored of %s with its list and actor", h, id)
	}
	if task := h.Data.Task; task.ID != id || task.Title != "water plants" || task.DeletedAt != nil || task.Version != 3 ||
		len(task.Reminders) != 1 || task.List.ID != *h.Data.ListID {
		t.Errorf("task.restored's task %+v", task)
	}
	var lists struct {
		Lists []struct{ ID string }
	}
	if err := json.Unmarshal(mutate(`{ lists { id } }`, nil), &lists); err != nil || len(lists.Lists) == 0 || lists.Lists[0].ID != *h.Data.ListID {
		t.Errorf("task.restored's listId %s, want the Inbox (%+v)", *h.Data.ListID, lists)
	}
}
