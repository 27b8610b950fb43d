package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"taskapi/graph"
)

// TestSchemaFileMatchesIntrospection: the committed schema.graphqls, from which clients generate their types
// (graphql-codegen, see docs/clients.md), is exactly what the server answers to GraphiQL's introspection query. Both are
// printed by gqlparser's formatter, so only meaning counts, not layout: a type, field, argument, default, enum
// value, description or deprecation that differs fails.
func TestSchemaFileMatchesIntrospection(t *testing.T) {
	raw, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	committed := canonical(t, "schema.graphqls", string(raw))
	introspected := canonical(t, "introspection", sdlFromIntrospection(t, introspect(t)))
	if committed != introspected {
		t.Errorf("schema.graphqls and the server's introspection differ; run go tool gqlgen generate and commit.\n%s",
			lineDiff(committed, introspected))
	}
}

// TestSchemaComparisonIsAlive: the printer above notices a change, so the comparison is not vacuous.
func TestSchemaComparisonIsAlive(t *testing.T) {
	raw, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	introspected := canonical(t, "introspection", sdlFromIntrospection(t, introspect(t)))
	for _, edit := range []string{
		strings.Replace(string(raw), "scalar DateTime", "scalar DateTime\nscalar Extra", 1),
		strings.Replace(string(raw), "  title: String!", "  title: String", 1),
	} {
		if edit == string(raw) {
			t.Fatalf("the edit did not apply")
		}
		if canonical(t, "edited", edit) == introspected {
			t.Errorf("an edited schema compares equal to the introspection")
		}
	}
}

// introspect runs GraphiQL's introspection query (testdata/introspection.graphql) through gqlgen's executor with
// the executable schema, as the server's /graphql does.
func introspect(t *testing.T) introspectionSchema {
	t.Helper()
	query, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	exec := executor.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}))
	exec.Use(extension.Introspection{})
	ctx := graphql.StartOperationTrace(context.Background())
	rc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: string(query)})
	if errs != nil {
		t.Fatalf("introspection: %v", errs)
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if len(resp.Errors) > 0 {
		t.Fatalf("introspection: %v", resp.Errors)
	}
	var out struct {
		Schema introspectionSchema `json:"__schema"`
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Schema
}

type introspectionSchema struct {
	Description  string
	QueryType    *struct{ Name string }
	MutationType *struct{ Name string }
	Types        []struct {
		Kind, Name, Description string
		SpecifiedByURL          *string
		Fields                  []struct {
			Name, Description string
			Args              []inputValue
			Type              typeRef
			IsDeprecated      bool
			DeprecationReason *string
		}
		InputFields []inputValue
		Interfaces  []typeRef
		EnumValues  []struct {
			Name, Description string
			IsDeprecated      bool
			DeprecationReason *string
		}
		PossibleTypes []typeRef
	}
	Directives []struct {
		Name, Description string
		IsRepeatable      bool
		Locations         []string
		Args              []inputValue
	}
}

type inputValue struct {
	Name, Description string
	Type              typeRef
	DefaultValue      *string
	IsDeprecated      bool
	DeprecationReason *string
}

type typeRef struct {
	Kind, Name string
	OfType     *typeRef
}

func (r typeRef) String() string {
	switch r.Kind {
	case "NON_NULL":
		return r.OfType.String() + "!"
	case "LIST":
		return "[" + r.OfType.String() + "]"
	}
	return r.Name
}

// builtins are the types and directives every GraphQL schema has; neither side prints them.
var builtins = []string{"String", "Int", "Float", "Boolean", "ID", "include", "skip", "deprecated", "specifiedBy", "oneOf", "defer"}

// sdlFromIntrospection writes the introspection result as SDL, leaving the layout to the formatter.
func sdlFromIntrospection(t *testing.T, s introspectionSchema) string {
	t.Helper()
	var b strings.Builder
	str := func(v string) string { q, _ := json.Marshal(v); return string(q) } // JSON escapes are GraphQL's
	desc := func(indent, d string) {
		if d != "" {
			b.WriteString(indent + str(d) + "\n")
		}
	}
	deprecated := func(is bool, reason *string) string {
		if !is {
			return ""
		}
		if reason == nil {
			return " @deprecated"
		}
		return " @deprecated(reason: " + str(*reason) + ")"
	}
	args := func(vals []inputValue, sep string) string {
		var parts []string
		for _, v := range vals {
			p := ""
			if v.Description != "" {
				p = str(v.Description) + " "
			}
			p += v.Name + ": " + v.Type.String()
			if v.DefaultValue != nil {
				p += " = " + *v.DefaultValue
			}
			parts = append(parts, p+deprecated(v.IsDeprecated, v.DeprecationReason))
		}
		return strings.Join(parts, sep)
	}
	names := func(refs []typeRef) []string {
		var out []string
		for _, r := range refs {
			out = append(out, r.Name)
		}
		return out
	}
	b.WriteString("schema {\n")
	if s.QueryType != nil {
		b.WriteString("  query: " + s.QueryType.Name + "\n")
	}
	if s.MutationType != nil {
		b.WriteString("  mutation: " + s.MutationType.Name + "\n")
	}
	b.WriteString("}\n")
	for _, typ := range s.Types {
		if strings.HasPrefix(typ.Name, "__") || slices.Contains(builtins, typ.Name) {
			continue
		}
		desc("", typ.Description)
		switch typ.Kind {
		case "SCALAR":
			b.WriteString("scalar " + typ.Name)
			if typ.SpecifiedByURL != nil {
				b.WriteString(" @specifiedBy(url: " + str(*typ.SpecifiedByURL) + ")")
			}
			b.WriteString("\n")
		case "OBJECT", "INTERFACE":
			kw := map[string]string{"OBJECT": "type ", "INTERFACE": "interface "}[typ.Kind]
			b.WriteString(kw + typ.Name)
			if len(typ.Interfaces) > 0 {
				b.WriteString(" implements " + strings.Join(names(typ.Interfaces), " & "))
			}
			b.WriteString(" {\n")
			for _, f := range typ.Fields {
				desc("  ", f.Description)
				b.WriteString("  " + f.Name)
				if len(f.Args) > 0 {
					b.WriteString("(" + args(f.Args, ", ") + ")")
				}
				b.WriteString(": " + f.Type.String() + deprecated(f.IsDeprecated, f.DeprecationReason) + "\n")
			}
			b.WriteString("}\n")
		case "UNION":
			b.WriteString("union " + typ.Name + " = " + strings.Join(names(typ.PossibleTypes), " | ") + "\n")
		case "ENUM":
			b.WriteString("enum " + typ.Name + " {\n")
			for _, v := range typ.EnumValues {
				desc("  ", v.Description)
				b.WriteString("  " + v.Name + deprecated(v.IsDeprecated, v.DeprecationReason) + "\n")
			}
			b.WriteString("}\n")
		case "INPUT_OBJECT":
			b.WriteString("input " + typ.Name + " {\n  " + args(typ.InputFields, "\n  ") + "\n}\n")
		default:
			t.Fatalf("type %s of kind %s", typ.Name, typ.Kind)
		}
	}
	for _, d := range s.Directives {
		if slices.Contains(builtins, d.Name) {
			continue
		}
		desc("", d.Description)
		b.WriteString("directive @" + d.Name)
		if len(d.Args) > 0 {
			b.WriteString("(" + args(d.Args, ", ") + ")")
		}
		if d.IsRepeatable {
			b.WriteString(" repeatable")
		}
		b.WriteString(" on " + strings.Join(d.Locations, " | ") + "\n")
	}
	return b.String()
}

// canonical parses SDL (with GraphQL's built-ins) and prints it with gqlparser's formatter.
func canonical(t *testing.T, name, sdl string) string {
	t.Helper()
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: sdl})
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, sdl)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(schema)
	return buf.String()
}

// lineDiff lists the lines only one side has.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- schema.graphqls:  "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ introspection:    "+l)
		}
	}
	return strings.Join(out, "\n")
}
