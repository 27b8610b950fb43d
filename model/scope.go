package model

import "context"

// PerUserTables are the tables whose rows each belong to one user, through their user_id column. Every statement
// on them must carry the user_id condition (store methods take the user id and add it themselves); the scoping
// guard of modeltest, installed on every test database, fails a test whose statements do not.
//
// A migration that creates a table of one user's rows adds it here, in the same change: TestPerUserTables (in
// migrations) fails while a table with a user_id column is missing from the list.
var PerUserTables = []string{
	"tasks", "task_tags", "idempotency_keys", "feed_heads", "task_events", "webhook_deliveries", "reminders",
}

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
