package main

import (
	"strings"
	"testing"
	"time"
)

func TestCompareFlags(t *testing.T) {
	c, err := parseFlags([]string{"-compare", "2f48cbf"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Compare != "2f48cbf" || c.CompareRounds != 6 || c.Duration != 10*time.Second || c.Warmup != time.Second ||
		c.Users != 100 || c.Tasks != 1000 || c.Concurrency != 32 {
		t.Errorf("-compare: rounds %d, duration %s, warmup %s, users %d, tasks %d, concurrency %d",
			c.CompareRounds, c.Duration, c.Warmup, c.Users, c.Tasks, c.Concurrency)
	}
	c, err = parseFlags([]string{"-compare", "2f48cbf", "-smoke"})
	if err != nil {
		t.Fatal(err)
	}
	// Two builds, one of another tree: the smoke's own two minutes are too few on a busy machine.
	if c.CompareRounds != 2 || c.Duration != time.Second || c.Users != 4 || c.Tasks != 50 || c.Timeout != 5*time.Minute {
		t.Errorf("-compare -smoke: rounds %d, duration %s, users %d, tasks %d, timeout %s",
			c.CompareRounds, c.Duration, c.Users, c.Tasks, c.Timeout)
	}
	if c, _ := parseFlags([]string{"-compare", "HEAD~1", "-smoke", "-duration", "3s", "-compare-rounds", "4"}); c.Duration != 3*time.Second || c.CompareRounds != 4 {
		t.Errorf("explicit flags lost: duration %s, rounds %d", c.Duration, c.CompareRounds)
	}
	for _, args := range [][]string{{"-compare", "x", "-many"}, {"-compare", "x", "-soak"}, {"-compare", "x", "-live"}} {
		if _, err := parseFlags(args); err == nil || !strings.Contains(err.Error(), "separate runs") {
			t.Errorf("%v: %v, want the separate-runs error", args, err)
		}
	}
	if _, err := parseFlags([]string{"-compare-compact"}); err == nil {
		t.Error("-compare-compact accepted without -compare")
	}
	if c, err := parseFlags([]string{"-compare", "HEAD~1", "-compare-compact"}); err != nil || !c.CompareCompact ||
		!strings.Contains(compareFlags(c), "-compare-compact") {
		t.Errorf("-compare-compact: %+v, %v", c.CompareCompact, err)
	}
	if _, err := parseFlags([]string{"-compare", "x", "-compare-rounds", "0"}); err == nil {
		t.Error("-compare-rounds 0 accepted")
	}
}

func TestMedianOf(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	odd := medianOf([]compareSample{{Rate: 3, P50: ms(30)}, {Rate: 1, P50: ms(10)}, {Rate: 2, P50: ms(50)}})
	if odd.Rate != 2 || odd.P50 != ms(30) {
		t.Errorf("odd: rate %v, p50 %s; want each field's own median, 2 and 30ms", odd.Rate, odd.P50)
	}
	even := medianOf([]compareSample{{Rate: 4, ServerCPU: ms(4)}, {Rate: 1, ServerCPU: ms(1)}, {Rate: 2, ServerCPU: ms(2)}, {Rate: 10, ServerCPU: ms(10)}})
	if even.Rate != 3 || even.ServerCPU != ms(3) {
		t.Errorf("even: rate %v, server CPU %s; want the mean of the middle two, 3 and 3ms", even.Rate, even.ServerCPU)
	}
	if (medianOf(nil) != compareSample{}) {
		t.Error("no samples: want zero")
	}
	if r := newOver(ms(11), ms(10)); r < 1.099 || r > 1.101 {
		t.Errorf("newOver(11ms, 10ms) = %v", r)
	}
	if newOver(1.0, 0.0) != 0 {
		t.Error("newOver with old 0: want 0")
	}
}
