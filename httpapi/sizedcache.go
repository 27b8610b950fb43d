package httpapi

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

var _ graphql.Cache[*ast.QueryDocument] = (*sizedCache[*ast.QueryDocument])(nil)

// sizedCache is an LRU cache keyed by document text (or a hash) whose bound is the bytes its entries take, not
// their number: a cache of 1,000 entries holds 1,000 documents whatever their size, and one client sending
// distinct large documents grew the server by 300 MiB that way. Each entry costs what cost says it takes, the key
// included; an entry that alone costs more than a quarter of the bound is not kept (it would evict a quarter of
// everything to save one parse). Safe for concurrent use.
type sizedCache[V any] struct {
	maxBytes int64
	cost     func(key string, value V) int64

	mu      sync.Mutex
	bytes   int64
	order   *list.List // front: most recently used; values are *sizedEntry[V]
	entries map[string]*list.Element
}

type sizedEntry[V any] struct {
	key   string
	value V
	cost  int64
}

func newSizedCache[V any](maxBytes int64, cost func(key string, value V) int64) *sizedCache[V] {
	return &sizedCache[V]{maxBytes: maxBytes, cost: cost, order: list.New(), entries: map[string]*list.Element{}}
}

// Get returns the value kept for key and marks it recently used.
func (c *sizedCache[V]) Get(_ context.Context, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*sizedEntry[V]).value, true
}

// Add keeps value for key, evicting the least recently used entries until the cache is within its bound.
func (c *sizedCache[V]) Add(_ context.Context, key string, value V) {
	cost := c.cost(key, value)
	if cost > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		old := e.Value.(*sizedEntry[V])
		c.bytes += cost - old.cost
		old.value, old.cost = value, cost
		c.order.MoveToFront(e)
	} else {
		c.entries[key] = c.order.PushFront(&sizedEntry[V]{key: key, value: value, cost: cost})
		c.bytes += cost
	}
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		entry := last.Value.(*sizedEntry[V])
		c.order.Remove(last)
		delete(c.entries, entry.key)
		c.bytes -= entry.cost
	}
}

// size returns the number of entries and the bytes they are taken to cost.
func (c *sizedCache[V]) size() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

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
	return int64(len(query)) + int64(nodes)*nodeCost + entryOverhead
}
