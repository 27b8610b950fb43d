package graph

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The selection predicates that graph/internal/seqlists generates decide per query whether a list of tasks (or of
// edges, or of nodes) is marshalled a goroutine per element: only when the selection reaches a field resolved
// concurrently (a task's reminders through their loader, a recurrence's upcoming dates), however it is spelled
// (fragments, inline fragments on an interface, @skip and @include).
func TestSelectsConcurrent(t *testing.T) {
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  bool
	}{
		{"PlainFields", `{ tasks { edges { cursor node { id title priority dueAt tags completed seriesId } } } }`, nil, false},
		{"Reminders", `{ tasks { edges { node { id reminders { remindAt } } } } }`, nil, true},
		{"RemindersInFragments",
			`{ tasks { edges { ...edge } } } fragment edge on TaskEdge { node { ...task } } fragment task on Task { reminders { id } }`,
			nil, true},
		{"RemindersSkipped", `query($skip: Boolean!) { tasks { edges { node { id reminders @skip(if: $skip) { id } } } } }`,
			map[string]any{"skip": true}, false},
		{"RemindersIncluded", `query($skip: Boolean!) { tasks { edges { node { id reminders @skip(if: $skip) { id } } } } }`,
			map[string]any{"skip": false}, true},
		{"RecurrenceRule", `{ tasks { edges { node { recurrence { frequency rrule } } } } }`, nil, false},
		{"RecurrenceUpcoming", `{ tasks { edges { node { recurrence { upcoming } } } } }`, nil, true},
		{"NodesPlain", `{ nodes(ids: []) { id ... on Task { title } } }`, nil, false},
		{"NodesReminders", `{ nodes(ids: []) { id ... on Task { reminders { id } } } }`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(parsedSchema, tc.query)
			if errs != nil {
				t.Fatal(errs)
			}
			opCtx := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: tc.vars}
			ec := newExecutionContext(opCtx, &executableSchema{}, nil)
			root := graphql.CollectFields(opCtx, doc.Operations[0].SelectionSet, []string{"Query"})[0]
			var got bool
			switch root.Name {
			case "tasks":
				edges := collectedField(t, graphql.CollectFields(opCtx, root.Selections, taskConnectionImplementors), "edges")
				got = ec.selectsConcurrent_TaskEdge(edges.Selections)
			case "nodes":
				got = ec.selectsConcurrent_Task(root.Selections)
			}
			if got != tc.want {
				t.Errorf("the list's selection resolves concurrently: %v, want %v", got, tc.want)
			}
		})
	}
}

func collectedField(t *testing.T, fields []graphql.CollectedField, name string) graphql.CollectedField {
	t.Helper()
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %s", name)
	return graphql.CollectedField{Field: &ast.Field{}}
}
