// Package graph is the GraphQL surface of the task API: the resolvers, the error presenter, and the HTTP handler
// that serves them.
package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"

	"taskapi/model"
)

// Resolver is the root of the resolvers; it holds what they need.
type Resolver struct {
	Store  *model.Store
	Logger *slog.Logger
}
