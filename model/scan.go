package model

import (
	"context"
	"reflect"
	"slices"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// taskColumns are the columns of tasks in the order scanTaskRow reads them. They must be every column bun maps to
// Task, in Task's field order (TestTaskColumnsMatchTheModel), so that the SELECT bun writes for a Task model is
// read by scanTaskRow unchanged.
var taskColumns = []string{
	"id", "user_id", "title", "description", "completed", "priority", "tags", "due_at", "completed_at",
	"created_at", "updated_at", "title_fold", "description_fold",
}

// handScannable reports whether db's rows of a Task model can be read by scanTaskRow: on PostgreSQL, whose driver
// hands back time.Time, bool and int64 values that database/sql assigns directly (SQLite keeps times as text, which
// bun's scanner parses), and only while taskColumns is Task's column list, so that a column added to Task without
// being added here is still read, by bun, rather than dropped.
func handScannable(db bun.IDB) bool {
	return IsPostgres(db) && taskColumnsMatch()
}

// taskColumnsMatch reports whether taskColumns is the column list bun maps to Task, checked once: the model does
// not change while the program runs.
var taskColumnsMatch = sync.OnceValue(func() bool {
	return slices.Equal(modelColumns(pgdialect.New()), taskColumns)
})

// modelColumns returns the columns bun maps to Task, in field order.
func modelColumns(d schema.Dialect) []string {
	table := d.Tables().Get(reflect.TypeFor[Task]())
	cols := make([]string, len(table.Fields))
	for i, f := range table.Fields {
		cols[i] = f.Name
	}
	return cols
}

// scanTasks runs q, a select of the Task model, and returns its rows. Where it can (handScannable) it reads them
// itself from q's rows rather than through bun's reflection-driven model scan, which cost more than the rest of a
// page's statement on the client side; bun still builds the statement, and every hook still sees it.
//
// count, when not nil, is a select of one count: where the rows are read by hand it becomes a column of every row
// of q (an uncorrelated subquery, which PostgreSQL evaluates once), read into *total, and counted reports that it
// was read, which it cannot be when q returns no row. Elsewhere count is not run and counted is false.
func scanTasks(ctx context.Context, db bun.IDB, q *bun.SelectQuery, count *bun.SelectQuery, total *int64) (_ []*Task, counted bool, _ error) {
	if !handScannable(db) {
		var tasks []*Task
		if err := q.Model(&tasks).Scan(ctx); err != nil {
			return nil, false, err
		}
		return tasks, false, nil
	}
	q = q.Model((*Task)(nil))
	n := len(taskColumns)
	if count != nil {
		q = q.Column(taskColumns...).ColumnExpr("(?) AS total_count", count)
		n++
	}
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var (
		tasks    []*Task
		priority int64
		dest     = make([]any, n)
	)
	if count != nil {
		dest[n-1] = total
	}
	for rows.Next() {
		t := new(Task)
		dest[0], dest[1], dest[2], dest[3] = &t.ID, &t.UserID, &t.Title, &t.Description
		dest[4], dest[5], dest[6], dest[7] = &t.Completed, &priority, &t.Tags, &t.DueAt
		dest[8], dest[9], dest[10], dest[11], dest[12] = &t.CompletedAt, &t.CreatedAt, &t.UpdatedAt, &t.TitleFold, &t.DescriptionFold
		if err := rows.Scan(dest...); err != nil {
			return nil, false, err
		}
		t.Priority = Priority(priority)
		if err := t.AfterScanRow(ctx); err != nil {
			return nil, false, err
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return tasks, count != nil && len(tasks) > 0, nil
}
