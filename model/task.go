// Package model holds the task domain: its types, the validation of what clients send, the domain errors, and the
// Bun store that keeps tasks in PostgreSQL or SQLite, always scoped to one user.
//
// Every write of the store, a resolver's or a background job's (the reminder scheduler's firings), runs through one
// write path (Store.write, in write.go): the writer writes its rows in a transaction and records the changes they
// mean; the write path appends them to the users' feeds, hands them to the EventSink (the webhooks) and queues the
// notification, in the same transaction, then, once it has committed, tells the read cache, this process's feed
// watchers (Store.WatchFeeds), the sink and the reminder scheduler. No writer publishes anything itself.
package model

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"taskapi/recur"
)

// Task is a task as stored. Times are UTC with millisecond precision. It is visible to the members of its list.
type Task struct {
	bun.BaseModel `bun:"table:tasks,alias:t"`

	ID uuid.UUID `bun:"id,pk"`
	// ListID is the list the task is in: who sees it and who may change it follow from the list's members.
	ListID uuid.UUID `bun:"list_id,notnull"`
	// CreatedBy is the user who created the task; it scopes nothing.
	CreatedBy string `bun:"created_by,notnull"`

	Title       string   `bun:"title,notnull"`
	Description *string  `bun:"description"`
	Completed   bool     `bun:"completed,notnull"`
	Priority    Priority `bun:"priority,notnull"`
	// Tags are normalized (trimmed, lower-cased, unique) in the order first given.
	Tags        Tags       `bun:"tags,notnull"`
	DueAt       *time.Time `bun:"due_at"`
	CompletedAt *time.Time `bun:"completed_at"`
	// CompletedBy is the user who completed the task; nil while it is pending.
	CompletedBy *string   `bun:"completed_by"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
	// Version counts the task's committed changes: 1 at creation, +1 with each write that changes it (it moves
	// exactly when UpdatedAt does). A write made with an ifVersion lands only on that version.
	Version int `bun:"version,notnull"`
	// DeletedAt is when the task went to the trash; nil for a live task. Every read of live tasks carries
	// visibleTasks, whose condition is that it is nil.
	DeletedAt *time.Time `bun:"deleted_at" json:",omitempty"`

	// TitleFold and DescriptionFold are strings.ToLower of Title and Description, stored so that ordering and
	// search are case-insensitive in exactly the same way on every database.
	TitleFold       string  `bun:"title_fold,notnull"`
	DescriptionFold *string `bun:"description_fold"`

	// Reminders are the task's reminders in remindAt order when they have been loaded with it (by a write, or by
	// the firing of one), nil when they have not.
	Reminders []*Reminder `bun:"-" json:"reminders"`
	// Rule is the recurrence of the pending occurrence of a series (stored as JSON); nil for a plain task and for
	// a completed occurrence.
	Rule *recur.Rule `bun:"recurrence"`
	// SeriesID is the id of the first occurrence of the series the task belongs to, on every occurrence, kept
	// after the series ends; nil for a task that never recurred.
	SeriesID *uuid.UUID `bun:"series_id"`
	// CompletedRule and NextOccurrenceID are what completing the occurrence did, kept so that reopening it can
	// undo that: the rule it had, and the occurrence it created (nil when it created none). Both are cleared when
	// it is reopened. They are internal, and left out of the task's JSON.
	CompletedRule    *recur.Rule `bun:"completed_recurrence" json:"-"`
	NextOccurrenceID *uuid.UUID  `bun:"next_occurrence_id" json:"-"`
	// Position is the task's key in its list's manual order (orderBy POSITION): the list in order is its tasks
	// sorted by this key, byte by byte (package ordkey). A task in the trash keeps it.
	Position string `bun:"position,notnull"`
	// AssigneeID is the member of the task's list the task is assigned to; nil when it is assigned to nobody. The
	// store keeps it a member: assigning checks it, and removing a member or moving the task to a list the
	// assignee is not a member of unassigns, in the same transaction.
	AssigneeID *string `bun:"assignee_id"`
}

// CreateTaskInput is what a new task starts as, as a client sent it (not yet validated or normalized).
type CreateTaskInput struct {
	Title          string
	Description    *string
	Priority       Priority
	Tags           []string
	DueAt          *time.Time
	IdempotencyKey *string
	Reminders      []ReminderInput
	// Recurrence makes the task the first occurrence of a series; it needs DueAt.
	Recurrence *RecurrenceInput
	// ListID is the list to create the task in; nil: the user's Inbox.
	ListID *uuid.UUID
	// AfterTaskID puts the task right after this live task of its list in the manual order; nil: at the end.
	AfterTaskID *uuid.UUID
	// AssigneeID assigns the task to a member of its list; nil: to nobody.
	AssigneeID *string
}

// Optional is a patch field: Set says whether the client sent it at all, Null whether it sent an explicit null.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Some returns a set, non-null Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// Null returns an Optional that was set to an explicit null.
func Null[T any]() Optional[T] { return Optional[T]{Set: true, Null: true} }

// TaskPatch is an update: unset fields stay as they are.
type TaskPatch struct {
	Title       Optional[string]
	Description Optional[string]
	Priority    Optional[Priority]
	Tags        Optional[[]string]
	DueAt       Optional[time.Time]
	Completed   Optional[bool]
	// Reminders replace the task's reminders (see Store.UpdateTask).
	Reminders Optional[[]ReminderInput]
	// Recurrence sets the task's recurrence (making it a series' pending occurrence); null ends the series at it.
	Recurrence Optional[RecurrenceInput]
	// ListID moves the task to another list (explicit null is INVALID).
	ListID Optional[uuid.UUID]
	// AssigneeID assigns the task to a member of its list (its new list, with ListID); null unassigns it.
	AssigneeID Optional[string]
	// IfVersion, when set, makes the patch land only on that version of the task: on any other, nothing is
	// written and the store returns *ConflictError.
	IfVersion *int
	// Place, when set, puts the task at a place of its list's manual order (of ListID's list when it moves it).
	// A move to another list without Place puts the task at the end of that list.
	Place *Placement
}

// Placement is a place in a list's manual order, as moveTask's afterTaskId says it: After unset, the end of the
// list; an explicit null, the top; a task's id, right after that live task of the list.
type Placement struct {
	After Optional[uuid.UUID]
}

// TaskMove is where moveTask puts a task (the GraphQL MoveTaskInput, parsed).
type TaskMove struct {
	// ListID is the list to move the task to; nil: it stays in its list.
	ListID *uuid.UUID
	// Place is where in the list.
	Place Placement
	// IfVersion makes the move land only on that version of the task (see TaskPatch.IfVersion).
	IfVersion *int
}

// TaskFilter selects tasks. Nil and empty fields are no constraint.
type TaskFilter struct {
	Status     *TaskStatusFilter
	Priorities []Priority
	Tags       []string
	Search     *string
	DueAfter   *time.Time
	DueBefore  *time.Time
	Overdue    *bool
	// ListIDs narrows the tasks to these lists (each must be one the user is a member of); empty: every list the
	// user is a member of.
	ListIDs []uuid.UUID
	// AssigneeIDs narrows the tasks to those assigned to any of these users. An id of a user who is assigned no
	// task the user can see matches nothing.
	AssigneeIDs []string
	// AssignedToMe, when true, keeps the tasks assigned to the user; when false, the others (assigned to someone
	// else or to nobody).
	AssignedToMe *bool
}

// TaskOrder is how a task list is ordered; ties break on the id in the same direction.
type TaskOrder struct {
	Field     TaskOrderField
	Direction OrderDirection
}

// DefaultTaskOrder is the order of a list that asks for none.
var DefaultTaskOrder = TaskOrder{Field: TaskOrderFieldCreatedAt, Direction: OrderDirectionDesc}

// UserError is one problem with a mutation's input. Field is the path into the arguments, such as
// ["input", "tags", "3"].
type UserError struct {
	Field   []string
	Message string
	Code    UserErrorCode
}

// PriorityCount is how many tasks have a priority.
type PriorityCount struct {
	Priority Priority
	Count    int
}

// TagCount is how many tasks carry a tag.
type TagCount struct {
	Tag   string
	Count int
}

// TaskStats are figures over the tasks of the lists one user is a member of.
type TaskStats struct {
	Total          int
	Completed      int
	Pending        int
	Overdue        int
	DueToday       int
	CompletionRate float64
	ByPriority     []PriorityCount
	ByTag          []TagCount
}
