package model

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound means the task does not exist for this user: it never existed, was deleted, or is someone else's.
// The three cases are deliberately one error.
var ErrNotFound = errors.New("task not found")

// ErrListNotFound means the list does not exist for this user: it never existed, was deleted, or the user is not a
// member. It wraps ErrNotFound, so errors.Is(err, ErrNotFound) holds too.
var ErrListNotFound = fmt.Errorf("list not found: %w", ErrNotFound)

// ErrUserNotFound means the user id names nobody the viewer shares a list with (or nobody at all). It wraps
// ErrNotFound.
var ErrUserNotFound = fmt.Errorf("user not found: %w", ErrNotFound)

// ErrInvitationNotFound means the invitation does not exist for this user: it never existed, or the user does not
// own its list. It wraps ErrNotFound.
var ErrInvitationNotFound = fmt.Errorf("invitation not found: %w", ErrNotFound)

// ErrForbidden means the viewer may see the thing but their role in its list does not allow the write; nothing was
// written. Payloads with userErrors report it as a problem with code FORBIDDEN.
var ErrForbidden = errors.New("not allowed by the viewer's role in the list")

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

// ErrConflict means a write made with an ifVersion found the task at another version; nothing was written.
// *ConflictError, which carries the task as it now is, wraps it.
var ErrConflict = errors.New("the task has changed since the version given")

// ConflictError refuses a write whose ifVersion is not the task's version. Current is the task as it now is, read
// in the refused write's transaction, so that the client can merge and retry.
type ConflictError struct {
	Current *Task
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: it is at version %d", ErrConflict, e.Current.Version)
}

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }
