package model

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"taskapi/recur"
)

// RecurrenceFrequency is the unit a series repeats in; its values are recur's.
type RecurrenceFrequency string

// The frequencies.
const (
	RecurrenceFrequencyDaily   = RecurrenceFrequency(recur.Daily)
	RecurrenceFrequencyWeekly  = RecurrenceFrequency(recur.Weekly)
	RecurrenceFrequencyMonthly = RecurrenceFrequency(recur.Monthly)
	RecurrenceFrequencyYearly  = RecurrenceFrequency(recur.Yearly)
)

// IsValid reports whether f is a known frequency.
func (f RecurrenceFrequency) IsValid() bool { return recur.Frequency(f).IsValid() }

// UnmarshalGQL reads a GraphQL enum value.
func (f *RecurrenceFrequency) UnmarshalGQL(v any) error {
	return unmarshalEnum(v, f, "RecurrenceFrequency")
}

// MarshalGQL writes f as a GraphQL enum value.
func (f RecurrenceFrequency) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(f)))
}

// Weekday is a day of the week as GraphQL names it.
type Weekday string

// The days of the week, Monday first.
const (
	WeekdayMonday    Weekday = "MONDAY"
	WeekdayTuesday   Weekday = "TUESDAY"
	WeekdayWednesday Weekday = "WEDNESDAY"
	WeekdayThursday  Weekday = "THURSDAY"
	WeekdayFriday    Weekday = "FRIDAY"
	WeekdaySaturday  Weekday = "SATURDAY"
	WeekdaySunday    Weekday = "SUNDAY"
)

// weekdays maps time.Weekday (Sunday = 0) to the GraphQL names.
var weekdays = [7]Weekday{WeekdaySunday, WeekdayMonday, WeekdayTuesday, WeekdayWednesday, WeekdayThursday, WeekdayFriday, WeekdaySaturday}

// IsValid reports whether d is a known day.
func (d Weekday) IsValid() bool { return slices.Contains(weekdays[:], d) }

// Time returns d as a time.Weekday; -1 for an unknown day.
func (d Weekday) Time() time.Weekday { return time.Weekday(slices.Index(weekdays[:], d)) }

// UnmarshalGQL reads a GraphQL enum value.
func (d *Weekday) UnmarshalGQL(v any) error { return unmarshalEnum(v, d, "Weekday") }

// MarshalGQL writes d as a GraphQL enum value.
func (d Weekday) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// RecurrenceInput is a recurrence as a client sent it, not yet validated. Weekdays and MonthDay default to the
// weekday and day of the month of the task's due date in TimeZone.
type RecurrenceInput struct {
	Frequency      RecurrenceFrequency
	Interval       int
	Weekdays       []Weekday
	MonthDay       *int
	TimeZone       string
	Count          *int
	Until          *time.Time
	FromCompletion bool
}

// rule validates in for a task due at due that is completed or not, and returns the rule. Problems are added to p
// under ["input", "recurrence", ...].
func (p *problems) rule(in RecurrenceInput, due *time.Time, completed bool) *recur.Rule {
	ri := recur.Input{
		Frequency:      recur.Frequency(in.Frequency),
		Interval:       in.Interval,
		MonthDay:       in.MonthDay,
		TimeZone:       in.TimeZone,
		Count:          in.Count,
		Until:          truncatePtr(in.Until),
		FromCompletion: in.FromCompletion,
	}
	for _, d := range in.Weekdays {
		ri.Weekdays = append(ri.Weekdays, d.Time())
	}
	r, err := ri.Rule(due, completed)
	var errs recur.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			p.add(UserErrorCodeInvalid, e.Message, append([]string{"input", "recurrence"}, e.Field...)...)
		}
		return nil
	}
	return &r
}

// Recurrence is the recurrence of a pending occurrence as GraphQL shows it: the rule and the due date it
// continues from.
type Recurrence struct {
	Rule  recur.Rule
	DueAt time.Time
}

// Recurrence returns the task's recurrence; nil when the task is not the pending occurrence of a series.
func (t *Task) Recurrence() *Recurrence {
	if t.Rule == nil || t.DueAt == nil || t.Completed {
		return nil
	}
	return &Recurrence{Rule: *t.Rule, DueAt: *t.DueAt}
}

// Frequency is the unit the series repeats in.
func (r *Recurrence) Frequency() RecurrenceFrequency { return RecurrenceFrequency(r.Rule.Frequency) }

// Interval is every how many units.
func (r *Recurrence) Interval() int { return r.Rule.Interval }

// Weekdays are the days a WEEKLY series falls on, Monday first; empty for the other frequencies.
func (r *Recurrence) Weekdays() []Weekday {
	out := make([]Weekday, len(r.Rule.Weekdays))
	for i, d := range r.Rule.Weekdays {
		out[i] = weekdays[d]
	}
	return out
}

// MonthDay is the day of the month of a MONTHLY series (-1: the last); nil for the other frequencies.
func (r *Recurrence) MonthDay() *int {
	if r.Rule.Frequency != recur.Monthly {
		return nil
	}
	d := r.Rule.MonthDay
	return &d
}

// TimeZone is the IANA zone whose wall clock the series keeps.
func (r *Recurrence) TimeZone() string { return r.Rule.TimeZone }

// Count is how many occurrences are left, this one included; nil when the series has no end by count.
func (r *Recurrence) Count() *int {
	if r.Rule.Count == 0 {
		return nil
	}
	c := r.Rule.Count
	return &c
}

// Until is the last instant an occurrence may be due at; nil when there is none.
func (r *Recurrence) Until() *time.Time { return r.Rule.Until }

// FromCompletion says whether the next due date counts from the completion.
func (r *Recurrence) FromCompletion() bool { return r.Rule.FromCompletion }

// RRULE is the rule as RFC 5545 text, with this occurrence's due date as its start.
func (r *Recurrence) RRULE() string { return r.Rule.RRULE(r.DueAt) }

// The bounds of Recurrence.Upcoming.
const (
	DefaultUpcoming = 5
	MaxUpcoming     = 20
)

// Upcoming returns the next first due dates after this occurrence's (fewer where the series ends), computed without
// creating anything. Returns *InputError (field "first") when first is outside 1 to MaxUpcoming.
func (r *Recurrence) Upcoming(first int) ([]time.Time, error) {
	if first < 1 || first > MaxUpcoming {
		return nil, &InputError{Field: "first", Message: "first must be between 1 and " + strconv.Itoa(MaxUpcoming) + "."}
	}
	return r.Rule.Upcoming(r.DueAt, first), nil
}
