package httpapi

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"taskapi/internal/sizedcache"
)

// Limits bound what one document may cost. They are checked before the costly work: tokens before parsing, the
// shape of the document (depth, aliases, root fields, fields after expanding fragments, directives, variables,
// overlapping selections) after parsing but before gqlgen validates it, and complexity after validation. Every
// refusal is a QUERY_TOO_COMPLEX error whose extensions.limit names the limit. Each operation of a batch is checked
// on its own, and MaxComplexity bounds the operations of one HTTP request together too. Beyond the numbers here, an operation may select __schema once (limit "introspection"): the full
// introspection query takes about 5 ms to execute, and aliases would multiply that.
//
// Zero values take the defaults, which admit every document GraphiQL (its introspection query included), Apollo
// Client and urql send for this schema, and keep what an admitted or refused document costs to a few milliseconds
// of CPU (BenchmarkAdversarialDocuments measures it).
type Limits struct {
	// MaxDocumentBytes bounds the length of the document text, checked first of all (default 32 KiB, far below the
	// body limit: GraphiQL's introspection query is under 2 KiB, a fragment-heavy Apollo dashboard 1.5 KiB). Every
	// pass over the document is linear in its length, and a few are worse in the length of one name (validation's
	// "Did you mean" compares an unknown name with every known one by edit distance), so this bounds them all before
	// any of them runs.
	MaxDocumentBytes int
	// MaxTokens bounds the lexical tokens of the document, comments included (default 3000). Parsing, validating
	// and coercing cost about a microsecond per token, so this is what bounds the cost of everything else. GraphiQL's
	// introspection query has 180 tokens, a fragment-heavy Apollo dashboard about 250.
	MaxTokens     int
	MaxDepth      int // nesting of selections, fragments expanded, introspection included (default 20)
	MaxAliases    int // aliased fields in the document (default 30)
	MaxRootFields int // fields at the root of each operation, fragments expanded (default 20)
	// MaxFields bounds the field selections of the whole document: every operation with its fragments expanded,
	// plus every fragment definition on its own, which validation visits too (default 2000; GraphiQL's
	// introspection query has 466).
	MaxFields     int
	MaxDirectives int // directives anywhere in the document (default 50)
	MaxVariables  int // variable definitions in the document (default 50)
	// MaxVariableValues bounds the values in the request's variables, each element of a list or object counted
	// (default 1000). Validating and coercing a list of 20,000 tags sent as a variable takes 10 ms; the contract's
	// largest list argument, nodes(ids), takes 100.
	MaxVariableValues int
	// MaxComplexity bounds gqlgen's complexity of the operation: every list field costs the most items it may
	// return (its page size, or a fixed bound such as a task's five reminders) times what each item asks for, and
	// list arguments (filter tags and priorities, node ids) cost their length (default 10000). See graph.NewSchema.
	MaxComplexity int
	// MaxOverlaps bounds the pairs of selections that share a response name in one selection set, fragments
	// expanded, which validation compares with each other at quadratic cost (default 1000; a fragment-heavy Apollo
	// dashboard has about 50). See merger.
	MaxOverlaps int
}

func (l *Limits) defaults() {
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxDocumentBytes, 32<<10)
	set(&l.MaxTokens, 3000)
	set(&l.MaxDepth, 20)
	set(&l.MaxAliases, 30)
	set(&l.MaxRootFields, 20)
	set(&l.MaxFields, 2000)
	set(&l.MaxDirectives, 50)
	set(&l.MaxVariables, 50)
	set(&l.MaxVariableValues, 1000)
	set(&l.MaxComplexity, 10000)
	set(&l.MaxOverlaps, 1000)
}

// documentLimiter enforces Limits, the bounds on one document's cost, as a gqlgen extension (the rate limit is
// rateLimiter's): MutateOperationParameters runs before gqlgen parses and validates,
// MutateOperationContext after.
type documentLimiter struct {
	limits Limits
	schema graphql.ExecutableSchema
	// passed remembers documents that passed the shape checks, so a repeated query is not parsed twice.
	passed *sizedcache.Cache[string, struct{}]
}

var (
	_ graphql.HandlerExtension          = (*documentLimiter)(nil)
	_ graphql.OperationParameterMutator = (*documentLimiter)(nil)
	_ graphql.OperationContextMutator   = (*documentLimiter)(nil)
)

func newDocumentLimiter(limits Limits, schema graphql.ExecutableSchema) *documentLimiter {
	limits.defaults()
	return &documentLimiter{limits: limits, schema: schema, passed: sizedcache.New(passedCacheBytes, func(query string, _ struct{}) int64 { return int64(len(query)) + sizedcache.EntryOverhead })}
}

// passedCacheBytes bounds what the document limiter remembers of the documents that passed its checks: their text, which a
// parsed document holds anyway, and an entry's overhead. 1 MiB is some thousands of real clients' documents.
const passedCacheBytes = 1 << 20

func (l *documentLimiter) ExtensionName() string                          { return "Limits" }
func (l *documentLimiter) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters checks tokens and the shape of the document before gqlgen parses and validates it.
func (l *documentLimiter) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if countValues(params.Variables, l.limits.MaxVariableValues) > l.limits.MaxVariableValues {
		return tooComplex("variableValues", fmt.Sprintf("The variables hold more than %d values.", l.limits.MaxVariableValues))
	}
	if params.Query == "" {
		return nil
	}
	if len(params.Query) > l.limits.MaxDocumentBytes {
		return tooComplex("documentBytes", fmt.Sprintf("The document is longer than %d bytes.", l.limits.MaxDocumentBytes))
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
	if err := l.checkShape(doc); err != nil {
		return err
	}
	l.passed.Add(ctx, params.Query, struct{}{})
	return nil
}

// MutateOperationContext checks complexity once the document is known to be valid: of the operation, and of all the
// operations of its HTTP request together (requestBudget).
func (l *documentLimiter) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	c := complexity.Calculate(ctx, l.schema, rc.Operation, rc.Variables)
	if c > l.limits.MaxComplexity {
		return tooComplex("complexity", fmt.Sprintf("The operation has complexity %d; the limit is %d. Ask for smaller pages or fewer fields.", c, l.limits.MaxComplexity))
	}
	// The operations of one HTTP request (a batch) share one budget.
	if b := budgetFrom(ctx); b != nil {
		if total, ok := b.spend(c, l.limits.MaxComplexity); !ok {
			return tooComplex("complexity", fmt.Sprintf("The operations of this request have complexity %d together; the limit is %d per request. Send fewer operations in one batch, or ask for smaller pages.", total, l.limits.MaxComplexity))
		}
	}
	return nil
}

// countValues counts the values in decoded JSON, each element of a list or object one, stopping once the count
// passes max.
func countValues(v any, max int) int {
	n := -1 // the variables object itself is not a value
	var walk func(v any)
	walk = func(v any) {
		n++
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				if n > max {
					return
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				if n > max {
					return
				}
				walk(e)
			}
		}
	}
	walk(v)
	return n
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

// checkShape measures the whole document: every operation and every fragment definition, whichever operation the
// request names, because gqlgen validates all of it before it picks the operation to run. The measures are computed
// with each fragment measured once and reused, so a chain of spreads that doubles at each level costs linear time.
func (l *documentLimiter) checkShape(doc *ast.QueryDocument) *gqlerror.Error {
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

	// Fields are counted over the whole document: each operation with its fragments expanded, and each fragment
	// definition on its own, which validation visits too (even an unused one, before it reports it unused).
	fragments := fragmentsByName(doc)
	m := &measurer{fragments: fragments, cap: l.limits.MaxFields + 1, memo: map[string]measure{}, roots: map[string]int{}, visiting: map[string]bool{}}
	fields := 0
	for _, op := range doc.Operations {
		whole := m.selectionSet(op.SelectionSet)
		switch {
		case whole.depth > l.limits.MaxDepth:
			return tooComplex("depth", fmt.Sprintf("The operation is nested more than %d levels deep.", l.limits.MaxDepth))
		case m.rootFields(op.SelectionSet) > l.limits.MaxRootFields:
			return tooComplex("rootFields", fmt.Sprintf("The operation asks for more than %d root fields.", l.limits.MaxRootFields))
		}
		fields = min(fields+whole.fields, m.cap)
	}
	for _, f := range doc.Fragments {
		whole := m.selectionSet(f.SelectionSet)
		if whole.depth > l.limits.MaxDepth {
			return tooComplex("depth", fmt.Sprintf("The fragment %s is nested more than %d levels deep.", f.Name, l.limits.MaxDepth))
		}
		fields = min(fields+whole.fields, m.cap)
	}
	if fields > l.limits.MaxFields {
		return tooComplex("fields", fmt.Sprintf("The document selects more than %d fields once its fragments are expanded.", l.limits.MaxFields))
	}

	// Only now, with every expansion known to be small, is it safe to merge the selection sets.
	g := &merger{fragments: fragments, memo: map[string]*mergedSet{}, visiting: map[string]bool{}}
	overlaps := 0
	for _, op := range doc.Operations {
		root := g.merge(op.SelectionSet)
		if root.named("__schema") > 1 {
			return tooComplex("introspection", "An operation can ask for __schema once.")
		}
		overlaps = satAdd(overlaps, root.overlaps())
	}
	for _, f := range doc.Fragments {
		overlaps = satAdd(overlaps, g.merge(f.SelectionSet).overlaps())
	}
	if overlaps > l.limits.MaxOverlaps {
		return tooComplex("overlaps", fmt.Sprintf("The document repeats fields too often: selections that share a "+
			"response name in one selection set, fragments expanded, make more than %d pairs to compare. Select each "+
			"field once.", l.limits.MaxOverlaps))
	}
	return nil
}

// fragmentsByName indexes the fragment definitions; the first of a name wins, as in gqlparser's ForName. A document
// may define thousands of fragments, so looking each spread up in the list would be quadratic.
func fragmentsByName(doc *ast.QueryDocument) map[string]*ast.FragmentDefinition {
	out := make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, ok := out[f.Name]; !ok {
			out[f.Name] = f
		}
	}
	return out
}

// measure is the depth and the number of field selections of a selection set with its fragments expanded.
type measure struct{ depth, fields int }

type measurer struct {
	fragments map[string]*ast.FragmentDefinition
	cap       int // counts saturate here, so that doubling fragments cannot overflow
	memo      map[string]measure
	roots     map[string]int
	visiting  map[string]bool // fragment cycles are a validation error; they count as empty here
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
	def := m.fragments[name]
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
	def := m.fragments[name]
	if def == nil || m.visiting[name] {
		return 0
	}
	m.visiting[name] = true
	got := m.rootFields(def.SelectionSet)
	delete(m.visiting, name)
	m.roots[name] = got
	return got
}

// Overlaps. Validation's rule that fields with one response name can be merged (OverlappingFieldsCanBeMerged, as
// in graphql-js) compares every pair of selections that share a response name in a selection set, inline fragments
// and spreads looked through, then the sub-selections of each pair, and every pair of fragments spread into one set.
// That is quadratic: 2,000 copies of one field, a document of 6 KB, take 200 ms to validate, and a thousand
// fragments spread side by side 400 ms. The document limiter therefore merges each selection set the way execution does (one
// entry per response name, sub-selections merged, with the number of selections merged into it) and counts the
// pairs: the pairs of a merged entry's sub-selections include every pair the rule compares below a pair of its
// selections, so the count bounds the rule's work.

// mergedSet is a selection set merged by response name.
type mergedSet struct {
	fields  map[string]*mergedField
	spreads int // fragment spreads merged into the set, counted like fields
}

// mergedField is every selection of one response name in a set.
type mergedField struct {
	name  string // the field's name (of the first selection; another one is a validation error anyway)
	count int    // how many selections were merged
	sub   *mergedSet
}

func (s *mergedSet) field(key, name string) *mergedField {
	if s.fields == nil {
		s.fields = map[string]*mergedField{}
	}
	f := s.fields[key]
	if f == nil {
		f = &mergedField{name: name}
		s.fields[key] = f
	}
	return f
}

func (f *mergedField) subset() *mergedSet {
	if f.sub == nil {
		f.sub = &mergedSet{}
	}
	return f.sub
}

// named counts the response names that select the field name.
func (s *mergedSet) named(name string) int {
	n := 0
	for _, f := range s.fields {
		if f.name == name {
			n++
		}
	}
	return n
}

// overlaps counts the pairs of selections, and of fragment spreads, that share a set, in s and below it.
func (s *mergedSet) overlaps() int {
	n := pairs(s.spreads)
	for _, f := range s.fields {
		n = satAdd(n, pairs(f.count))
		if f.sub != nil {
			n = satAdd(n, f.sub.overlaps())
		}
	}
	return n
}

// merger merges selection sets, each fragment once.
type merger struct {
	fragments map[string]*ast.FragmentDefinition
	memo      map[string]*mergedSet
	visiting  map[string]bool
}

func (g *merger) merge(set ast.SelectionSet) *mergedSet {
	out := &mergedSet{}
	g.add(out, set, 1)
	return out
}

// add merges set into dst as if it were written there times times.
func (g *merger) add(dst *mergedSet, set ast.SelectionSet, times int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			f := dst.field(key, s.Name)
			f.count = addCount(f.count, times)
			if len(s.SelectionSet) > 0 {
				g.add(f.subset(), s.SelectionSet, times)
			}
		case *ast.InlineFragment:
			g.add(dst, s.SelectionSet, times)
		case *ast.FragmentSpread:
			dst.spreads = addCount(dst.spreads, times)
			if frag := g.fragment(s.Name); frag != nil {
				addMerged(dst, frag, times)
			}
		}
	}
}

func (g *merger) fragment(name string) *mergedSet {
	if got, ok := g.memo[name]; ok {
		return got
	}
	def := g.fragments[name]
	if def == nil || g.visiting[name] {
		return nil
	}
	g.visiting[name] = true
	got := g.merge(def.SelectionSet)
	delete(g.visiting, name)
	g.memo[name] = got
	return got
}

// addMerged merges src, a merged fragment, into dst as if it were spread there times times. Its sub-selections
// already hold every selection of their entry, so they are multiplied by times only.
func addMerged(dst, src *mergedSet, times int) {
	dst.spreads = addCount(dst.spreads, mulCount(src.spreads, times))
	for key, f := range src.fields {
		d := dst.field(key, f.name)
		d.count = addCount(d.count, mulCount(f.count, times))
		if f.sub != nil {
			addMerged(d.subset(), f.sub, times)
		}
	}
}

// maxCount is where counts saturate: far above every limit, and small enough that products and pairs of counts
// cannot overflow.
const maxCount = 1 << 20

func addCount(a, b int) int { return min(a+b, maxCount) }
func mulCount(a, b int) int { return min(min(a, maxCount)*min(b, maxCount), maxCount) }

// satAdd adds pair counts, which stay below 1<<40 each.
func satAdd(a, b int) int { return min(a+b, 1<<60) }

func pairs(n int) int {
	n = min(n, maxCount)
	return n * (n - 1) / 2
}
