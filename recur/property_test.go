package recur_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"taskapi/recur"
)

// The property test draws thousands of random rules in zones with every kind of daylight saving change (an hour,
// Lord Howe's half hour, none) and checks what the expander gives against a brute-force oracle written from the
// contract's words: walk every day (month, year) from the first due date, keep those the rule names, and find the
// instant showing each at the time of day by trying every offset, the gap rule applied by scanning the wall clock
// minute by minute.

var propertyZones = []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}

// offsetsNear lists the UTC offsets (seconds) that apply at any instant within 16 hours of wall read as UTC,
// probing every half hour, which no two changes of these zones are closer than.
func offsetsNear(wall time.Time, loc *time.Location) []int {
	var out []int
	for d := -16 * time.Hour; d <= 16*time.Hour; d += 30 * time.Minute {
		_, off := wall.Add(d).In(loc).Zone()
		if !slices.Contains(out, off) {
			out = append(out, off)
		}
	}
	return out
}

// showing returns the earliest instant at which loc's wall clock reads wall, and false when none does.
func showing(wall time.Time, loc *time.Location) (time.Time, bool) {
	var first time.Time
	for _, off := range offsetsNear(wall, loc) {
		t := wall.Add(-time.Duration(off) * time.Second)
		l := t.In(loc)
		if time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC).Equal(wall) &&
			(first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first, !first.IsZero()
}

// oracleAt is the contract's instant for a wall clock (on a whole minute): the first that shows it, or, in a gap,
// the one showing the wall clock as far past the gap's end as it was past its start.
func oracleAt(wall time.Time, loc *time.Location) (t time.Time, inGap bool) {
	if t, ok := showing(wall, loc); ok {
		return t, false
	}
	before := time.Minute
	for _, ok := showing(wall.Add(-before), loc); !ok; _, ok = showing(wall.Add(-before), loc) {
		before += time.Minute
	}
	after := time.Minute
	for _, ok := showing(wall.Add(after), loc); !ok; _, ok = showing(wall.Add(after), loc) {
		after += time.Minute
	}
	gap := before + after - time.Minute // the wall-clock minutes that do not exist
	t, _ = showing(wall.Add(gap), loc)
	return t, true
}

type oracleDate struct {
	y int
	m time.Month
	d int
}

func (o oracleDate) wall(tod time.Duration) time.Time {
	return time.Date(o.y, o.m, o.d, 0, 0, 0, 0, time.UTC).Add(tod)
}

func lastDayOf(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// oracleSchedule yields the dates the rule's schedule names from the first due date's local date on, in order, by
// walking days (DAILY, WEEKLY), months or years one at a time and keeping those the rule names.
func oracleSchedule(r recur.Rule, start oracleDate, yield func(oracleDate) bool) {
	first := time.Date(start.y, start.m, start.d, 0, 0, 0, 0, time.UTC)
	switch r.Frequency {
	case recur.Daily, recur.Weekly:
		startMonday := (int(first.Weekday()) + 6) % 7
		for k := 0; ; k++ {
			d := first.AddDate(0, 0, k)
			keep := k%r.Interval == 0
			if r.Frequency == recur.Weekly {
				week := (k + startMonday) / 7
				keep = week%r.Interval == 0 && slices.Contains(r.Weekdays, d.Weekday())
			}
			if keep && !yield(oracleDate{d.Year(), d.Month(), d.Day()}) {
				return
			}
		}
	case recur.Monthly:
		for k := 0; ; k += r.Interval {
			m := time.Date(start.y, start.m+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
			day := r.MonthDay
			if last := lastDayOf(m.Year(), m.Month()); day == -1 || day > last {
				day = last
			}
			if !yield(oracleDate{m.Year(), m.Month(), day}) {
				return
			}
		}
	default:
		for y := start.y; ; y += r.Interval {
			if !yield(oracleDate{y, start.m, min(start.d, lastDayOf(y, start.m))}) {
				return
			}
		}
	}
}

// oracleUpcoming is what the contract says follows the occurrence due at due: up to n occurrences, Count and
// Until honoured, each strictly after the one before.
func oracleUpcoming(r recur.Rule, due time.Time, n int, loc *time.Location) []time.Time {
	l := due.In(loc)
	tod := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute
	start := oracleDate{l.Year(), l.Month(), l.Day()}
	if r.Count > 0 {
		n = min(n, r.Count-1)
	}
	out := []time.Time{}
	if r.FromCompletion {
		prev := start
		for len(out) < n {
			var d oracleDate
			switch r.Frequency {
			case recur.Daily, recur.Weekly:
				days := r.Interval
				if r.Frequency == recur.Weekly {
					days *= 7
				}
				t := time.Date(prev.y, prev.m, prev.d+days, 0, 0, 0, 0, time.UTC)
				d = oracleDate{t.Year(), t.Month(), t.Day()}
			case recur.Monthly:
				m := time.Date(prev.y, prev.m+time.Month(r.Interval), 1, 0, 0, 0, 0, time.UTC)
				d = oracleDate{m.Year(), m.Month(), min(prev.d, lastDayOf(m.Year(), m.Month()))}
			default:
				d = oracleDate{prev.y + r.Interval, prev.m, min(prev.d, lastDayOf(prev.y+r.Interval, prev.m))}
			}
			t, _ := oracleAt(d.wall(tod), loc)
			if r.Until != nil && t.After(*r.Until) {
				break
			}
			out = append(out, t)
			prev = d
		}
		return out
	}
	prev := due
	oracleSchedule(r, start, func(d oracleDate) bool {
		if len(out) >= n {
			return false
		}
		t, _ := oracleAt(d.wall(tod), loc)
		if !t.After(prev) {
			return true
		}
		if r.Until != nil && t.After(*r.Until) {
			return false
		}
		out = append(out, t)
		prev = t
		return true
	})
	return out
}

// oracleNext is the first occurrence of the schedule strictly after both due and done.
func oracleNext(r recur.Rule, due, done time.Time, loc *time.Location) (time.Time, bool) {
	if r.Count == 1 {
		return time.Time{}, false
	}
	l := due.In(loc)
	tod := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute
	bound := later(due, done)
	var next time.Time
	oracleSchedule(r, oracleDate{l.Year(), l.Month(), l.Day()}, func(d oracleDate) bool {
		t, _ := oracleAt(d.wall(tod), loc)
		if t.After(bound) {
			next = t
			return false
		}
		return true
	})
	if r.Until != nil && next.After(*r.Until) {
		return time.Time{}, false
	}
	return next, true
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// randomInput draws a rule and a first due date: mostly small intervals, times of day often in the hours that
// daylight saving changes skip or repeat, dates often in the months they happen in, month days often at the end.
func randomInput(rng *rand.Rand, zone string) (recur.Input, time.Time) {
	loc, _ := recur.Zone(zone)
	freqs := []recur.Frequency{recur.Daily, recur.Weekly, recur.Monthly, recur.Yearly}
	in := recur.Input{Frequency: freqs[rng.IntN(4)], TimeZone: zone}
	switch p := rng.IntN(100); {
	case p < 70:
		in.Interval = 1 + rng.IntN(4)
	case p < 95:
		in.Interval = 5 + rng.IntN(26)
	default:
		in.Interval = 31 + rng.IntN(200)
	}
	if in.Frequency == recur.Yearly && in.Interval > 30 {
		in.Interval = 1 + rng.IntN(30)
	}
	switch in.Frequency {
	case recur.Weekly:
		if rng.IntN(4) > 0 {
			for range 1 + rng.IntN(4) {
				in.Weekdays = append(in.Weekdays, time.Weekday(rng.IntN(7)))
			}
		}
	case recur.Monthly:
		if rng.IntN(4) > 0 {
			days := []int{-1, 28, 29, 30, 31, 1 + rng.IntN(31)}
			in.MonthDay = &days[rng.IntN(len(days))]
		}
	}
	month := time.Month(1 + rng.IntN(12))
	if rng.IntN(2) == 0 {
		month = []time.Month{time.February, time.March, time.April, time.September, time.October, time.November}[rng.IntN(6)]
	}
	hour := rng.IntN(24)
	if rng.IntN(2) == 0 {
		hour = 1 + rng.IntN(3)
	}
	due := time.Date(2020+rng.IntN(15), month, 1+rng.IntN(31), hour, rng.IntN(60), 0, 0, loc)
	if rng.IntN(5) == 0 {
		c := 1 + rng.IntN(10)
		in.Count = &c
	}
	if rng.IntN(5) == 0 {
		u := due.Add(time.Duration(rng.IntN(3*365*24)) * time.Hour)
		in.Until = &u
	}
	in.FromCompletion = rng.IntN(6) == 0
	return in, due
}

func TestPropertyRandomRules(t *testing.T) {
	const rulesPerZone = 1000
	for zi, zone := range propertyZones {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			loc, err := recur.Zone(zone)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(20261201, uint64(zi)))
			for i := range rulesPerZone {
				in, due := randomInput(rng, zone)
				r, err := in.Rule(&due, false)
				if err != nil {
					t.Fatalf("rule %d: %+v due %v: %v", i, in, due, err)
				}
				desc := fmt.Sprintf("rule %d (%+v, due %s)", i, r, due.In(loc).Format(time.RFC3339))
				got := r.Upcoming(due, 25)
				checkProperties(t, desc, r, due, got, loc)
				if want := oracleUpcoming(r, due, 25, loc); !slices.EqualFunc(got, want, time.Time.Equal) {
					t.Fatalf("%s:\nupcoming %v\noracle   %v", desc, got, want)
				}
				if r.FromCompletion {
					continue
				}
				done := due.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour))) - 30*24*time.Hour)
				next, _, ok := r.Next(due, done)
				want, wantOK := oracleNext(r, due, done, loc)
				if ok != wantOK || (ok && !next.Equal(want)) {
					t.Fatalf("%s done %v: Next = %v %v, oracle %v %v", desc, done, next, ok, want, wantOK)
				}
			}
		})
	}
}

// checkProperties checks what holds for any series, whatever the oracle says: strictly increasing, no duplicates,
// the time of day kept except across a gap, the weekday and month-day rules held, count and until honoured.
func checkProperties(t *testing.T, desc string, r recur.Rule, due time.Time, got []time.Time, loc *time.Location) {
	t.Helper()
	if r.Count > 0 && len(got) > r.Count-1 {
		t.Fatalf("%s: %d upcoming with count %d", desc, len(got), r.Count)
	}
	prev := due
	seen := map[time.Time]bool{}
	for _, o := range got {
		if !o.After(prev) {
			t.Fatalf("%s: %v does not follow %v", desc, o, prev)
		}
		if seen[o.UTC()] {
			t.Fatalf("%s: %v twice", desc, o)
		}
		seen[o.UTC()] = true
		prev = o
		if r.Until != nil && o.After(*r.Until) {
			t.Fatalf("%s: %v is after until", desc, o)
		}
		l := o.In(loc)
		tod := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute
		if tod != r.TimeOfDay {
			wall := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).Add(r.TimeOfDay)
			if _, exists := showing(wall, loc); exists {
				t.Fatalf("%s: %v is at %v local, not at the series' %v, which exists that day", desc, o, tod, r.TimeOfDay)
			}
		}
		if r.FromCompletion {
			continue
		}
		switch r.Frequency {
		case recur.Weekly:
			if !slices.Contains(r.Weekdays, l.Weekday()) {
				t.Fatalf("%s: %v is a %v", desc, o, l.Weekday())
			}
		case recur.Monthly:
			want := r.MonthDay
			if last := lastDayOf(l.Year(), l.Month()); want == -1 || want > last {
				want = last
			}
			if l.Day() != want {
				t.Fatalf("%s: %v is on day %d, want %d", desc, o, l.Day(), want)
			}
		case recur.Yearly:
			if l.Month() != r.YearMonth || l.Day() != min(r.YearDay, lastDayOf(l.Year(), l.Month())) {
				t.Fatalf("%s: %v is not on %v %d", desc, o, r.YearMonth, r.YearDay)
			}
		}
	}
}
