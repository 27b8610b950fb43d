package recur

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestDayNumberAgreesWithTime checks the arithmetic day count against the time package's over the whole range a
// DateTime holds, leap days and century years included.
func TestDayNumberAgreesWithTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(c civil) {
		if got, want := c.dayNumber(), int(c.midnight().Unix()/86400); got != want {
			t.Fatalf("dayNumber(%v) = %d, want %d", c, got, want)
		}
	}
	for _, c := range []civil{{1, 1, 1}, {1970, 1, 1}, {2000, 2, 29}, {1900, 3, 1}, {2100, 2, 28}, {9999, 12, 31}} {
		check(c)
	}
	for range 20000 {
		check(dateOf(time.Date(1+rng.IntN(9999), time.January, 1+rng.IntN(366), 0, 0, 0, 0, time.UTC)))
	}
}
