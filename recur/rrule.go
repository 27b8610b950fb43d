package recur

import (
	"strconv"
	"strings"
	"time"
)

var weekdayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// RRULE writes r out as RFC 5545 RRULE text (without the "RRULE:" prefix) for a series whose current occurrence,
// the DTSTART of an export, is due at due; for example FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5. INTERVAL is left
// out when it is 1.
//
// The text says what the schedule does, in the terms RFC 5545 has for it: a month day that a month may lack is
// BYMONTHDAY over the days it can fall on with BYSETPOS=-1 (the 31st is BYMONTHDAY=28,29,30,31;BYSETPOS=-1, which
// is the month's last day when it has no 31st), and a yearly series from Feb 29 is
// BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1. RFC 5545 forbids COUNT and UNTIL together, so a rule with both names the
// one that ends the series first. It has no words for FromCompletion: such a series is written as its schedule.
func (r Rule) RRULE(due time.Time) string {
	parts := []string{"FREQ=" + string(r.Frequency)}
	if r.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.Interval))
	}
	switch r.Frequency {
	case Weekly:
		days := make([]string, len(r.Weekdays))
		for i, d := range r.Weekdays {
			days[i] = weekdayCodes[d]
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	case Monthly:
		parts = append(parts, monthDays(r.MonthDay)...)
	case Yearly:
		if r.YearMonth == time.February && r.YearDay == 29 {
			parts = append(parts, "BYMONTH=2")
			parts = append(parts, monthDays(29)...)
		}
	}
	switch {
	case r.Count > 0 && r.Until == nil:
		parts = append(parts, "COUNT="+strconv.Itoa(r.Count))
	case r.Count > 0:
		// Both: COUNT when the last occurrence it allows is still within Until. That occurrence is computed, not
		// reached by expanding the ones before it (up to 999 of them, for every task a page shows).
		if r.countEndsFirst(due) {
			parts = append(parts, "COUNT="+strconv.Itoa(r.Count))
			break
		}
		fallthrough
	case r.Until != nil:
		// RFC 5545's DATE-TIME has whole seconds; the truncated instant admits the same occurrences, which are
		// exported with whole seconds too.
		parts = append(parts, "UNTIL="+r.Until.UTC().Truncate(time.Second).Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";")
}

// countEndsFirst reports whether the last occurrence Count allows, Count-1 after the one due at due, falls within
// Until (and MaxTime). It reads the schedule, as the RRULE text does, FromCompletion or not.
func (r Rule) countEndsFirst(due time.Time) bool {
	if r.Count <= 1 {
		return true
	}
	last, _, ok := schedule{r, dateOf(due.In(r.Location()))}.nth(due, r.Count-1)
	return ok && (r.Until == nil || !last.After(*r.Until))
}

// monthDays is the BYMONTHDAY (and BYSETPOS) of a month day: the day itself when every month has it, else every day
// from the 28th up to it and the last of those the month has.
func monthDays(day int) []string {
	if day <= 28 {
		return []string{"BYMONTHDAY=" + strconv.Itoa(day)}
	}
	days := []string{}
	for d := 28; d <= day; d++ {
		days = append(days, strconv.Itoa(d))
	}
	return []string{"BYMONTHDAY=" + strings.Join(days, ","), "BYSETPOS=-1"}
}
