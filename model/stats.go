package model

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// statsRow is one row of the statistics query: the figures of one priority (kind "p"), or the count of one tag
// (kind "t").
type statsRow struct {
	Kind      string   `bun:"kind"`
	Tag       string   `bun:"tag"`
	Priority  Priority `bun:"priority"`
	Total     int      `bun:"total"`
	Completed int      `bun:"completed"`
	Overdue   int      `bun:"overdue"`
	DueToday  int      `bun:"due_today"`
}

// statsQuery counts the user's tasks by priority, with conditional sums for the other figures, and their tags, in
// one statement.
const statsQuery = `
SELECT 'p' AS kind, '' AS tag, t.priority AS priority, count(*) AS total,
	sum(CASE WHEN t.completed THEN 1 ELSE 0 END) AS completed,
	sum(CASE WHEN NOT t.completed AND t.due_at < ? THEN 1 ELSE 0 END) AS overdue,
	sum(CASE WHEN NOT t.completed AND t.due_at >= ? AND t.due_at < ? THEN 1 ELSE 0 END) AS due_today
FROM tasks AS t WHERE t.user_id = ? GROUP BY t.priority
UNION ALL
SELECT 't', tt.tag, 0, count(*), 0, 0, 0
FROM task_tags AS tt WHERE tt.user_id = ? GROUP BY tt.tag`

// Stats returns figures over all of the user's tasks in one round trip; "today" is the current date in loc (nil:
// UTC). Overdue tasks are pending ones due before now; due today are pending ones due on today's date, overdue or
// not. ByPriority lists HIGH, MEDIUM and LOW, zero counts included; ByTag every tag, by count descending, then tag.
func (s *Store) Stats(ctx context.Context, userID string, loc *time.Location) (*TaskStats, error) {
	if loc == nil {
		loc = time.UTC
	}
	now := TruncateTime(s.now())
	// Today's bounds in loc; the next day by the calendar (not 24 hours), so that a day with a DST change is a
	// day and not 23 or 25 hours of one.
	y, m, d := now.In(loc).Date()
	start, end := time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)

	var rows []statsRow
	if err := s.db.NewRaw(statsQuery, now, start.UTC(), end.UTC(), userID, userID).Scan(ctx, &rows); err != nil {
		return nil, wrapErr("task stats", err)
	}
	stats := &TaskStats{ByTag: []TagCount{}}
	byPriority := map[Priority]int{}
	for _, r := range rows {
		if r.Kind == "t" {
			stats.ByTag = append(stats.ByTag, TagCount{Tag: r.Tag, Count: r.Total})
			continue
		}
		byPriority[r.Priority] += r.Total
		stats.Total += r.Total
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

// Tags returns the user's tags by count descending, then tag, at most limit of them. Returns *InputError for a limit
// outside 1-MaxTagsPage (see TagsLimit).
func (s *Store) Tags(ctx context.Context, userID string, limit int) ([]TagCount, error) {
	if _, err := TagsLimit(&limit); err != nil {
		return nil, err
	}
	tags := []TagCount{}
	err := s.db.NewSelect().Model((*taskTag)(nil)).
		ColumnExpr("tt.tag AS tag").ColumnExpr("count(*) AS count").
		Where("tt.user_id = ?", userID).
		Group("tt.tag").
		OrderExpr("count(*) DESC, tt.tag ASC").
		Limit(int64(limit)).
		Scan(ctx, &tags)
	if err != nil {
		return nil, wrapErr("tags", err)
	}
	return tags, nil
}
