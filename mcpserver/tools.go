package mcpserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/google/uuid"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"taskapi/auth"
	"taskapi/graph/scalar"
	"taskapi/model"
	"taskapi/recur"
)

// tools are the MCP tools: each is a thin call into the store method a GraphQL resolver makes for the same thing,
// for the user whose token came with the request. Tool names, arguments and results follow the contract; ids are
// the GraphQL ids.
type tools struct {
	store  *model.Store
	logger *slog.Logger
}

func (t *tools) register(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{
		Name:  "add_task",
		Title: "Add a task",
		Description: "Create a task for the user. Only title is required. It goes to the user's Inbox unless list_id " +
			"names another list (one where list_lists shows the user as owner or editor). Returns the new task's id, " +
			"which the other tools take as task_id, and the list it is in.",
		InputSchema:  schemaFor[addTaskIn](taskArgs),
		OutputSchema: schemaFor[changeOut](statusEnum("created")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(false), OpenWorldHint: ptr(false)},
	}, t.addTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "list_tasks",
		Title: "List tasks",
		Description: "List the user's tasks, newest first, with filters: by default those of every list the user can " +
			"see (their own and those shared with them), or of one list with list_id, or those assigned to the user " +
			"with assigned_to_me. Returns at most limit tasks and, " +
			"when more match, next_cursor: call again with the same filters and cursor set to it for the next page.",
		InputSchema:  schemaFor[listTasksIn](listArgs),
		OutputSchema: schemaFor[listTasksOut](nil),
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)},
	}, t.listTasks)
	mcp.AddTool(s, &mcp.Tool{
		Name:         "get_task",
		Title:        "Get a task",
		Description:  "Get one of the user's tasks by id, with its reminders.",
		InputSchema:  schemaFor[taskIDIn](nil),
		OutputSchema: schemaFor[taskDetailOut](nil),
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)},
	}, t.getTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "update_task",
		Title: "Update a task",
		Description: "Change a task's title, description, due date, priority or tags, or move it to another list " +
			"with list_id. Only the fields given change; an empty description or due_at removes it. To complete or " +
			"reopen a task use complete_task or reopen_task.",
		InputSchema:  schemaFor[updateTaskIn](taskArgs),
		OutputSchema: schemaFor[changeOut](statusEnum("updated")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, t.updateTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "complete_task",
		Title: "Complete a task",
		Description: "Mark a task as done. Completing a recurring task also creates its next occurrence, whose id " +
			"comes back as next_task_id. Completing a completed task changes nothing.",
		InputSchema:  schemaFor[taskIDIn](nil),
		OutputSchema: schemaFor[completeOut](statusEnum("completed")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, t.completeTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:         "reopen_task",
		Title:        "Reopen a task",
		Description:  "Mark a completed task as not done again. Reopening a pending task changes nothing.",
		InputSchema:  schemaFor[taskIDIn](nil),
		OutputSchema: schemaFor[changeOut](statusEnum("reopened")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, t.reopenTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:         "delete_task",
		Title:        "Delete a task",
		Description:  "Move a task to the trash, from which the user can restore it until TRASH_RETENTION purges it. Ask the user first unless they clearly asked for it.",
		InputSchema:  schemaFor[taskIDIn](nil),
		OutputSchema: schemaFor[changeOut](statusEnum("deleted")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(true), OpenWorldHint: ptr(false)},
	}, t.deleteTask)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "set_reminder",
		Title: "Set a reminder",
		Description: "Add a reminder to a task, besides those it has (at most 5): either minutes_before its due date " +
			"(the task needs one; the reminder moves with it) or at a fixed date-time. Give exactly one of the two.",
		InputSchema:  schemaFor[setReminderIn](reminderArgs),
		OutputSchema: schemaFor[reminderSetOut](statusEnum("reminder_set")),
		Annotations:  &mcp.ToolAnnotations{DestructiveHint: ptr(false), OpenWorldHint: ptr(false)},
	}, t.setReminder)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "task_stats",
		Title: "Task statistics",
		Description: "Counts over all of the user's tasks: total, completed, pending, overdue, due today (in time_zone), " +
			"the completion rate, and counts by priority and by tag.",
		InputSchema:  schemaFor[taskStatsIn](nil),
		OutputSchema: schemaFor[taskStatsOut](nil),
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)},
	}, t.taskStats)
	mcp.AddTool(s, &mcp.Tool{
		Name:  "list_lists",
		Title: "List the lists",
		Description: "List the task lists the user can see: their own Inbox first, then the others by name, including " +
			"lists other people shared with them, with the user's role in each (owner, editor or viewer).",
		InputSchema:  schemaFor[listListsIn](nil),
		OutputSchema: schemaFor[listListsOut](nil),
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)},
	}, t.listLists)
}

// Arguments and results. The jsonschema tags are the descriptions a model reads.

type addTaskIn struct {
	Title       string   `json:"title" jsonschema:"What is to be done, 1 to 200 characters."`
	Description *string  `json:"description,omitempty" jsonschema:"Details, at most 1000 characters."`
	DueAt       *string  `json:"due_at,omitempty" jsonschema:"When it is due: an RFC 3339 date-time with an offset, such as 2026-12-24T18:00:00+01:00."`
	Priority    *string  `json:"priority,omitempty" jsonschema:"How urgent it is (default medium)."`
	Tags        []string `json:"tags,omitempty" jsonschema:"Labels such as work or groceries; at most 10, each 1 to 32 characters, stored lower-case."`
	ListID      *string  `json:"list_id,omitempty" jsonschema:"The list to add it to, a list_id from list_lists where the user is owner or editor (default: the user's Inbox)."`
}

type updateTaskIn struct {
	TaskID      string   `json:"task_id" jsonschema:"The task's id, from add_task or list_tasks."`
	Title       *string  `json:"title,omitempty" jsonschema:"The new title, 1 to 200 characters."`
	Description *string  `json:"description,omitempty" jsonschema:"The new description, at most 1000 characters; an empty string removes it."`
	DueAt       *string  `json:"due_at,omitempty" jsonschema:"The new due date-time (RFC 3339 with an offset, such as 2026-12-24T18:00:00Z); an empty string removes the due date."`
	Priority    *string  `json:"priority,omitempty" jsonschema:"The new priority."`
	Tags        []string `json:"tags,omitempty" jsonschema:"The new tags, replacing all of the task's tags; at most 10."`
	ListID      *string  `json:"list_id,omitempty" jsonschema:"Move the task to this list, a list_id from list_lists; the user must be owner or editor of both lists."`
}

type taskIDIn struct {
	TaskID string `json:"task_id" jsonschema:"The task's id, from add_task or list_tasks."`
}

type listTasksIn struct {
	Status       *string `json:"status,omitempty" jsonschema:"Which tasks: all (default), pending (not done) or completed."`
	Search       *string `json:"search,omitempty" jsonschema:"Only tasks whose title or description contains this text (case-insensitive, at most 100 characters)."`
	ListID       *string `json:"list_id,omitempty" jsonschema:"Only the tasks of this list, a list_id from list_lists (default: every list the user can see)."`
	DueBefore    *string `json:"due_before,omitempty" jsonschema:"Only tasks due before this RFC 3339 date-time (exclusive)."`
	DueAfter     *string `json:"due_after,omitempty" jsonschema:"Only tasks due at or after this RFC 3339 date-time."`
	AssignedToMe *bool   `json:"assigned_to_me,omitempty" jsonschema:"true: only the tasks assigned to the user; false: only the others (assigned to someone else or to nobody)."`
	Limit        *int    `json:"limit,omitempty" jsonschema:"How many tasks to return, 1 to 100 (default 20)."`
	Cursor       *string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous call, to get the next page (with the same filters)."`
}

type setReminderIn struct {
	TaskID        string  `json:"task_id" jsonschema:"The task's id, from add_task or list_tasks."`
	MinutesBefore *int    `json:"minutes_before,omitempty" jsonschema:"Remind this many minutes before the task's due date (0 to 40320); the task must have a due date."`
	At            *string `json:"at,omitempty" jsonschema:"Remind at this RFC 3339 date-time."`
}

type taskStatsIn struct {
	TimeZone *string `json:"time_zone,omitempty" jsonschema:"The IANA time zone whose calendar day due_today counts, such as Europe/Berlin (default UTC)."`
}

type listListsIn struct{}

type listOut struct {
	ListID  string `json:"list_id" jsonschema:"The list's id."`
	Name    string `json:"name"`
	IsInbox bool   `json:"is_inbox" jsonschema:"The user's own default list."`
	Role    string `json:"role" jsonschema:"The user's role: owner, editor (may change its tasks) or viewer (may only read)."`
}

type listListsOut struct {
	Lists []listOut `json:"lists" jsonschema:"The Inbox first, then the others by name."`
}

type changeOut struct {
	TaskID string `json:"task_id" jsonschema:"The task's id."`
	Status string `json:"status" jsonschema:"What happened."`
	Title  string `json:"title" jsonschema:"The task's title."`
	ListID string `json:"list_id" jsonschema:"The list the task is in (after a move, the new one)."`
}

type completeOut struct {
	TaskID     string  `json:"task_id" jsonschema:"The task's id."`
	Status     string  `json:"status" jsonschema:"What happened."`
	Title      string  `json:"title" jsonschema:"The task's title."`
	ListID     string  `json:"list_id" jsonschema:"The list the task is in."`
	NextTaskID *string `json:"next_task_id,omitempty" jsonschema:"For a recurring task: the id of its next occurrence."`
	NextDueAt  *string `json:"next_due_at,omitempty" jsonschema:"For a recurring task: when its next occurrence is due."`
}

type reminderSetOut struct {
	TaskID     string `json:"task_id" jsonschema:"The task's id."`
	Status     string `json:"status" jsonschema:"What happened."`
	Title      string `json:"title" jsonschema:"The task's title."`
	ReminderID string `json:"reminder_id" jsonschema:"The new reminder's id."`
	RemindAt   string `json:"remind_at" jsonschema:"When the reminder fires."`
}

type taskOut struct {
	TaskID      string   `json:"task_id" jsonschema:"The task's id."`
	Title       string   `json:"title"`
	ListID      string   `json:"list_id" jsonschema:"The list the task is in, as list_lists names it."`
	Description *string  `json:"description,omitempty"`
	Status      string   `json:"status" jsonschema:"pending or completed."`
	Overdue     bool     `json:"overdue" jsonschema:"Pending and due before now."`
	Priority    string   `json:"priority" jsonschema:"low, medium or high."`
	Tags        []string `json:"tags"`
	DueAt       *string  `json:"due_at,omitempty"`
	CompletedAt *string  `json:"completed_at,omitempty"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	Recurring   bool     `json:"recurring" jsonschema:"Completing it creates its next occurrence."`
	AssigneeID  *string  `json:"assignee_id,omitempty" jsonschema:"The user id of the member of the task's list it is assigned to; absent when it is assigned to nobody."`
}

type reminderOut struct {
	ReminderID    string  `json:"reminder_id"`
	RemindAt      string  `json:"remind_at"`
	MinutesBefore *int    `json:"minutes_before,omitempty" jsonschema:"Set when the reminder is tied to the due date."`
	FiredAt       *string `json:"fired_at,omitempty"`
}

type taskDetailOut struct {
	taskOut
	Reminders []reminderOut `json:"reminders" jsonschema:"The user's reminders on the task, earliest first."`
}

type listTasksOut struct {
	Tasks      []taskOut `json:"tasks"`
	NextCursor *string   `json:"next_cursor,omitempty" jsonschema:"Pass as cursor to get the next page; absent on the last page."`
}

type countOut struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type taskStatsOut struct {
	Total          int        `json:"total"`
	Completed      int        `json:"completed"`
	Pending        int        `json:"pending"`
	Overdue        int        `json:"overdue" jsonschema:"Pending tasks due before now."`
	DueToday       int        `json:"due_today" jsonschema:"Pending tasks due on today's date in time_zone, overdue or not."`
	CompletionRate float64    `json:"completion_rate" jsonschema:"completed / total, 0 when there are no tasks."`
	ByPriority     []countOut `json:"by_priority" jsonschema:"high, medium and low, in that order."`
	ByTag          []countOut `json:"by_tag" jsonschema:"Every tag, most used first."`
}

// The handlers.

func (t *tools) addTask(ctx context.Context, req *mcp.CallToolRequest, in addTaskIn) (*mcp.CallToolResult, changeOut, error) {
	userID := viewerID(ctx)
	create := model.CreateTaskInput{Title: in.Title, Description: in.Description, Priority: model.PriorityMedium, Tags: in.Tags}
	if create.Tags == nil {
		create.Tags = []string{}
	}
	var err error
	if in.Priority != nil {
		if create.Priority, err = parsePriority(*in.Priority); err != nil {
			return nil, changeOut{}, err
		}
	}
	if in.DueAt != nil {
		if create.DueAt, err = parseTime("due_at", *in.DueAt); err != nil {
			return nil, changeOut{}, err
		}
	}
	if in.ListID != nil {
		list, err := parseListID(*in.ListID)
		if err != nil {
			return nil, changeOut{}, err
		}
		create.ListID = &list
	}
	task, err := t.store.CreateTask(ctx, userID, create)
	if err != nil {
		return nil, changeOut{}, t.fail(ctx, err, "", in.ListID)
	}
	out := changeOut{TaskID: scalar.TaskID(task.ID), Status: "created", Title: task.Title, ListID: scalar.ListID(task.ListID)}
	return summary(fmt.Sprintf("Created task %q (task_id %s) in list_id %s.", task.Title, out.TaskID, out.ListID)), out, nil
}

func (t *tools) listTasks(ctx context.Context, req *mcp.CallToolRequest, in listTasksIn) (*mcp.CallToolResult, listTasksOut, error) {
	userID := viewerID(ctx)
	q := model.ListQuery{First: in.Limit, After: in.Cursor}
	if in.Status != nil {
		status := model.TaskStatusFilter(strings.ToUpper(*in.Status))
		if !status.IsValid() {
			return nil, listTasksOut{}, fmt.Errorf("status must be all, pending or completed, not %s", quote(*in.Status))
		}
		q.Filter.Status = &status
	}
	q.Filter.Search = in.Search
	q.Filter.AssignedToMe = in.AssignedToMe
	var err error
	if in.DueBefore != nil {
		if q.Filter.DueBefore, err = parseTime("due_before", *in.DueBefore); err != nil {
			return nil, listTasksOut{}, err
		}
	}
	if in.DueAfter != nil {
		if q.Filter.DueAfter, err = parseTime("due_after", *in.DueAfter); err != nil {
			return nil, listTasksOut{}, err
		}
	}
	if in.ListID != nil {
		list, err := parseListID(*in.ListID)
		if err != nil {
			return nil, listTasksOut{}, err
		}
		q.Filter.ListIDs = []uuid.UUID{list}
	}
	page, err := t.store.ListTasks(ctx, userID, q)
	if err != nil {
		return nil, listTasksOut{}, t.fail(ctx, err, "", in.ListID)
	}
	now := time.Now()
	out := listTasksOut{Tasks: make([]taskOut, len(page.Edges))}
	lines := make([]string, 0, len(page.Edges)+1)
	for i, e := range page.Edges {
		out.Tasks[i] = taskView(e.Node, now)
		lines = append(lines, "- "+line(out.Tasks[i]))
	}
	if n := len(page.Edges); page.HasNextPage && n > 0 {
		out.NextCursor = &page.Edges[n-1].Cursor
	}
	head := fmt.Sprintf("%d tasks.", len(out.Tasks))
	switch {
	case len(out.Tasks) == 0:
		head = "No tasks match."
	case len(out.Tasks) == 1:
		head = "1 task."
	}
	if out.NextCursor != nil {
		head += " More match: call again with cursor set to next_cursor."
	}
	return summary(head + "\n" + strings.Join(lines, "\n")), out, nil
}

func (t *tools) getTask(ctx context.Context, req *mcp.CallToolRequest, in taskIDIn) (*mcp.CallToolResult, taskDetailOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, taskDetailOut{}, err
	}
	task, err := t.store.Task(ctx, userID, id)
	if err != nil {
		return nil, taskDetailOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	reminders, err := t.store.Reminders(ctx, userID, []uuid.UUID{id})
	if err != nil {
		return nil, taskDetailOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	out := taskDetailOut{taskOut: taskView(task, time.Now()), Reminders: []reminderOut{}}
	for _, r := range reminders[0] {
		out.Reminders = append(out.Reminders, reminderView(r))
	}
	text := line(out.taskOut)
	if out.Description != nil {
		text += "\n" + *out.Description
	}
	return summary(text), out, nil
}

func (t *tools) updateTask(ctx context.Context, req *mcp.CallToolRequest, in updateTaskIn) (*mcp.CallToolResult, changeOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, changeOut{}, err
	}
	var patch model.TaskPatch
	if in.Title != nil {
		patch.Title = model.Some(*in.Title)
	}
	if in.Description != nil {
		patch.Description = model.Some(*in.Description) // the store keeps an empty one as null
	}
	if in.DueAt != nil {
		if *in.DueAt == "" {
			patch.DueAt = model.Null[time.Time]()
		} else {
			due, err := parseTime("due_at", *in.DueAt)
			if err != nil {
				return nil, changeOut{}, err
			}
			patch.DueAt = model.Some(*due)
		}
	}
	if in.Priority != nil {
		p, err := parsePriority(*in.Priority)
		if err != nil {
			return nil, changeOut{}, err
		}
		patch.Priority = model.Some(p)
	}
	if in.Tags != nil {
		patch.Tags = model.Some(in.Tags)
	}
	if in.ListID != nil {
		list, err := parseListID(*in.ListID)
		if err != nil {
			return nil, changeOut{}, err
		}
		patch.ListID = model.Some(list)
	}
	task, _, err := t.store.UpdateTask(ctx, userID, id, patch)
	if err != nil {
		return nil, changeOut{}, t.fail(ctx, err, in.TaskID, in.ListID)
	}
	out := changeOut{TaskID: in.TaskID, Status: "updated", Title: task.Title, ListID: scalar.ListID(task.ListID)}
	return summary(fmt.Sprintf("Updated task %q (in list_id %s).", task.Title, out.ListID)), out, nil
}

func (t *tools) completeTask(ctx context.Context, req *mcp.CallToolRequest, in taskIDIn) (*mcp.CallToolResult, completeOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, completeOut{}, err
	}
	task, next, err := t.store.SetTaskCompleted(ctx, userID, id, true)
	if err != nil {
		return nil, completeOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	out := completeOut{TaskID: in.TaskID, Status: "completed", Title: task.Title, ListID: scalar.ListID(task.ListID)}
	text := fmt.Sprintf("Completed task %q.", task.Title)
	if next != nil {
		nextID := scalar.TaskID(next.ID)
		out.NextTaskID = &nextID
		out.NextDueAt = timeString(next.DueAt)
		if out.NextDueAt != nil {
			text += fmt.Sprintf(" Its next occurrence (task_id %s) is due %s.", nextID, *out.NextDueAt)
		}
	}
	return summary(text), out, nil
}

func (t *tools) reopenTask(ctx context.Context, req *mcp.CallToolRequest, in taskIDIn) (*mcp.CallToolResult, changeOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, changeOut{}, err
	}
	task, _, err := t.store.SetTaskCompleted(ctx, userID, id, false)
	if err != nil {
		return nil, changeOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	out := changeOut{TaskID: in.TaskID, Status: "reopened", Title: task.Title, ListID: scalar.ListID(task.ListID)}
	return summary(fmt.Sprintf("Reopened task %q.", task.Title)), out, nil
}

func (t *tools) deleteTask(ctx context.Context, req *mcp.CallToolRequest, in taskIDIn) (*mcp.CallToolResult, changeOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, changeOut{}, err
	}
	// Read first for the title the result names; a task deleted in between is not found either way.
	task, err := t.store.Task(ctx, userID, id)
	if err != nil {
		return nil, changeOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	if err := t.store.DeleteTask(ctx, userID, id); err != nil {
		return nil, changeOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	out := changeOut{TaskID: in.TaskID, Status: "deleted", Title: task.Title, ListID: scalar.ListID(task.ListID)}
	return summary(fmt.Sprintf("Deleted task %q.", task.Title)), out, nil
}

func (t *tools) setReminder(ctx context.Context, req *mcp.CallToolRequest, in setReminderIn) (*mcp.CallToolResult, reminderSetOut, error) {
	userID := viewerID(ctx)
	id, err := parseTaskID(in.TaskID)
	if err != nil {
		return nil, reminderSetOut{}, err
	}
	if (in.MinutesBefore == nil) == (in.At == nil) {
		return nil, reminderSetOut{}, fmt.Errorf("give exactly one of minutes_before (minutes before the task's due " +
			"date) and at (an RFC 3339 date-time)")
	}
	added := model.ReminderInput{MinutesBefore: in.MinutesBefore}
	if in.At != nil {
		if added.At, err = parseTime("at", *in.At); err != nil {
			return nil, reminderSetOut{}, err
		}
	}
	// The store replaces a task's reminders as a whole; the ones it has are sent again (and kept, ids and all).
	existing, err := t.store.Reminders(ctx, userID, []uuid.UUID{id})
	if err != nil {
		return nil, reminderSetOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	inputs := make([]model.ReminderInput, 0, len(existing[0])+1)
	for _, r := range existing[0] {
		if r.MinutesBefore != nil {
			inputs = append(inputs, model.ReminderInput{MinutesBefore: r.MinutesBefore})
		} else {
			inputs = append(inputs, model.ReminderInput{At: &r.RemindAt})
		}
	}
	inputs = append(inputs, added)
	task, _, err := t.store.UpdateTask(ctx, userID, id, model.TaskPatch{Reminders: model.Some(inputs)})
	if err != nil {
		return nil, reminderSetOut{}, t.fail(ctx, err, in.TaskID, nil)
	}
	out := reminderSetOut{TaskID: in.TaskID, Status: "reminder_set", Title: task.Title}
	for _, r := range task.Reminders {
		if matches(added, r) {
			out.ReminderID, out.RemindAt = scalar.ReminderID(r.ID), formatTime(r.RemindAt)
			break
		}
	}
	return summary(fmt.Sprintf("Reminder for %q set for %s.", task.Title, out.RemindAt)), out, nil
}

func (t *tools) taskStats(ctx context.Context, req *mcp.CallToolRequest, in taskStatsIn) (*mcp.CallToolResult, taskStatsOut, error) {
	userID := viewerID(ctx)
	name := "UTC"
	if in.TimeZone != nil {
		name = *in.TimeZone
	}
	loc, err := location(name)
	if err != nil {
		return nil, taskStatsOut{}, err
	}
	stats, err := t.store.Stats(ctx, userID, loc, nil)
	if err != nil {
		return nil, taskStatsOut{}, t.fail(ctx, err, "", nil)
	}
	out := taskStatsOut{
		Total: stats.Total, Completed: stats.Completed, Pending: stats.Pending, Overdue: stats.Overdue,
		DueToday: stats.DueToday, CompletionRate: stats.CompletionRate,
		ByPriority: []countOut{}, ByTag: []countOut{},
	}
	for _, p := range stats.ByPriority {
		out.ByPriority = append(out.ByPriority, countOut{Name: strings.ToLower(p.Priority.String()), Count: p.Count})
	}
	for _, tag := range stats.ByTag {
		out.ByTag = append(out.ByTag, countOut{Name: tag.Tag, Count: tag.Count})
	}
	return summary(fmt.Sprintf("%d tasks: %d pending (%d overdue, %d due today), %d completed.",
		out.Total, out.Pending, out.Overdue, out.DueToday, out.Completed)), out, nil
}

func (t *tools) listLists(ctx context.Context, req *mcp.CallToolRequest, in listListsIn) (*mcp.CallToolResult, listListsOut, error) {
	lists, err := t.store.Lists(ctx, viewerID(ctx))
	if err != nil {
		return nil, listListsOut{}, t.fail(ctx, err, "", nil)
	}
	out := listListsOut{Lists: make([]listOut, 0, len(lists))}
	names := make([]string, 0, len(lists))
	for _, l := range lists {
		out.Lists = append(out.Lists, listOut{ListID: scalar.ListID(l.ID), Name: l.Name, IsInbox: l.IsInbox,
			Role: strings.ToLower(string(l.ViewerRole))})
		names = append(names, quote(l.Name))
	}
	return summary(fmt.Sprintf("%d lists: %s.", len(lists), strings.Join(names, ", "))), out, nil
}

// Helpers.

// viewerID is the verified user: requireToken put them into the request's context, which the SDK hands on.
func viewerID(ctx context.Context) string {
	v, _ := auth.FromContext(ctx)
	return v.ID
}

// summary is a result whose text content is the short summary a model reads; the SDK adds structuredContent.
func summary(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// parseTaskID returns the task behind a GraphQL task id. An id that cannot be a task's is answered exactly like a
// task that is missing or someone else's.
func parseTaskID(id string) (uuid.UUID, error) {
	u, ok := scalar.ParseTaskID(id)
	if !ok {
		return uuid.UUID{}, notFound(id)
	}
	return u, nil
}

// parseListID returns the list behind a GraphQL list id. An id that cannot be a list's is answered exactly like a
// list that is missing or that the user is not a member of.
func parseListID(id string) (uuid.UUID, error) {
	u, ok := scalar.ParseListID(id)
	if !ok {
		return uuid.UUID{}, listNotFound(id)
	}
	return u, nil
}

var priorities = map[string]model.Priority{"low": model.PriorityLow, "medium": model.PriorityMedium, "high": model.PriorityHigh}

func parsePriority(s string) (model.Priority, error) {
	p, ok := priorities[strings.ToLower(s)]
	if !ok {
		return 0, fmt.Errorf("priority must be low, medium or high, not %s", quote(s))
	}
	return p, nil
}

// parseTime reads an RFC 3339 date-time argument.
func parseTime(arg, s string) (*time.Time, error) {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !model.InstantInRange(v.UTC()) {
		return nil, fmt.Errorf("%s must be an RFC 3339 date-time with an offset, such as 2026-12-24T18:00:00Z, "+
			"not %s", arg, quote(s))
	}
	return &v, nil
}

// location resolves an IANA time zone name as recur.Zone does (canonical names only, never the server's "Local",
// loaded zones kept in recur's bounded cache).
func location(name string) (*time.Location, error) {
	loc, err := recur.Zone(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time_zone %s; use an IANA name such as Europe/Berlin", quote(name))
	}
	return loc, nil
}

// matches reports whether r is the reminder that in asked for.
func matches(in model.ReminderInput, r *model.Reminder) bool {
	if in.MinutesBefore != nil {
		return r.MinutesBefore != nil && *r.MinutesBefore == *in.MinutesBefore
	}
	return r.MinutesBefore == nil && model.TruncateTime(*in.At).Equal(r.RemindAt)
}

func taskView(task *model.Task, now time.Time) taskOut {
	out := taskOut{
		TaskID: scalar.TaskID(task.ID), Title: task.Title, ListID: scalar.ListID(task.ListID),
		Description: task.Description, Status: "pending",
		Priority: strings.ToLower(task.Priority.String()), Tags: task.Tags,
		DueAt: timeString(task.DueAt), CompletedAt: timeString(task.CompletedAt),
		CreatedAt: formatTime(task.CreatedAt), UpdatedAt: formatTime(task.UpdatedAt),
		Recurring: task.Rule != nil, AssigneeID: task.AssigneeID,
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if task.Completed {
		out.Status = "completed"
	} else if task.DueAt != nil && task.DueAt.Before(now) {
		out.Overdue = true
	}
	return out
}

func reminderView(r *model.Reminder) reminderOut {
	return reminderOut{ReminderID: scalar.ReminderID(r.ID), RemindAt: formatTime(r.RemindAt),
		MinutesBefore: r.MinutesBefore, FiredAt: timeString(r.FiredAt)}
}

// line is a task in one line of text.
func line(t taskOut) string {
	s := fmt.Sprintf("%q (task_id %s, list_id %s): %s, %s priority", t.Title, t.TaskID, t.ListID, t.Status, t.Priority)
	if t.DueAt != nil {
		s += ", due " + *t.DueAt
	}
	if t.Overdue {
		s += " (overdue)"
	}
	if len(t.Tags) > 0 {
		s += ", tags " + strings.Join(t.Tags, ", ")
	}
	return s
}

// formatTime writes an instant as the GraphQL DateTime does: UTC, milliseconds, Z.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func timeString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// quote quotes a value a client sent for a message, cut short when long.
func quote(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return fmt.Sprintf("%q...", string(r[:max]))
	}
	return fmt.Sprintf("%q", s)
}

func ptr[T any](v T) *T { return &v }

// schemaFor infers a JSON schema from T's fields and tags, then lets adjust add what tags cannot say (enums,
// bounds, formats) to its properties.
func schemaFor[T any](adjust func(props map[string]*jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(err) // the types above are fixed; a test registers them all
	}
	if adjust != nil {
		adjust(s.Properties)
	}
	return s
}

func enum(values ...any) []any { return values }

// statusEnum pins the status a change result reports.
func statusEnum(status string) func(map[string]*jsonschema.Schema) {
	return func(p map[string]*jsonschema.Schema) { p["status"].Enum = enum(status) }
}

func taskArgs(p map[string]*jsonschema.Schema) {
	p["priority"].Enum = enum("low", "medium", "high", nil) // null: as if left out
	if p["task_id"] == nil {
		p["due_at"].Format = "date-time" // add_task; update_task's may be empty, to remove the due date
	}
}

func listArgs(p map[string]*jsonschema.Schema) {
	p["status"].Enum = enum("all", "pending", "completed", nil)
	p["limit"].Minimum, p["limit"].Maximum = ptr(1.0), ptr(100.0)
	p["due_before"].Format = "date-time"
	p["due_after"].Format = "date-time"
}

func reminderArgs(p map[string]*jsonschema.Schema) {
	p["minutes_before"].Minimum, p["minutes_before"].Maximum = ptr(0.0), ptr(40320.0)
	p["at"].Format = "date-time"
}
