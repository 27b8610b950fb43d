package model

import "github.com/uptrace/bun/dialect/pgdialect"

// What the external tests check of the store's internals.
var (
	TaskColumns     = taskColumns
	ParsePlainArray = parsePlainArray
)

// ModelTaskColumns returns the columns bun maps to Task, in field order.
func ModelTaskColumns() []string { return modelColumns(pgdialect.New()) }
