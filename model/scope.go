package model

import "context"

// PerUserTables are the tables whose rows each belong to one user, through their user_id column. Every statement
// on them must carry the user_id condition (store methods take the user id and add it themselves); the scoping
// guard of modeltest, installed on every test database, fails a test whose statements do not.
//
// A migration that creates a table of one user's rows adds it here, in the same change: TestPerUserTables (in
// migrations) fails while a table with a user_id column is missing from the list.
var PerUserTables = []string{
	"idempotency_keys", "feed_heads", "task_events", "webhook_deliveries", "reminders", "kafka_outbox",
}

// MembershipTable is the table of who is a member of which list. A reference to it with the viewer's user_id
// condition is the membership condition: `list_id IN (SELECT list_id FROM list_members WHERE user_id = ?)`, or a
// join on list_members carrying the viewer's id. A reference without one (a list's roster) needs a membership
// condition of its own, like the shared tables.
const MembershipTable = "list_members"

// SharedTables are the tables whose rows a user sees through the lists they are a member of: every reference to
// one needs a membership condition in the same statement (the scoping guard counts them), except where a
// statement is scoped by an invitation's token instead (`token_hash = ?`, the holder's right to that invitation
// and its list). users is among them: a user's email is visible only to the people who share a list with them, so
// every read of users carries the membership condition that decides it. tasks and task_tags are among them: a task
// is visible to the members of its list, so every statement on them carries `t.list_id IN (SELECT list_id FROM
// list_members WHERE user_id = ?)` (tasks.created_by is who made it, never a scope).
var SharedTables = []string{"lists", "list_invitations", "users", TasksTable, "task_tags"}

// TasksTable is the table of tasks. Every read of it says whether it reads live tasks or the trash (deleted_at IS
// NULL, or IS NOT NULL); the scoping guard counts them too.
const TasksTable = "tasks"

type acrossUsersKey struct{}

// AcrossUsers returns ctx marked for statements that deliberately span users, such as a background job's scan of
// every user's due rows or a test's bulk seeding; the scoping guard lets them through. Each use must say why it
// may see every user's rows, and must not carry what it reads to another user.
func AcrossUsers(ctx context.Context) context.Context {
	return context.WithValue(ctx, acrossUsersKey{}, true)
}

// IsAcrossUsers reports whether ctx was marked by AcrossUsers.
func IsAcrossUsers(ctx context.Context) bool {
	v, _ := ctx.Value(acrossUsersKey{}).(bool)
	return v
}
