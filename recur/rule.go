package recur

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Frequency is the unit a series repeats in. Its values are the GraphQL enum's names.
type Frequency string

// The frequencies.
const (
	Daily   Frequency = "DAILY"
	Weekly  Frequency = "WEEKLY"
	Monthly Frequency = "MONTHLY"
	Yearly  Frequency = "YEARLY"
)

// IsValid reports whether f is one of the four frequencies.
func (f Frequency) IsValid() bool {
	switch f {
	case Daily, Weekly, Monthly, Yearly:
		return true
	}
	return false
}

// The limits of a rule.
const (
	MaxInterval = 999
	MaxCount    = 1000
	// LastDay is the MonthDay of a series on the last day of each month.
	LastDay = -1
)

// Rule is a validated recurrence, as the pending occurrence of a series carries it. Build one with Input.Rule; the
// JSON encoding is stable, so that a Rule can be stored as it is.
type Rule struct {
	Frequency Frequency `json:"frequency"`
	// Interval is every how many days, weeks, months or years: 1 to MaxInterval.
	Interval int `json:"interval"`
	// Weekdays (WEEKLY only) are the days of the week it falls on, Monday first, without duplicates.
	Weekdays []time.Weekday `json:"weekdays,omitempty"`
	// MonthDay (MONTHLY only) is the day of the month, 1 to 31 or LastDay; a month that lacks it uses its last day.
	MonthDay int `json:"monthDay,omitempty"`
	// TimeZone is the IANA name of the zone whose wall clock the series keeps.
	TimeZone string `json:"timeZone"`
	// Count is how many occurrences are left, the current one included; 0 means no end by count.
	Count int `json:"count,omitempty"`
	// Until, when set, is the last instant an occurrence may be due at (one exactly at it is).
	Until *time.Time `json:"until,omitempty"`
	// FromCompletion makes the next due date count from the completion instead of the schedule.
	FromCompletion bool `json:"fromCompletion,omitempty"`

	// TimeOfDay is the local wall-clock time the series is due at, as a duration since local midnight. It is the
	// first due date's, and stays when one occurrence had to move forward through a daylight saving gap.
	TimeOfDay time.Duration `json:"timeOfDay"`
	// YearMonth and YearDay (YEARLY only) are the month and day the series started on, kept so that a series from
	// Feb 29 returns to Feb 29 in leap years after Feb 28 in the common ones.
	YearMonth time.Month `json:"yearMonth,omitempty"`
	YearDay   int        `json:"yearDay,omitempty"`
}

// Input is a recurrence as a client sent it, not yet validated. Nil pointers and an empty Weekdays are fields the
// client left out.
type Input struct {
	Frequency Frequency
	Interval  int
	// Weekdays default to the weekday of the due date (WEEKLY only).
	Weekdays []time.Weekday
	// MonthDay defaults to the day of the month of the due date (MONTHLY only).
	MonthDay       *int
	TimeZone       string
	Count          *int
	Until          *time.Time
	FromCompletion bool
}

// FieldError is one problem with an Input. Field is the path below the recurrence, such as ["timeZone"] or
// ["weekdays", "2"]; it is empty for a problem with the recurrence as a whole (no due date, a completed task).
type FieldError struct {
	Field   []string
	Message string
}

// Errors is every problem found with an Input, in the order of the fields.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, p := range e {
		parts[i] = strings.Join(append([]string{"recurrence"}, p.Field...), ".") + ": " + p.Message
	}
	return "invalid recurrence: " + strings.Join(parts, "; ")
}

// Rule validates in for a task due at due (nil when it has none) that is completed or not, and returns the rule
// with its defaults filled in and anchored on due: its time of day, and for YEARLY its month and day, are due's in
// the rule's zone. It returns Errors listing every problem: a missing due date, a completed task, an unknown time
// zone, an interval outside 1-999, weekdays outside WEEKLY, a month day outside MONTHLY or not 1-31 or -1, a count
// outside 1-1000, an until before due.
func (in Input) Rule(due *time.Time, completed bool) (Rule, error) {
	var errs Errors
	add := func(msg string, field ...string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	if due == nil {
		add("A recurring task needs a due date.")
	}
	if completed {
		add("A completed task can't recur; reopen it first.")
	}
	if !in.Frequency.IsValid() {
		add("Frequency must be DAILY, WEEKLY, MONTHLY or YEARLY.", "frequency")
	}
	if in.Interval < 1 || in.Interval > MaxInterval {
		add("Interval must be between 1 and "+strconv.Itoa(MaxInterval)+".", "interval")
	}
	if len(in.Weekdays) > 0 {
		if in.Frequency != Weekly {
			add("Weekdays apply only to a WEEKLY recurrence.", "weekdays")
		}
		for i, d := range in.Weekdays {
			if d < time.Sunday || d > time.Saturday {
				add("Not a day of the week.", "weekdays", strconv.Itoa(i))
			}
		}
	}
	if in.MonthDay != nil {
		switch d := *in.MonthDay; {
		case in.Frequency != Monthly:
			add("Month day applies only to a MONTHLY recurrence.", "monthDay")
		case d != LastDay && (d < 1 || d > 31):
			add("Month day must be 1 to 31, or -1 for the last day of the month.", "monthDay")
		}
	}
	loc, err := Zone(in.TimeZone)
	if err != nil {
		add(ZoneNameError(in.TimeZone), "timeZone")
	}
	if in.Count != nil && (*in.Count < 1 || *in.Count > MaxCount) {
		add("Count must be between 1 and "+strconv.Itoa(MaxCount)+".", "count")
	}
	if in.Until != nil && due != nil && in.Until.Before(*due) {
		add("Until can't be before the due date.", "until")
	}
	if len(errs) > 0 {
		return Rule{}, errs
	}

	local := due.In(loc)
	r := Rule{
		Frequency:      in.Frequency,
		Interval:       in.Interval,
		TimeZone:       in.TimeZone,
		FromCompletion: in.FromCompletion,
	}
	if in.Count != nil {
		r.Count = *in.Count
	}
	if in.Until != nil {
		u := in.Until.UTC()
		r.Until = &u
	}
	switch r.Frequency {
	case Weekly:
		r.Weekdays = normalizeWeekdays(in.Weekdays)
		if len(r.Weekdays) == 0 {
			r.Weekdays = []time.Weekday{local.Weekday()}
		}
	case Monthly:
		r.MonthDay = local.Day()
		if in.MonthDay != nil {
			r.MonthDay = *in.MonthDay
		}
	}
	return r.Anchor(*due), nil
}

// Anchor returns r keeping the wall clock of due, the new due date of its occurrence: the time of day becomes due's
// in r's zone, and for YEARLY the month and day become due's unless due is the day the rule already gives in that
// year (so that moving a Feb 28 occurrence of a Feb 29 series to another hour keeps it a Feb 29 series).
func (r Rule) Anchor(due time.Time) Rule {
	local := due.In(r.Location())
	y, m, d := local.Date()
	h, mi, s := local.Clock()
	r.TimeOfDay = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second +
		time.Duration(local.Nanosecond())
	if r.Frequency == Yearly {
		if r.YearMonth == 0 || r.YearMonth != m || min(r.YearDay, daysIn(y, m)) != d {
			r.YearMonth, r.YearDay = m, d
		}
	}
	r.Weekdays = slices.Clone(r.Weekdays)
	return r
}

// normalizeWeekdays sorts days Monday first and drops duplicates.
func normalizeWeekdays(days []time.Weekday) []time.Weekday {
	out := slices.Clone(days)
	slices.SortFunc(out, func(a, b time.Weekday) int { return mondayIndex(a) - mondayIndex(b) })
	return slices.Compact(out)
}

// mondayIndex numbers the days of the week from Monday (0) to Sunday (6), the week RFC 5545 starts by default.
func mondayIndex(d time.Weekday) int { return (int(d) + 6) % 7 }

// zones caches the locations of the names that loaded, IANA name -> *time.Location. Only canonical names get this
// far (see Zone), so it holds at most the zone database's names (about 600); maxZonesCached bounds it all the same,
// as a net under that check: past it, zones load without being kept.
var (
	zones       sync.Map
	zonesCached atomic.Int64
)

const maxZonesCached = 1000

// Zone resolves an IANA time zone name, such as Europe/Berlin or America/Argentina/Buenos_Aires, and returns an error
// for any other: a name the zone database does not know, the empty name and "Local" (which time.LoadLocation would
// take for UTC and the server's own zone), and a name that is not written the one way IANA writes it. Such names
// load all the same from a zoneinfo directory (Europe//Berlin, Europe/./Berlin, posix/Europe/Berlin, right/...), and
// each would be one more zone kept in memory and stored as a series' time zone. Loaded zones are cached.
func Zone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if !canonicalZoneName(name) {
		return nil, &unknownZoneError{name}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &unknownZoneError{name}
	}
	if zonesCached.Add(1) > maxZonesCached {
		zonesCached.Add(-1)
		return loc, nil
	}
	if kept, loaded := zones.LoadOrStore(name, loc); loaded {
		zonesCached.Add(-1) // another caller kept it first
		return kept.(*time.Location), nil
	}
	return loc, nil
}

// canonicalZoneName reports whether name is written as the IANA database writes its names: components separated
// by one slash, each starting with a letter and holding only ASCII letters, digits, '_', '-' and '+' (which rules out
// "." and ".." and empty components), at most 64 bytes, and not one of the zoneinfo directory's other trees (posix/,
// right/) or files that are not zones.
func canonicalZoneName(name string) bool {
	if name == "" || len(name) > 64 || name == "Local" || name == "localtime" || name == "posixrules" {
		return false
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || !isASCIILetter(c[0]) {
			return false
		}
		for i := 1; i < len(c); i++ {
			if b := c[i]; !isASCIILetter(b) && (b < '0' || b > '9') && b != '_' && b != '-' && b != '+' {
				return false
			}
		}
	}
	first, _, _ := strings.Cut(name, "/")
	return first != "posix" && first != "right"
}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// ZoneNameError is the message for a time zone name that Zone refused, naming it when it is short enough to quote.
func ZoneNameError(name string) string {
	const hint = "use an IANA name such as Europe/Berlin."
	if len(name) > 64 || !utf8.ValidString(name) {
		return "Unknown time zone; " + hint
	}
	return "Unknown time zone " + strconv.Quote(name) + "; " + hint
}

type unknownZoneError struct{ name string }

func (e *unknownZoneError) Error() string {
	if len(e.name) > 64 {
		return "unknown time zone (a name of " + strconv.Itoa(len(e.name)) + " bytes)"
	}
	return "unknown time zone " + strconv.Quote(e.name)
}

// Location returns the rule's zone. A rule made by Input.Rule always has a known one. A rule stored before names
// had to be canonical may name its zone another way (Europe//Berlin, posix/Europe/Berlin): it gets the zone that
// name meant. For a zero or hand-made Rule whose zone does not load it returns UTC rather than fail.
func (r Rule) Location() *time.Location {
	loc, err := Zone(r.TimeZone)
	if err != nil {
		if loc, err = Zone(cleanZoneName(r.TimeZone)); err != nil {
			return time.UTC
		}
	}
	return loc
}

// cleanZoneName is the canonical form of a zone name that time.LoadLocation accepted before Zone refused such names.
func cleanZoneName(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	for _, tree := range []string{"posix/", "right/"} {
		name = strings.TrimPrefix(name, tree)
	}
	return name
}
