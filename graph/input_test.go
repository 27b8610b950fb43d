package graph_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// TestClientInputIsTheClients sends what a careless or hostile client sends and checks that each is answered with
// the code the client can act on, the argument or variable named, never INTERNAL_SERVER_ERROR, and nothing logged
// at error level (which is what the alert in docs/operations.md watches).
func TestClientInputIsTheClients(t *testing.T) {
	const createLiteral = `mutation { createTask(input: {title: "x", dueAt: %s}) { task { id } } }`
	const createVar = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }`
	const listVar = `query($f: TaskFilter) { tasks(filter: $f) { totalCount } }`
	cases := []struct {
		name    string
		query   string
		vars    map[string]any
		status  int // with Accept: application/graphql-response+json
		code    string
		field   string
		hasData bool
		noIntro bool
	}{
		{"LiteralNotADate", strings.Replace(createLiteral, "%s", `"tomorrow"`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralEmpty", strings.Replace(createLiteral, "%s", `""`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralNumber", strings.Replace(createLiteral, "%s", `5`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralNoSuchDay", strings.Replace(createLiteral, "%s", `"2026-02-30T00:00:00Z"`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralYear10000InUTC", strings.Replace(createLiteral, "%s", `"9999-12-31T23:59:59-23:59"`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralYear0InUTC", strings.Replace(createLiteral, "%s", `"0001-01-01T00:00:00+01:00"`, 1), nil, 200, "BAD_USER_INPUT", "input.dueAt", true, false},
		{"LiteralInFilter", `{ tasks(filter: {dueBefore: "x"}) { totalCount } }`, nil, 200, "BAD_USER_INPUT", "filter.dueBefore", true, false},
		{"VariableNotADate", createVar, map[string]any{"input": map[string]any{"title": "x", "dueAt": "tomorrow"}}, 400, "BAD_USER_INPUT", "$input.dueAt", false, false},
		{"VariableYear10000", createVar, map[string]any{"input": map[string]any{"title": "x", "dueAt": "9999-12-31T23:59:59-23:59"}}, 400, "BAD_USER_INPUT", "$input.dueAt", false, false},
		{"VariableInFilter", listVar, map[string]any{"f": map[string]any{"dueAfter": 5}}, 400, "BAD_USER_INPUT", "$f.dueAfter", false, false},
		{"VariableScalar", `query($d: DateTime) { tasks(filter: {dueBefore: $d}) { totalCount } }`, map[string]any{"d": ""}, 400, "BAD_USER_INPUT", "$d", false, false},
		{"VariableBuiltInScalar", `query($n: Int) { tasks(first: $n) { totalCount } }`, map[string]any{"n": "many"}, 400, "BAD_USER_INPUT", "$n", false, false},
		{"NULInSearch", `{ tasks(filter: {search: "a\u0000b"}) { totalCount } }`, nil, 200, "BAD_USER_INPUT", "filter.search", true, false},
		{"NULInTags", listVar, map[string]any{"f": map[string]any{"tags": []any{"ok", "a\x00b"}}}, 200, "BAD_USER_INPUT", "filter.tags", true, false},
		{"SchemaWithoutIntrospection", `{ __schema { types { name } } }`, nil, 400, "GRAPHQL_VALIDATION_FAILED", "", false, true},
		{"TypeWithoutIntrospection", `{ __type(name: "Task") { name } }`, nil, 400, "GRAPHQL_VALIDATION_FAILED", "", false, true},
	}
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		open := apitest.New(t, kind, httpapi.Options{Logger: logger})
		closed := apitest.New(t, kind, httpapi.Options{Logger: logger, DisableIntrospection: true})
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				logs.Reset()
				a := open
				if c.noIntro {
					a = closed
				}
				body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
				resp, raw := a.Request(http.MethodPost, "/graphql", map[string]string{
					"Content-Type": "application/json", "Accept": "application/graphql-response+json",
					"Authorization": "Bearer " + apitest.Token(t, "alice"),
				}, body)
				var r apitest.Result
				if err := json.Unmarshal(raw, &r); err != nil {
					t.Fatalf("decode %s: %v", raw, err)
				}
				if resp.StatusCode != c.status || r.Code(t) != c.code || r.HasData != c.hasData {
					t.Fatalf("status %d, data %t: %s; want %d %s with data %t", resp.StatusCode, r.HasData, raw, c.status, c.code, c.hasData)
				}
				if got, _ := r.Errors[0].Extensions["field"].(string); got != c.field {
					t.Errorf("extensions.field = %q, want %q: %s", got, c.field, raw)
				}
				if strings.Contains(r.Errors[0].Message, "Internal") {
					t.Errorf("message %q", r.Errors[0].Message)
				}
				if strings.Contains(logs.String(), "level=ERROR") {
					t.Errorf("logged at error level: %s", logs.String())
				}
			})
		}
		t.Run("EdgesOfTheRangeAreStoredAndReadBack", func(t *testing.T) {
			for _, due := range []string{"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "0001-01-01T01:00:00+01:00", "9999-12-31T23:59:59+00:00"} {
				open.Create("edges", map[string]any{"title": due, "dueAt": due})
			}
			r := open.Do("edges", `{ tasks(orderBy: {field: DUE_AT, direction: ASC}) { nodes { dueAt } } }`, nil).NoErrors(t)
			nodes := apitest.Path(r.Data, "tasks", "nodes").([]any)
			if len(nodes) != 4 || apitest.Path(nodes[0], "dueAt") != "0001-01-01T00:00:00.000Z" || apitest.Path(nodes[3], "dueAt") != "9999-12-31T23:59:59.999Z" {
				t.Errorf("nodes = %v", nodes)
			}
		})
	})
}

// TestNoSuggestionsWithoutIntrospection: with introspection off, no validation error suggests a name ("Did you
// mean"), which would tell the schema introspection withholds; with it on they help.
func TestNoSuggestionsWithoutIntrospection(t *testing.T) {
	open := apitest.New(t, "sqlite")
	closed := apitest.New(t, "sqlite", httpapi.Options{DisableIntrospection: true})
	for name, query := range map[string]string{
		"Field":      `{ tas }`,
		"Argument":   `{ tasks(frist: 1) { totalCount } }`,
		"EnumValue":  `{ tasks(orderBy: {field: TITEL, direction: ASC}) { totalCount } }`,
		"InputField": `{ tasks(filter: {serach: "x"}) { totalCount } }`,
		"Type":       `query($f: TaskFiltr) { tasks(filter: $f) { totalCount } }`,
		"ScalarLeaf": `{ tasks { pageInfo } }`,
	} {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				a    *apitest.API
				want bool // introspection is on: suggestions may come
			}{{open, true}, {closed, false}} {
				r := c.a.Do("alice", query, nil)
				if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("errors = %+v", r.Errors)
				}
				suggests := false
				for _, e := range r.Errors {
					suggests = suggests || strings.Contains(e.Message, "Did you mean")
				}
				// Not every rule has a suggestion for every mistake; none may have one with introspection off.
				if suggests && !c.want || !suggests && c.want && name == "Field" {
					t.Errorf("introspection %t: suggestions %t: %+v", c.want, suggests, r.Errors)
				}
			}
		})
	}
}
