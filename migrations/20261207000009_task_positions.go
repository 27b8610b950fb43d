package migrations

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"taskapi/ordkey"
)

// The manual order of a list: tasks.position, one key of package ordkey per task (see docs/ordering.md).
//
//   - The keys compare as bytes on both databases: the column is text COLLATE "C" on PostgreSQL, and TEXT with
//     SQLite's default BINARY collation.
//   - Existing tasks are numbered per list in the order they were created (ordkey.Sequence), those in the trash
//     included, then the column becomes NOT NULL (on SQLite, which cannot add that constraint to a column later,
//     it is NOT NULL with an empty default that no key equals and the store never writes).
//   - tasks_list_position_idx, unique on (list_id, position) over every row, those in the trash included: it is
//     both the keyset index of orderBy POSITION and what makes two writers racing for the same gap fail rather
//     than write equal keys. A task in the trash keeps its key, and the store never makes a key equal to one in
//     the trash (it reads neighbours among every row), so a restored task finds its place free.
func init() {
	Migrations.MustRegister(taskPositionsUp, taskPositionsDown)
}

const taskPositionIndex = `CREATE UNIQUE INDEX tasks_list_position_idx ON tasks (list_id, position)`

// positionBatch is how many tasks one statement of the backfill numbers.
const positionBatch = 500

func taskPositionsUp(ctx context.Context, db *bun.DB) error {
	pg := db.Dialect().Name() == dialect.PG
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		add := `ALTER TABLE tasks ADD COLUMN position TEXT NOT NULL DEFAULT ''`
		if pg {
			add = `ALTER TABLE tasks ADD COLUMN position text COLLATE "C"`
		}
		if err := execTx(ctx, tx, []string{add}); err != nil {
			return err
		}
		if err := numberTasks(ctx, tx, pg); err != nil {
			return err
		}
		stmts := []string{taskPositionIndex}
		if pg {
			stmts = []string{`ALTER TABLE tasks ALTER COLUMN position SET NOT NULL`, taskPositionIndex, `ANALYZE tasks`}
		}
		return execTx(ctx, tx, stmts)
	})
}

// numberTasks gives every task the key of its place in its list, in the order the list's tasks were created.
func numberTasks(ctx context.Context, tx bun.Tx, pg bool) error {
	var rows []struct {
		ID     string `bun:"id"`
		ListID string `bun:"list_id"`
	}
	if err := tx.NewRaw(`SELECT id, list_id FROM tasks ORDER BY list_id, created_at, id`).Scan(ctx, &rows); err != nil {
		return fmt.Errorf("read the tasks to number: %w", err)
	}
	keys := make([]string, len(rows))
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].ListID == rows[start].ListID {
			end++
		}
		copy(keys[start:end], ordkey.Sequence(end-start))
		start = end
	}
	match := "tasks.id = v.column1"
	if pg {
		match = "tasks.id = v.column1::uuid"
	}
	for start := 0; start < len(rows); start += positionBatch {
		end := min(start+positionBatch, len(rows))
		values := make([]string, 0, end-start)
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			values = append(values, "(?, ?)")
			args = append(args, rows[i].ID, keys[i])
		}
		if _, err := tx.NewRaw(`UPDATE tasks SET position = v.column2 FROM (VALUES `+strings.Join(values, ", ")+
			`) AS v WHERE `+match, args...).Exec(ctx); err != nil {
			return fmt.Errorf("number the tasks: %w", err)
		}
	}
	return nil
}

func taskPositionsDown(ctx context.Context, db *bun.DB) error {
	// The index goes first: SQLite drops no column that an index names.
	return execAll(ctx, db, []string{
		`DROP INDEX IF EXISTS tasks_list_position_idx`,
		`ALTER TABLE tasks DROP COLUMN position`,
	})
}
