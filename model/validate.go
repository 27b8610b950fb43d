package model

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"taskapi/recur"
)

// The limits of the contract, in Unicode code points.
const (
	MaxTitleLength          = 200
	MaxDescriptionLength    = 1000
	MaxTagLength            = 32
	MaxTags                 = 10
	MaxIdempotencyKeyLength = 100
	MaxSearchLength         = 100
)

// problems collects every input problem of one mutation, so that a client sees all of them at once.
type problems []UserError

func (p *problems) add(code UserErrorCode, message string, field ...string) {
	*p = append(*p, UserError{Field: field, Message: message, Code: code})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// title trims a title and checks it: not blank, at most MaxTitleLength code points, no NUL character.
func (p *problems) title(s string, field ...string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		p.add(UserErrorCodeBlank, "Title can't be blank.", field...)
	case n > MaxTitleLength:
		p.add(UserErrorCodeTooLong, "Title is too long (at most "+strconv.Itoa(MaxTitleLength)+" characters).", field...)
	case strings.ContainsRune(s, 0):
		p.add(UserErrorCodeInvalid, "Title can't contain NUL characters.", field...)
	}
	return s
}

// description checks a description; an empty one (or one of white space only) becomes nil.
func (p *problems) description(s *string, field ...string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	switch {
	case utf8.RuneCountInString(*s) > MaxDescriptionLength:
		p.add(UserErrorCodeTooLong, "Description is too long (at most "+strconv.Itoa(MaxDescriptionLength)+" characters).", field...)
	case strings.ContainsRune(*s, 0):
		p.add(UserErrorCodeInvalid, "Description can't contain NUL characters.", field...)
	}
	return s
}

// tags trims and lower-cases tags, drops duplicates (keeping the first), and checks each and their number. A
// problem with one tag names its index in the list the client sent.
func (p *problems) tags(in []string, field ...string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for i, raw := range in {
		tag := NormalizeTag(raw)
		at := append(append([]string(nil), field...), strconv.Itoa(i))
		switch n := utf8.RuneCountInString(tag); {
		case n == 0:
			p.add(UserErrorCodeBlank, "Tag can't be blank.", at...)
			continue
		case n > MaxTagLength:
			p.add(UserErrorCodeTooLong, "Tag is too long (at most "+strconv.Itoa(MaxTagLength)+" characters).", at...)
			continue
		case strings.ContainsRune(tag, 0):
			p.add(UserErrorCodeInvalid, "Tag can't contain NUL characters.", at...)
			continue
		}
		if !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	if len(out) > MaxTags {
		p.add(UserErrorCodeTooMany, "A task can have at most "+strconv.Itoa(MaxTags)+" tags.", field...)
	}
	return out
}

// NormalizeTag is how a tag is stored and compared: trimmed and lower-cased.
func NormalizeTag(tag string) string { return strings.ToLower(strings.TrimSpace(tag)) }

// Fold is how text is compared case-insensitively, the same on every database.
func Fold(s string) string { return strings.ToLower(s) }

// Normalize validates a new task and returns it normalized (title trimmed, empty description nil, tags
// normalized, times truncated to milliseconds in UTC). It returns a *ValidationError listing every problem, with
// fields under "input"; those of the recurrence under ["input", "recurrence", ...].
func (in CreateTaskInput) Normalize() (CreateTaskInput, error) {
	out, _, err := in.normalize()
	return out, err
}

// normalize is Normalize, also returning the recurrence rule (nil without one).
func (in CreateTaskInput) normalize() (CreateTaskInput, *recur.Rule, error) {
	var p problems
	out := CreateTaskInput{
		Title:       p.title(in.Title, "input", "title"),
		Description: p.description(in.Description, "input", "description"),
		Priority:    in.Priority,
		Tags:        p.tags(in.Tags, "input", "tags"),
		DueAt:       truncatePtr(in.DueAt),
		ListID:      in.ListID,
		AfterTaskID: in.AfterTaskID,
		AssigneeID:  in.AssigneeID,
	}
	p.dueAt(out.DueAt, "input", "dueAt")
	if !in.Priority.IsValid() {
		p.add(UserErrorCodeInvalid, "Priority is not valid.", "input", "priority")
	}
	out.Reminders = p.reminders(in.Reminders, out.DueAt, "input", "reminders")
	if in.IdempotencyKey != nil {
		key := *in.IdempotencyKey
		switch n := utf8.RuneCountInString(key); {
		case n == 0:
			p.add(UserErrorCodeBlank, "Idempotency key can't be blank.", "input", "idempotencyKey")
		case n > MaxIdempotencyKeyLength:
			p.add(UserErrorCodeTooLong, "Idempotency key is too long (at most "+strconv.Itoa(MaxIdempotencyKeyLength)+" characters).", "input", "idempotencyKey")
		case strings.ContainsRune(key, 0):
			p.add(UserErrorCodeInvalid, "Idempotency key can't contain NUL characters.", "input", "idempotencyKey")
		}
		out.IdempotencyKey = &key
	}
	var rule *recur.Rule
	if in.Recurrence != nil {
		rule = p.rule(*in.Recurrence, out.DueAt, false)
		out.Recurrence = in.Recurrence
	}
	return out, rule, p.err()
}

// Normalize validates a patch and returns it normalized like CreateTaskInput.Normalize. An explicit null is
// refused (INVALID) for the fields that cannot be cleared: title, priority, tags, completed and listId. It returns a
// *ValidationError listing every problem, with fields under "input".
func (in TaskPatch) Normalize() (TaskPatch, error) {
	var p problems
	out := in
	notNull := func(set, null bool, name string) bool {
		if set && null {
			p.add(UserErrorCodeInvalid, "The "+name+" can't be null.", "input", name)
			return false
		}
		return set
	}
	notNull(in.ListID.Set, in.ListID.Null, "listId")
	if notNull(in.Title.Set, in.Title.Null, "title") {
		out.Title.Value = p.title(in.Title.Value, "input", "title")
	}
	if in.Description.Set && !in.Description.Null {
		if d := p.description(&in.Description.Value, "input", "description"); d == nil {
			out.Description = Null[string]()
		}
	}
	if notNull(in.Priority.Set, in.Priority.Null, "priority") && !in.Priority.Value.IsValid() {
		p.add(UserErrorCodeInvalid, "Priority is not valid.", "input", "priority")
	}
	if notNull(in.Tags.Set, in.Tags.Null, "tags") {
		out.Tags.Value = p.tags(in.Tags.Value, "input", "tags")
	}
	if in.DueAt.Set && !in.DueAt.Null {
		out.DueAt.Value = TruncateTime(in.DueAt.Value)
		p.dueAt(&out.DueAt.Value, "input", "dueAt")
	}
	notNull(in.Completed.Set, in.Completed.Null, "completed")
	return out, p.err()
}

// The instants a task may carry: the years 0001 to 9999 in UTC. Both databases store them, RFC 3339 writes them
// with four-digit years, and Go reads them back; outside that range PostgreSQL refuses year 0 and SQLite's text
// column would hold a year that no later read can parse.
var (
	MinInstant = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	MaxInstant = time.Date(9999, time.December, 31, 23, 59, 59, 999_000_000, time.UTC)
)

// InstantInRange reports whether t lies between MinInstant and MaxInstant, both included.
func InstantInRange(t time.Time) bool { return !t.Before(MinInstant) && !t.After(MaxInstant) }

// dueAt checks a due date's range; out of range is INVALID.
func (p *problems) dueAt(t *time.Time, field ...string) {
	if t != nil && !InstantInRange(*t) {
		p.add(UserErrorCodeInvalid, "The due date must lie in the years 0001 to 9999 (UTC).", field...)
	}
}

// TruncateTime is how every instant is stored: UTC, whole milliseconds.
func TruncateTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func truncatePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := TruncateTime(*t)
	return &v
}
