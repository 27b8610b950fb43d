package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"taskapi/model/modeltest"
)

// TestReadCacheAcrossInstances: two instances over one PostgreSQL database, each with its read cache (the default).
// Once the second has served a user's dashboard from its cache, every write the user makes on the first is in the
// second's very next answer (no wait, no notification needed), and another user reads only their own.
func TestReadCacheAcrossInstances(t *testing.T) {
	var pg bool
	for _, kind := range modeltest.Databases(t) {
		pg = pg || kind == modeltest.Postgres
	}
	if !pg {
		t.Skip("PostgreSQL is not reachable (and CI is not set)")
	}
	url := modeltest.MustURL(t, modeltest.MustOpenDB(t, modeltest.Postgres))
	settings := []string{"DATABASE_URL", url, "BETTER_AUTH_SECRET", secret, "SHUTDOWN_GRACE", "0", "RATE_LIMIT_RPS", "0"}
	a := startServer(t, nil, settings...)
	b := startServer(t, nil, settings...)
	tok, other := userToken(t, "cached-reader"), userToken(t, "cached-other")

	post := func(baseURL, tok, query string, vars map[string]any) json.RawMessage {
		t.Helper()
		r, _, err := graphqlPost(context.Background(), http.DefaultClient, baseURL, tok, query, vars)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %+v", query, err, r.Errors)
		}
		return r.Data
	}
	const dashboard = `{
  tasks(filter: {status: PENDING}, orderBy: {field: CREATED_AT, direction: ASC}, first: 10) { totalCount nodes { title tags } }
  taskStats(timeZone: "Europe/Berlin") { total completed }
  tags(first: 10) { tag count }
}`
	const create = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { message } } }`
	id := func(data json.RawMessage) string {
		var d struct {
			CreateTask struct{ Task struct{ ID string } }
		}
		if err := json.Unmarshal(data, &d); err != nil || d.CreateTask.Task.ID == "" {
			t.Fatalf("createTask answered %s", data)
		}
		return d.CreateTask.Task.ID
	}
	first := id(post(a.url, tok, create, map[string]any{"input": map[string]any{"title": "first", "tags": []string{"work"}}}))
	second := id(post(a.url, tok, create, map[string]any{"input": map[string]any{"title": "second", "tags": []string{"work"}}}))
	post(a.url, other, create, map[string]any{"input": map[string]any{"title": "not yours", "tags": []string{"secret"}}})

	hits := func() float64 {
		m := scrape(t, b.url)
		return m[`taskapi_read_cache_lookups_total{read="tasks",result="hit"}`] +
			m[`taskapi_read_cache_lookups_total{read="taskStats",result="hit"}`] +
			m[`taskapi_read_cache_lookups_total{read="tags",result="hit"}`]
	}
	want := func(step string, got json.RawMessage, expected string) {
		t.Helper()
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(expected), &w); err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Fatalf("%s: the second instance answered\n%s\nwant\n%s", step, gj, wj)
		}
	}
	before := `{"tasks":{"totalCount":2,"nodes":[{"title":"first","tags":["work"]},{"title":"second","tags":["work"]}]},
		"taskStats":{"total":2,"completed":0},"tags":[{"tag":"work","count":2}]}`
	want("first read", post(b.url, tok, dashboard, nil), before)
	h0 := hits()
	want("second read", post(b.url, tok, dashboard, nil), before)
	if h := hits(); h-h0 != 3 {
		t.Fatalf("the second read was served %v times from the cache, want all 3 of its fields", h-h0)
	}

	// Writes on the first instance, each read at once on the second.
	post(a.url, tok, `mutation($id: ID!) { updateTask(id: $id, input: {title: "renamed", tags: ["home"]}) { task { id } } }`, map[string]any{"id": first})
	want("after an update on the other instance", post(b.url, tok, dashboard, nil),
		`{"tasks":{"totalCount":2,"nodes":[{"title":"renamed","tags":["home"]},{"title":"second","tags":["work"]}]},
		"taskStats":{"total":2,"completed":0},"tags":[{"tag":"home","count":1},{"tag":"work","count":1}]}`)
	post(a.url, tok, `mutation($id: ID!) { setTaskCompleted(id: $id, completed: true) { task { id } } }`, map[string]any{"id": second})
	want("after a completion on the other instance", post(b.url, tok, dashboard, nil),
		`{"tasks":{"totalCount":1,"nodes":[{"title":"renamed","tags":["home"]}]},
		"taskStats":{"total":2,"completed":1},"tags":[{"tag":"home","count":1},{"tag":"work","count":1}]}`)
	post(a.url, tok, `mutation($id: ID!) { deleteTask(id: $id) { deletedTaskId } }`, map[string]any{"id": first})
	want("after a delete on the other instance", post(b.url, tok, dashboard, nil),
		`{"tasks":{"totalCount":0,"nodes":[]},"taskStats":{"total":1,"completed":1},"tags":[{"tag":"work","count":1}]}`)

	want("the other user, on the second instance", post(b.url, other, dashboard, nil),
		`{"tasks":{"totalCount":1,"nodes":[{"title":"not yours","tags":["secret"]}]},
		"taskStats":{"total":1,"completed":0},"tags":[{"tag":"secret","count":1}]}`)
}
