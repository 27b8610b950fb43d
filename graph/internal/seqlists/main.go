// Command seqlists rewrites gqlgen's generated code so that the lists of objects without concurrent fields are
// marshalled on the calling goroutine, one element after another, instead of one goroutine per element.
//
// gqlgen marshals every list of objects longer than one with graphql.MarshalSliceConcurrently, which starts a
// goroutine for each element. That pays off when an element's fields wait on something (a resolver, a dataloader
// batching across the elements); for objects whose fields are all plain (a page's tasks and edges, tag counts) the
// goroutines, their scheduling and their stacks' growth were a fifth of a dashboard read's CPU, for no concurrency
// gained. So, for each list marshaller whose element's object function (_Type) resolves no field concurrently,
// the call becomes marshalSlice (graph/marshal_slice.go), which does the same work in order; lists of objects that
// do have concurrent fields, and of interfaces, stay as gqlgen writes them. The decision is remade on every
// generation, so a resolver added to a type later makes its lists concurrent again by itself.
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
)

// listMarshaller matches the names gqlgen gives a list's marshaller, marshalN<Type>2ᚕ… or marshalO<Type>2ᚕ…, and
// captures the element's GraphQL type.
var listMarshaller = regexp.MustCompile(`^marshal[NO]([A-Za-z0-9_]+)2ᚕ`)

const concurrent = "graphql.MarshalSliceConcurrently("

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
	out, n, err := Rewrite(src)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: no list of plain objects found to marshal in order; has gqlgen's output changed?", path)
	}
	return os.WriteFile(path, out, 0o644)
}

// Rewrite returns src with the calls rewritten, and how many it rewrote.
func Rewrite(src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "generated.go", src, 0)
	if err != nil {
		return nil, 0, err
	}
	bodies := map[string][]byte{} // function name -> its source
	for _, decl := range file.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
			bodies[fn.Name.Name] = src[fset.Position(fn.Body.Pos()).Offset:fset.Position(fn.Body.End()).Offset]
		}
	}
	type span struct{ start, end int }
	var calls []span
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		m := listMarshaller.FindStringSubmatch(fn.Name.Name)
		if m == nil || !plainObject(bodies, "_"+m[1]) {
			continue
		}
		ast.Inspect(fn.Body, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "MarshalSliceConcurrently" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "graphql" {
					start := fset.Position(call.Fun.Pos()).Offset
					calls = append(calls, span{start, fset.Position(call.Lparen).Offset + 1})
				}
			}
			return true
		})
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].start > calls[j].start })
	out := bytes.Clone(src)
	for _, c := range calls {
		if string(out[c.start:c.end]) != concurrent {
			return nil, 0, fmt.Errorf("unexpected call at offset %d: %q", c.start, out[c.start:c.end])
		}
		out = append(out[:c.start], append([]byte("marshalSlice("), out[c.end:]...)...)
	}
	formatted, err := format.Source(out)
	if err != nil {
		return nil, 0, err
	}
	return formatted, len(calls), nil
}

// ecCall matches a call of another method of the execution context, such as ec._Task( or ec.marshalNTask2….
var ecCall = regexp.MustCompile(`\bec\.([A-Za-z0-9_ᚖᚕᚄᚋᚐᚗ]+)\(`)

// plainObject reports whether name is the object function of a type gqlgen resolves without concurrency, it and
// everything its fields marshal (an edge's node, a task's lists): it collects fields (an object, not an
// interface's type switch), and neither it nor any function it reaches through the execution context resolves a
// field concurrently. An element whose nested object had a concurrent field, batched by a dataloader across the
// list, must keep its goroutines.
func plainObject(bodies map[string][]byte, name string) bool {
	body := bodies[name]
	if body == nil || !bytes.Contains(body, []byte("graphql.CollectFields(")) {
		return false
	}
	seen := map[string]bool{}
	var visit func(name string) bool
	visit = func(name string) bool {
		if seen[name] {
			return true
		}
		seen[name] = true
		body, ok := bodies[name]
		if !ok {
			return true // not a function of this file
		}
		if bytes.Contains(body, []byte("ResolveConcurrently")) || bytes.Contains(body, []byte("MarshalSliceConcurrently")) {
			return false
		}
		for _, m := range ecCall.FindAllSubmatch(body, -1) {
			if !visit(string(m[1])) {
				return false
			}
		}
		return true
	}
	return visit(name)
}
