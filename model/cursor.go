package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"taskapi/ordkey"
)

// A cursor is base64url (no padding) of a small JSON object:
//
//	{"h": hash of the list's canonical filter and order, "v": the task's sort value, "i": the task's id}
//
// It carries the sort value and not just the id, so that it stays valid after its task was edited or deleted: the
// next page starts after the place the task had in the list, whether or not the task is still there. The hash binds
// it to the list it came from, so a cursor of another filter or order is refused instead of silently paging through a
// different list.

// listFilter is a TaskFilter in canonical form, the one ListTasks, CountTasks and cursors work with: two filters
// that select the same tasks by the same rules have equal listFilters. Its JSON is what cursors hash.
type listFilter struct {
	Status       TaskStatusFilter `json:"s"`
	Priorities   []Priority       `json:"p,omitempty"` // sorted, unique; nil: any
	Tags         []string         `json:"t,omitempty"` // normalized, sorted, unique; nil: any
	Search       *string          `json:"q,omitempty"` // folded; nil: no search
	DueAfter     *time.Time       `json:"a,omitempty"` // UTC, milliseconds
	DueBefore    *time.Time       `json:"b,omitempty"`
	Overdue      *bool            `json:"o,omitempty"`
	Lists        []uuid.UUID      `json:"l,omitempty"`  // sorted, unique; nil: every list of the user
	Assignees    []string         `json:"as,omitempty"` // sorted, unique; nil: anyone or nobody
	AssignedToMe *bool            `json:"me,omitempty"`
}

// normalizeFilter returns f in canonical form. Returns *InputError for a search over MaxSearchLength characters, a
// search or tag holding a NUL character (which no stored text holds, and which PostgreSQL cannot take as a
// parameter), a due bound outside the years 0001 to 9999, or an unknown status or priority; the canonical filter is
// returned even then.
func normalizeFilter(f TaskFilter) (listFilter, error) {
	var err error
	out := listFilter{Status: TaskStatusFilterAll, Overdue: f.Overdue, AssignedToMe: f.AssignedToMe}
	if len(f.ListIDs) > 0 {
		out.Lists = slices.CompactFunc(slices.SortedFunc(slices.Values(f.ListIDs), compareUUID),
			func(a, b uuid.UUID) bool { return a == b })
	}
	if f.Status != nil {
		out.Status = *f.Status
		if !out.Status.IsValid() {
			err = &InputError{Field: "filter.status", Message: "The status filter is not valid."}
		}
	}
	if len(f.Priorities) > 0 {
		out.Priorities = slices.Compact(slices.Sorted(slices.Values(f.Priorities)))
		for _, p := range out.Priorities {
			if !p.IsValid() {
				err = &InputError{Field: "filter.priorities", Message: "A priority in the filter is not valid."}
			}
		}
	}
	if len(f.AssigneeIDs) > 0 {
		out.Assignees = slices.Compact(slices.Sorted(slices.Values(f.AssigneeIDs)))
		for _, id := range out.Assignees {
			if !plainText(id) {
				err = &InputError{Field: "filter.assigneeIds", Message: "An assignee id in the filter can't contain NUL characters or invalid UTF-8."}
			}
		}
	}
	if len(f.Tags) > 0 {
		tags := make([]string, len(f.Tags))
		for i, t := range f.Tags {
			tags[i] = NormalizeTag(t)
			if !plainText(t) {
				err = &InputError{Field: "filter.tags", Message: "A tag in the filter can't contain NUL characters or invalid UTF-8."}
			}
		}
		slices.Sort(tags)
		out.Tags = slices.Compact(tags)
	}
	if f.Search != nil && *f.Search != "" {
		if utf8.RuneCountInString(*f.Search) > MaxSearchLength {
			err = &InputError{Field: "filter.search", Message: "The search is too long (at most " + strconv.Itoa(MaxSearchLength) + " characters)."}
		}
		if !plainText(*f.Search) {
			err = &InputError{Field: "filter.search", Message: "The search can't contain NUL characters or invalid UTF-8."}
		}
		folded := Fold(*f.Search)
		out.Search = &folded
	}
	out.DueAfter = truncatePtr(f.DueAfter)
	out.DueBefore = truncatePtr(f.DueBefore)
	if out.DueAfter != nil && !InstantInRange(*out.DueAfter) {
		err = &InputError{Field: "filter.dueAfter", Message: "dueAfter must lie in the years 0001 to 9999 (UTC)."}
	}
	if out.DueBefore != nil && !InstantInRange(*out.DueBefore) {
		err = &InputError{Field: "filter.dueBefore", Message: "dueBefore must lie in the years 0001 to 9999 (UTC)."}
	}
	return out, err
}

// plainText reports whether s is text a database column can be compared with: valid UTF-8 without NUL. A document
// sent over GET can carry any bytes in a string literal.
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// normalizeOrder returns the order a list uses: o, or DefaultTaskOrder when o is nil. Returns *InputError for an
// unknown field or direction.
func normalizeOrder(o *TaskOrder) (TaskOrder, error) {
	if o == nil {
		return DefaultTaskOrder, nil
	}
	if !o.Field.IsValid() || !o.Direction.IsValid() {
		return *o, &InputError{Field: "orderBy", Message: "The order is not valid."}
	}
	return *o, nil
}

// listHash identifies a list (its canonical filter and order) in its cursors. Nine bytes of SHA-256 make an
// accidental match between two lists of one user practically impossible, and a deliberate one gains nothing: the
// cursor would still only page through the user's own tasks.
func listHash(order TaskOrder, filter listFilter) string {
	b, _ := json.Marshal(struct {
		Version int        `json:"v"`
		Order   TaskOrder  `json:"o"`
		Filter  listFilter `json:"f"`
	}{1, order, filter})
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// position is a place in a list: a sort value and an id. Value is a time.Time (CREATED_AT, UPDATED_AT, DUE_AT),
// a Priority or a folded title; nil for a task without a due date in a DUE_AT list.
type position struct {
	value any
	id    uuid.UUID
}

// listKey is a task's place in the manual order of several lists: its list, then its key there.
type listKey struct {
	list uuid.UUID
	key  string
}

// positionOf returns the place of t in a list ordered by field.
func positionOf(t *Task, field TaskOrderField) position {
	p := position{id: t.ID}
	switch field {
	case TaskOrderFieldCreatedAt:
		p.value = t.CreatedAt
	case TaskOrderFieldUpdatedAt:
		p.value = t.UpdatedAt
	case TaskOrderFieldDueAt:
		if t.DueAt != nil {
			p.value = *t.DueAt
		}
	case TaskOrderFieldPriority:
		p.value = t.Priority
	case TaskOrderFieldTitle:
		p.value = t.TitleFold
	case TaskOrderFieldPosition:
		p.value = listKey{list: t.ListID, key: t.Position}
	}
	return p
}

type cursorJSON struct {
	Hash  string          `json:"h"`
	Value json.RawMessage `json:"v"`
	ID    uuid.UUID       `json:"i"`
}

// encodeCursor returns the cursor of p in the list identified by hash. It writes the JSON that json.Marshal would
// write for cursorJSON, byte for byte, without its reflection: a page encodes one cursor per task.
func encodeCursor(hash string, p position) string {
	var buf [160]byte
	b := append(buf[:0], `{"h":`...)
	b = appendJSONString(b, hash)
	b = append(b, `,"v":`...)
	switch value := p.value.(type) {
	case time.Time:
		b = strconv.AppendInt(b, value.UnixMilli(), 10) // instants are stored with millisecond precision
	case Priority:
		b = strconv.AppendInt(b, int64(value), 10)
	case nil:
		b = append(b, "null"...)
	case string:
		b = appendJSONString(b, value)
	case listKey:
		b = append(b, `["`...)
		b = appendUUID(b, value.list)
		b = append(b, `",`...)
		b = appendJSONString(b, value.key)
		b = append(b, ']')
	default:
		raw, _ := json.Marshal(value)
		b = append(b, raw...)
	}
	b = append(b, `,"i":"`...)
	b = appendUUID(b, p.id)
	b = append(b, `"}`...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// appendJSONString appends s as json.Marshal writes a string. Plain ASCII without quotes, backslashes or what
// json.Marshal escapes for HTML is copied as it is; anything else goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s)
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendUUID appends id's canonical form, as its MarshalText writes it.
func appendUUID(b []byte, id uuid.UUID) []byte {
	var text [36]byte
	hex.Encode(text[0:8], id[0:4])
	text[8] = '-'
	hex.Encode(text[9:13], id[4:6])
	text[13] = '-'
	hex.Encode(text[14:18], id[6:8])
	text[18] = '-'
	hex.Encode(text[19:23], id[8:10])
	text[23] = '-'
	hex.Encode(text[24:], id[10:])
	return append(b, text[:]...)
}

// decodeCursor reads a cursor of the list identified by hash and ordered by field. Returns *InputError naming
// argument when the cursor is malformed or belongs to another list. Cursors carry no signature, so a client can
// write any value into one: an instant outside the years every task's instants lie in, or a title holding a NUL
// (which no stored title holds, and which PostgreSQL cannot take as a parameter), is malformed too.
func decodeCursor(s, argument, hash string, field TaskOrderField) (position, error) {
	invalid := &InputError{Field: argument, Message: "The " + argument + " cursor is not valid."}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, invalid
	}
	var c cursorJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || c.Hash == "" || len(c.Value) == 0 {
		return position{}, invalid
	}
	if c.Hash != hash {
		return position{}, &InputError{Field: argument, Message: "The " + argument + " cursor was issued for a different filter or orderBy."}
	}
	p := position{id: c.ID}
	switch field {
	case TaskOrderFieldCreatedAt, TaskOrderFieldUpdatedAt, TaskOrderFieldDueAt:
		var ms *int64
		if json.Unmarshal(c.Value, &ms) != nil || (ms == nil && field != TaskOrderFieldDueAt) {
			return position{}, invalid
		}
		if ms != nil {
			if *ms < MinInstant.UnixMilli() || *ms > MaxInstant.UnixMilli() {
				return position{}, invalid
			}
			p.value = time.UnixMilli(*ms).UTC()
		}
	case TaskOrderFieldPriority:
		var pr Priority
		if json.Unmarshal(c.Value, &pr) != nil || !pr.IsValid() {
			return position{}, invalid
		}
		p.value = pr
	case TaskOrderFieldTitle:
		var title string
		if json.Unmarshal(c.Value, &title) != nil || strings.ContainsRune(title, 0) {
			return position{}, invalid
		}
		p.value = title
	case TaskOrderFieldPosition:
		// ["list id", "key"]; the key is checked as every key from outside is, before it is compared.
		var v []string
		if json.Unmarshal(c.Value, &v) != nil || len(v) != 2 || ordkey.Validate(v[1]) != nil {
			return position{}, invalid
		}
		list, err := uuid.Parse(v[0])
		if err != nil {
			return position{}, invalid
		}
		p.value = listKey{list: list, key: v[1]}
	}
	return p, nil
}

// Cursor returns the cursor of task in the list ordered by order (nil: the default) and filtered by filter, the same
// cursor ListTasks would give it.
func Cursor(task *Task, order *TaskOrder, filter TaskFilter) string {
	// An invalid order or filter makes ListTasks fail before it looks at any cursor; the cursor made of it here
	// is simply never accepted.
	o, _ := normalizeOrder(order)
	f, _ := normalizeFilter(filter)
	return encodeCursor(listHash(o, f), positionOf(task, o.Field))
}
