// Package scalar holds the GraphQL custom scalars.
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"taskapi/model"
)

// DateTimeLayout is how every instant is written out: UTC with milliseconds and Z.
const DateTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatDateTime writes t as the DateTime scalar does.
func FormatDateTime(t time.Time) string { return t.UTC().Format(DateTimeLayout) }

// MarshalDateTime writes t as an RFC 3339 UTC string with milliseconds, such as 2026-11-25T20:00:00.000Z.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(FormatDateTime(t)))
	})
}

// Error is a value that is not a valid instance of a scalar. It is the client's mistake: the error presenter
// answers it with BAD_USER_INPUT and the path of the argument or variable that held the value.
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

// UnmarshalDateTime reads an RFC 3339 string with any offset whose instant, in UTC, lies in the years 0001 to 9999
// (model.InstantInRange), the instants every database and every later read can hold. Precision below a millisecond
// is dropped. Returns *Error for anything else.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &Error{Message: fmt.Sprintf("DateTime must be an RFC 3339 string such as 2026-11-25T20:00:00.000Z, not %s.", jsonKind(v))}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &Error{Message: fmt.Sprintf("DateTime must be an RFC 3339 string such as 2026-11-25T20:00:00.000Z, not %s.", quoteShort(s))}
	}
	t = model.TruncateTime(t)
	if !model.InstantInRange(t) {
		return time.Time{}, &Error{Message: fmt.Sprintf("DateTime must lie in the years 0001 to 9999 in UTC; %s is %s.", quoteShort(s), t.Format("2006-01-02T15:04:05Z"))}
	}
	return t, nil
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	default:
		return "a number"
	}
}

// quoteShort quotes s for a message, cut to a length a person can read: a client may send a megabyte.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
