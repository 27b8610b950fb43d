package graph

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalSlice does what graphql.MarshalSliceConcurrently does, in order: every element marshalled with its index in
// its field context, and a panicking element recovered into a null and an error, the others kept.
func TestMarshalSlice(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "list"}}})
	var order []int
	ret := marshalSlice(ctx, 4, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		order = append(order, *graphql.GetFieldContext(ctx).Index)
		if i == 2 {
			panic("element 2 broke")
		}
		return graphql.MarshalString("e" + strconv.Itoa(i))
	})
	var b bytes.Buffer
	ret.MarshalGQL(&b)
	if got, want := b.String(), `["e0","e1",null,"e3"]`; got != want {
		t.Errorf("marshalled %s, want %s", got, want)
	}
	if len(order) != 4 || order[0] != 0 || order[3] != 3 {
		t.Errorf("indexes seen in order %v, want 0 to 3", order)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors = %v, want the one panic", errs)
	}

	if got := marshalSlice(ctx, 0, 0, false, nil); len(got) != 0 {
		t.Errorf("an empty list marshalled to %v", got)
	}
}

// deferredGroup makes the group an object's @defer'd fields go to only when one of its fields is deferred; for the
// others the empty group stands in.
func TestDeferredGroup(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "task"}}})
	plain := []graphql.CollectedField{{Field: &ast.Field{Alias: "id"}}}
	if g := deferredGroup(ctx, plain); g.Defers != nil || g.FieldSet != nil || g.Path != nil {
		t.Errorf("without a deferred field the group is %+v, want the empty one", g)
	}
	deferred := append(plain, graphql.CollectedField{Field: &ast.Field{Alias: "reminders"},
		Deferrables: []*graphql.Deferrable{{Label: "later"}}})
	g := deferredGroup(ctx, deferred)
	if g.Defers == nil || g.FieldSet == nil || len(g.Path) != 1 {
		t.Errorf("with a deferred field the group is %+v, want graphql.NewDeferredGroup's", g)
	}
}
