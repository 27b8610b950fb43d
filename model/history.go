package model

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// A task's history is read from the viewer's own feed: the events of the task that reached them, each with who made
// the change and the fields it changed as its writer recorded them (NewEvent.Fields). Only the events of lists the
// viewer is a member of now are shown, so a member who leaves a list stops seeing what happened in it, and one who
// was never in a list the task passed through never saw it.

// Page sizes of TaskHistory.
const (
	DefaultHistoryPageSize = 20
	MaxHistoryPageSize     = 100
)

// TaskChange is one change of a task's history.
type TaskChange struct {
	// Cursor is where the change is in the history; the next page starts after it.
	Cursor string
	At     time.Time
	// ActorID is who made the change; nil for the server's.
	ActorID *string
	Kind    TaskEventKind
	// Fields are the GraphQL names of the fields the change changed; empty for CREATED and DELETED, and for events
	// recorded before fields were.
	Fields []string
}

// TaskHistoryPage is one page of a task's history, newest first.
type TaskHistoryPage struct {
	Changes     []*TaskChange
	HasNextPage bool
	// EndCursor is the last change's cursor; "" on an empty page.
	EndCursor string
}

const historyCursorPrefix = "history:"

func historyCursor(position int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(historyCursorPrefix + strconv.FormatInt(position, 10)))
}

func parseHistoryCursor(s string) (int64, error) {
	bad := &InputError{Field: "after", Message: "after is not a cursor of a task's history."}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	p, ok := strings.CutPrefix(string(b), historyCursorPrefix)
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil || n < 1 {
		return 0, bad
	}
	return n, nil
}

// TaskHistory returns the changes of a task that the user's feed holds, newest first, first of them (1 to
// MaxHistoryPageSize) after the cursor after (nil: from the newest), in one statement. Only the events of lists the
// user is a member of now count; a task the user cannot see has an empty history. Returns *InputError for a page
// size out of range (field "first") or a malformed cursor (field "after").
func (s *Store) TaskHistory(ctx context.Context, userID string, taskID uuid.UUID, first int, after *string) (*TaskHistoryPage, error) {
	pages, err := s.TaskHistories(ctx, userID, []uuid.UUID{taskID}, first, after)
	if err != nil {
		return nil, err
	}
	return pages[0], nil
}

// TaskHistories is TaskHistory for several tasks with the same page arguments, in one statement whatever their
// number (a page of tasks that each ask for their history): the page of each, in the order of taskIDs. A task the
// user cannot see, or one that is not there, has an empty page. Returns *InputError as
// TaskHistory does.
func (s *Store) TaskHistories(ctx context.Context, userID string, taskIDs []uuid.UUID, first int, after *string) ([]*TaskHistoryPage, error) {
	if first < 1 || first > MaxHistoryPageSize {
		return nil, &InputError{Field: "first", Message: fmt.Sprintf("first must be between 1 and %d.", MaxHistoryPageSize)}
	}
	var before int64
	if after != nil {
		pos, err := parseHistoryCursor(*after)
		if err != nil {
			return nil, err
		}
		before = pos
	}
	pages := make([]*TaskHistoryPage, len(taskIDs))
	for i := range pages {
		pages[i] = &TaskHistoryPage{Changes: []*TaskChange{}}
	}
	if len(taskIDs) == 0 {
		return pages, nil
	}
	// Each task's newest first+1 changes (one more tells whether there is a next page), numbered per task by a
	// window function, which both databases have: one statement for the page, however many tasks.
	inner := s.db.NewSelect().Model((*eventRow)(nil)).Column("e.task_id", "e.position", "e.kind", "e.at", "e.actor_id", "e.fields").
		ColumnExpr("row_number() OVER (PARTITION BY e.task_id ORDER BY e.position DESC) AS rn").
		Where("e.user_id = ?", userID).Where("e.task_id IN (?)", bun.In(taskIDs)).Where("e.kind <> ?", TaskEventReminderDue).
		Where("e.list_id IN ("+memberOf+")", userID)
	if after != nil {
		inner = inner.Where("e.position < ?", before)
	}
	var rows []struct {
		TaskID   uuid.UUID     `bun:"task_id"`
		Position int64         `bun:"position"`
		Kind     TaskEventKind `bun:"kind"`
		At       time.Time     `bun:"at"`
		ActorID  *string       `bun:"actor_id"`
		Fields   *string       `bun:"fields"`
	}
	if err := s.db.NewSelect().TableExpr("(?) AS h", inner).Column("h.task_id", "h.position", "h.kind", "h.at", "h.actor_id", "h.fields").
		Where("h.rn <= ?", first+1).OrderExpr("h.task_id, h.position DESC").Scan(ctx, &rows); err != nil {
		return nil, storeError("task history", err)
	}
	byTask := make(map[uuid.UUID]*TaskHistoryPage, len(taskIDs))
	for i, id := range taskIDs {
		if p, ok := byTask[id]; ok {
			pages[i] = p // a repeated id shares its page
		} else {
			byTask[id] = pages[i]
		}
	}
	for _, r := range rows {
		page := byTask[r.TaskID]
		if len(page.Changes) == first {
			page.HasNextPage = true
			continue
		}
		c := &TaskChange{Cursor: historyCursor(r.Position), At: r.At.UTC(), ActorID: r.ActorID, Kind: r.Kind, Fields: []string{}}
		if r.Fields != nil {
			if err := json.Unmarshal([]byte(*r.Fields), &c.Fields); err != nil {
				return nil, storeError("task history", err)
			}
		}
		page.Changes = append(page.Changes, c)
		page.EndCursor = c.Cursor
	}
	return pages, nil
}
