// Package recur holds the rules of recurring tasks in one place: which dates a series falls on, at which instant
// each of them is due, what follows a completed occurrence, how a rule is validated and how it is written out as
// RFC 5545 RRULE text. It depends on nothing but the standard library.
//
// A Rule is computed on civil dates in the series' time zone and keeps the local time of day of the first due
// date: a series due daily at 09:00 in Europe/Berlin is due at 09:00 there in winter and in summer. A local time
// that a day skips (spring forward) moves forward by the length of the gap, so 02:30 becomes 03:30; a local time
// that a day has twice (fall back) is the first of the two. These are RFC 5545's own rules for such times. MONTHLY
// on a day a month lacks falls on that month's last day without drifting (the 31st gives Feb 28 or 29, Apr 30, then
// May 31 again), and YEARLY from Feb 29 falls on Feb 28 in common years.
//
// # Why not a library
//
// The one Go implementation of RFC 5545 recurrence, github.com/teambition/rrule-go (v1.8.2), has had no release
// since January 2023, repeats or drops an hour of local time across daylight saving changes (its issue #63, whose
// fixes are unmerged) because it steps instants rather than civil dates, and has neither the month-end clamping nor
// the anchoring on a completion that recurring tasks need: RFC 5545 skips the months that lack the 31st, and knows
// nothing of a task being done late or early. What is needed here is small (four frequencies, an interval, weekdays
// or one day of the month, count and until), so it is written out below and tested against a brute-force oracle.
//
// Callers must make the zone database available: a binary that may run without /usr/share/zoneinfo imports
// time/tzdata (cmd/server does).
package recur
