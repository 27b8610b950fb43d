package modeltest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/uptrace/bun"

	"taskapi/model"
)

// ScopeGuard is a bun.QueryHook that reports every statement on a table of model.PerUserTables that lacks the
// user_id condition, unless its context is marked model.AcrossUsers. MustOpenDB installs one on every test database,
// reporting to the test, so that a store method that forgets the condition fails every test that calls it, on both
// databases.
//
// It reads the SQL that bun sends (string literals blanked out, so that a title such as 'tasks' is not a table):
// an INSERT into a per-user table must set user_id; any other statement (SELECT, UPDATE, DELETE, subqueries
// included) must have a user_id condition (user_id = …, or user_id IN …) for each reference to a per-user table.
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
	userIDColumn = regexp.MustCompile(`(?:^|[^\w])"?user_id"?(?:[^\w]|$)`)
	tableRefs    sync.Map // table name -> *regexp.Regexp matching a reference to it
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
	if m := insertTarget.FindStringSubmatch(q); m != nil && perUser(m[1]) {
		if !userIDColumn.MatchString(m[2]) {
			return fmt.Errorf("INSERT into per-user table %s does not set user_id: %s", m[1], query)
		}
		refs-- // the target is scoped by the row's own user_id
	}
	if conds := len(userIDCond.FindAllStringIndex(q, -1)); conds < refs {
		return fmt.Errorf("statement refers to per-user tables %d times but has %d user_id conditions: %s",
			refs, conds, query)
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
