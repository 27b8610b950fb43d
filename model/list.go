package model

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Page sizes of ListTasks.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListTasks returns one page of the user's tasks. Returns *InputError for arguments out of range (first/last outside
// 1-100, both given, a search over 100 characters, a cursor not issued for the same filter and order).
//
// Pages are keyset pages: a page costs the same however deep it is, and a cursor marks a place in the list (a sort
// value and an id), not an offset, so tasks added or removed elsewhere neither repeat nor skip rows. hasNextPage and
// hasPreviousPage follow the Relay specification: with first, hasNextPage says whether more tasks follow the page,
// and hasPreviousPage whether any task lies at or before the after cursor (false without one); with last, the
// mirror image.
//
// With q.WithEventCursor, the page and the feed's position are read in one snapshot (see TaskPage.EventCursor).
// With a read cache (WithReadCache), a page its owner has not changed since it was read is served from there.
func (s *Store) ListTasks(ctx context.Context, userID string, q ListQuery) (*TaskPage, error) {
	var err error
	if q.Filter.ListIDs, err = checkListIDs(ctx, s.db, userID, q.Filter.ListIDs); err != nil {
		return nil, storeError("list tasks", err)
	}
	if s.reads != nil {
		if key, ok := pageCacheKey(userID, q); ok {
			return s.cachedListTasks(ctx, userID, q, key)
		}
	}
	if !q.WithEventCursor {
		page, _, err := s.listTasks(ctx, userID, q)
		return page, err
	}
	page, pos, err := s.listTasksAt(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	page.EventCursor = EventCursor(userID, pos)
	return page, nil
}

// listTasksAt returns the page and the position of the user's feed read in the same snapshot.
func (s *Store) listTasksAt(ctx context.Context, userID string, q ListQuery) (*TaskPage, int64, error) {
	if handScannable(s.db) {
		// On PostgreSQL the feed's position rides in the page's first statement (see lister.scan), one snapshot with
		// its rows: no transaction, no round trips of its own. A first statement without rows cannot carry it.
		q.WithEventCursor = true
		page, pos, err := s.listTasks(ctx, userID, q)
		if err != nil || pos.Valid {
			return page, pos.Int64, err
		}
	}
	q.WithEventCursor = false // read below, in the transaction
	var page *TaskPage
	var pos int64
	err := s.readSnapshot(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if page, _, err = (&Store{db: tx, now: s.now}).listTasks(ctx, userID, q); err != nil {
			return err
		}
		pos, err = feedPosition(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, 0, storeError("list tasks", err) // listTasks's own errors are wrapped already; this adds a prefix
	}
	return page, pos, nil
}

// listTasks reads the page; with q.WithEventCursor, also the feed's position where the page's first statement can
// carry it (valid when it did; no feed_heads row yet is position 0).
func (s *Store) listTasks(ctx context.Context, userID string, q ListQuery) (*TaskPage, sql.NullInt64, error) {
	l, err := s.newLister(userID, q.Order, q.Filter)
	if err != nil {
		return nil, sql.NullInt64{}, err
	}
	if q.First != nil && q.Last != nil {
		return nil, sql.NullInt64{}, &InputError{Field: "first", Message: "Give first or last, not both."}
	}
	n := DefaultPageSize
	backward := q.Last != nil
	switch {
	case q.First != nil:
		n, err = pageSize(*q.First, "first")
	case q.Last != nil:
		n, err = pageSize(*q.Last, "last")
	}
	if err != nil {
		return nil, sql.NullInt64{}, err
	}
	after, err := l.decode(q.After, "after")
	if err != nil {
		return nil, sql.NullInt64{}, err
	}
	before, err := l.decode(q.Before, "before")
	if err != nil {
		return nil, sql.NullInt64{}, err
	}

	// Walk from the cursor the page starts at (after; before when paging backward) toward the other one, one row
	// past the page to learn whether more follow; then probe whether anything lies behind the starting cursor.
	from, to := after, before
	if backward {
		from, to = before, after
	}
	x := &extras{count: q.WithTotalCount, position: q.WithEventCursor}
	tasks, err := l.scan(ctx, backward, from, false, to, n+1, x)
	if err != nil {
		return nil, sql.NullInt64{}, storeError("list tasks", err)
	}
	behind, err := l.any(ctx, !backward, from)
	if err != nil {
		return nil, sql.NullInt64{}, storeError("list tasks", err)
	}
	more := len(tasks) > n
	tasks = tasks[:min(len(tasks), n)]
	page := &TaskPage{HasNextPage: more, HasPreviousPage: behind}
	if backward {
		slices.Reverse(tasks)
		page.HasNextPage, page.HasPreviousPage = behind, more
	}
	page.Edges = make([]TaskEdge, len(tasks))
	for i, t := range tasks {
		page.Edges[i] = TaskEdge{Cursor: encodeCursor(l.hash, positionOf(t, l.order.Field)), Node: t}
	}
	if q.WithTotalCount {
		// The page's statement carried the count unless it returned no row (or the database is SQLite).
		count := int(x.total)
		if !x.counted {
			if count, err = s.CountTasks(ctx, userID, q.Filter); err != nil {
				return nil, sql.NullInt64{}, err
			}
		}
		page.TotalCount = &count
	}
	var pos sql.NullInt64
	if x.positioned {
		pos = sql.NullInt64{Int64: x.feedPosition.Int64, Valid: true} // no feed_heads row yet: position 0
	}
	return page, pos, nil
}

// extras are what a page's statement may read besides its rows, as scalar subqueries (see scanTasks): the count of
// the whole list, and the user's feed position in the statement's snapshot. counted and positioned say whether
// they were read.
type extras struct {
	count, position     bool
	total               int64
	feedPosition        sql.NullInt64
	counted, positioned bool
}

// CountTasks counts the tasks the user can see that match filter. Returns *InputError for a filter ListTasks would
// refuse.
func (s *Store) CountTasks(ctx context.Context, userID string, filter TaskFilter) (int, error) {
	var err error
	if filter.ListIDs, err = checkListIDs(ctx, s.db, userID, filter.ListIDs); err != nil {
		return 0, storeError("count tasks", err)
	}
	f, err := normalizeFilter(filter)
	if err != nil {
		return 0, err
	}
	var n int64
	err = f.count(s.db, userID, TruncateTime(s.now())).Scan(ctx, &n)
	return int(n), storeError("count tasks", err)
}

// count returns the statement that counts the tasks the user can see that match the filter. On PostgreSQL it counts
// each of the user's lists on its own, a lateral subquery per membership, as a page walks them: written as one
// membership condition (apply), the planner joins a list's tags to its tasks through the primary key, one index
// probe per tagged task (some 1,600 buffers for the dashboard's count over a list of 1,000 tasks), where a single
// list's count hashes its tags against a bitmap scan of its tasks (some 60), as the count before lists did.
func (f *listFilter) count(db bun.IDB, userID string, now time.Time) *bun.SelectQuery {
	if !IsPostgres(db) {
		return f.apply(db.NewSelect().Model((*Task)(nil)).ColumnExpr("count(*)"), userID, now)
	}
	inner := f.conditions(db.NewSelect().Model((*Task)(nil)).ColumnExpr("count(*) AS n"), userID, now).
		Where("t.list_id = m.list_id")
	q := db.NewSelect().TableExpr("list_members AS m CROSS JOIN LATERAL (?) AS c", inner).
		ColumnExpr("coalesce(sum(c.n), 0)::bigint").Where("m.user_id = ?", userID)
	if len(f.Lists) > 0 {
		q = q.Where("m.list_id IN (?)", bun.In(f.Lists))
	}
	return q
}

func pageSize(n int, argument string) (int, error) {
	if n < 1 || n > MaxPageSize {
		return 0, &InputError{Field: argument, Message: argument + " must be between 1 and " + strconv.Itoa(MaxPageSize) + "."}
	}
	return n, nil
}

// apply adds the filter's conditions, and the user's membership condition, to q, a query of tasks aliased t. now
// decides what is overdue.
func (f *listFilter) apply(q *bun.SelectQuery, userID string, now time.Time) *bun.SelectQuery {
	q = q.Where(visibleTasks, userID)
	if len(f.Lists) > 0 {
		q = q.Where("t.list_id IN (?)", bun.In(f.Lists))
	}
	return f.conditions(q, userID, now)
}

// conditions adds the filter's conditions on the tasks themselves to q, a query of tasks aliased t: all of them
// but the lists, which the caller scopes (apply, or a page's walk of each list, see lister.scan).
func (f *listFilter) conditions(q *bun.SelectQuery, userID string, now time.Time) *bun.SelectQuery {
	// Live tasks only, here too: PostgreSQL's walk of each list scopes by its join on list_members, not visibleTasks.
	q = q.Where(liveTasks)
	switch f.Status {
	case TaskStatusFilterPending:
		q = q.Where("NOT t.completed")
	case TaskStatusFilterCompleted:
		q = q.Where("t.completed")
	}
	if len(f.Priorities) > 0 {
		q = q.Where("t.priority IN (?)", bun.In(f.Priorities))
	}
	if len(f.Tags) > 0 {
		// "Any of": task_tags holds one row per task and tag, in the task's list (tt.list_id = t.list_id scopes the
		// tags by the task, which is scoped itself; an IN on the membership here would hash every tag of the
		// user's lists).
		q = q.Where("EXISTS (SELECT 1 FROM task_tags AS tt WHERE tt.task_id = t.id AND tt.list_id = t.list_id AND tt.tag IN (?))",
			bun.In(f.Tags))
	}
	if len(f.Assignees) > 0 {
		// Only members of a task's list are assigned to it, so an id of someone the user shares no list with
		// matches nothing here: it reveals nothing.
		q = q.Where("t.assignee_id IN (?)", bun.In(f.Assignees))
	}
	if f.AssignedToMe != nil {
		if *f.AssignedToMe {
			q = q.Where("t.assignee_id = ?", userID)
		} else {
			q = q.Where("(t.assignee_id IS NULL OR t.assignee_id <> ?)", userID)
		}
	}
	if f.Search != nil {
		// A literal substring of the folded columns, so that it is case-insensitive the same way on both
		// databases; on PostgreSQL the trigram indexes serve it.
		pattern := "%" + likeEscaper.Replace(*f.Search) + "%"
		q = q.Where(`(t.title_fold LIKE ? ESCAPE '\' OR t.description_fold LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	if f.DueAfter != nil {
		q = q.Where("t.due_at >= ?", *f.DueAfter)
	}
	if f.DueBefore != nil {
		q = q.Where("t.due_at < ?", *f.DueBefore)
	}
	if f.Overdue != nil {
		if *f.Overdue {
			q = q.Where("NOT t.completed AND t.due_at < ?", now)
		} else {
			q = q.Where("(t.completed OR t.due_at IS NULL OR t.due_at >= ?)", now)
		}
	}
	return q
}

// likeEscaper makes a string match itself literally in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// lister pages through one list: one user's tasks, filtered and ordered.
type lister struct {
	s      *Store
	userID string
	filter listFilter
	order  TaskOrder
	hash   string
	now    time.Time
}

func (s *Store) newLister(userID string, order *TaskOrder, filter TaskFilter) (*lister, error) {
	o, err := normalizeOrder(order)
	if err != nil {
		return nil, err
	}
	f, err := normalizeFilter(filter)
	if err != nil {
		return nil, err
	}
	return &lister{s: s, userID: userID, filter: f, order: o, hash: listHash(o, f), now: TruncateTime(s.now())}, nil
}

// decode reads the cursor given as argument; nil when there is none.
func (l *lister) decode(cursor *string, argument string) (*position, error) {
	if cursor == nil {
		return nil, nil
	}
	p, err := decodeCursor(*cursor, argument, l.hash, l.order.Field)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// segment is a stretch of a list that one index range scan walks. Every order is one segment of all tasks, ordered
// by (column, id), except DUE_AT: tasks without a due date come last in both directions, which no single index order
// gives, so it is two segments, the tasks with a due date by (due_at, id) and then those without by id.
type segment struct {
	cond  string   // the condition that selects the segment's tasks; empty for all
	cols  []string // the keyset columns, ending with the id
	nulls bool     // the tasks without a due date
}

var (
	withDueDate    = segment{cond: "t.due_at IS NOT NULL", cols: []string{"t.due_at", "t.id"}}
	withoutDueDate = segment{cond: "t.due_at IS NULL", cols: []string{"t.id"}, nulls: true}
	orderColumns   = map[TaskOrderField]string{
		TaskOrderFieldCreatedAt: "t.created_at",
		TaskOrderFieldUpdatedAt: "t.updated_at",
		TaskOrderFieldPriority:  "t.priority",
		TaskOrderFieldTitle:     "t.title_fold",
	}
)

// byPosition is the one segment of the manual order: the tasks of each list by their keys, list by list. A key is
// unique in its list (the unique index on (list_id, position) is the walk's index), so the pair needs no id.
var byPosition = segment{cols: []string{"t.list_id", "t.position"}}

// segments returns the list's segments in list order.
func (l *lister) segments() []segment {
	switch l.order.Field {
	case TaskOrderFieldDueAt:
		return []segment{withDueDate, withoutDueDate}
	case TaskOrderFieldPosition:
		return []segment{byPosition}
	}
	return []segment{{cols: []string{orderColumns[l.order.Field], "t.id"}}}
}

// segmentOf returns the index in segs of the segment that p lies in.
func segmentOf(segs []segment, p position) int {
	for i, seg := range segs {
		if seg.nulls == (p.value == nil) {
			return i
		}
	}
	return 0
}

// keyset returns the condition that a row of seg compares with p by op ("<" or ">", "=" appended to include p
// itself), comparing seg's columns as one row value, and its arguments.
func keyset(seg segment, op string, p position) (string, []any) {
	if k, ok := p.value.(listKey); ok {
		return "(" + strings.Join(seg.cols, ", ") + ") " + op + " (?, ?)", []any{k.list, k.key}
	}
	if len(seg.cols) == 1 {
		return seg.cols[0] + " " + op + " ?", []any{p.id}
	}
	return "(" + strings.Join(seg.cols, ", ") + ") " + op + " (?, ?)", []any{p.value, p.id}
}

// scan returns up to limit tasks, walking the list forward (or backward) from just after from (at from itself when
// inclusive; the start when from is nil) and stopping before to (the end when nil). Each segment it crosses costs one
// query, an index range scan that reads no more than the rows it returns.
//
// With x, the queries also read what x asks for, where they can (see scanTasks): the count in the first query that
// returns rows, and the feed's position in the first query only, provided it returns rows. The page's other queries
// run after it, each in a snapshot of its own that is no older, so the page reflects every change up to that
// position (one it shows that came later is in the feed after the position too, which a client applies harmlessly).
func (l *lister) scan(ctx context.Context, backward bool, from *position, inclusive bool, to *position, limit int, x *extras) ([]*Task, error) {
	segs := l.segments()
	if backward {
		slices.Reverse(segs)
	}
	desc := (l.order.Direction == OrderDirectionDesc) != backward // the SQL direction of the walk
	ahead, behind, dir := ">", "<", " ASC"
	if desc {
		ahead, behind, dir = "<", ">", " DESC"
	}
	if inclusive {
		ahead += "="
	}
	first, last := 0, len(segs)-1
	if from != nil {
		first = segmentOf(segs, *from)
	}
	if to != nil {
		last = segmentOf(segs, *to)
	}
	var out []*Task
	for i := first; i <= last && len(out) < limit; i++ {
		seg := segs[i]
		n := int64(limit - len(out))
		// walk adds the segment's conditions and order to q, a query of tasks aliased t.
		walk := func(q *bun.SelectQuery) *bun.SelectQuery {
			if seg.cond != "" {
				q = q.Where(seg.cond)
			}
			if i == first && from != nil {
				cond, args := keyset(seg, ahead, *from)
				q = q.Where(cond, args...)
			}
			if i == last && to != nil {
				cond, args := keyset(seg, behind, *to)
				q = q.Where(cond, args...)
			}
			for _, col := range seg.cols {
				q = q.OrderExpr(col + dir)
			}
			return q
		}
		var q *bun.SelectQuery
		if IsPostgres(l.s.db) {
			// Each of the user's lists walked on its own index range, at most n rows of each, then merged: a list's
			// index holds its tasks in the page's order, which the tasks of several lists together are not, so a
			// plain membership condition would sort every task of the user's lists for every page.
			inner := walk(l.filter.conditions(l.s.db.NewSelect().Model((*Task)(nil)), l.userID, l.now).
				Where("t.list_id = m.list_id")).Limit(n)
			q = l.s.db.NewSelect().Model((*Task)(nil)).
				ModelTableExpr("list_members AS m CROSS JOIN LATERAL (?) AS t", inner).Where("m.user_id = ?", l.userID)
			if len(l.filter.Lists) > 0 {
				q = q.Where("m.list_id IN (?)", bun.In(l.filter.Lists))
			}
			q = walk(q)
		} else {
			q = walk(l.filter.apply(l.s.db.NewSelect().Model((*Task)(nil)), l.userID, l.now))
		}
		var cols []extraColumn
		if x != nil && x.count && !x.counted {
			count := l.filter.count(l.s.db, l.userID, l.now)
			cols = append(cols, extraColumn{"(?) AS total_count", []any{count}, &x.total, &x.counted})
		}
		if x != nil && x.position && i == first {
			cols = append(cols, extraColumn{"(" + feedPositionSQL + ") AS feed_position",
				[]any{l.userID}, &x.feedPosition, &x.positioned})
		}
		tasks, err := scanTasks(ctx, l.s.db, q.Limit(n), cols...)
		if err != nil {
			return nil, err
		}
		out = append(out, tasks...)
	}
	return out, nil
}

// any reports whether the list has a task at p or beyond it, walking forward (or backward); false when p is nil.
func (l *lister) any(ctx context.Context, backward bool, p *position) (bool, error) {
	if p == nil {
		return false, nil
	}
	tasks, err := l.scan(ctx, backward, p, true, nil, 1, nil)
	return len(tasks) > 0, err
}
