package model

import (
	"errors"
	"strings"
)

// ErrNotFound means the task does not exist for this user: it never existed, was deleted, or is someone else's.
// The three cases are deliberately one error.
var ErrNotFound = errors.New("task not found")

// ErrUnavailable means the database could not be reached; the request may succeed later.
var ErrUnavailable = errors.New("database unavailable")

// ErrTooManySubscriptions means the user already has as many live subscriptions on this instance as are allowed;
// the new one is refused and the others go on.
var ErrTooManySubscriptions = errors.New("too many subscriptions")

// ValidationError lists every problem with a mutation's input. Nothing was written.
type ValidationError struct {
	Problems []UserError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = strings.Join(p.Field, ".") + ": " + p.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// InputError is a problem with a query's arguments (a page size out of range, a foreign cursor). Field names the
// argument, such as "first" or "filter.search".
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }
