package model

import (
	"fmt"
	"io"
	"strconv"
)

// Priority is how urgent a task is. Its numeric values order LOW < MEDIUM < HIGH, which is what the database
// stores and sorts by.
type Priority int16

// The priorities, in ascending order.
const (
	PriorityLow    Priority = 0
	PriorityMedium Priority = 1
	PriorityHigh   Priority = 2
)

// Priorities lists every priority from HIGH to LOW, the order in which statistics report them.
var Priorities = []Priority{PriorityHigh, PriorityMedium, PriorityLow}

var priorityNames = map[Priority]string{PriorityLow: "LOW", PriorityMedium: "MEDIUM", PriorityHigh: "HIGH"}

// IsValid reports whether p is one of the three priorities.
func (p Priority) IsValid() bool { _, ok := priorityNames[p]; return ok }

// String returns the GraphQL name of p.
func (p Priority) String() string {
	if name, ok := priorityNames[p]; ok {
		return name
	}
	return "Priority(" + strconv.Itoa(int(p)) + ")"
}

// UnmarshalGQL reads a GraphQL enum value.
func (p *Priority) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	for k, name := range priorityNames {
		if name == s {
			*p = k
			return nil
		}
	}
	return fmt.Errorf("%v is not a valid Priority", v)
}

// MarshalGQL writes p as a GraphQL enum value.
func (p Priority) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(p.String())) }

// TaskStatusFilter selects tasks by completion.
type TaskStatusFilter string

// The status filters.
const (
	TaskStatusFilterAll       TaskStatusFilter = "ALL"
	TaskStatusFilterPending   TaskStatusFilter = "PENDING"
	TaskStatusFilterCompleted TaskStatusFilter = "COMPLETED"
)

// IsValid reports whether s is a known status filter.
func (s TaskStatusFilter) IsValid() bool {
	switch s {
	case TaskStatusFilterAll, TaskStatusFilterPending, TaskStatusFilterCompleted:
		return true
	}
	return false
}

// UnmarshalGQL reads a GraphQL enum value.
func (s *TaskStatusFilter) UnmarshalGQL(v any) error { return unmarshalEnum(v, s, "TaskStatusFilter") }

// MarshalGQL writes s as a GraphQL enum value.
func (s TaskStatusFilter) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// TaskOrderField is what a task list is ordered by.
type TaskOrderField string

// The order fields.
const (
	TaskOrderFieldCreatedAt TaskOrderField = "CREATED_AT"
	TaskOrderFieldUpdatedAt TaskOrderField = "UPDATED_AT"
	TaskOrderFieldDueAt     TaskOrderField = "DUE_AT"
	TaskOrderFieldPriority  TaskOrderField = "PRIORITY"
	TaskOrderFieldTitle     TaskOrderField = "TITLE"
	// TaskOrderFieldPosition is the manual order of each list; the tasks of several lists come list by list.
	TaskOrderFieldPosition TaskOrderField = "POSITION"
)

// TaskOrderFields lists every order field.
var TaskOrderFields = []TaskOrderField{
	TaskOrderFieldCreatedAt, TaskOrderFieldUpdatedAt, TaskOrderFieldDueAt, TaskOrderFieldPriority, TaskOrderFieldTitle,
	TaskOrderFieldPosition,
}

// IsValid reports whether f is a known order field.
func (f TaskOrderField) IsValid() bool {
	for _, known := range TaskOrderFields {
		if f == known {
			return true
		}
	}
	return false
}

// UnmarshalGQL reads a GraphQL enum value.
func (f *TaskOrderField) UnmarshalGQL(v any) error { return unmarshalEnum(v, f, "TaskOrderField") }

// MarshalGQL writes f as a GraphQL enum value.
func (f TaskOrderField) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(f))) }

// OrderDirection is ascending or descending.
type OrderDirection string

// The directions.
const (
	OrderDirectionAsc  OrderDirection = "ASC"
	OrderDirectionDesc OrderDirection = "DESC"
)

// IsValid reports whether d is ASC or DESC.
func (d OrderDirection) IsValid() bool { return d == OrderDirectionAsc || d == OrderDirectionDesc }

// UnmarshalGQL reads a GraphQL enum value.
func (d *OrderDirection) UnmarshalGQL(v any) error { return unmarshalEnum(v, d, "OrderDirection") }

// MarshalGQL writes d as a GraphQL enum value.
func (d OrderDirection) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// UserErrorCode says why a mutation's input was refused.
type UserErrorCode string

// The codes of input problems.
const (
	UserErrorCodeBlank   UserErrorCode = "BLANK"
	UserErrorCodeTooLong UserErrorCode = "TOO_LONG"
	UserErrorCodeTooMany UserErrorCode = "TOO_MANY"
	UserErrorCodeInvalid UserErrorCode = "INVALID"
	// UserErrorCodeForbidden refuses a write that the viewer's role in a list does not allow, on something the
	// viewer can see.
	UserErrorCodeForbidden UserErrorCode = "FORBIDDEN"
	// UserErrorCodeConflict refuses a write made with an ifVersion that is not the task's version.
	UserErrorCodeConflict UserErrorCode = "CONFLICT"
)

// IsValid reports whether c is a known code.
func (c UserErrorCode) IsValid() bool {
	switch c {
	case UserErrorCodeBlank, UserErrorCodeTooLong, UserErrorCodeTooMany, UserErrorCodeInvalid, UserErrorCodeForbidden,
		UserErrorCodeConflict:
		return true
	}
	return false
}

// UnmarshalGQL reads a GraphQL enum value.
func (c *UserErrorCode) UnmarshalGQL(v any) error { return unmarshalEnum(v, c, "UserErrorCode") }

// MarshalGQL writes c as a GraphQL enum value.
func (c UserErrorCode) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

type stringEnum interface {
	~string
	IsValid() bool
}

func unmarshalEnum[E stringEnum](v any, dst *E, name string) error {
	s, ok := v.(string)
	if !ok || !E(s).IsValid() {
		return fmt.Errorf("%v is not a valid %s", v, name)
	}
	*dst = E(s)
	return nil
}

// ListRole is what a member may do with a list: OWNER (exactly one, its creator) renames, deletes and shares it;
// EDITOR and OWNER write its tasks; VIEWER only reads.
type ListRole string

// The roles.
const (
	ListRoleOwner  ListRole = "OWNER"
	ListRoleEditor ListRole = "EDITOR"
	ListRoleViewer ListRole = "VIEWER"
)

// IsValid reports whether r is a known role.
func (r ListRole) IsValid() bool {
	return r == ListRoleOwner || r == ListRoleEditor || r == ListRoleViewer
}

// CanWrite reports whether the role may create, change, complete, move and delete the list's tasks.
func (r ListRole) CanWrite() bool { return r == ListRoleOwner || r == ListRoleEditor }

// UnmarshalGQL reads a GraphQL enum value.
func (r *ListRole) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, "ListRole") }

// MarshalGQL writes r as a GraphQL enum value.
func (r ListRole) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }
