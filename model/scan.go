package model

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"

	"taskapi/recur"
)

// taskColumns are the columns of tasks in the order scanTaskRow reads them. They must be every column bun maps to
// Task, in Task's field order (TestTaskColumnsMatchTheModel), so that the SELECT bun writes for a Task model is
// read by scanTaskRow unchanged.
var taskColumns = []string{
	"id", "list_id", "created_by", "title", "description", "completed", "priority", "tags", "due_at", "completed_at",
	"completed_by", "created_at", "updated_at", "version", "deleted_at", "title_fold", "description_fold", "recurrence",
	"series_id", "completed_recurrence", "next_occurrence_id", "position", "assignee_id",
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

// extraColumn is a scalar subquery a select of tasks may carry as a column of its every row: expr (with args)
// written after the task's columns, read into dest; *read is set once a row has carried it.
type extraColumn struct {
	expr string
	args []any
	dest any
	read *bool
}

// scanTasks runs q, a select of the Task model, and returns its rows. Where it can (handScannable) it reads them
// itself from q's rows rather than through bun's reflection-driven model scan, which cost more than the rest of a
// page's statement on the client side; bun still builds the statement, and every hook still sees it.
//
// There, the extras become columns of q, uncorrelated subqueries that PostgreSQL evaluates once and reads in q's
// snapshot, which saves a round trip each; they are read only when q returns a row. Elsewhere they are not run.
func scanTasks(ctx context.Context, db bun.IDB, q *bun.SelectQuery, extras ...extraColumn) ([]*Task, error) {
	if !handScannable(db) {
		var tasks []*Task
		if err := q.Model(&tasks).Scan(ctx); err != nil {
			return nil, err
		}
		return tasks, nil
	}
	q = q.Model((*Task)(nil))
	if len(extras) > 0 {
		q = q.Column(taskColumns...)
		for _, x := range extras {
			q = q.ColumnExpr(x.expr, x.args...)
		}
	}
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		tasks               []*Task
		priority            int64
		rule, completedRule []byte // JSON, as bun stores a struct; NULL: none
		n                   = len(taskColumns)
		dest                = make([]any, n+len(extras))
	)
	for i, x := range extras {
		dest[n+i] = x.dest
	}
	for rows.Next() {
		t := new(Task)
		dest[0], dest[1], dest[2], dest[3], dest[4] = &t.ID, &t.ListID, &t.CreatedBy, &t.Title, &t.Description
		dest[5], dest[6], dest[7], dest[8] = &t.Completed, &priority, &t.Tags, &t.DueAt
		dest[9], dest[10], dest[11], dest[12], dest[13] = &t.CompletedAt, &t.CompletedBy, &t.CreatedAt, &t.UpdatedAt, &t.Version
		dest[14], dest[15], dest[16], dest[17], dest[18] = &t.DeletedAt, &t.TitleFold, &t.DescriptionFold, &rule, &t.SeriesID
		dest[19], dest[20], dest[21] = &completedRule, &t.NextOccurrenceID, &t.Position
		dest[22] = &t.AssigneeID
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		t.Priority = Priority(priority)
		var err error
		if t.Rule, err = jsonRule(rule); err != nil {
			return nil, err
		}
		if t.CompletedRule, err = jsonRule(completedRule); err != nil {
			return nil, err
		}
		if err := t.AfterScanRow(ctx); err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(tasks) > 0 {
		for _, x := range extras {
			*x.read = true
		}
	}
	return tasks, nil
}

// jsonRule reads a recurrence rule stored as JSON, as bun stores and reads a struct; nil for NULL.
func jsonRule(b []byte) (*recur.Rule, error) {
	if b == nil {
		return nil, nil
	}
	r := new(recur.Rule)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("model: scan recurrence: %w", err)
	}
	return r, nil
}
