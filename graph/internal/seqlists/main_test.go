package main

import (
	"strings"
	"testing"
)

// objectFunc returns the source of an object function shaped as gqlgen writes them, with a field for each of cases:
// "name" for a plain field, "name*" for one resolved concurrently.
func objectFunc(name string, cases ...string) string {
	var b strings.Builder
	b.WriteString("func (ec *executionContext) _" + name + "(ctx context.Context, sel ast.SelectionSet, obj *" + name + ") graphql.Marshaler {\n")
	b.WriteString("\tfields := graphql.CollectFields(ec.OperationContext, sel, " + strings.ToLower(name) + "Implementors)\n")
	b.WriteString("\tdeferred := graphql.NewDeferredGroup(ctx)\n")
	b.WriteString("\tfor i, field := range fields {\n\t\tswitch field.Name {\n\t\tcase \"__typename\":\n\t\t\tout.Values[i] = graphql.MarshalString(\"" + name + "\")\n")
	for _, c := range cases {
		f, concurrent := strings.CutSuffix(c, "*")
		b.WriteString("\t\tcase \"" + f + "\":\n")
		if concurrent {
			b.WriteString("\t\t\tout.ResolveConcurrently(ec.OperationContext, &deferred, i, true, true, func(ctx context.Context) graphql.Marshaler {\n" +
				"\t\t\t\treturn ec._" + name + "_" + f + "(ctx, field, obj)\n\t\t\t})\n")
		} else {
			b.WriteString("\t\t\tout.Values[i] = ec._" + name + "_" + f + "(ctx, field, obj)\n")
		}
	}
	b.WriteString("\t\tdefault:\n\t\t\tpanic(\"unknown field \" + strconv.Quote(field.Name))\n\t\t}\n\t}\n\treturn out\n}\n\n")
	return b.String()
}

// fieldOf returns the source of a field function that marshals its value with the function marshaller (none for a
// scalar).
func fieldOf(object, field, marshaller string) string {
	body := "return graphql.MarshalString(\"\")"
	if marshaller != "" {
		body = "return ec." + marshaller + "(ctx, field.Selections, nil)"
	}
	return "func (ec *executionContext) _" + object + "_" + field + "(ctx context.Context, field graphql.CollectedField, obj *" + object + ") graphql.Marshaler {\n" +
		"\tfc, _ := ec.fieldContext_" + object + "_" + field + "(ctx, field)\n\t_ = fc\n\t" + body + "\n}\n\n"
}

// execFunc is Exec as gqlgen writes it: a query's and a mutation's result encoded into a buffer of their own, a
// subscription's into one kept from one event to the next.
const execFunc = `func (e *executableSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	switch opCtx.Operation.Operation {
	case ast.Query:
		return func(ctx context.Context) *graphql.Response {
			var buf bytes.Buffer
			data.MarshalGQL(&buf)
			response.Data = buf.Bytes()
			return &response
		}
	case ast.Mutation:
		return func(ctx context.Context) *graphql.Response {
			var buf bytes.Buffer
			data.MarshalGQL(&buf)
			return &graphql.Response{Data: buf.Bytes()}
		}
	case ast.Subscription:
		var buf bytes.Buffer
		return func(ctx context.Context) *graphql.Response {
			buf.Reset()
			data.MarshalGQL(&buf)
			return &graphql.Response{Data: buf.Bytes()}
		}
	}
	return nil
}

`

// list returns the source of a list marshaller for the element marshaller elem.
func list(name, elem string) string {
	return "func (ec *executionContext) " + name + "(ctx context.Context, sel ast.SelectionSet, v []*X) graphql.Marshaler {\n" +
		"\tret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {\n" +
		"\t\treturn ec." + elem + "(ctx, sel, v[i])\n\t})\n\treturn ret\n}\n\n"
}

// Lists whose elements resolve nothing concurrently, whatever is selected, are marshalled in order; lists whose
// elements can, directly (Busy), through a nested object (Wrapper), through an interface (Iface over Busy) or
// through themselves (Loop), choose by their selection, with a predicate per object type; a list whose element
// marshaller resolves concurrently by itself stays as gqlgen wrote it.
func TestRewrite(t *testing.T) {
	src := "package graph\n\n" +
		objectFunc("Plain", "name") + fieldOf("Plain", "name", "") +
		objectFunc("Busy", "name", "slow*") + fieldOf("Busy", "name", "") + fieldOf("Busy", "slow", "") +
		objectFunc("Wrapper", "plain", "busy") + fieldOf("Wrapper", "plain", "marshalNPlain2ᚖPlain") +
		fieldOf("Wrapper", "busy", "marshalNBusy2ᚖBusy") +
		objectFunc("Loop", "next", "slow*") + fieldOf("Loop", "next", "marshalNLoop2ᚖLoop") + fieldOf("Loop", "slow", "") +
		`func (ec *executionContext) fieldContext_Busy_slow(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
	return ec.childFields_Busy(ctx, field)
}

func (ec *executionContext) _Iface(ctx context.Context, sel ast.SelectionSet, obj Iface) graphql.Marshaler {
	switch obj := obj.(type) {
	case *Busy:
		return ec._Busy(ctx, sel, obj)
	}
	return nil
}

func (ec *executionContext) _PlainIface(ctx context.Context, sel ast.SelectionSet, obj Iface) graphql.Marshaler {
	return ec._Plain(ctx, sel, obj.(*Plain))
}

func (ec *executionContext) marshalNPlain2ᚖPlain(ctx context.Context, sel ast.SelectionSet, v *Plain) graphql.Marshaler {
	return ec._Plain(ctx, sel, v)
}

func (ec *executionContext) marshalNBusy2ᚖBusy(ctx context.Context, sel ast.SelectionSet, v *Busy) graphql.Marshaler {
	return ec._Busy(ctx, sel, v)
}

func (ec *executionContext) marshalNWrapper2ᚖWrapper(ctx context.Context, sel ast.SelectionSet, v *Wrapper) graphql.Marshaler {
	return ec._Wrapper(ctx, sel, v)
}

func (ec *executionContext) marshalNLoop2ᚖLoop(ctx context.Context, sel ast.SelectionSet, v *Loop) graphql.Marshaler {
	return ec._Loop(ctx, sel, v)
}

func (ec *executionContext) marshalNEnum2Enum(ctx context.Context, sel ast.SelectionSet, v Enum) graphql.Marshaler {
	return v
}

func (ec *executionContext) marshalNSelf2Self(ctx context.Context, sel ast.SelectionSet, v *Self) graphql.Marshaler {
	out.ResolveConcurrently(ec.OperationContext, nil, 0, true, true, nil)
	return out
}

` + list("marshalNPlain2ᚕᚖPlainᚄ", "marshalNPlain2ᚖPlain") +
		list("marshalNEnum2ᚕEnumᚄ", "marshalNEnum2Enum") +
		list("marshalNPlainIface2ᚕPlainIface", "_PlainIface") +
		list("marshalNBusy2ᚕᚖBusyᚄ", "marshalNBusy2ᚖBusy") +
		list("marshalNWrapper2ᚕᚖWrapperᚄ", "marshalNWrapper2ᚖWrapper") +
		list("marshalNIface2ᚕIface", "_Iface") +
		list("marshalNLoop2ᚕᚖLoopᚄ", "marshalNLoop2ᚖLoop") +
		list("marshalNSelf2ᚕᚖSelfᚄ", "marshalNSelf2Self") + execFunc
	out, n, err := Rewrite([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if n != 7+4+2 {
		t.Errorf("rewrote %d calls, want 7 lists, 4 groups and 2 result buffers:\n%s", n, got)
	}
	body := func(name string) string {
		s := got[strings.Index(got, "func (ec *executionContext) "+name+"("):]
		return s[:strings.Index(s, "\n}\n")]
	}
	for name, want := range map[string]string{
		"marshalNPlain2ᚕᚖPlainᚄ":         "marshalSlice(ctx,",
		"marshalNEnum2ᚕEnumᚄ":            "marshalSlice(ctx,",
		"marshalNPlainIface2ᚕPlainIface": "marshalSlice(ctx,",
		"marshalNBusy2ᚕᚖBusyᚄ":           "sliceMarshaller(ec.selectsConcurrent_Busy(sel))(ctx,",
		"marshalNWrapper2ᚕᚖWrapperᚄ":     "sliceMarshaller(ec.selectsConcurrent_Wrapper(sel))(ctx,",
		"marshalNIface2ᚕIface":           "sliceMarshaller(ec.selectsConcurrent_Busy(sel))(ctx,",
		"marshalNLoop2ᚕᚖLoopᚄ":           "sliceMarshaller(ec.selectsConcurrent_Loop(sel))(ctx,",
		"marshalNSelf2ᚕᚖSelfᚄ":           "graphql.MarshalSliceConcurrently(ctx,",
		"selectsConcurrent_Busy":         "case \"slow\":\n\t\t\treturn true\n",
		"selectsConcurrent_Wrapper":      "case \"busy\":\n\t\t\tif ec.selectsConcurrent_Busy(f.Selections) {",
		"selectsConcurrent_Loop":         "case \"next\":\n\t\t\tif ec.selectsConcurrent_Loop(f.Selections) {",
	} {
		if b := body(name); !strings.Contains(b, want) {
			t.Errorf("%s does not contain %q:\n%s", name, want, b)
		}
	}
	if strings.Contains(got, "NewDeferredGroup") || !strings.Contains(body("_Busy"), "deferred := deferredGroup(ctx, fields)") {
		t.Errorf("the objects' @defer groups were not all rewritten:\n%s", got)
	}
	if strings.Contains(got, "selectsConcurrent_Plain") || strings.Contains(body("selectsConcurrent_Wrapper"), "\"plain\"") {
		t.Errorf("a predicate asks about a type that resolves nothing concurrently:\n%s", got)
	}
}

// busyList is the source of one list whose elements resolve a field concurrently, and what it reaches.
var busyList = objectFunc("Busy", "name", "slow*") + fieldOf("Busy", "name", "") + fieldOf("Busy", "slow", "") +
	`func (ec *executionContext) marshalNBusy2ᚖBusy(ctx context.Context, sel ast.SelectionSet, v *Busy) graphql.Marshaler {
	return ec._Busy(ctx, sel, v)
}

` + list("marshalNBusy2ᚕᚖBusyᚄ", "marshalNBusy2ᚖBusy")

// Exec encodes a query's and a mutation's result into the buffer responseBuffer(ctx) returns; a subscription keeps
// the buffer gqlgen reuses from one event to the next.
func TestRewriteResultBuffers(t *testing.T) {
	out, _, err := Rewrite([]byte("package graph\n\n" + busyList + execFunc))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if strings.Count(got, "buf := responseBuffer(ctx)\n\t\t\tdata.MarshalGQL(buf)\n") != 2 {
		t.Errorf("the query's and the mutation's buffers are not both responseBuffer(ctx):\n%s", got)
	}
	if !strings.Contains(got, "\t\tvar buf bytes.Buffer\n\t\treturn func") || !strings.Contains(got, "buf.Reset()\n\t\t\tdata.MarshalGQL(&buf)") {
		t.Errorf("the subscription's buffer was rewritten:\n%s", got)
	}
}

// Each thing the rewrite looks for in gqlgen's output must be found: when gqlgen writes it differently, generation
// fails and says what it missed, rather than leaving lists concurrent or, worse, marshalling in order a list whose
// elements wait on a dataloader.
func TestRewriteFailsLoudly(t *testing.T) {
	src := "package graph\n\n" + busyList + execFunc
	if _, _, err := Rewrite([]byte(src)); err != nil {
		t.Fatalf("the source the cases change: %v", err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"ListMarshallerRenamed", "marshalNBusy2ᚕᚖBusyᚄ", "marshalBusyList", "marshalBusyList calls graphql.MarshalSliceConcurrently but is not named"},
		{"ElementMarshallerNotFollowed", "return ec.marshalNBusy2ᚖBusy(ctx, sel, v[i])", "return marshalBusy(ec, ctx, sel, v[i])", "no call of its element's marshaller"},
		{"NoList", "graphql.MarshalSliceConcurrently(", "graphql.MarshalSlice(", "no list marshaller calls graphql.MarshalSliceConcurrently"},
		{"NoDeferredGroup", "deferred := graphql.NewDeferredGroup(ctx)", "deferred := graphql.NewDeferredGroupFor(ctx, fields)", "_Busy uses a @defer group not made by"},
		{"NoObjectFunction", "graphql.CollectFields(", "graphql.Collect(", "no object function"},
		{"NoFieldSwitch", "switch field.Name {", "switch field.Alias {", "_Busy: no switch on field.Name"},
		{"NoExec", ") Exec(ctx", ") Execute(ctx", "no method Exec"},
		{"NoResultBuffer", "var buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)", "data.MarshalGQL(w)", "Exec: 1 result buffers"},
		{"NoQuery", "case ast.Query:", "case ast.Subscription + 1:", "Exec: 2 result buffers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := strings.Replace(src, tc.old, tc.new, 1)
			if changed == src {
				t.Fatalf("the case changes nothing: %q not in the source", tc.old)
			}
			_, _, err := Rewrite([]byte(changed))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "has gqlgen's output changed?") {
				t.Errorf("got error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
