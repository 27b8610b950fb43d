package main

import (
	"strings"
	"testing"
)

// Only the lists of objects that resolve nothing concurrently, nested objects included, are rewritten; lists of
// objects with concurrent fields, of objects holding such an object (Wrapper), and of interfaces stay concurrent.
func TestRewrite(t *testing.T) {
	src := `package graph

func (ec *executionContext) _Plain(ctx context.Context, sel ast.SelectionSet, obj *Plain) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, plainImplementors)
	return nil
}

func (ec *executionContext) _Busy(ctx context.Context, sel ast.SelectionSet, obj *Busy) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, busyImplementors)
	out.ResolveConcurrently(ec.OperationContext, &deferred, i, true, true, nil)
	return nil
}

func (ec *executionContext) _Iface(ctx context.Context, sel ast.SelectionSet, obj Iface) graphql.Marshaler {
	switch obj := obj.(type) {
	case *Plain:
		return ec._Plain(ctx, sel, obj)
	}
	return nil
}

func (ec *executionContext) _Wrapper(ctx context.Context, sel ast.SelectionSet, obj *Wrapper) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, wrapperImplementors)
	return ec._Wrapper_busy(ctx, fields[0], obj)
}

func (ec *executionContext) _Wrapper_busy(ctx context.Context, field graphql.CollectedField, obj *Wrapper) graphql.Marshaler {
	return ec._Busy(ctx, field.Selections, obj.Busy)
}

func (ec *executionContext) marshalNWrapper2ᚕᚖWrapperᚄ(ctx context.Context, sel ast.SelectionSet, v []*Wrapper) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, nil)
	return ret
}

func (ec *executionContext) marshalNPlain2ᚕᚖPlainᚄ(ctx context.Context, sel ast.SelectionSet, v []*Plain) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, nil)
	return ret
}

func (ec *executionContext) marshalNBusy2ᚕᚖBusyᚄ(ctx context.Context, sel ast.SelectionSet, v []*Busy) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, nil)
	return ret
}

func (ec *executionContext) marshalNIface2ᚕIface(ctx context.Context, sel ast.SelectionSet, v []Iface) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, nil)
	return ret
}
`
	out, n, err := Rewrite([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rewrote %d calls, want 1", n)
	}
	got := string(out)
	plain := got[strings.Index(got, "marshalNPlain2"):]
	plain = plain[:strings.Index(plain, "\n}\n")]
	if !strings.Contains(plain, "marshalSlice(ctx, len(v), 0, false, nil)") {
		t.Errorf("the plain object's list was not rewritten:\n%s", plain)
	}
	if strings.Count(got, "graphql.MarshalSliceConcurrently(") != 3 {
		t.Errorf("the lists of the busy object, the wrapper and the interface must stay concurrent:\n%s", got)
	}
}
