package graph_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// adversarial documents, each at most 64 KiB, and the limit each must hit.
func adversarialDocuments() map[string]struct{ query, limit string } {
	repeat := func(s string, n int) string { return strings.Repeat(s, n) }
	var doubling strings.Builder
	doubling.WriteString("query { task(id: \"x\") { ...F30 } }\nfragment F0 on Task { id title }\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&doubling, "fragment F%d on Task { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	var aliases, variables, roots, complexity strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&aliases, "a%d: viewer { id } ", i)
	}
	variables.WriteString("query(")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&variables, "$v%d: Int ", i)
	}
	variables.WriteString(") { viewer { id } }")
	for i := 0; i < 25; i++ {
		roots.WriteString("viewer { id } ")
	}
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&complexity, "t%d: tasks(first: 100) { edges { cursor node { %s } } } ", i, taskFields)
	}
	docs := map[string]struct{ query, limit string }{
		"ThousandsOfRepeatedFields": {"{ viewer { " + repeat("id ", 20000) + "} }", "tokens"},
		"RepeatedFieldsUnderTokens": {"{ viewer { " + repeat("id ", 5000) + "} }", "fields"},
		"DoublingFragmentSpreads":   {doubling.String(), "fields"},
		"AliasFlood":                {"{ " + aliases.String() + "}", "aliases"},
		"DirectiveFlood":            {"{ viewer " + repeat("@skip(if: false) ", 1000) + "{ id } }", "directives"},
		"DeepNesting":               {"{ __schema { types { fields { type { " + repeat("ofType { ", 200) + "name" + repeat(" }", 200) + " } } } } }", "depth"},
		"DeepIntrospection":         {"{ __type(name: \"Task\") { " + repeat("ofType { ", 30) + "name" + repeat(" }", 30) + " } }", "depth"},
		"ThousandsOfVariables":      {variables.String(), "variables"},
		"TooManyRootFields":         {"{ " + roots.String() + "}", "rootFields"},
		"HugePagesEverywhere":       {"{ " + complexity.String() + "}", "complexity"},
	}
	return docs
}

func TestLimitsRefuseAdversarialDocuments(t *testing.T) {
	a := newAPI(t, "sqlite")
	for name, doc := range adversarialDocuments() {
		t.Run(name, func(t *testing.T) {
			if len(doc.query) > 64<<10 {
				t.Fatalf("document is %d bytes, over 64 KiB", len(doc.query))
			}
			r := a.doRaw("alice", doc.query)
			if c := r.code(t); c != "QUERY_TOO_COMPLEX" {
				t.Fatalf("code = %q: %+v", c, r.Errors)
			}
			if got := r.Errors[0].Extensions["limit"]; got != doc.limit {
				t.Errorf("limit = %v, want %s", got, doc.limit)
			}
			if r.HasData {
				t.Errorf("a refused document must have no data")
			}
		})
	}
}

func TestLimitsAdmitRealClients(t *testing.T) {
	a := newAPI(t, "sqlite")
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	documents := map[string]string{
		"GraphiQLIntrospection": string(introspection),
		"Dashboard": `query Dashboard {
			tasks(filter: { status: PENDING }, orderBy: { field: DUE_AT, direction: ASC }, first: 100) {
				edges { cursor node { __typename ` + taskFields + ` } } pageInfo { hasNextPage endCursor } totalCount }
			overdue: tasks(filter: { overdue: true }, first: 20) { nodes { __typename id title dueAt } totalCount }
			taskStats(timeZone: "Europe/Berlin") { total completed pending overdue dueToday completionRate
				byPriority { priority count } byTag { tag count } }
			tags(first: 10) { tag count }
			viewer { id email name } }`,
	}
	for name, q := range documents {
		t.Run(name, func(t *testing.T) {
			a.doRaw("alice", q).noErrors(t)
		})
	}
}

// doRaw posts a document as user and decodes the answer whatever its status.
func (a *api) doRaw(user, query string) result {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, raw := a.request("POST", "/graphql", map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + token(a.t, user),
	}, body)
	_ = resp
	var out result
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

func BenchmarkAdversarialDocuments(b *testing.B) {
	a := newAPI(b, "sqlite")
	for name, doc := range adversarialDocuments() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				a.doRaw("alice", doc.query)
			}
		})
	}
}
