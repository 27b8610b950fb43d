package recur_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones must resolve on a machine without a zoneinfo database, as in the server

	"taskapi/recur"
)

// ts parses an RFC 3339 instant; tests write every expected instant with its local offset so that the wall clock
// and the instant can both be read off the test.
func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// rule builds a valid rule for a task due at due, or fails the test.
func rule(t *testing.T, in recur.Input, due time.Time) recur.Rule {
	t.Helper()
	if in.Interval == 0 {
		in.Interval = 1
	}
	r, err := in.Rule(&due, false)
	if err != nil {
		t.Fatalf("Rule(%+v, %v): %v", in, due, err)
	}
	return r
}

// sameInstants fails unless got are the instants want, in order.
func sameInstants(t *testing.T, got []time.Time, want ...string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Equal(ts(t, want[i]))
	}
	if !ok {
		g := make([]string, len(got))
		for i, v := range got {
			g[i] = v.Format(time.RFC3339)
		}
		t.Errorf("got  %s\nwant %s", strings.Join(g, " "), strings.Join(want, " "))
	}
}

func TestUpcoming(t *testing.T) {
	cases := []struct {
		name string
		in   recur.Input
		due  string
		n    int
		want []string
	}{
		{
			name: "BerlinDaily0900AcrossSpringForward",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"},
			due:  "2026-03-27T09:00:00+01:00", n: 4,
			want: []string{"2026-03-28T09:00:00+01:00", "2026-03-29T09:00:00+02:00", "2026-03-30T09:00:00+02:00", "2026-03-31T09:00:00+02:00"},
		},
		{
			name: "BerlinDaily0900AcrossFallBack",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"},
			due:  "2026-10-24T09:00:00+02:00", n: 3,
			want: []string{"2026-10-25T09:00:00+01:00", "2026-10-26T09:00:00+01:00", "2026-10-27T09:00:00+01:00"},
		},
		{
			name: "BerlinDaily0230InSpringGapMovesForwardByTheGap",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"},
			due:  "2026-03-27T02:30:00+01:00", n: 4,
			want: []string{"2026-03-28T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00"},
		},
		{
			name: "BerlinDaily0230InAutumnFoldIsTheFirst",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"},
			due:  "2026-10-24T02:30:00+02:00", n: 3,
			want: []string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"},
		},
		{
			name: "NewYorkDaily0900AcrossSpringForward",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "America/New_York"},
			due:  "2026-03-07T09:00:00-05:00", n: 2,
			want: []string{"2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"},
		},
		{
			name: "NewYorkDaily0900AcrossFallBack",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "America/New_York"},
			due:  "2026-10-31T09:00:00-04:00", n: 2,
			want: []string{"2026-11-01T09:00:00-05:00", "2026-11-02T09:00:00-05:00"},
		},
		{
			name: "NewYorkDaily0230InSpringGap",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "America/New_York"},
			due:  "2026-03-07T02:30:00-05:00", n: 2,
			want: []string{"2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"},
		},
		{
			name: "NewYorkDaily0130InFallFold",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "America/New_York"},
			due:  "2026-10-31T01:30:00-04:00", n: 2,
			want: []string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"},
		},
		{
			name: "LordHoweHalfHourGap",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Australia/Lord_Howe"},
			due:  "2026-10-03T02:15:00+10:30", n: 2,
			want: []string{"2026-10-04T02:45:00+11:00", "2026-10-05T02:15:00+11:00"},
		},
		{
			name: "LordHoweHalfHourFold",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Australia/Lord_Howe"},
			due:  "2026-04-04T01:45:00+11:00", n: 2,
			want: []string{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"},
		},
		{
			name: "EveryThreeDays",
			in:   recur.Input{Frequency: recur.Daily, Interval: 3, TimeZone: "UTC"},
			due:  "2026-12-30T07:00:00Z", n: 3,
			want: []string{"2027-01-02T07:00:00Z", "2027-01-05T07:00:00Z", "2027-01-08T07:00:00Z"},
		},
		{
			name: "WeeklyMondayThursday0930AcrossFallBack",
			in:   recur.Input{Frequency: recur.Weekly, Weekdays: []time.Weekday{time.Thursday, time.Monday}, TimeZone: "Europe/Berlin"},
			due:  "2026-10-19T09:30:00+02:00", n: 4,
			want: []string{"2026-10-22T09:30:00+02:00", "2026-10-26T09:30:00+01:00", "2026-10-29T09:30:00+01:00", "2026-11-02T09:30:00+01:00"},
		},
		{
			name: "EveryOtherWeekFromAWednesdayOnMondayAndThursday",
			in:   recur.Input{Frequency: recur.Weekly, Interval: 2, Weekdays: []time.Weekday{time.Monday, time.Thursday}, TimeZone: "UTC"},
			due:  "2026-12-02T08:00:00Z", n: 4,
			want: []string{"2026-12-03T08:00:00Z", "2026-12-14T08:00:00Z", "2026-12-17T08:00:00Z", "2026-12-28T08:00:00Z"},
		},
		{
			name: "WeeklyDefaultsToTheLocalWeekdayOfDueAt",
			// 23:30 UTC on Tuesday is Wednesday 00:30 in Berlin.
			in:  recur.Input{Frequency: recur.Weekly, TimeZone: "Europe/Berlin"},
			due: "2026-12-01T23:30:00Z", n: 2,
			want: []string{"2026-12-09T00:30:00+01:00", "2026-12-16T00:30:00+01:00"},
		},
		{
			name: "MonthlyOnThe31stThroughAYear",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(31), TimeZone: "Europe/Berlin"},
			due:  "2026-01-31T09:00:00+01:00", n: 12,
			want: []string{
				"2026-02-28T09:00:00+01:00", "2026-03-31T09:00:00+02:00", "2026-04-30T09:00:00+02:00",
				"2026-05-31T09:00:00+02:00", "2026-06-30T09:00:00+02:00", "2026-07-31T09:00:00+02:00",
				"2026-08-31T09:00:00+02:00", "2026-09-30T09:00:00+02:00", "2026-10-31T09:00:00+01:00",
				"2026-11-30T09:00:00+01:00", "2026-12-31T09:00:00+01:00", "2027-01-31T09:00:00+01:00",
			},
		},
		{
			name: "MonthlyDefaultsToTheLocalDayOfDueAt",
			in:   recur.Input{Frequency: recur.Monthly, TimeZone: "Europe/Berlin"},
			due:  "2026-01-30T23:00:00Z", n: 3, // Jan 31 00:00 in Berlin
			want: []string{"2026-02-28T00:00:00+01:00", "2026-03-31T00:00:00+02:00", "2026-04-30T00:00:00+02:00"},
		},
		{
			name: "MonthlyOnTheLastDayThroughAYear",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(recur.LastDay), TimeZone: "America/New_York"},
			due:  "2026-01-31T18:00:00-05:00", n: 12,
			want: []string{
				"2026-02-28T18:00:00-05:00", "2026-03-31T18:00:00-04:00", "2026-04-30T18:00:00-04:00",
				"2026-05-31T18:00:00-04:00", "2026-06-30T18:00:00-04:00", "2026-07-31T18:00:00-04:00",
				"2026-08-31T18:00:00-04:00", "2026-09-30T18:00:00-04:00", "2026-10-31T18:00:00-04:00",
				"2026-11-30T18:00:00-05:00", "2026-12-31T18:00:00-05:00", "2027-01-31T18:00:00-05:00",
			},
		},
		{
			name: "MonthlyOnThe31stAcrossLeapFebruary2028",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(31), TimeZone: "UTC"},
			due:  "2027-12-31T10:00:00Z", n: 4,
			want: []string{"2028-01-31T10:00:00Z", "2028-02-29T10:00:00Z", "2028-03-31T10:00:00Z", "2028-04-30T10:00:00Z"},
		},
		{
			name: "MonthlyOnTheLastDayAcrossLeapFebruary2028",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(recur.LastDay), TimeZone: "UTC"},
			due:  "2028-01-31T10:00:00Z", n: 3,
			want: []string{"2028-02-29T10:00:00Z", "2028-03-31T10:00:00Z", "2028-04-30T10:00:00Z"},
		},
		{
			name: "MonthlyOnThe30thAcrossFebruary",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(30), TimeZone: "UTC"},
			due:  "2028-01-30T10:00:00Z", n: 2,
			want: []string{"2028-02-29T10:00:00Z", "2028-03-30T10:00:00Z"},
		},
		{
			name: "EveryThreeMonthsOnThe31stDoesNotDrift",
			in:   recur.Input{Frequency: recur.Monthly, Interval: 3, MonthDay: ptr(31), TimeZone: "UTC"},
			due:  "2026-01-31T10:00:00Z", n: 4,
			want: []string{"2026-04-30T10:00:00Z", "2026-07-31T10:00:00Z", "2026-10-31T10:00:00Z", "2027-01-31T10:00:00Z"},
		},
		{
			name: "MonthlyOnALaterDayThanDueAtStartsThisMonth",
			in:   recur.Input{Frequency: recur.Monthly, MonthDay: ptr(20), TimeZone: "UTC"},
			due:  "2026-12-05T10:00:00Z", n: 2,
			want: []string{"2026-12-20T10:00:00Z", "2027-01-20T10:00:00Z"},
		},
		{
			name: "YearlyFromFeb29",
			in:   recur.Input{Frequency: recur.Yearly, TimeZone: "Europe/Berlin"},
			due:  "2028-02-29T09:00:00+01:00", n: 5,
			want: []string{"2029-02-28T09:00:00+01:00", "2030-02-28T09:00:00+01:00", "2031-02-28T09:00:00+01:00", "2032-02-29T09:00:00+01:00", "2033-02-28T09:00:00+01:00"},
		},
		{
			name: "EveryFourYearsFromFeb29",
			in:   recur.Input{Frequency: recur.Yearly, Interval: 4, TimeZone: "UTC"},
			due:  "2028-02-29T09:00:00Z", n: 2,
			want: []string{"2032-02-29T09:00:00Z", "2036-02-29T09:00:00Z"},
		},
		{
			name: "CountEndsTheSeries",
			in:   recur.Input{Frequency: recur.Daily, Count: ptr(3), TimeZone: "UTC"},
			due:  "2026-12-01T09:00:00Z", n: 10,
			want: []string{"2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"},
		},
		{
			name: "CountOfOneHasNoMore",
			in:   recur.Input{Frequency: recur.Daily, Count: ptr(1), TimeZone: "UTC"},
			due:  "2026-12-01T09:00:00Z", n: 10,
			want: []string{},
		},
		{
			name: "UntilIsInclusive",
			in:   recur.Input{Frequency: recur.Daily, Until: ptr(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)), TimeZone: "UTC"},
			due:  "2026-12-01T09:00:00Z", n: 10,
			want: []string{"2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z"},
		},
		{
			name: "UntilJustBeforeAnOccurrenceExcludesIt",
			in:   recur.Input{Frequency: recur.Daily, Until: ptr(time.Date(2026, 12, 3, 8, 59, 59, 999e6, time.UTC)), TimeZone: "UTC"},
			due:  "2026-12-01T09:00:00Z", n: 10,
			want: []string{"2026-12-02T09:00:00Z"},
		},
		{
			name: "FromCompletionAssumesEachIsDoneOnItsDueDate",
			in:   recur.Input{Frequency: recur.Monthly, FromCompletion: true, TimeZone: "UTC"},
			due:  "2026-01-31T09:00:00Z", n: 3,
			want: []string{"2026-02-28T09:00:00Z", "2026-03-28T09:00:00Z", "2026-04-28T09:00:00Z"},
		},
		{
			name: "EndsAtYear9999",
			in:   recur.Input{Frequency: recur.Yearly, Interval: 999, TimeZone: "UTC"},
			due:  "8000-06-01T09:00:00Z", n: 5,
			want: []string{"8999-06-01T09:00:00Z", "9998-06-01T09:00:00Z"},
		},
		{
			name: "EndsAtYear9999InAZoneEastOfUTC",
			in:   recur.Input{Frequency: recur.Daily, TimeZone: "Asia/Kolkata"},
			due:  "9999-12-30T09:00:00+05:30", n: 5,
			want: []string{"9999-12-31T09:00:00+05:30"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			due := ts(t, c.due)
			sameInstants(t, rule(t, c.in, due).Upcoming(due, c.n), c.want...)
		})
	}
}

func TestNext(t *testing.T) {
	berlinDaily := recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"}
	cases := []struct {
		name      string
		in        recur.Input
		due, done string
		want      string // "" for the end of the series
	}{
		{"OnTime", berlinDaily, "2026-12-01T09:00:00+01:00", "2026-12-01T09:10:00+01:00", "2026-12-02T09:00:00+01:00"},
		{"LateSkipsTheMissedOnes", berlinDaily, "2026-12-01T09:00:00+01:00", "2026-12-05T12:00:00+01:00", "2026-12-06T09:00:00+01:00"},
		{"LateBeforeTheTimeOfDayIsDueThatDay", berlinDaily, "2026-12-01T09:00:00+01:00", "2026-12-05T08:00:00+01:00", "2026-12-05T09:00:00+01:00"},
		{"EarlyIsStrictlyAfterTheDueDate", berlinDaily, "2026-12-10T09:00:00+01:00", "2026-12-01T15:00:00+01:00", "2026-12-11T09:00:00+01:00"},
		{"JustAfterLocalMidnightCountsForTheNewLocalDay", berlinDaily, "2026-12-01T09:00:00+01:00", "2026-12-02T00:30:00+01:00", "2026-12-02T09:00:00+01:00"},
		{
			"LateWeeklySkipsToTheNextWeekday",
			recur.Input{Frequency: recur.Weekly, Weekdays: []time.Weekday{time.Monday, time.Thursday}, TimeZone: "Europe/Berlin"},
			"2026-11-30T09:30:00+01:00", "2026-12-12T10:00:00+01:00", "2026-12-14T09:30:00+01:00",
		},
		{
			"LateEveryOtherWeekKeepsTheWeeksOfTheSchedule",
			recur.Input{Frequency: recur.Weekly, Interval: 2, Weekdays: []time.Weekday{time.Monday}, TimeZone: "UTC"},
			"2026-11-30T09:00:00Z", "2026-12-15T10:00:00Z", "2026-12-28T09:00:00Z",
		},
		{
			"LateMonthlyYearsLaterIsStillOnTheDay",
			recur.Input{Frequency: recur.Monthly, MonthDay: ptr(31), TimeZone: "UTC"},
			"2026-01-31T09:00:00Z", "2031-02-10T00:00:00Z", "2031-02-28T09:00:00Z",
		},
		{
			"FromCompletionEveryThreeDays",
			recur.Input{Frequency: recur.Daily, Interval: 3, FromCompletion: true, TimeZone: "Europe/Berlin"},
			"2026-12-01T09:00:00+01:00", "2026-12-07T18:00:00+01:00", "2026-12-10T09:00:00+01:00",
		},
		{
			"FromCompletionEarlyCountsFromTheCompletion",
			recur.Input{Frequency: recur.Daily, Interval: 3, FromCompletion: true, TimeZone: "Europe/Berlin"},
			"2026-12-10T09:00:00+01:00", "2026-12-01T18:00:00+01:00", "2026-12-04T09:00:00+01:00",
		},
		{
			// 00:30 in Berlin is still the previous day in UTC; the local date decides.
			"FromCompletionJustAfterLocalMidnight",
			recur.Input{Frequency: recur.Daily, FromCompletion: true, TimeZone: "Europe/Berlin"},
			"2026-12-01T09:00:00+01:00", "2026-12-01T23:30:00Z", "2026-12-03T09:00:00+01:00",
		},
		{
			// 21:00 in New York is already the next day in UTC.
			"FromCompletionLateEveningWestOfUTC",
			recur.Input{Frequency: recur.Daily, FromCompletion: true, TimeZone: "America/New_York"},
			"2026-12-01T09:00:00-05:00", "2026-12-02T02:00:00Z", "2026-12-02T09:00:00-05:00",
		},
		{
			"FromCompletionMonthlyClampsToTheMonthsEnd",
			recur.Input{Frequency: recur.Monthly, FromCompletion: true, TimeZone: "UTC"},
			"2026-01-20T09:00:00Z", "2027-01-31T12:00:00Z", "2027-02-28T09:00:00Z",
		},
		{
			"FromCompletionWeekly",
			recur.Input{Frequency: recur.Weekly, Interval: 2, FromCompletion: true, TimeZone: "UTC"},
			"2026-12-01T09:00:00Z", "2026-12-03T12:00:00Z", "2026-12-17T09:00:00Z",
		},
		{
			"FromCompletionYearlyFromFeb29",
			recur.Input{Frequency: recur.Yearly, FromCompletion: true, TimeZone: "UTC"},
			"2027-03-01T09:00:00Z", "2028-02-29T12:00:00Z", "2029-02-28T09:00:00Z",
		},
		{
			"LastOfTheCount",
			recur.Input{Frequency: recur.Daily, Count: ptr(1), TimeZone: "UTC"},
			"2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z", "",
		},
		{
			"LateBeyondUntil",
			recur.Input{Frequency: recur.Daily, Until: ptr(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)), TimeZone: "UTC"},
			"2026-12-01T09:00:00Z", "2026-12-09T10:00:00Z", "",
		},
		{
			"FromCompletionBeyondUntil",
			recur.Input{Frequency: recur.Daily, Interval: 3, FromCompletion: true, Until: ptr(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)), TimeZone: "UTC"},
			"2026-12-01T09:00:00Z", "2026-12-07T10:00:00Z", "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			due := ts(t, c.due)
			r := rule(t, c.in, due)
			next, rest, ok := r.Next(due, ts(t, c.done))
			switch {
			case c.want == "" && ok:
				t.Errorf("Next = %v, want the end of the series", next)
			case c.want != "" && !ok:
				t.Errorf("Next ended the series, want %s", c.want)
			case c.want != "" && !next.Equal(ts(t, c.want)):
				t.Errorf("Next = %s, want %s", next.Format(time.RFC3339), c.want)
			}
			if ok && !reflect.DeepEqual(withCount(rest, r.Count), r) {
				t.Errorf("the next occurrence's rule %+v differs from %+v by more than the count", rest, r)
			}
		})
	}
}

func withCount(r recur.Rule, count int) recur.Rule { r.Count = count; return r }

func TestNextCountsDown(t *testing.T) {
	due := ts(t, "2026-12-01T09:00:00Z")
	r := rule(t, recur.Input{Frequency: recur.Daily, Count: ptr(3), TimeZone: "UTC"}, due)
	var counts []int
	for {
		counts = append(counts, r.Count)
		next, rest, ok := r.Next(due, due)
		if !ok {
			break
		}
		due, r = next, rest
	}
	if !slices.Equal(counts, []int{3, 2, 1}) {
		t.Errorf("counts %v, want [3 2 1]", counts)
	}
	if !due.Equal(ts(t, "2026-12-03T09:00:00Z")) {
		t.Errorf("last occurrence due %v, want the third day", due)
	}
}

func TestTimeOfDaySurvivesAGapShiftedOccurrence(t *testing.T) {
	due := ts(t, "2026-03-28T02:30:00+01:00")
	r := rule(t, recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"}, due)
	gap, rest, _ := r.Next(due, due)
	if want := ts(t, "2026-03-29T03:30:00+02:00"); !gap.Equal(want) {
		t.Fatalf("in the gap: %v, want %v", gap, want)
	}
	after, _, _ := rest.Next(gap, gap)
	if want := ts(t, "2026-03-30T02:30:00+02:00"); !after.Equal(want) {
		t.Errorf("after the gap: %v, want %v (02:30 again)", after, want)
	}
}

func TestAnchor(t *testing.T) {
	t.Run("MovedToAnotherHourKeepsTheNewTime", func(t *testing.T) {
		due := ts(t, "2026-12-01T09:00:00+01:00")
		r := rule(t, recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin"}, due)
		moved := ts(t, "2026-12-01T10:15:00+01:00")
		sameInstants(t, r.Anchor(moved).Upcoming(moved, 1), "2026-12-02T10:15:00+01:00")
	})
	t.Run("Feb28OfAFeb29SeriesMovedToAnotherHourStaysFeb29", func(t *testing.T) {
		due := ts(t, "2028-02-29T09:00:00Z")
		r := rule(t, recur.Input{Frequency: recur.Yearly, TimeZone: "UTC"}, due)
		feb28, r, _ := r.Next(due, due)
		moved := feb28.Add(time.Hour)
		sameInstants(t, r.Anchor(moved).Upcoming(moved, 3), "2030-02-28T10:00:00Z", "2031-02-28T10:00:00Z", "2032-02-29T10:00:00Z")
	})
	t.Run("YearlyMovedToAnotherDayFollowsIt", func(t *testing.T) {
		due := ts(t, "2028-02-29T09:00:00Z")
		r := rule(t, recur.Input{Frequency: recur.Yearly, TimeZone: "UTC"}, due)
		moved := ts(t, "2028-03-05T09:00:00Z")
		sameInstants(t, r.Anchor(moved).Upcoming(moved, 1), "2029-03-05T09:00:00Z")
	})
}

func TestAt(t *testing.T) {
	berlin, _ := recur.Zone("Europe/Berlin")
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		tod  time.Duration
		want string
	}{
		{2*time.Hour - time.Millisecond, "2026-03-29T01:59:59.999+01:00"},
		{2 * time.Hour, "2026-03-29T03:00:00+02:00"},
		{2*time.Hour + 59*time.Minute, "2026-03-29T03:59:00+02:00"},
		{3 * time.Hour, "2026-03-29T03:00:00+02:00"},
	}
	for _, c := range cases {
		if got := recur.At(day, c.tod, berlin); !got.Equal(ts(t, c.want)) {
			t.Errorf("At(%v) = %v, want %s", c.tod, got, c.want)
		}
	}
	fold := recur.At(time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), 2*time.Hour, berlin)
	if want := ts(t, "2026-10-25T02:00:00+02:00"); !fold.Equal(want) {
		t.Errorf("02:00 on the fold day = %v, want the first, %v", fold, want)
	}
}

func TestValidation(t *testing.T) {
	due := ts(t, "2026-12-01T09:00:00Z")
	valid := recur.Input{Frequency: recur.Daily, Interval: 1, TimeZone: "Europe/Berlin"}
	with := func(f func(*recur.Input)) recur.Input { in := valid; f(&in); return in }
	cases := []struct {
		name      string
		in        recur.Input
		due       *time.Time
		completed bool
		fields    [][]string
	}{
		{"NoDueDate", valid, nil, false, [][]string{{}}},
		{"CompletedTask", valid, &due, true, [][]string{{}}},
		{"UnknownTimeZone", with(func(in *recur.Input) { in.TimeZone = "Europe/Nowhere" }), &due, false, [][]string{{"timeZone"}}},
		{"EmptyTimeZone", with(func(in *recur.Input) { in.TimeZone = "" }), &due, false, [][]string{{"timeZone"}}},
		{"LocalTimeZone", with(func(in *recur.Input) { in.TimeZone = "Local" }), &due, false, [][]string{{"timeZone"}}},
		{"PathAsTimeZone", with(func(in *recur.Input) { in.TimeZone = "../../etc/passwd" }), &due, false, [][]string{{"timeZone"}}},
		{"UnknownFrequency", with(func(in *recur.Input) { in.Frequency = "HOURLY" }), &due, false, [][]string{{"frequency"}}},
		{"IntervalZero", with(func(in *recur.Input) { in.Interval = 0 }), &due, false, [][]string{{"interval"}}},
		{"IntervalTooLarge", with(func(in *recur.Input) { in.Interval = 1000 }), &due, false, [][]string{{"interval"}}},
		{"WeekdaysOnDaily", with(func(in *recur.Input) { in.Weekdays = []time.Weekday{time.Monday} }), &due, false, [][]string{{"weekdays"}}},
		{"MonthDayOnWeekly", with(func(in *recur.Input) { in.Frequency = recur.Weekly; in.MonthDay = ptr(3) }), &due, false, [][]string{{"monthDay"}}},
		{"MonthDayZero", with(func(in *recur.Input) { in.Frequency = recur.Monthly; in.MonthDay = ptr(0) }), &due, false, [][]string{{"monthDay"}}},
		{"MonthDay32", with(func(in *recur.Input) { in.Frequency = recur.Monthly; in.MonthDay = ptr(32) }), &due, false, [][]string{{"monthDay"}}},
		{"MonthDayMinus2", with(func(in *recur.Input) { in.Frequency = recur.Monthly; in.MonthDay = ptr(-2) }), &due, false, [][]string{{"monthDay"}}},
		{"CountZero", with(func(in *recur.Input) { in.Count = ptr(0) }), &due, false, [][]string{{"count"}}},
		{"CountTooLarge", with(func(in *recur.Input) { in.Count = ptr(1001) }), &due, false, [][]string{{"count"}}},
		{"UntilBeforeDueAt", with(func(in *recur.Input) { in.Until = ptr(due.Add(-time.Millisecond)) }), &due, false, [][]string{{"until"}}},
		{
			"EveryProblemAtOnce",
			recur.Input{Frequency: recur.Yearly, Interval: -1, Weekdays: []time.Weekday{time.Monday}, MonthDay: ptr(40), TimeZone: "Mars/Olympus", Count: ptr(-3)},
			nil, true,
			[][]string{{}, {}, {"interval"}, {"weekdays"}, {"monthDay"}, {"timeZone"}, {"count"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.in.Rule(c.due, c.completed)
			var errs recur.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want recur.Errors", err)
			}
			var fields [][]string
			for _, e := range errs {
				if e.Message == "" {
					t.Errorf("no message for %v", e.Field)
				}
				fields = append(fields, append([]string{}, e.Field...))
			}
			if !reflect.DeepEqual(fields, c.fields) {
				t.Errorf("fields %q, want %q", fields, c.fields)
			}
		})
	}
	t.Run("Limits", func(t *testing.T) {
		for _, in := range []recur.Input{
			with(func(in *recur.Input) { in.Interval = 999; in.Count = ptr(1000); in.Until = &due }),
			with(func(in *recur.Input) { in.Count = ptr(1) }),
			with(func(in *recur.Input) { in.Frequency = recur.Monthly; in.MonthDay = ptr(-1) }),
			with(func(in *recur.Input) { in.Frequency = recur.Monthly; in.MonthDay = ptr(31) }),
			with(func(in *recur.Input) { in.Frequency = recur.Weekly; in.Weekdays = []time.Weekday{time.Sunday} }),
		} {
			if _, err := in.Rule(&due, false); err != nil {
				t.Errorf("%+v: %v", in, err)
			}
		}
	})
}

func TestRuleDefaultsAndNormalization(t *testing.T) {
	due := ts(t, "2026-12-01T23:30:00Z") // Wednesday, Dec 2, 00:30 in Berlin
	r := rule(t, recur.Input{Frequency: recur.Weekly, Weekdays: []time.Weekday{time.Sunday, time.Thursday, time.Monday, time.Thursday}, TimeZone: "Europe/Berlin"}, due)
	if want := []time.Weekday{time.Monday, time.Thursday, time.Sunday}; !slices.Equal(r.Weekdays, want) {
		t.Errorf("weekdays %v, want %v (Monday first, no duplicates)", r.Weekdays, want)
	}
	if r.TimeOfDay != 30*time.Minute {
		t.Errorf("time of day %v, want 00:30 local", r.TimeOfDay)
	}
	r = rule(t, recur.Input{Frequency: recur.Weekly, TimeZone: "Europe/Berlin"}, due)
	if !slices.Equal(r.Weekdays, []time.Weekday{time.Wednesday}) {
		t.Errorf("default weekdays %v, want the local weekday, Wednesday", r.Weekdays)
	}
	r = rule(t, recur.Input{Frequency: recur.Monthly, TimeZone: "Europe/Berlin"}, due)
	if r.MonthDay != 2 {
		t.Errorf("default month day %d, want the local day, 2", r.MonthDay)
	}
	r = rule(t, recur.Input{Frequency: recur.Daily, TimeZone: "UTC"}, due)
	if r.Weekdays != nil || r.MonthDay != 0 {
		t.Errorf("a daily rule has weekdays %v or month day %d", r.Weekdays, r.MonthDay)
	}
}

func TestRuleJSONRoundTrip(t *testing.T) {
	due := ts(t, "2028-02-29T09:15:30.250+01:00")
	for _, in := range []recur.Input{
		{Frequency: recur.Weekly, Interval: 2, Weekdays: []time.Weekday{time.Monday, time.Sunday}, TimeZone: "Europe/Berlin", Count: ptr(7)},
		{Frequency: recur.Monthly, MonthDay: ptr(-1), TimeZone: "America/New_York", Until: ptr(due.AddDate(1, 0, 0)), FromCompletion: true},
		{Frequency: recur.Yearly, TimeZone: "Australia/Lord_Howe"},
	} {
		r := rule(t, in, due)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back recur.Rule
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%s read back as %+v, want %+v", b, back, r)
		}
	}
}

func TestRRULE(t *testing.T) {
	due := ts(t, "2026-12-03T09:30:00+01:00")
	cases := []struct {
		name string
		in   recur.Input
		due  time.Time
		want string
	}{
		{"Daily", recur.Input{Frequency: recur.Daily}, due, "FREQ=DAILY"},
		{"EveryThreeDays", recur.Input{Frequency: recur.Daily, Interval: 3}, due, "FREQ=DAILY;INTERVAL=3"},
		{"WeeklyTwoDays", recur.Input{Frequency: recur.Weekly, Interval: 2, Weekdays: []time.Weekday{time.Thursday, time.Monday}}, due, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"},
		{"WeeklyDefault", recur.Input{Frequency: recur.Weekly}, due, "FREQ=WEEKLY;BYDAY=TH"},
		{"WeeklySunday", recur.Input{Frequency: recur.Weekly, Weekdays: []time.Weekday{time.Sunday, time.Saturday}}, due, "FREQ=WEEKLY;BYDAY=SA,SU"},
		{"MonthlyOnThe3rd", recur.Input{Frequency: recur.Monthly}, due, "FREQ=MONTHLY;BYMONTHDAY=3"},
		{"MonthlyOnThe28th", recur.Input{Frequency: recur.Monthly, MonthDay: ptr(28)}, due, "FREQ=MONTHLY;BYMONTHDAY=28"},
		{"MonthlyOnThe30th", recur.Input{Frequency: recur.Monthly, MonthDay: ptr(30)}, due, "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"},
		{"MonthlyOnThe31st", recur.Input{Frequency: recur.Monthly, MonthDay: ptr(31)}, due, "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"},
		{"MonthlyOnTheLastDay", recur.Input{Frequency: recur.Monthly, Interval: 6, MonthDay: ptr(-1)}, due, "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=-1"},
		{"Yearly", recur.Input{Frequency: recur.Yearly}, due, "FREQ=YEARLY"},
		{"YearlyFromFeb29", recur.Input{Frequency: recur.Yearly}, ts(t, "2028-02-29T09:00:00Z"), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1"},
		{"Count", recur.Input{Frequency: recur.Daily, Count: ptr(5)}, due, "FREQ=DAILY;COUNT=5"},
		{"Until", recur.Input{Frequency: recur.Daily, Until: ptr(ts(t, "2026-12-31T23:59:59.999+01:00"))}, due, "FREQ=DAILY;UNTIL=20261231T225959Z"},
		{
			"CountEndsFirst",
			recur.Input{Frequency: recur.Daily, Count: ptr(3), Until: ptr(ts(t, "2026-12-05T09:30:00+01:00"))}, due,
			"FREQ=DAILY;COUNT=3",
		},
		{
			"UntilEndsFirst",
			recur.Input{Frequency: recur.Daily, Count: ptr(4), Until: ptr(ts(t, "2026-12-05T09:30:00+01:00"))}, due,
			"FREQ=DAILY;UNTIL=20261205T083000Z",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.TimeZone = "Europe/Berlin"
			if got := rule(t, c.in, c.due).RRULE(c.due); got != c.want {
				t.Errorf("RRULE = %s, want %s", got, c.want)
			}
		})
	}
}

// TestWorkDoesNotGrowWithDistance pins down that a schedule computation costs a bound independent of how far apart
// its dates are: completing, in 2026, an occurrence due in year 1 (or asking for the RRULE of a count-1000 series
// with a far until) looks at a handful of periods, not one per day in between. It counts the periods looked at, not
// the time taken.
func TestWorkDoesNotGrowWithDistance(t *testing.T) {
	far := ts(t, "0001-01-01T09:00:00Z")
	done := ts(t, "2026-12-03T10:00:00Z")
	cases := []struct {
		name string
		in   recur.Input
		want string // the next due date after done
	}{
		{"Daily", recur.Input{Frequency: recur.Daily}, "2026-12-04T09:00:00Z"},
		{"EverySevenDays", recur.Input{Frequency: recur.Daily, Interval: 7}, "2026-12-07T09:00:00Z"},
		{"Weekly", recur.Input{Frequency: recur.Weekly, Weekdays: []time.Weekday{time.Monday, time.Friday}}, "2026-12-04T09:00:00Z"},
		{"Monthly", recur.Input{Frequency: recur.Monthly, MonthDay: ptr(31)}, "2026-12-31T09:00:00Z"},
		{"Yearly", recur.Input{Frequency: recur.Yearly}, "2027-01-01T09:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.TimeZone = "UTC"
			r := rule(t, c.in, far)
			before := recur.PeriodsLooked()
			next, _, ok := r.Next(far, done)
			if looked := recur.PeriodsLooked() - before; looked > 4 {
				t.Errorf("Next looked at %d periods between year 1 and 2026; want a handful", looked)
			}
			if !ok || !next.Equal(ts(t, c.want)) {
				t.Errorf("Next = %v, %v; want %s", next, ok, c.want)
			}
		})
	}
	t.Run("RRULEOfALongSeries", func(t *testing.T) {
		due := ts(t, "2026-12-03T09:30:00+01:00")
		for _, until := range []string{"9999-12-31T00:00:00Z", "2027-06-01T00:00:00Z"} {
			r := rule(t, recur.Input{Frequency: recur.Daily, TimeZone: "Europe/Berlin", Count: ptr(1000), Until: ptr(ts(t, until))}, due)
			before := recur.PeriodsLooked()
			got := r.RRULE(due)
			if looked := recur.PeriodsLooked() - before; looked > 4 {
				t.Errorf("RRULE looked at %d periods; want a handful", looked)
			}
			want := "FREQ=DAILY;COUNT=1000"
			if until != "9999-12-31T00:00:00Z" {
				want = "FREQ=DAILY;UNTIL=20270601T000000Z"
			}
			if got != want {
				t.Errorf("RRULE = %s, want %s", got, want)
			}
		}
	})
}

// TestZoneAcceptsCanonicalNamesOnly pins down that only names written as IANA writes them resolve: the other
// spellings time.LoadLocation accepts from a zoneinfo directory are refused, and refused names are not kept.
func TestZoneAcceptsCanonicalNamesOnly(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+5", "Etc/GMT-14", "US/Eastern", "EST5EDT"} {
		if _, err := recur.Zone(name); err != nil {
			t.Errorf("Zone(%q): %v", name, err)
		}
	}
	cached := recur.ZonesCached()
	refused := []string{
		"", "Local", "Europe/./Berlin", "Europe//Berlin", "posix/Europe/Berlin", "posix/Europe//Berlin", "right/Europe/Berlin",
		"/Europe/Berlin", "Europe/Berlin/", "Europe/../Europe/Berlin", "../zoneinfo/Europe/Berlin", "./UTC", "Europe/Berlin\x00",
		`Europe\Berlin`, "Europe/Berlin ", "Mars/Olympus", "posixrules", "localtime", strings.Repeat("A", 65),
	}
	for _, name := range refused {
		if _, err := recur.Zone(name); err == nil {
			t.Errorf("Zone(%q) resolved; want it refused", name)
		}
		due := ts(t, "2026-12-03T09:30:00Z")
		_, err := recur.Input{Frequency: recur.Daily, Interval: 1, TimeZone: name}.Rule(&due, false)
		var errs recur.Errors
		if !errors.As(err, &errs) || len(errs) != 1 || !slices.Equal(errs[0].Field, []string{"timeZone"}) {
			t.Errorf("Rule with time zone %q: %v; want one error at timeZone", name, err)
		} else if len(errs[0].Message) > 200 {
			t.Errorf("the message echoes the name: %q", errs[0].Message)
		}
	}
	for i := range 100 {
		_, _ = recur.Zone("Europe/" + strings.Repeat("/", i+2) + "Berlin")
	}
	if got := recur.ZonesCached(); got != cached {
		t.Errorf("refused names grew the zone cache from %d to %d", cached, got)
	}
}

// TestLocationOfARuleStoredWithALaxName: a series stored while lax names were accepted keeps the zone its name meant.
func TestLocationOfARuleStoredWithALaxName(t *testing.T) {
	for _, name := range []string{"Europe//Berlin", "Europe/./Berlin", "posix/Europe//Berlin"} {
		if got := (recur.Rule{TimeZone: name}).Location().String(); got != "Europe/Berlin" {
			t.Errorf("Location of %q = %s, want Europe/Berlin", name, got)
		}
	}
}
