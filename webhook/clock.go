package webhook

import (
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// Clock is what the Worker waits with: between deliveries, for a request's timeout, and to stamp webhook-timestamp.
// Whether a delivery is due is decided by the database's clock instead (see databaseNow), so that instances whose
// clocks disagree still agree on leases.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless stop is called first; stop reports whether
	// it prevented the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// databaseNow renders the database's current time plus d as SQL, in the form the column holds: timestamptz on
// PostgreSQL, and on SQLite the text Bun writes ('2006-01-02 15:04:05.999+00:00', UTC), which sorts like the
// instant it is. One clock for every instance means that leases and retry times mean the same to all of them.
func databaseNow(db bun.IDB, d time.Duration) schema.QueryAppender {
	if db.Dialect().Name() == dialect.PG {
		if d == 0 {
			return bun.Safe("CURRENT_TIMESTAMP")
		}
		return bun.SafeQuery("(CURRENT_TIMESTAMP + ? * interval '1 microsecond')", d.Microseconds())
	}
	return bun.SafeQuery("strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', ?)", fmt.Sprintf("%+.3f seconds", d.Seconds()))
}
