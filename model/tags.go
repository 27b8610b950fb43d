package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
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

// TagList returns the task's tags as a plain []string, the type GraphQL's Task.tags is bound to: without it gqlgen
// would run a resolver for the field, as concurrent work for each task of a page, only to convert Tags to []string.
func (t *Task) TagList() []string { return t.Tags }
