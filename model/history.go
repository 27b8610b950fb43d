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
	if first < 1 || first > MaxHistoryPageSize {
		return nil, &InputError{Field: "first", Message: fmt.Sprintf("first must be between 1 and %d.", MaxHistoryPageSize)}
	}
	q := s.db.NewSelect().Model((*eventRow)(nil)).Column("e.position", "e.kind", "e.at", "e.actor_id", "e.fields").
		Where("e.user_id = ?", userID).Where("e.task_id = ?", taskID).Where("e.kind <> ?", TaskEventReminderDue).
		Where("e.list_id IN ("+memberOf+")", userID).OrderExpr("e.position DESC").Limit(int64(first + 1))
	if after != nil {
		pos, err := parseHistoryCursor(*after)
		if err != nil {
			return nil, err
		}
		q = q.Where("e.position < ?", pos)
	}
	var rows []eventRow
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, storeError("task history", err)
	}
	page := &TaskHistoryPage{Changes: []*TaskChange{}}
	if len(rows) > first {
		rows, page.HasNextPage = rows[:first], true
	}
	for _, r := range rows {
		c := &TaskChange{Cursor: historyCursor(r.Position), At: r.At.UTC(), ActorID: r.ActorID, Kind: r.Kind, Fields: []string{}}
		if r.Fields != nil {
			if err := json.Unmarshal([]byte(*r.Fields), &c.Fields); err != nil {
				return nil, storeError("task history", err)
			}
		}
		page.Changes = append(page.Changes, c)
		page.EndCursor = c.Cursor
	}
	return page, nil
}
