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
