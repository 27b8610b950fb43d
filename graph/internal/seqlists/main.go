// Command seqlists rewrites gqlgen's generated code so that a list is marshalled with a goroutine per element only
// when the query selects, in its elements, a field that gqlgen resolves concurrently.
//
// gqlgen marshals every list longer than one with graphql.MarshalSliceConcurrently, which starts a goroutine for
// each element. That pays off when an element's fields wait on something (a resolver, a dataloader batching across
// the elements); for elements whose selected fields are all plain (a page's tasks and edges, tag counts) the
// goroutines, their scheduling and their stacks' growth were a fifth of a dashboard read's CPU, for no concurrency
// gained. Whether an element has concurrent work depends on the query, not only on its type: a task resolves its
// reminders through a loader, but a page that does not select reminders has none. So the rewrite is:
//
//   - a list whose elements can reach no concurrent field whatever is selected calls marshalSlice
//     (graph/marshal_slice.go), which does the same work in order;
//   - a list whose elements are objects (or interfaces) that can reach one calls sliceMarshaller(…)(…), which picks
//     graphql.MarshalSliceConcurrently or marshalSlice from the list's selection set, asking generated functions
//     selectsConcurrent_<Type>(sel) that this command appends: one for each object type involved, which collects
//     the selection's fields as gqlgen does (fragments, @skip and @include) and reports whether one of them is a
//     field gqlgen resolves concurrently (out.ResolveConcurrently in the object's function), or holds an object
//     whose own selection does;
//   - a list whose element marshaller itself resolves something concurrently is left as gqlgen writes it.
//
// And each object function's graphql.NewDeferredGroup(ctx) becomes deferredGroup(ctx, fields), which makes the
// group only when one of the collected fields is under @defer (see there); and the buffer Exec encodes a query's or
// a mutation's result in is responseBuffer(ctx): the one its caller lends through the context, if it does (the HTTP
// transport lends buffers of its own pool, and takes each back once it has written the response; see
// graph/response_buffer.go).
//
// Everything is decided from the generated code on every generation, so a resolver added to a type later makes the
// lists that select it concurrent again by itself.
//
// The rewrite reads gqlgen's internal names and shapes, which a gqlgen release may change. So each thing it looks for
// must be found, or generation fails with a message that says which: a list marshaller that calls
// graphql.MarshalSliceConcurrently under a name it does not recognise, a list whose element marshaller it cannot
// follow, an object function without its @defer group, Exec without its result buffers. A list it failed to see
// concurrency under would be marshalled in order, and a dataloader under it would wait for each element in turn.
//
// Usage, from the graph package's directory after gqlgen (see the go:generate lines in resolver.go):
//
//	go run taskapi/graph/internal/seqlists generated.go
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// listMarshaller matches the names gqlgen gives a list's marshaller, marshalN<Type>2ᚕ… or marshalO<Type>2ᚕ….
var listMarshaller = regexp.MustCompile(`^marshal[NO]([A-Za-z0-9_]+)2ᚕ`)

const concurrent = "graphql.MarshalSliceConcurrently("

const newDeferredGroup = "graphql.NewDeferredGroup(ctx)"

// resultBuffer matches the buffer Exec encodes a query's or a mutation's result in; a subscription's, which gqlgen
// keeps from one event to the next, is declared apart from its use and so does not match.
var resultBuffer = regexp.MustCompile(`var buf bytes\.Buffer\s+data\.MarshalGQL\(&buf\)`)

const lentResultBuffer = "buf := responseBuffer(ctx)\n\t\t\tdata.MarshalGQL(buf)"

// predicatePrefix names the generated selection predicates: selectsConcurrent_Task for the object function _Task.
const predicatePrefix = "selectsConcurrent"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seqlists generated.go")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "seqlists:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, _, err := Rewrite(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// field is one case of an object function's switch on the field name.
type field struct {
	names []string
	// direct is true when selecting the field resolves something concurrently by itself (a resolver field).
	direct bool
	// objects are the object functions that marshal the field's value, with the field's own selection set.
	objects []string
}

// object is what an object function (_Type) resolves for each of its fields.
type object struct {
	implementors string // the name of its implementors variable, as passed to graphql.CollectFields
	fields       []field
	// may is true when some selection of it resolves a field concurrently.
	may bool
}

type analysis struct {
	src    []byte
	fset   *token.FileSet
	decls  map[string]*ast.FuncDecl
	bodies map[string][]byte
	// objects holds every object function, the end of a walk; analysed (fields set) when a list reaches it.
	objects map[string]*object
}

// Rewrite returns src with the list marshallers rewritten and the selection predicates they call appended, and how
// many calls it rewrote.
func Rewrite(src []byte) ([]byte, int, error) {
	a := &analysis{src: src, fset: token.NewFileSet(), decls: map[string]*ast.FuncDecl{}, bodies: map[string][]byte{},
		objects: map[string]*object{}}
	file, err := parser.ParseFile(a.fset, "generated.go", src, 0)
	if err != nil {
		return nil, 0, err
	}
	for _, decl := range file.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil && fn.Recv != nil {
			name := fn.Name.Name
			a.decls[name] = fn
			a.bodies[name] = a.text(fn.Body)
			if strings.HasPrefix(name, "_") && bytes.Contains(a.bodies[name], []byte("graphql.CollectFields(")) {
				a.objects[name] = nil
			}
		}
	}
	if len(a.objects) == 0 {
		return nil, 0, errChanged("no object function (_<Type> calling graphql.CollectFields)")
	}

	type list struct {
		fn      *ast.FuncDecl
		calls   []*ast.CallExpr
		direct  bool
		objects []string
	}
	var lists []list
	var queue []string // object functions to analyse
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		l := list{fn: fn, calls: concurrentCalls(fn.Body)}
		if len(l.calls) == 0 {
			continue
		}
		name := fn.Name.Name
		// Every call must be in a list marshaller this command recognises: one it passed over would keep its
		// goroutines, and its elements' lists would be judged without it.
		if fn.Recv == nil || !listMarshaller.MatchString(name) {
			return nil, 0, errChanged("%s calls graphql.MarshalSliceConcurrently but is not named as a list marshaller (%s)", name, listMarshaller)
		}
		if !ecCall.Match(a.bodies[name]) {
			return nil, 0, errChanged("%s: no call of its element's marshaller (%s)", name, ecCall)
		}
		l.direct, l.objects = a.walk(a.bodies[name], name)
		queue = append(queue, l.objects...)
		lists = append(lists, l)
	}
	if len(lists) == 0 {
		return nil, 0, errChanged("no list marshaller calls graphql.MarshalSliceConcurrently")
	}
	if err := a.analyzeAll(queue); err != nil {
		return nil, 0, err
	}

	type edit struct {
		start, end int
		with       string
	}
	var edits []edit
	var roots []string // the object functions whose predicates the rewritten lists call
	for _, l := range lists {
		if l.direct {
			continue
		}
		var conds []string
		for _, o := range l.objects {
			if a.objects[o].may {
				conds = append(conds, "ec."+predicatePrefix+o+"(sel)")
				roots = append(roots, o)
			}
		}
		with := "marshalSlice("
		if len(conds) > 0 {
			if !hasSelParam(l.fn) {
				return nil, 0, fmt.Errorf("%s: no selection set parameter named sel", l.fn.Name.Name)
			}
			with = "sliceMarshaller(" + strings.Join(conds, " || ") + ")("
		}
		for _, call := range l.calls {
			start, end := a.fset.Position(call.Fun.Pos()).Offset, a.fset.Position(call.Lparen).Offset+1
			if string(src[start:end]) != concurrent {
				return nil, 0, fmt.Errorf("unexpected call at offset %d: %q", start, src[start:end])
			}
			edits = append(edits, edit{start, end, with})
		}
	}
	// Every object function makes a @defer group; see deferredGroup in graph/marshal_slice.go. A subscription's
	// object function returns a function per event and makes none.
	groups := 0
	for name, fn := range a.decls {
		if _, ok := a.objects[name]; !ok {
			continue
		}
		body := a.bodies[name]
		switch n := bytes.Count(body, []byte(newDeferredGroup)); {
		case n > 1:
			return nil, 0, errChanged("%s makes %d @defer groups", name, n)
		case n == 0 && bytes.Contains(body, []byte("&deferred")):
			return nil, 0, errChanged("%s uses a @defer group not made by %s", name, newDeferredGroup)
		case n == 1:
			start := a.fset.Position(fn.Body.Pos()).Offset + bytes.Index(body, []byte(newDeferredGroup))
			edits = append(edits, edit{start, start + len(newDeferredGroup), "deferredGroup(ctx, fields)"})
			groups++
		}
	}
	if groups == 0 {
		return nil, 0, errChanged("no object function makes its @defer group with %s", newDeferredGroup)
	}
	// Exec encodes a query's or a mutation's result into the buffer its caller lends through the context, if it
	// does; see graph/response_buffer.go.
	exec, ok := a.decls["Exec"]
	if !ok {
		return nil, 0, errChanged("no method Exec")
	}
	matches := resultBuffer.FindAllIndex(a.bodies["Exec"], -1)
	want := bytes.Count(a.bodies["Exec"], []byte("case ast.Query:")) + bytes.Count(a.bodies["Exec"], []byte("case ast.Mutation:"))
	if len(matches) == 0 || len(matches) != want {
		return nil, 0, errChanged("Exec: %d result buffers (%s), want one for each of its %d cases ast.Query and ast.Mutation", len(matches), resultBuffer, want)
	}
	base := a.fset.Position(exec.Body.Pos()).Offset
	for _, m := range matches {
		edits = append(edits, edit{base + m[0], base + m[1], lentResultBuffer})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for i := 1; i < len(edits); i++ {
		if edits[i].end > edits[i-1].start {
			return nil, 0, fmt.Errorf("edits overlap at offset %d", edits[i-1].start)
		}
	}
	out := bytes.Clone(src)
	for _, e := range edits {
		out = append(out[:e.start], append([]byte(e.with), out[e.end:]...)...)
	}
	out = append(out, a.predicates(roots)...)
	formatted, err := format.Source(out)
	if err != nil {
		return nil, 0, err
	}
	return formatted, len(edits), nil
}

// errChanged reports that gqlgen's output is not what the rewrite expects, naming what was not found.
func errChanged(format string, args ...any) error {
	return fmt.Errorf(format+"; has gqlgen's output changed?", args...)
}

// concurrentCalls returns the calls of graphql.MarshalSliceConcurrently in body.
func concurrentCalls(body *ast.BlockStmt) []*ast.CallExpr {
	var calls []*ast.CallExpr
	ast.Inspect(body, func(node ast.Node) bool {
		if call, ok := node.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "MarshalSliceConcurrently" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "graphql" {
					calls = append(calls, call)
				}
			}
		}
		return true
	})
	return calls
}

func (a *analysis) text(n ast.Node) []byte {
	return a.src[a.fset.Position(n.Pos()).Offset:a.fset.Position(n.End()).Offset]
}

func hasSelParam(fn *ast.FuncDecl) bool {
	for _, p := range fn.Type.Params.List {
		for _, name := range p.Names {
			if name.Name == "sel" {
				return true
			}
		}
	}
	return false
}

// ecCall matches a call of another method of the execution context, such as ec._Task( or ec.marshalNTask2….
var ecCall = regexp.MustCompile(`\bec\.([A-Za-z0-9_ᚖᚕᚄᚋᚐᚗ]+)\(`)

// walk follows the execution context's calls from body (that of the function self, or of a field's case, with no
// self) and reports whether something on the way resolves concurrently by itself, and at which object functions it
// ends: what those resolve depends on the selection. Field contexts are not followed: they describe fields and
// marshal nothing.
func (a *analysis) walk(body []byte, self string) (direct bool, objects []string) {
	seen := map[string]bool{self: true}
	var visit func(body []byte)
	visit = func(body []byte) {
		if bytes.Contains(body, []byte("ResolveConcurrently")) {
			direct = true
		}
		for _, m := range ecCall.FindAllSubmatch(body, -1) {
			callee := string(m[1])
			if seen[callee] || strings.HasPrefix(callee, "fieldContext_") || strings.HasPrefix(callee, "childFields_") {
				continue
			}
			seen[callee] = true
			if _, ok := a.objects[callee]; ok {
				objects = append(objects, callee)
			} else if b, ok := a.bodies[callee]; ok {
				visit(b)
			}
		}
	}
	visit(body)
	sort.Strings(objects)
	return direct, objects
}

// analyzeAll analyses the object functions in queue and every one their fields reach, then decides which can
// resolve something concurrently: the least fixpoint, so that types reaching each other are decided together.
func (a *analysis) analyzeAll(queue []string) error {
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if a.objects[name] != nil {
			continue
		}
		o, err := a.analyze(name)
		if err != nil {
			return err
		}
		a.objects[name] = o
		for _, f := range o.fields {
			queue = append(queue, f.objects...)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, o := range a.objects {
			if o == nil || o.may {
				continue
			}
			for _, f := range o.fields {
				hit := f.direct
				for _, y := range f.objects {
					hit = hit || a.objects[y].may
				}
				if hit {
					o.may, changed = true, true
					break
				}
			}
		}
	}
	return nil
}

// analyze parses the object function name's switch on the field name into what each field resolves.
func (a *analysis) analyze(name string) (*object, error) {
	fn := a.decls[name]
	o := &object{}
	var sw *ast.SwitchStmt
	ast.Inspect(fn.Body, func(node ast.Node) bool {
		switch n := node.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "CollectFields" && len(n.Args) == 3 && o.implementors == "" {
				if id, ok := n.Args[2].(*ast.Ident); ok {
					o.implementors = id.Name
				}
			}
		case *ast.SwitchStmt:
			if tag, ok := n.Tag.(*ast.SelectorExpr); ok && tag.Sel.Name == "Name" && sw == nil {
				if x, ok := tag.X.(*ast.Ident); ok && x.Name == "field" {
					sw = n
				}
			}
		}
		return true
	})
	if sw == nil || o.implementors == "" {
		return nil, errChanged("%s: no switch on field.Name after graphql.CollectFields", name)
	}
	for _, stmt := range sw.Body.List {
		clause := stmt.(*ast.CaseClause)
		if clause.List == nil {
			continue // default: an unknown field panics
		}
		var f field
		for _, e := range clause.List {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return nil, fmt.Errorf("%s: a case that is not a field name", name)
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return nil, err
			}
			f.names = append(f.names, s)
		}
		body := a.src[a.fset.Position(clause.Colon).Offset:a.fset.Position(clause.End()).Offset]
		f.direct, f.objects = a.walk(body, "") // a field may hold an object of its own type
		o.fields = append(o.fields, f)
	}
	return o, nil
}

// predicates returns the source of the selection predicates of the object functions roots and of every object
// under them that can resolve something concurrently.
func (a *analysis) predicates(roots []string) []byte {
	var todo []string
	done := map[string]bool{}
	add := func(name string) {
		if !done[name] {
			done[name] = true
			todo = append(todo, name)
		}
	}
	for _, r := range roots {
		add(r)
	}
	if len(todo) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("\n// region    ***************************** seqlists ******************************\n")
	for i := 0; i < len(todo); i++ {
		name := todo[i]
		o := a.objects[name]
		typ := strings.TrimPrefix(name, "_")
		fmt.Fprintf(&b, "\n// %s%s reports whether the selection set sel of %s resolves a field concurrently, on the\n"+
			"// object or under it: whether a list of it needs a goroutine per element.\n", predicatePrefix, name, typ)
		fmt.Fprintf(&b, "func (ec *executionContext) %s%s(sel ast.SelectionSet) bool {\n", predicatePrefix, name)
		fmt.Fprintf(&b, "for _, f := range graphql.CollectFields(ec.OperationContext, sel, %s) {\nswitch f.Name {\n", o.implementors)
		var direct []string
		for _, f := range o.fields {
			if f.direct {
				direct = append(direct, f.names...)
			}
		}
		if len(direct) > 0 {
			fmt.Fprintf(&b, "case %s:\nreturn true\n", quoteAll(direct))
		}
		for _, f := range o.fields {
			if f.direct {
				continue
			}
			var conds []string
			for _, y := range f.objects {
				if a.objects[y].may {
					conds = append(conds, "ec."+predicatePrefix+y+"(f.Selections)")
					add(y)
				}
			}
			if len(conds) > 0 {
				fmt.Fprintf(&b, "case %s:\nif %s {\nreturn true\n}\n", quoteAll(f.names), strings.Join(conds, " || "))
			}
		}
		b.WriteString("}\n}\nreturn false\n}\n")
	}
	b.WriteString("\n// endregion ***************************** seqlists ******************************\n")
	return b.Bytes()
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
