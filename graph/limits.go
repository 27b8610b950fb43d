package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound what one document may cost. They are checked before the costly work: tokens before parsing, the
// shape of the document (depth, aliases, root fields, fields after expanding fragments, directives, variables)
// after parsing but before gqlgen validates it, and complexity after validation. Every refusal is a
// QUERY_TOO_COMPLEX error whose extensions.limit names the limit. Zero values take the defaults, which admit every
// document GraphiQL (its introspection query included), Apollo Client and urql send for this schema.
type Limits struct {
	MaxTokens     int // lexical tokens in the document (default 10000)
	MaxDepth      int // nesting of selections, fragments expanded, introspection included (default 20)
	MaxAliases    int // aliased fields in the document (default 30)
	MaxRootFields int // fields at the root of the operation, fragments expanded (default 20)
	MaxFields     int // field selections once every fragment spread is expanded (default 2000)
	MaxDirectives int // directives anywhere in the document (default 50)
	MaxVariables  int // variable definitions in the document (default 50)
	MaxComplexity int // gqlgen complexity, list fields costing their page size (default 10000)
}

func (l *Limits) defaults() {
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxTokens, 10000)
	set(&l.MaxDepth, 20)
	set(&l.MaxAliases, 30)
	set(&l.MaxRootFields, 20)
	set(&l.MaxFields, 2000)
	set(&l.MaxDirectives, 50)
	set(&l.MaxVariables, 50)
	set(&l.MaxComplexity, 10000)
}

// limiter enforces Limits as a gqlgen extension: MutateOperationParameters runs before gqlgen parses and validates,
// MutateOperationContext after.
type limiter struct {
	limits Limits
	schema graphql.ExecutableSchema
	// passed remembers documents that passed the shape checks, so a repeated query is not parsed twice.
	passed *lru.LRU[struct{}]
}

var (
	_ graphql.HandlerExtension          = (*limiter)(nil)
	_ graphql.OperationParameterMutator = (*limiter)(nil)
	_ graphql.OperationContextMutator   = (*limiter)(nil)
)

func newLimiter(limits Limits, schema graphql.ExecutableSchema) *limiter {
	limits.defaults()
	return &limiter{limits: limits, schema: schema, passed: lru.New[struct{}](1000)}
}

func (l *limiter) ExtensionName() string                          { return "Limits" }
func (l *limiter) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters checks tokens and the shape of the document before gqlgen parses and validates it.
func (l *limiter) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	if _, ok := l.passed.Get(ctx, params.Query); ok {
		return nil
	}
	src := &ast.Source{Input: params.Query}
	if n := countTokens(src, l.limits.MaxTokens); n > l.limits.MaxTokens {
		return tooComplex("tokens", fmt.Sprintf("The document has more than %d tokens.", l.limits.MaxTokens))
	}
	doc, err := parser.ParseQuery(src)
	if err != nil {
		return nil // gqlgen reports the syntax error itself, with its position
	}
	if err := l.checkShape(doc, params.OperationName); err != nil {
		return err
	}
	l.passed.Add(ctx, params.Query, struct{}{})
	return nil
}

// MutateOperationContext checks complexity once the document is known to be valid.
func (l *limiter) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	c := complexity.Calculate(ctx, l.schema, rc.Operation, rc.Variables)
	if c > l.limits.MaxComplexity {
		return tooComplex("complexity", fmt.Sprintf("The operation has complexity %d; the limit is %d. Ask for smaller pages or fewer fields.", c, l.limits.MaxComplexity))
	}
	return nil
}

// countTokens counts lexical tokens, stopping as soon as the count passes max.
func countTokens(src *ast.Source, max int) int {
	lex := lexer.New(src)
	n := 0
	for n <= max {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		n++
	}
	return n
}

// checkShape measures the document without expanding fragments more than once: each fragment's depth and field
// count are computed once and reused, so a chain of spreads that doubles at each level costs linear time to measure.
func (l *limiter) checkShape(doc *ast.QueryDocument, operationName string) *gqlerror.Error {
	var aliases, directives, variables int
	countDirectives := func(list ast.DirectiveList) { directives += len(list) }
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				countDirectives(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				countDirectives(s.Directives)
			case *ast.InlineFragment:
				countDirectives(s.Directives)
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		variables += len(op.VariableDefinitions)
		countDirectives(op.Directives)
		for _, v := range op.VariableDefinitions {
			countDirectives(v.Directives)
		}
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		countDirectives(f.Directives)
		walk(f.SelectionSet)
	}
	switch {
	case variables > l.limits.MaxVariables:
		return tooComplex("variables", fmt.Sprintf("The document defines more than %d variables.", l.limits.MaxVariables))
	case directives > l.limits.MaxDirectives:
		return tooComplex("directives", fmt.Sprintf("The document uses more than %d directives.", l.limits.MaxDirectives))
	case aliases > l.limits.MaxAliases:
		return tooComplex("aliases", fmt.Sprintf("The document uses more than %d aliases.", l.limits.MaxAliases))
	}

	m := &measurer{doc: doc, cap: l.limits.MaxFields + 1, memo: map[string]measure{}, roots: map[string]int{}, visiting: map[string]bool{}}
	ops := doc.Operations
	if op := doc.Operations.ForName(operationName); op != nil {
		ops = ast.OperationList{op}
	}
	for _, op := range ops {
		whole := m.selectionSet(op.SelectionSet)
		root := m.rootFields(op.SelectionSet)
		switch {
		case whole.depth > l.limits.MaxDepth:
			return tooComplex("depth", fmt.Sprintf("The operation is nested more than %d levels deep.", l.limits.MaxDepth))
		case root > l.limits.MaxRootFields:
			return tooComplex("rootFields", fmt.Sprintf("The operation asks for more than %d root fields.", l.limits.MaxRootFields))
		case whole.fields > l.limits.MaxFields:
			return tooComplex("fields", fmt.Sprintf("The operation selects more than %d fields once its fragments are expanded.", l.limits.MaxFields))
		}
	}
	return nil
}

// measure is the depth and the number of field selections of a selection set with its fragments expanded.
type measure struct{ depth, fields int }

type measurer struct {
	doc      *ast.QueryDocument
	cap      int // counts saturate here, so that doubling fragments cannot overflow
	memo     map[string]measure
	roots    map[string]int
	visiting map[string]bool // fragment cycles are a validation error; they count as empty here
}

func (m *measurer) selectionSet(set ast.SelectionSet) measure {
	var out measure
	for _, sel := range set {
		var sub measure
		switch s := sel.(type) {
		case *ast.Field:
			child := m.selectionSet(s.SelectionSet)
			sub = measure{depth: child.depth + 1, fields: child.fields + 1}
		case *ast.InlineFragment:
			sub = m.selectionSet(s.SelectionSet)
		case *ast.FragmentSpread:
			sub = m.fragment(s.Name)
		}
		out.depth = max(out.depth, sub.depth)
		out.fields = min(out.fields+sub.fields, m.cap)
	}
	return out
}

func (m *measurer) fragment(name string) measure {
	if got, ok := m.memo[name]; ok {
		return got
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.visiting[name] {
		return measure{}
	}
	m.visiting[name] = true
	got := m.selectionSet(def.SelectionSet)
	delete(m.visiting, name)
	m.memo[name] = got
	return got
}

// rootFields counts the fields at the root of an operation, looking through fragments (each measured once).
func (m *measurer) rootFields(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += m.rootFields(s.SelectionSet)
		case *ast.FragmentSpread:
			n += m.fragmentRoots(s.Name)
		}
		n = min(n, m.cap)
	}
	return n
}

func (m *measurer) fragmentRoots(name string) int {
	if got, ok := m.roots[name]; ok {
		return got
	}
	def := m.doc.Fragments.ForName(name)
	if def == nil || m.visiting[name] {
		return 0
	}
	m.visiting[name] = true
	got := m.rootFields(def.SelectionSet)
	delete(m.visiting, name)
	m.roots[name] = got
	return got
}
