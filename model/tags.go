package model

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Tags is a task's list of tags. It is stored as a JSON array in a text column, which reads back the same on every
// database; filtering and counting by tag use the task_tags table instead.
type Tags []string

// Value stores the tags as a JSON array; nil is stored as [].
func (t Tags) Value() (driver.Value, error) {
	if t == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(t))
	return string(b), err
}

// Scan reads a JSON array stored by Value.
func (t *Tags) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*t = Tags{}
		return nil
	default:
		return fmt.Errorf("model: cannot scan %T into Tags", src)
	}
	if out, ok := parsePlainArray(b); ok {
		*t = out
		return nil
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("model: scan tags: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	*t = out
	return nil
}

// parsePlainArray reads the JSON arrays that Value writes for ordinary tags, ["a","b"], without encoding/json,
// whose reflection was most of the cost of reading a task's row. It declines (ok false) anything else, such as a
// string with an escape, a control character, invalid UTF-8 or white space between the elements, which
// json.Unmarshal then reads: without a backslash a string cannot hold a quote, so its end is the next quote.
func parsePlainArray(b []byte) (out []string, ok bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' || !utf8.Valid(b) {
		return nil, false
	}
	for _, c := range b {
		if c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	rest := b[1 : len(b)-1]
	out = make([]string, 0, bytes.Count(rest, []byte{','})+1)
	for len(rest) > 0 {
		if rest[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, false
		}
		out = append(out, string(rest[1:1+end]))
		rest = rest[2+end:]
		if len(rest) > 0 {
			if rest[0] != ',' || len(rest) == 1 {
				return nil, false
			}
			rest = rest[1:]
		}
	}
	return out, true
}

// TagList returns the task's tags as a plain []string, the type GraphQL's Task.tags is bound to: without it gqlgen
// would run a resolver for the field, as concurrent work for each task of a page, only to convert Tags to []string.
func (t *Task) TagList() []string { return t.Tags }
