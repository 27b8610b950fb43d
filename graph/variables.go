package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/graph/scalar"
)

// VariableScalars returns the executor extension that coerces the custom scalars in a request's variables before
// execution (see variableScalars).
func VariableScalars(schema graphql.ExecutableSchema) graphql.HandlerExtension {
	return variableScalars{schema: schema.Schema()}
}

// variableScalars coerces the custom scalars in a request's variables before execution. gqlparser checks the
// built-in scalars of variables and assumes custom ones are fine, so a variable holding "tomorrow" as a DateTime
// would only fail once a resolver's arguments are read, as a field error. The specification makes it a request
// error: nothing runs, and the answer names the variable (the presenter makes it BAD_USER_INPUT with
// extensions.field "$name.path").
type variableScalars struct{ schema *ast.Schema }

var (
	_ graphql.HandlerExtension        = variableScalars{}
	_ graphql.OperationContextMutator = variableScalars{}
)

func (variableScalars) ExtensionName() string                   { return "VariableScalars" }
func (variableScalars) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext runs after gqlparser has coerced the variables, so their shapes match their types.
func (v variableScalars) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	for _, def := range rc.Operation.VariableDefinitions {
		value, ok := rc.Variables[def.Variable]
		if !ok {
			continue
		}
		if err := v.check(ast.Path{ast.PathName("variable"), ast.PathName(def.Variable)}, def.Type, value); err != nil {
			return err
		}
	}
	return nil
}

// check walks value as a value of typ. A list type also accepts a single value (input coercion of lists).
func (v variableScalars) check(path ast.Path, typ *ast.Type, value any) *gqlerror.Error {
	if value == nil {
		return nil
	}
	if typ.Elem != nil {
		if list, ok := value.([]any); ok {
			for i, e := range list {
				if err := v.check(append(path, ast.PathIndex(i)), typ.Elem, e); err != nil {
					return err
				}
			}
			return nil
		}
		return v.check(path, typ.Elem, value)
	}
	def := v.schema.Types[typ.NamedType]
	if def == nil {
		return nil
	}
	switch {
	case def.Kind == ast.Scalar && def.Name == "DateTime":
		if _, err := scalar.UnmarshalDateTime(value); err != nil {
			e := gqlerror.ErrorPathf(append(ast.Path(nil), path...), "%s", err.Error())
			setCode(e, CodeBadUserInput)
			return e
		}
	case def.Kind == ast.InputObject:
		fields, ok := value.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if fv, ok := fields[f.Name]; ok {
				if err := v.check(append(path, ast.PathName(f.Name)), f.Type, fv); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
