package httpapi

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"taskapi/internal/sizedcache"
)

var _ graphql.Cache[*ast.QueryDocument] = (*sizedcache.Cache[string, *ast.QueryDocument])(nil)

// nodeCost is what one node of a parsed and validated document takes in memory, beyond the document's text, which
// the parsed document keeps (its names and strings are substrings of it): the node, its position, and what
// validation attaches. Measured on real clients' documents and alias-heavy ones at about 250 bytes; this errs above.
const nodeCost = 320

// documentCost estimates the memory a parsed and validated document takes in the query cache: its text, plus
// nodeCost for each selection, argument, value, directive, variable definition, fragment and operation.
func documentCost(query string, doc *ast.QueryDocument) int64 {
	nodes := 0
	var value func(v *ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		nodes++
		for _, c := range v.Children {
			value(c.Value)
		}
	}
	directives := func(list ast.DirectiveList) {
		for _, d := range list {
			nodes++
			for _, a := range d.Arguments {
				nodes++
				value(a.Value)
			}
		}
	}
	var selections func(set ast.SelectionSet)
	selections = func(set ast.SelectionSet) {
		for _, sel := range set {
			nodes++
			switch s := sel.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					nodes++
					value(a.Value)
				}
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
			}
		}
	}
	if doc != nil {
		for _, op := range doc.Operations {
			nodes++
			directives(op.Directives)
			for _, v := range op.VariableDefinitions {
				nodes++
				value(v.DefaultValue)
				directives(v.Directives)
			}
			selections(op.SelectionSet)
		}
		for _, f := range doc.Fragments {
			nodes++
			directives(f.Directives)
			selections(f.SelectionSet)
		}
	}
	return int64(len(query)) + int64(nodes)*nodeCost + sizedcache.EntryOverhead
}
