package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSlice is graphql.MarshalSliceConcurrently for lists whose elements resolve nothing concurrently, put in
// its place in generated.go by graph/internal/seqlists (see there for why): the same work, element after element on
// the calling goroutine. Each element gets a field context with its index, a panic in one is recovered into an
// error and a null for it (unless omitPanicHandler), and the signature is gqlgen's, so the rewrite is a rename.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		func() {
			if !omitPanicHandler {
				defer func() {
					if r := recover(); r != nil {
						graphql.AddError(childCtx, graphql.Recover(childCtx, r))
						ret[i] = graphql.Null
					}
				}()
			}
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// sliceMarshaller is what graph/internal/seqlists puts in place of graphql.MarshalSliceConcurrently in the lists
// whose elements resolve fields concurrently only for some selections: concurrent is whether this list's selection
// is one of those (a generated selectsConcurrent_… predicate), so that a dataloader still batches across the
// elements when one is selected, and the elements are marshalled in order when none is.
func sliceMarshaller(concurrent bool) func(context.Context, int, int64, bool, func(context.Context, int) graphql.Marshaler) graphql.Array {
	if concurrent {
		return graphql.MarshalSliceConcurrently
	}
	return marshalSlice
}

// deferredGroup is graphql.NewDeferredGroup(ctx) for an object whose collected fields are fields, put in its place
// in each object function of generated.go by graph/internal/seqlists. The group only ever receives fields under
// @defer, so when none of fields is (nearly every object of every query) the empty group does the same: the
// fields resolved concurrently go to the object's own field set, and ProcessDeferredGroup is not called for a
// group without defers. What it saves is the group's path (built from every field context up to the root), field
// set and map, for every object of every list.
func deferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for i := range fields {
		if fields[i].IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}
