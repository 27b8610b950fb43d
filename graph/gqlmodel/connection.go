// Package gqlmodel holds the GraphQL-only types: payloads, edges and connections. The domain types live in model.
package gqlmodel

import "taskapi/model"

// TaskEdge is a task with its cursor.
type TaskEdge struct {
	Cursor string
	Node   *model.Task
}

// TaskConnection is a page of tasks. It keeps the filter it was made for so that totalCount is counted only
// when a client asks for it.
type TaskConnection struct {
	Edges    []*TaskEdge
	Nodes    []*model.Task
	PageInfo *PageInfo
	Filter   model.TaskFilter
	// EventCursor is the feed position the page reflects; set when the query asked for it (see model.ListQuery).
	EventCursor string
	// TotalCount is totalCount when the page's read counted it too (see model.ListQuery.WithTotalCount); nil means
	// it is counted when asked for.
	TotalCount *int
}

// Node is anything the node and nodes queries can return. It is an empty interface so that domain types need not
// know about GraphQL; the generated code resolves the concrete type with a type switch.
type Node interface{}
