// Package graph is the schema's world of the task API: the code gqlgen generates from schema.graphqls, the
// resolvers, the per-request loaders, the scalars, and the error presenter with the error codes of the contract. It
// knows nothing of HTTP: package httpapi serves it over HTTP, WebSocket and Server-Sent Events, all three on one
// executor running NewSchema with ErrorPresenter, RecoverPanic, ValidationRules and the VariableScalars extension,
// and gives each request (each operation, over a socket) its loaders (WithLoaders) and its id (WithRequestID).
package graph

//go:generate go tool gqlgen generate
//go:generate go run taskapi/graph/internal/seqlists generated.go

import (
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"taskapi/live"
	"taskapi/model"
)

// Resolver is the root of the resolvers; it holds what they need.
type Resolver struct {
	Store  *model.Store
	Logger *slog.Logger
	// Hub serves subscriptions; nil: subscriptions are refused (SERVICE_UNAVAILABLE).
	Hub *live.Hub
}

// NewSchema returns the executable schema over store: the resolvers, and the complexity of list fields, which cost
// their page size times what each item asks for. A transport runs it on an executor with ErrorPresenter and
// RecoverPanic installed, and gives each request its loaders (WithLoaders). hub serves the taskEvents subscription
// (nil: subscriptions are answered SERVICE_UNAVAILABLE).
func NewSchema(store *model.Store, logger *slog.Logger, hub *live.Hub) graphql.ExecutableSchema {
	return NewExecutableSchema(newConfig(&Resolver{Store: store, Logger: logger, Hub: hub}))
}

// newConfig wires the resolvers and the complexity of list fields, which cost their page size times what each
// item asks for.
func newConfig(r *Resolver) Config {
	c := Config{Resolvers: r}
	c.Complexity.Query.Tasks = tasksComplexity
	// A list's tasks cost what the tasks query costs.
	c.Complexity.TaskList.Tasks = tasksComplexity
	c.Complexity.Query.Nodes = func(child int, ids []string) int { return 1 + max(len(ids), 1)*child }
	c.Complexity.Query.Tags = func(child int, first *int, _ *string) int {
		n := model.MaxTagsPage
		if first != nil {
			n = *first
		}
		return 1 + max(n, 1)*child
	}
	// Every other list costs what it may hold times what each item asks for too: a page of the feed (up to 500
	// events, each with its task), the upcoming dates (each a schedule computation), a task's reminders, the stats'
	// tags (every tag the viewer has; charged as a full page of tags). A page size outside its range is refused by
	// the resolver, so it is charged as the largest page it could be.
	c.Complexity.Query.TaskEvents = func(child int, _ string, first *int) int {
		return 1 + pageSize(first, model.DefaultEventPageSize, model.MaxEventPageSize)*max(child, 1)
	}
	c.Complexity.Recurrence.Upcoming = func(child int, first *int) int {
		return 1 + pageSize(first, model.DefaultUpcoming, model.MaxUpcoming)*max(child, 1)
	}
	// A task's history is read with one statement per task (not batched across a page of tasks): charged as its
	// page, so that asking for it on every task of a page costs that page's size times the history's.
	c.Complexity.Task.History = func(child int, first *int, _ *string) int {
		return 1 + pageSize(first, model.DefaultHistoryPageSize, model.MaxHistoryPageSize)*max(child, 1)
	}
	c.Complexity.Task.Reminders = func(child int) int { return 1 + model.MaxReminders*max(child, 1) }
	c.Complexity.TaskStats.ByTag = func(child int) int { return 1 + model.MaxTagsPage*max(child, 1) }
	c.Complexity.TaskStats.ByPriority = func(child int) int { return 1 + 3*max(child, 1) }
	return c
}

// tasksComplexity is the cost of a page of tasks: its size times what each task asks for, plus the filter's lists.
func tasksComplexity(child int, filter *model.TaskFilter, _ *model.TaskOrder, first *int, _ *string, last *int, _ *string) int {
	n := model.DefaultPageSize
	if first != nil {
		n = *first
	} else if last != nil {
		n = *last
	}
	// A filter's lists become SQL; a list of a million tags sent as a variable must not reach the database.
	lists := 0
	if filter != nil {
		lists = len(filter.Tags) + len(filter.Priorities) + len(filter.ListIDs)
	}
	return 1 + max(n, 1)*child + lists
}

// pageSize is the number of items a list field with first may return: def when first is not given, and at most
// limit (a larger first is refused before anything is read).
func pageSize(first *int, def, limit int) int {
	if first == nil {
		return def
	}
	return min(max(*first, 1), limit)
}
