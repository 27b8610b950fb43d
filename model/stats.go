package model

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// statsRow is one row of the statistics query: the figures of one priority (kind "p"), the count of one tag (kind
// "t"), or what the read cache needs (kind "n": the feed position as Total, and NextDue).
type statsRow struct {
	Kind      string   `bun:"kind"`
	Tag       string   `bun:"tag"`
	Priority  Priority `bun:"priority"`
	Total     int64    `bun:"total"`
	Completed int      `bun:"completed"`
	Overdue   int      `bun:"overdue"`
	DueToday  int      `bun:"due_today"`
	// NextDue is the earliest due date, now or later, of a pending task: until then no task becomes overdue.
	NextDue *time.Time `bun:"next_due"`
}

// statsQuery counts the live tasks of the lists the user is a member of (%[1]s narrows them to one list) by priority,
// with conditional sums for the other figures, and their tags, in one statement; and reads, in the same snapshot,
// the user's feed position and the next time a pending task falls due, which tell the read cache for how long the
// figures hold.
const statsQuery = `
SELECT 'p' AS kind, '' AS tag, t.priority AS priority, count(*) AS total,
	sum(CASE WHEN t.completed THEN 1 ELSE 0 END) AS completed,
	sum(CASE WHEN NOT t.completed AND t.due_at < ?0 THEN 1 ELSE 0 END) AS overdue,
	sum(CASE WHEN NOT t.completed AND t.due_at >= ?1 AND t.due_at < ?2 THEN 1 ELSE 0 END) AS due_today,
	CAST(NULL AS timestamptz) AS next_due
FROM tasks AS t WHERE t.list_id IN (SELECT list_id FROM list_members WHERE user_id = ?3) AND t.deleted_at IS NULL%[1]s
GROUP BY t.priority
UNION ALL
SELECT 't', tt.tag, 0, count(*), 0, 0, 0, NULL
FROM task_tags AS tt WHERE tt.list_id IN (SELECT list_id FROM list_members WHERE user_id = ?3)%[2]s GROUP BY tt.tag
UNION ALL
SELECT 'n', '', 0, coalesce((SELECT h.position FROM feed_heads AS h WHERE h.user_id = ?3), 0), 0, 0, 0,
	(SELECT min(t.due_at) FROM tasks AS t WHERE t.list_id IN (SELECT list_id FROM list_members WHERE user_id = ?3)
		AND t.deleted_at IS NULL%[1]s
		AND NOT t.completed AND t.due_at >= ?0)`

// oneList returns the conditions that narrow statsQuery to listID (?4), or none for nil.
func oneList(listID *uuid.UUID) (tasks, tags string) {
	if listID == nil {
		return "", ""
	}
	return " AND t.list_id = ?4", " AND tt.list_id = ?4"
}

// checkListID returns *InputError (at field) when listID is set and the user is not a member of that list.
func checkListID(ctx context.Context, db bun.IDB, userID string, listID *uuid.UUID, field string) error {
	if listID == nil {
		return nil
	}
	if _, err := checkListIDs(ctx, db, userID, []uuid.UUID{*listID}); err != nil {
		return &InputError{Field: field, Message: InvalidListIDMessage}
	}
	return nil
}

// Stats returns figures over the tasks of every list the user is a member of (of listID alone when set) in one
// round trip; "today" is the current date in loc (nil:
// UTC). Overdue tasks are pending ones due before now; due today are pending ones due on today's date, overdue or
// not. ByPriority lists HIGH, MEDIUM and LOW, zero counts included; ByTag every tag, by count descending, then tag.
//
// With a read cache (WithReadCache), figures read since the user last wrote are served from there for as long as
// they hold: until a pending task falls due or the day in loc ends. Returns *InputError (field listId) when the user
// is not a member of listID.
func (s *Store) Stats(ctx context.Context, userID string, loc *time.Location, listID *uuid.UUID) (*TaskStats, error) {
	if loc == nil {
		loc = time.UTC
	}
	if err := checkListID(ctx, s.db, userID, listID, "listId"); err != nil {
		return nil, storeError("task stats", err)
	}
	list := ""
	if listID != nil {
		list = listID.String()
	}
	now := TruncateTime(s.now())
	var key string
	if s.reads != nil {
		key = readKey(readStats, userID, loc.String()+"|"+list)
		kept, _, err := s.reads.lookup(ctx, s, readStats, userID, key, now)
		if err != nil {
			return nil, storeError("task stats", err)
		}
		if kept != nil {
			return kept.value.(*TaskStats), nil
		}
	}
	// Today's bounds in loc; the next day by the calendar (not 24 hours), so that a day with a DST change is a
	// day and not 23 or 25 hours of one.
	y, m, d := now.In(loc).Date()
	start, end := time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)

	var rows []statsRow
	onTasks, onTags := oneList(listID)
	if err := s.db.NewRaw(fmt.Sprintf(statsQuery, onTasks, onTags), now, start.UTC(), end.UTC(), userID, listID).
		Scan(ctx, &rows); err != nil {
		return nil, storeError("task stats", err)
	}
	stats := &TaskStats{ByTag: []TagCount{}}
	byPriority := map[Priority]int{}
	var position int64
	// The figures hold from now until the first instant at which a pending task is overdue that is not now, or
	// the day ends (whichever comes first): a task due at until is not yet overdue at until.
	until := end.Add(-time.Nanosecond)
	for _, r := range rows {
		switch r.Kind {
		case "t":
			stats.ByTag = append(stats.ByTag, TagCount{Tag: r.Tag, Count: int(r.Total)})
			continue
		case "n":
			position = r.Total
			if r.NextDue != nil && r.NextDue.Before(until) {
				until = *r.NextDue
			}
			continue
		}
		byPriority[r.Priority] += int(r.Total)
		stats.Total += int(r.Total)
		stats.Completed += r.Completed
		stats.Overdue += r.Overdue
		stats.DueToday += r.DueToday
	}
	stats.Pending = stats.Total - stats.Completed
	if stats.Total > 0 {
		stats.CompletionRate = float64(stats.Completed) / float64(stats.Total)
	}
	for _, p := range Priorities {
		stats.ByPriority = append(stats.ByPriority, PriorityCount{Priority: p, Count: byPriority[p]})
	}
	sortTagCounts(stats.ByTag)
	if s.reads != nil {
		s.reads.keep(ctx, key, &cachedRead{position: position, from: now, until: until, value: stats,
			cost: 256 + tagCountsCost(stats.ByTag)})
	}
	return stats, nil
}

// sortTagCounts orders tag counts by count descending, then tag by bytes, as the tags query orders them on both
// databases.
func sortTagCounts(tags []TagCount) {
	slices.SortFunc(tags, func(a, b TagCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Tag, b.Tag)
	})
}

// MaxTagsPage is the most tags Tags returns at once, and what tags(first) asks for when first is not given.
const MaxTagsPage = 100

// TagsLimit returns how many tags tags(first) asks for: first, or MaxTagsPage when it is nil. Returns *InputError (field
// first) for first outside 1-MaxTagsPage.
func TagsLimit(first *int) (int, error) {
	if first == nil {
		return MaxTagsPage, nil
	}
	if *first < 1 || *first > MaxTagsPage {
		return 0, &InputError{Field: "first", Message: "first must be between 1 and " + strconv.Itoa(MaxTagsPage) + "."}
	}
	return *first, nil
}

// Tags returns the tags of the tasks of every list the user is a member of (of listID alone when set) by count
// descending, then tag, at most limit of them. Returns *InputError for a limit outside 1-MaxTagsPage (see
// TagsLimit), and (field listId) when the user is not a member of listID.
//
// With a read cache (WithReadCache), tags read since the user's feed last moved are served from there.
func (s *Store) Tags(ctx context.Context, userID string, limit int, listID *uuid.UUID) ([]TagCount, error) {
	if _, err := TagsLimit(&limit); err != nil {
		return nil, err
	}
	if err := checkListID(ctx, s.db, userID, listID, "listId"); err != nil {
		return nil, storeError("tags", err)
	}
	if s.reads != nil {
		return s.cachedTags(ctx, userID, limit, listID)
	}
	return s.tags(ctx, userID, limit, listID, nil)
}

// tags reads the viewer's tag counts over the lists they are a member of (or listID alone); with position, also the
// viewer's feed position, in the same statement (valid when the statement returned a row), for the read cache.
func (s *Store) tags(ctx context.Context, userID string, limit int, listID *uuid.UUID, position *sql.NullInt64) ([]TagCount, error) {
	var rows []struct {
		Tag          string
		Count        int
		FeedPosition sql.NullInt64
	}
	q := s.db.NewSelect().Model((*taskTag)(nil))
	if listID != nil {
		q = q.Where("tt.list_id = ?", *listID)
	}
	q = q.ColumnExpr("tt.tag AS tag").ColumnExpr("count(*) AS count").
		Where("tt.list_id IN ("+memberOf+")", userID).
		Group("tt.tag").
		OrderExpr("count(*) DESC, tt.tag ASC").
		Limit(int64(limit))
	if position != nil {
		q = q.ColumnExpr("("+feedPositionSQL+") AS feed_position", userID)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, storeError("tags", err)
	}
	tags := make([]TagCount, len(rows))
	for i, r := range rows {
		tags[i] = TagCount{Tag: r.Tag, Count: r.Count}
	}
	if position != nil && len(rows) > 0 {
		*position = sql.NullInt64{Int64: rows[0].FeedPosition.Int64, Valid: true} // no feed_heads row yet: position 0
	}
	return tags, nil
}
