package graph

import (
	"strconv"

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
		r.AddRule(oneSubscriptionRootRule.Name, oneSubscriptionRootRule.RuleFunc)
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

// oneSubscriptionRootRule completes gqlparser's SingleFieldSubscriptions rule, which counts the root fields of a
// subscription by name: `subscription { taskEvents { kind } again: taskEvents { kind } }` passes it, and the
// generated code then fails the operation as an internal error ("must subscribe to exactly one stream"). GraphQL
// counts response keys (alias or name), and refuses @skip and @include on the root selection, which could leave
// none. Both are the client's document, so validation errors.
var oneSubscriptionRootRule = core.Rule{
	Name: "OneSubscriptionRoot",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
			if op.Operation != ast.Subscription {
				return
			}
			name := "Anonymous Subscription"
			if op.Name != "" {
				name = "Subscription " + strconv.Quote(op.Name)
			}
			conditional := func(dirs ast.DirectiveList, pos *ast.Position) bool {
				if dirs.ForName("skip") == nil && dirs.ForName("include") == nil {
					return false
				}
				addError(core.Message("%s must not use @skip or @include in its root selection.", name), core.At(pos))
				return true
			}
			// Response keys and field names of the root selection, and where the second key is.
			keys, names := map[string]bool{}, map[string]bool{}
			var second *ast.Position
			seen := map[string]bool{}
			var walk func(ast.SelectionSet) bool
			walk = func(set ast.SelectionSet) bool {
				for _, sel := range set {
					switch sel := sel.(type) {
					case *ast.Field:
						if conditional(sel.Directives, sel.Position) {
							return false
						}
						key := sel.Alias
						if key == "" {
							key = sel.Name
						}
						if !keys[key] && len(keys) == 1 {
							second = sel.Position
						}
						keys[key], names[sel.Name] = true, true
					case *ast.InlineFragment:
						if conditional(sel.Directives, sel.Position) || !walk(sel.SelectionSet) {
							return false
						}
					case *ast.FragmentSpread:
						if conditional(sel.Directives, sel.Position) {
							return false
						}
						if sel.Definition != nil && !seen[sel.Name] {
							seen[sel.Name] = true
							if !walk(sel.Definition.SelectionSet) {
								return false
							}
						}
					}
				}
				return true
			}
			// Distinct names are gqlparser's to report; one name under several aliases is not.
			if walk(op.SelectionSet) && len(keys) > 1 && len(names) == 1 {
				addError(core.Message("%s must select only one top level field.", name), core.At(second))
			}
		})
	},
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
