package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskapi/internal/apitest"
)

// adversarialDocument is a request meant to cost the server, and the limit that must refuse it.
type adversarialDocument struct {
	query         string
	operationName string
	variables     map[string]any
	limit         string
}

// adversarialDocuments are the shapes the limits must refuse, each at most 64 KiB (and under the 32 KiB document
// limit unless that is the limit named). Each is sized to pass every
// limit checked before the one it names, so that each limit is shown to hold on its own.
func adversarialDocuments() map[string]adversarialDocument {
	repeat := strings.Repeat
	var doubling strings.Builder
	doubling.WriteString("query { task(id: \"x\") { ...F30 } }\nfragment F0 on Task { id title }\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&doubling, "fragment F%d on Task { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	var aliases, variables, roots, complexity, spreads, fragments, nested strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&aliases, "a%d: viewer { id } ", i)
	}
	variables.WriteString("query(")
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&variables, "$v%d: Int ", i)
	}
	variables.WriteString(") { viewer { id } }")
	for i := 0; i < 25; i++ {
		roots.WriteString("viewer { id } ")
	}
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&complexity, "t%d: tasks(first: 100) { edges { cursor node { %s } } } ", i, apitest.TaskFields)
	}
	// Lists that are not pages of tasks cost what they may hold too: 20 pages of 500 events, and the upcoming
	// dates of every task of 5 pages.
	var feedPages, upcoming strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&feedPages, "e%d: taskEvents(after: \"x\", first: 500) { events { cursor } } ", i)
	}
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&upcoming, "t%d: tasks(first: 100) { nodes { recurrence { rrule upcoming(first: 20) } } } ", i)
	}
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&spreads, "...V%d ", i)
		fmt.Fprintf(&fragments, "fragment V%d on Viewer { id }\n", i)
	}
	nested.WriteString("{ tasks { ")
	for i := 0; i < 10; i++ {
		nested.WriteString("edges { " + repeat("node { "+repeat("id ", 10)+"} ", 10) + "} ")
	}
	nested.WriteString("} }")
	hugeTagList := make([]any, 20000)
	for i := range hugeTagList {
		hugeTagList[i] = "tag" + strconv.Itoa(i)
	}
	return map[string]adversarialDocument{
		"ThousandsOfRepeatedFields": {query: "{ viewer { " + repeat("id ", 10000) + "} }", limit: "tokens"},
		"CommentFlood":              {query: repeat("# comment\n", 3000) + "{ viewer { id } }", limit: "tokens"},
		"LongDocument":              {query: "{ viewer { " + repeat("id ", 20000) + "} }", limit: "documentBytes"},
		// Validation's "Did you mean" compares an unknown name with every known one by edit distance, at a cost
		// linear in the name's length: the document limit bounds it.
		"LongUnknownField":          {query: "{ " + repeat("x", 60000) + " }", limit: "documentBytes"},
		"LongUnknownArgument":       {query: "{ tasks(" + repeat("x", 60000) + ": 1) { totalCount } }", limit: "documentBytes"},
		"RepeatedFieldsUnderTokens": {query: "{ viewer { " + repeat("id ", 2500) + "} }", limit: "fields"},
		"DoublingFragmentSpreads":   {query: doubling.String(), limit: "fields"},
		"DoublingInAnOperationNotRun": {query: strings.Replace(doubling.String(), "query {", "query Small { viewer { id } }\nquery Big {", 1),
			operationName: "Small", limit: "fields"},
		"AliasFlood":           {query: "{ " + aliases.String() + "}", limit: "aliases"},
		"DirectiveFlood":       {query: "{ viewer " + repeat("@skip(if: false) ", 300) + "{ id } }", limit: "directives"},
		"DeepNesting":          {query: "{ __schema { types { fields { type { " + repeat("ofType { ", 200) + "name" + repeat(" }", 200) + " } } } } }", limit: "depth"},
		"DeepIntrospection":    {query: "{ __type(name: \"Task\") { " + repeat("ofType { ", 30) + "name" + repeat(" }", 30) + " } }", limit: "depth"},
		"ThousandsOfVariables": {query: strings.Replace(variables.String(), "query(", "query("+repeat("$w: Int ", 1000), 1), limit: "tokens"},
		"HundredsOfVariables":  {query: variables.String(), limit: "variables"},
		"TooManyRootFields":    {query: "{ " + roots.String() + "}", limit: "rootFields"},
		"HugePagesEverywhere":  {query: "{ " + complexity.String() + "}", limit: "complexity"},
		"HugeListVariable": {query: "query($tags: [String!]) { tasks(filter: {tags: $tags}) { totalCount } }",
			variables: map[string]any{"tags": hugeTagList}, limit: "variableValues"},
		// Validation compares every pair of selections that share a response name: quadratic in their number.
		"RepeatedFieldUnderFieldLimit": {query: "{ viewer { " + repeat("id ", 1500) + "} }", limit: "overlaps"},
		"InlineFragmentFlood":          {query: "{ node(id: \"x\") { " + repeat("... on Task { id } ", 380) + "} }", limit: "overlaps"},
		"FragmentsSideBySide":          {query: "{ viewer { " + spreads.String() + "} }\n" + fragments.String(), limit: "overlaps"},
		"NestedRepeats":                {query: nested.String(), limit: "overlaps"},
		"RepeatsInAnUnusedFragment":    {query: "{ viewer { id } }\nfragment Unused on Viewer { " + repeat("id ", 1500) + "}", limit: "overlaps"},
		"FeedPagesUnderAliases":        {query: "{ " + feedPages.String() + "}", limit: "complexity"},
		"UpcomingDatesOfEveryTask":     {query: "{ " + upcoming.String() + "}", limit: "complexity"},
		"AliasedFullIntrospection": {query: "{ a: __schema { types { name fields { name } } } b: __schema { types { name fields { name } } } }",
			limit: "introspection"},
	}
}

// send posts one document as user and decodes the answer whatever its status.
func send(a *apitest.API, user string, doc adversarialDocument) (*http.Response, apitest.Result) {
	a.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc.query, "operationName": doc.operationName, "variables": doc.variables})
	resp, raw := a.Request("POST", "/graphql", map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + apitest.Token(a.T, user),
	}, body)
	var out apitest.Result
	if err := json.Unmarshal(raw, &out); err != nil {
		a.T.Fatalf("decode %s: %v", raw, err)
	}
	return resp, out
}

func TestLimitsRefuseAdversarialDocuments(t *testing.T) {
	a := apitest.New(t, "sqlite")
	for name, doc := range adversarialDocuments() {
		t.Run(name, func(t *testing.T) {
			if len(doc.query) > 64<<10 {
				t.Fatalf("document is %d bytes, over 64 KiB", len(doc.query))
			}
			_, r := send(a, "alice", doc)
			if c := r.Code(t); c != "QUERY_TOO_COMPLEX" {
				t.Fatalf("code = %q: %+v", c, r.Errors)
			}
			if got := r.Errors[0].Extensions["limit"]; got != doc.limit {
				t.Errorf("limit = %v, want %s (%s)", got, doc.limit, r.Errors[0].Message)
			}
			if r.HasData {
				t.Errorf("a refused document must have no data")
			}
		})
	}
}

// realClientDocuments are documents that GraphiQL, Apollo Client and urql send for this schema; the limits must
// admit them all.
func realClientDocuments(t testing.TB) map[string]string {
	docs := map[string]string{
		// Apollo Client and urql add __typename to every selection set.
		"ReadmeDashboard": `query Dashboard {
			tasks(filter: { status: PENDING, tags: ["work"] }, orderBy: { field: DUE_AT, direction: ASC }, first: 20) {
				edges { cursor node { id title priority dueAt tags } } pageInfo { hasNextPage endCursor } totalCount }
			taskStats(timeZone: "Europe/Berlin") { total completed overdue dueToday completionRate byPriority { priority count } }
			tags(first: 10) { tag count } }`,
		"Dashboard": `query Dashboard {
			tasks(filter: { status: PENDING }, orderBy: { field: DUE_AT, direction: ASC }, first: 100) {
				edges { cursor node { __typename ` + apitest.TaskFields + ` } } pageInfo { hasNextPage endCursor } totalCount }
			overdue: tasks(filter: { overdue: true }, first: 20) { nodes { __typename id title dueAt } totalCount }
			taskStats(timeZone: "Europe/Berlin") { total completed pending overdue dueToday completionRate
				byPriority { priority count } byTag { tag count } }
			tags(first: 10) { tag count }
			viewer { id email name } }`,
	}
	for name, file := range map[string]string{
		"GraphiQLIntrospection": "testdata/introspection.graphql",
		"ApolloWithFragments":   "testdata/apollo-dashboard.graphql",
		"UrqlTaskPage":          "testdata/urql-task-page.graphql",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(b)
	}
	return docs
}

func TestLimitsAdmitRealClients(t *testing.T) {
	a := apitest.New(t, "sqlite")
	for name, q := range realClientDocuments(t) {
		t.Run(name, func(t *testing.T) {
			_, r := send(a, "alice", adversarialDocument{query: q,
				variables: map[string]any{"id": "x", "ids": []any{"x"}}})
			r.NoErrors(t)
		})
	}
	t.Run("GraphiQLIntrospectionByName", func(t *testing.T) {
		// GraphiQL names the operation.
		_, r := send(a, "alice", adversarialDocument{query: realClientDocuments(t)["GraphiQLIntrospection"], operationName: "IntrospectionQuery"})
		r.NoErrors(t)
	})
}

// Each operation of a batch is checked on its own: one over a limit is refused in its place, the others run, and
// operations that are each within the limits pass even when together they would not.
func TestLimitsCheckEachOperationOfABatch(t *testing.T) {
	a := apitest.New(t, "sqlite")
	var aliases strings.Builder
	for i := 0; i < 25; i++ { // 25 aliases each, 75 together, against a limit of 30
		fmt.Fprintf(&aliases, "a%d: id ", i)
	}
	within := map[string]any{"query": "{ viewer { " + aliases.String() + "} }"}
	over := map[string]any{"query": "{ viewer { " + strings.Repeat("id ", 1500) + "} }"}
	body, _ := json.Marshal([]any{within, over, within})
	resp, raw := a.Request("POST", "/graphql", map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + apitest.Token(t, "alice"),
	}, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var results []apitest.Result
	if err := json.Unmarshal(raw, &results); err != nil || len(results) != 3 {
		t.Fatalf("want an array of 3 results: %s", raw)
	}
	for _, i := range []int{0, 2} {
		results[i].NoErrors(t)
		if apitest.Path(results[i].Data, "viewer", "a24") != "alice" {
			t.Errorf("result %d: data = %v", i, results[i].Data)
		}
	}
	if c := results[1].Code(t); c != "QUERY_TOO_COMPLEX" || results[1].Errors[0].Extensions["limit"] != "overlaps" {
		t.Errorf("result 1: %+v", results[1].Errors)
	}
	if results[1].HasData {
		t.Errorf("result 1: a refused operation must have no data")
	}
}

// BenchmarkAdversarialDocuments measures what each adversarial shape, and for comparison a trivial document and the
// real clients' documents, costs through the whole handler. Every request carries a document the server has not
// seen (a numbered comment in front), so no cache hides the parsing and validation that an attacker would make the
// server repeat. cpu-ns/op is the process's CPU time per request (the server's and the benchmark's own client's);
// the trivial "Baseline" is the cost of a request that does nearly nothing.
func BenchmarkAdversarialDocuments(b *testing.B) {
	a := apitest.New(b, "sqlite")
	docs := adversarialDocuments()
	docs["Baseline"] = adversarialDocument{query: "{ viewer { id } }"}
	// Refused by counting the JSON text, before a list of half a million values is built.
	zeros := make([]any, 500000)
	for i := range zeros {
		zeros[i] = 0
	}
	docs["HalfAMillionVariableValues"] = adversarialDocument{query: "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
		variables: map[string]any{"ids": zeros}}
	// Within every limit but invalid: validation suggests names for them ("Did you mean"), by edit distances whose
	// cost grows with the unknown name's length, which the document limit bounds.
	long := strings.Repeat("x", 32<<10-64)
	docs["UnknownFieldAtTheDocumentLimit"] = adversarialDocument{query: "{ " + long + " }"}
	docs["UnknownArgumentAtTheDocumentLimit"] = adversarialDocument{query: "{ tasks(" + long + ": 1) { totalCount } }"}
	docs["UnknownEnumValueAtTheDocumentLimit"] = adversarialDocument{query: "{ tasks(orderBy: {field: " + long + ", direction: ASC}) { totalCount } }"}
	var many strings.Builder
	for i := 0; many.Len() < 32<<10-64; i++ {
		fmt.Fprintf(&many, "unknownFieldNumber%06dxxxxxxxxxxxxxxxxxx ", i)
	}
	docs["ManyUnknownFieldsAtTheDocumentLimit"] = adversarialDocument{query: "{ " + many.String() + "}"}
	docs["UnknownInputFieldAtTheDocumentLimit"] = adversarialDocument{query: "{ tasks(filter: {" + long + ": 1}) { totalCount } }"}
	for name, q := range realClientDocuments(b) {
		docs["Admitted"+name] = adversarialDocument{query: q, variables: map[string]any{"id": "x", "ids": []any{"x"}}}
	}
	tok := apitest.Token(b, "alice")
	for name, doc := range docs {
		b.Run(name, func(b *testing.B) {
			// The body is put together by hand so that encoding a large variable once does not count per request.
			rest, _ := json.Marshal(map[string]any{"operationName": doc.operationName, "variables": doc.variables})
			start, i := processCPU(), 0
			for b.Loop() {
				i++
				query, _ := json.Marshal("# " + strconv.Itoa(i) + "\n" + doc.query)
				body := append(append(append([]byte(`{"query":`), query...), ','), rest[1:]...)
				a.Request("POST", "/graphql", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok}, body)
			}
			if cpu := processCPU() - start; cpu > 0 {
				b.ReportMetric(float64(cpu/time.Nanosecond)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
