package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"taskapi/auth"
)

// testServer is the real server (serve, as main runs it) on a free port, stopped by cancelling its context, which
// is what SIGTERM does in main.
type testServer struct {
	t      testing.TB
	addr   string
	url    string
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

// startServer loads the configuration from pairs (PORT=0 unless given), lets change adjust it, and serves.
func startServer(t testing.TB, change func(*Config), pairs ...string) *testServer {
	t.Helper()
	pairs = append([]string{"PORT", "0"}, pairs...)
	cfg, err := loadConfig(env(pairs...))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{t: t, cancel: cancel, done: make(chan error, 1), logs: &syncBuffer{}}
	logger := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ready := make(chan string, 1)
	go func() { s.done <- serve(ctx, cfg, logger, io.Discard, ready) }()
	select {
	case s.addr = <-ready:
	case err := <-s.done:
		t.Fatalf("serve: %v\n%s", err, s.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start")
	}
	s.url = "http://" + s.addr
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop")
		}
	})
	return s
}

// stop cancels the server's context and returns what serve returned.
func (s *testServer) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(60 * time.Second):
		s.t.Fatal("the server did not stop")
		return nil
	}
}

// userToken signs a token for id with the tests' secret.
func userToken(t testing.TB, id string) string {
	t.Helper()
	tok, err := auth.SignHS256([]byte(secret), auth.Viewer{ID: id}, time.Hour, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// gqlResult is a decoded GraphQL response.
type gqlResult struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// codes lists the extensions.code of every error.
func (r gqlResult) codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// graphql posts one operation with client and decodes the answer; err is a transport failure or a status other
// than 200.
func graphqlPost(ctx context.Context, client *http.Client, baseURL, tok, query string, vars map[string]any) (gqlResult, *http.Response, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlResult{}, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := client.Do(req)
	if err != nil {
		return gqlResult{}, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResult{}, resp, err
	}
	var out gqlResult
	if resp.StatusCode != http.StatusOK {
		return out, resp, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, resp, fmt.Errorf("decode %s: %w", raw, err)
	}
	return out, resp, nil
}

// getStatus returns the status of GET url (0 when the request fails).
func getStatus(client *http.Client, url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

const createTaskMutation = `mutation Create($input: CreateTaskInput!) {
  createTask(input: $input) { task { id } userErrors { message } }
}`

// createdID returns the id of the task a createTask response acknowledges, or "".
func createdID(r gqlResult) string {
	var d struct {
		CreateTask *struct {
			Task *struct{ ID string }
		}
	}
	if json.Unmarshal(r.Data, &d) != nil || d.CreateTask == nil || d.CreateTask.Task == nil {
		return ""
	}
	return d.CreateTask.Task.ID
}

// allTaskIDs pages through the user's tasks.
func allTaskIDs(t testing.TB, client *http.Client, baseURL, tok string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	var after *string
	for {
		r, _, err := graphqlPost(context.Background(), client, baseURL, tok,
			`query Page($after: String) { tasks(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after})
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("list tasks: %v %v", err, r.Errors)
		}
		var d struct {
			Tasks struct {
				Nodes    []struct{ ID string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		for _, n := range d.Tasks.Nodes {
			ids[n.ID] = true
		}
		if !d.Tasks.PageInfo.HasNextPage {
			return ids
		}
		c := d.Tasks.PageInfo.EndCursor
		after = &c
	}
}

// containsAny reports whether s contains any of the parts.
func containsAny(s string, parts ...string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
