// Package scalar holds the GraphQL custom scalars.
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
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

// UnmarshalDateTime reads an RFC 3339 string with any offset. Precision below a millisecond is dropped.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string such as 2026-11-25T20:00:00.000Z, not %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string such as 2026-11-25T20:00:00.000Z: %q", s)
	}
	return t.UTC().Truncate(time.Millisecond), nil
}
