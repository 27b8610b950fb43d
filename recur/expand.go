package recur

import (
	"sync/atomic"
	"time"
)

// MaxTime is the latest instant a series reaches: the last millisecond of year 9999 UTC, the end of what a
// DateTime can hold. A series whose next occurrence would fall after it ends there.
var MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)

// civil is a calendar date with no zone.
type civil struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// midnight is the date as midnight UTC, where day arithmetic is exact.
func (c civil) midnight() time.Time { return time.Date(c.year, c.month, c.day, 0, 0, 0, 0, time.UTC) }

func (c civil) addDays(n int) civil { return dateOf(c.midnight().AddDate(0, 0, n)) }

func (c civil) weekday() time.Weekday { return c.midnight().Weekday() }

// daysBetween is b - a in days, computed from the dates themselves: a time.Duration holds only ~292 years, and the
// subtraction of instants further apart saturates, which made the schedule step day by day across the rest.
func daysBetween(a, b civil) int { return b.dayNumber() - a.dayNumber() }

// dayNumber counts days from 1970-01-01 (negative before it) in the proleptic Gregorian calendar, in constant time
// (Howard Hinnant's days_from_civil: years counted from March, so that the leap day ends a year, in 400-year eras).
func (c civil) dayNumber() int {
	y, m := c.year, int(c.month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era-- // floor division
	}
	yoe := y - era*400                      // [0, 399]
	doy := (153*((m+9)%12)+2)/5 + c.day - 1 // [0, 365], from March 1st
	doe := yoe*365 + yoe/4 - yoe/100 + doy  // [0, 146096]
	return era*146097 + doe - 719468
}

// monthIndex counts months from year 0, so that month arithmetic is integer arithmetic.
func (c civil) monthIndex() int { return c.year*12 + int(c.month) - 1 }

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// inMonth is the date of day in the month with the given index, clamped to the month's length; LastDay is its last
// day.
func inMonth(index, day int) civil {
	y, m := index/12, time.Month(index%12+1)
	n := daysIn(y, m)
	if day == LastDay || day > n {
		day = n
	}
	return civil{y, m, day}
}

// zoneSpan is one stretch of a zone's history: the offset that applies from start on.
type zoneSpan struct {
	offset int // seconds east of UTC
	start  time.Time
}

// At returns the instant at which the wall clock in loc shows the date of day at the time of day tod (a duration
// since local midnight, as Rule.TimeOfDay). A wall-clock time that a daylight saving change skips moves forward by
// the length of the gap (02:30 in a gap from 02:00 to 03:00 gives 03:30); one that occurs twice is the first.
func At(day time.Time, tod time.Duration, loc *time.Location) time.Time {
	y, m, d := day.Date()
	return at(civil{y, m, d}, tod, loc)
}

func at(day civil, tod time.Duration, loc *time.Location) time.Time {
	wall := day.midnight().Add(tod) // the wall clock, read as if it were UTC
	// Every offset that applies within a day and a half of wall: an instant that shows it is at most 14 hours (the
	// largest offset there is) away from it.
	var spans []zoneSpan
	for t, end := wall.Add(-36*time.Hour), wall.Add(36*time.Hour); t.Before(end); {
		local := t.In(loc)
		_, offset := local.Zone()
		start, next := local.ZoneBounds()
		spans = append(spans, zoneSpan{offset, start})
		if next.IsZero() || !next.After(t) {
			break
		}
		t = next
	}
	// The instants that show wall are wall minus an offset that applies at that very instant; the earliest is the
	// first of a fold.
	var first time.Time
	for _, s := range spans {
		t := wall.Add(-time.Duration(s.offset) * time.Second)
		if _, offset := t.In(loc).Zone(); offset == s.offset && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first.In(loc)
	}
	// None: wall is in a gap, between the wall clocks that the change at s.start leaves out. Read with the offset
	// from before the change, it lands as far after the gap's end as it was after its start.
	for i := 1; i < len(spans); i++ {
		before, after := spans[i-1].offset, spans[i].offset
		from := spans[i].start.Add(time.Duration(before) * time.Second)
		to := spans[i].start.Add(time.Duration(after) * time.Second)
		if !wall.Before(from) && wall.Before(to) {
			return wall.Add(-time.Duration(before) * time.Second).In(loc)
		}
	}
	// Not reachable with a consistent zone database; any reading beats none.
	return wall.Add(-time.Duration(spans[0].offset) * time.Second).In(loc)
}

// schedule enumerates a rule in periods: a day (DAILY), a week from Monday (WEEKLY), a month (MONTHLY) or a year
// (YEARLY), counted in intervals from the anchor's.
type schedule struct {
	r      Rule
	anchor civil // the local date of the occurrence the schedule counts from
}

// dates returns the dates of period j in order.
func (s schedule) dates(j int) []civil {
	r, a := s.r, s.anchor
	switch r.Frequency {
	case Daily:
		return []civil{a.addDays(j * r.Interval)}
	case Weekly:
		monday := a.addDays(-mondayIndex(a.weekday()) + 7*j*r.Interval)
		out := make([]civil, len(r.Weekdays))
		for i, d := range r.Weekdays {
			out[i] = monday.addDays(mondayIndex(d))
		}
		return out
	case Monthly:
		return []civil{inMonth(a.monthIndex()+j*r.Interval, r.MonthDay)}
	default: // Yearly
		y := a.year + j*r.Interval
		return []civil{{y, r.YearMonth, min(r.YearDay, daysIn(y, r.YearMonth))}}
	}
}

// periodOf estimates the period that contains date c, never too late.
func (s schedule) periodOf(c civil) int {
	r, a := s.r, s.anchor
	var j int
	switch r.Frequency {
	case Daily:
		j = daysBetween(a, c) / r.Interval
	case Weekly:
		j = daysBetween(a, c) / (7 * r.Interval)
	case Monthly:
		j = (c.monthIndex() - a.monthIndex()) / r.Interval
	default:
		j = (c.year - a.year) / r.Interval
	}
	return max(0, j-1)
}

// after returns the first occurrence of the schedule strictly after bound, and false when there is none before
// MaxTime.
func (s schedule) after(bound time.Time) (time.Time, bool) {
	t, _, ok := s.nth(bound, 1)
	return t, ok
}

// periodsLooked counts the periods every schedule computation has looked at, so that tests can bound the work.
var periodsLooked atomic.Int64

// nth returns the k-th occurrence (k >= 1) of the schedule strictly after bound, and false when it would fall
// after MaxTime. periods counts the periods it looked at, the measure of its work: periodOf starts at most two
// periods early, and the k-th is reached by arithmetic on the periods' fixed number of dates, never by stepping, so
// the work does not depend on how far apart the anchor, bound and the occurrence are.
func (s schedule) nth(bound time.Time, k int) (t time.Time, periods int, ok bool) {
	defer func() { periodsLooked.Add(int64(periods)) }()
	loc := s.r.Location()
	for j := s.periodOf(dateOf(bound.In(loc))); ; j++ {
		periods++
		dates := s.dates(j)
		for i, d := range dates {
			if d.year > 9999 {
				return time.Time{}, periods, false
			}
			t := at(d, s.r.TimeOfDay, loc)
			if !t.After(bound) {
				continue
			}
			if k > 1 {
				// Every period has len(dates) dates, each later than the ones before it.
				flat := j*len(dates) + i + k - 1
				periods++
				d = s.dates(flat / len(dates))[flat%len(dates)]
				if d.year > 9999 {
					return time.Time{}, periods, false
				}
				t = at(d, s.r.TimeOfDay, loc)
			}
			t, ok := s.r.limit(t)
			return t, periods, ok
		}
	}
}

// limit is t if it is not after MaxTime.
func (r Rule) limit(t time.Time) (time.Time, bool) {
	if t.After(MaxTime) {
		return time.Time{}, false
	}
	return t, true
}

// Next returns the due date of the occurrence that follows the one due at due, completed at done, with the rule
// that occurrence carries (Count one less), and false when the series ends instead: Count is used up, the next
// would fall after Until, or after MaxTime.
//
// From the schedule, the next is the first occurrence strictly after both due and done, so that the ones missed
// while the task lay undone are skipped and one done early is not due again the same day. With FromCompletion it is
// done's local date plus Interval units (months and years clamped to the month's end) at the rule's time of day.
// Dates are the local dates of the rule's zone: a completion at 00:30 local time counts for the day that just began,
// whatever the date in UTC.
func (r Rule) Next(due, done time.Time) (time.Time, Rule, bool) {
	if r.Count == 1 {
		return time.Time{}, Rule{}, false
	}
	loc := r.Location()
	var next time.Time
	var ok bool
	if r.FromCompletion {
		next, ok = r.fromCompletion(dateOf(done.In(loc)), loc)
	} else {
		bound := due
		if done.After(bound) {
			bound = done
		}
		next, ok = schedule{r, dateOf(due.In(loc))}.after(bound)
	}
	if !ok || (r.Until != nil && next.After(*r.Until)) {
		return time.Time{}, Rule{}, false
	}
	rest := r
	rest.Weekdays = append([]time.Weekday(nil), r.Weekdays...)
	if rest.Count > 0 {
		rest.Count--
	}
	return next, rest, true
}

// fromCompletion is the date Interval units after day, at the rule's time of day.
func (r Rule) fromCompletion(day civil, loc *time.Location) (time.Time, bool) {
	var d civil
	switch r.Frequency {
	case Daily:
		d = day.addDays(r.Interval)
	case Weekly:
		d = day.addDays(7 * r.Interval)
	case Monthly:
		d = inMonth(day.monthIndex()+r.Interval, day.day)
	default:
		y := day.year + r.Interval
		d = civil{y, day.month, min(day.day, daysIn(y, day.month))}
	}
	if d.year > 9999 {
		return time.Time{}, false
	}
	return r.limit(at(d, r.TimeOfDay, loc))
}

// Upcoming returns up to n due dates that follow the occurrence due at due, in order, as completing each on its due
// date would create them, and nothing when n < 1. It stops where the series ends (Count, Until, MaxTime).
func (r Rule) Upcoming(due time.Time, n int) []time.Time {
	out := []time.Time{}
	for len(out) < n {
		next, rest, ok := r.Next(due, due)
		if !ok {
			break
		}
		out = append(out, next)
		due, r = next, rest
	}
	return out
}
