package model

import (
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// DatabaseNow renders, as SQL, the database's current time plus d, truncated to milliseconds like every stored
// instant, in the form the columns hold: timestamptz on PostgreSQL, and on SQLite the text Bun writes
// ('2006-01-02 15:04:05.999+00:00', UTC), which sorts like the instant it is.
//
// The background jobs (reminders, webhooks) decide what is due by this one clock rather than each instance's own,
// so that instances whose clocks disagree still agree on what is due and on whose lease has ended. With fixed set
// (tests that move time), fixed plus d is rendered instead.
func DatabaseNow(db bun.IDB, fixed func() time.Time, d time.Duration) schema.QueryAppender {
	if fixed != nil {
		return bun.SafeQuery("?", TruncateTime(fixed().Add(d)))
	}
	if IsPostgres(db) {
		if d == 0 {
			return bun.Safe("date_trunc('milliseconds', CURRENT_TIMESTAMP)")
		}
		return bun.SafeQuery("date_trunc('milliseconds', CURRENT_TIMESTAMP + ? * interval '1 microsecond')", d.Microseconds())
	}
	return bun.SafeQuery("strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?)", fmt.Sprintf("%+.3f seconds", d.Seconds()))
}
