package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// ValidationRules is the rule set documents are validated with, for an executor's SetDefaultRulesFn; the executor
// must also be given SetDisableSuggestion(!introspection). With introspection on it is GraphQL's own.
// With introspection off, __schema and __type are validation errors (GRAPHQL_VALIDATION_FAILED: the client asked
// for a field this server does not offer, nothing went wrong on our side), and no rule suggests names ("Did you
// mean ..."): suggestions would tell the schema that introspection withholds. gqlgen swaps the two rules it knows
// (FieldsOnCorrectType, ScalarLeafs) itself, following SetDisableSuggestion; the others are swapped here.
func ValidationRules(introspection bool) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		if introspection {
			return r
		}
		swap := []struct {
			name    string
			without core.Rule
		}{
			{rules.KnownArgumentNamesRule.Name, rules.KnownArgumentNamesRuleWithoutSuggestions},
			{rules.KnownTypeNamesRule.Name, rules.KnownTypeNamesRuleWithoutSuggestions},
			{rules.ValuesOfCorrectTypeRule.Name, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
		}
		for _, s := range swap {
			r.RemoveRule(s.name)
			r.AddRule(s.without.Name, s.without.RuleFunc)
		}
		r.AddRule(noIntrospectionRule.Name, noIntrospectionRule.RuleFunc)
		return r
	}
}

// noIntrospectionRule refuses __schema and __type at the root of a query. __typename stays: clients such as Apollo
// add it to every selection, and it tells nothing about the schema.
var noIntrospectionRule = core.Rule{
	Name: "NoIntrospection",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnField(func(walker *core.Walker, field *ast.Field) {
			if field.Name != "__schema" && field.Name != "__type" {
				return
			}
			if field.ObjectDefinition == nil || walker.Schema.Query == nil || field.ObjectDefinition.Name != walker.Schema.Query.Name {
				return
			}
			addError(core.Message("Introspection is disabled on this server; %s is not available.", field.Name), core.At(field.Position))
		})
	},
}
