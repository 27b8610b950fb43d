package modeltest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"taskapi/model"
)

// ScopeGuard is a bun.QueryHook that reports every statement on a table of model.PerUserTables that lacks the
// user_id condition, and every statement on model.MembershipTable or a table of model.SharedTables that lacks the
// membership condition, unless its context is marked model.AcrossUsers. MustOpenDB installs one on every test database,
// reporting to the test, so that a store method that forgets the condition fails every test that calls it, on both
// databases.
//
// It reads the SQL that bun sends (string literals blanked out, so that a title such as 'tasks' is not a table):
// an INSERT into a per-user table must set user_id; any other statement (SELECT, UPDATE, DELETE, subqueries
// included) must have a user_id condition (user_id = …, or user_id IN …) for each reference to a per-user table.
//
// Lists are counted the same way. A reference to list_members that has a user_id condition is a membership
// condition; every other reference to list_members (a roster) and every reference to a shared table (lists,
// list_invitations, users) needs one membership condition of the statement, or a token condition (token_hash = …),
// which stands for the invitation it names and that invitation's list, or, for task_tags aliased tt, the condition
// tt.list_id = t.list_id, which scopes a task's tags by the task (itself scoped). A new row (the target of an INSERT) is
// scoped by itself. So `SELECT … FROM lists WHERE id = ?` fails, and
// `… WHERE id = ? AND id IN (SELECT list_id FROM list_members WHERE user_id = ?)` passes.
//
// A read (SELECT) of tasks must also say, for each reference to tasks, whether it reads live tasks or the trash
// (t.deleted_at IS NULL, or IS NOT NULL), so that a read that forgets the trash fails.
//
// Schema statements (CREATE, ALTER, DROP) are not checked.
type ScopeGuard struct {
	// Report receives one message per unscoped statement.
	Report func(format string, args ...any)
}

var _ bun.QueryHook = ScopeGuard{}

// BeforeQuery checks the statement before it runs.
func (g ScopeGuard) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if model.IsAcrossUsers(ctx) {
		return ctx
	}
	if err := CheckScoped(e.Query); err != nil {
		g.Report("modeltest: %v", err)
	}
	return ctx
}

// AfterQuery does nothing.
func (ScopeGuard) AfterQuery(context.Context, *bun.QueryEvent) {}

var (
	sqlLiteral   = regexp.MustCompile(`'(?:[^']|'')*'`)
	schemaStmt   = regexp.MustCompile(`^\s*(create|alter|drop)\b`)
	insertTarget = regexp.MustCompile(`^\s*insert\s+into\s+"?(\w+)"?(?:\s+as\s+"?\w+"?)?\s*\(([^)]*)\)`)
	userIDCond   = regexp.MustCompile(`\buser_id"?\s*(?:=|in\b)`)
	tokenCond    = regexp.MustCompile(`\btoken_hash"?\s*=`)
	// tagsOfTask is a task_tags reference scoped by its task: the task's row carries the membership condition.
	tagsOfTask    = regexp.MustCompile(`\btt"?\."?list_id"?\s*=\s*"?t"?\."?list_id\b`)
	readStmt      = regexp.MustCompile(`^\s*(select|with)\b`)
	deletedAtCond = regexp.MustCompile(`\bdeleted_at"?\s+is\s+(?:not\s+)?null\b`)
	userIDColumn  = regexp.MustCompile(`(?:^|[^\w])"?user_id"?(?:[^\w]|$)`)
	tableRefs     sync.Map // table name -> *regexp.Regexp matching a reference to it
)

// tableRef returns the pattern of a reference to table, compiled once per table rather than per statement: every
// statement of every test passes through the guard.
func tableRef(table string) *regexp.Regexp {
	if re, ok := tableRefs.Load(table); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := tableRefs.LoadOrStore(table, regexp.MustCompile(`(?:^|[^\w.])"?`+regexp.QuoteMeta(table)+`"?(?:[^\w]|$)`))
	return re.(*regexp.Regexp)
}

// CheckScoped returns an error when query touches a per-user table (model.PerUserTables) without the user_id
// condition (see ScopeGuard), nil otherwise.
func CheckScoped(query string) error {
	q := strings.ToLower(sqlLiteral.ReplaceAllString(query, "''"))
	if schemaStmt.MatchString(q) {
		return nil
	}
	refs := 0
	for _, table := range model.PerUserTables {
		refs += len(tableRef(table).FindAllStringIndex(q, -1))
	}
	members := len(tableRef(model.MembershipTable).FindAllStringIndex(q, -1))
	shared := 0
	for _, table := range model.SharedTables {
		shared += len(tableRef(table).FindAllStringIndex(q, -1))
	}
	if m := insertTarget.FindStringSubmatch(q); m != nil {
		switch {
		case perUser(m[1]) || m[1] == model.MembershipTable:
			if !userIDColumn.MatchString(m[2]) {
				return fmt.Errorf("INSERT into per-user table %s does not set user_id: %s", m[1], query)
			}
			if m[1] == model.MembershipTable {
				members-- // a new membership is scoped by its own user_id
			} else {
				refs-- // the target is scoped by the row's own user_id
			}
		case slices.Contains(model.SharedTables, m[1]):
			shared-- // a new row, which nobody could see before
		}
	}
	conds := len(userIDCond.FindAllStringIndex(q, -1))
	if conds < refs {
		return fmt.Errorf("statement refers to per-user tables %d times but has %d user_id conditions: %s",
			refs, conds, query)
	}
	// The user_id conditions left after the per-user tables' are the membership conditions, at most one per
	// reference to list_members; each covers one reference to a shared table or a roster, a token two.
	membership := min(conds-refs, members)
	covered := membership + 2*len(tokenCond.FindAllStringIndex(q, -1)) + len(tagsOfTask.FindAllStringIndex(q, -1))
	if need := shared + members - membership; covered < need {
		return fmt.Errorf("statement refers to lists, their members, invitations or users %d times but has %d "+
			"membership conditions: %s", need, covered, query)
	}
	if tasks := len(tableRef(model.TasksTable).FindAllStringIndex(q, -1)); tasks > 0 && readStmt.MatchString(q) &&
		len(deletedAtCond.FindAllStringIndex(q, -1)) < tasks {
		return fmt.Errorf("statement reads tasks %d times but says whether they are in the trash (deleted_at IS NULL, "+
			"or IS NOT NULL) fewer times: %s", tasks, query)
	}
	return nil
}

func perUser(table string) bool {
	for _, t := range model.PerUserTables {
		if t == table {
			return true
		}
	}
	return false
}
