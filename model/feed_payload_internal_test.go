package model

import (
	"fmt"
	"slices"
	"testing"
)

// TestFeedPayload: a write's notification names the users whose feeds moved, as long as they fit well within
// PostgreSQL's 8000 bytes; past that, and for a payload that is not a list of ids (an older instance's empty one),
// a listener looks at everyone.
func TestFeedPayload(t *testing.T) {
	users := []string{"alice", `bob "the" builder`, "ünï,cødé"}
	p := feedPayload(users)
	got, all := parseFeedPayload(p)
	if all || !slices.Equal(got, users) {
		t.Errorf("%q read back as %q, all %v", p, got, all)
	}
	var many []string
	for i := range 200 {
		many = append(many, fmt.Sprintf("user-%036d", i))
	}
	if p := feedPayload(many); p != "" {
		t.Errorf("200 long ids: a payload of %d bytes, want none", len(p))
	}
	for _, p := range []string{"", "[]", "not json", `{"a":1}`} {
		if got, all := parseFeedPayload(p); !all || got != nil {
			t.Errorf("%q read as %q, all %v; want all", p, got, all)
		}
	}
}

// TestFeedWatchBound: a watch keeps at most maxWatchedMoves users between two reads; past that, and after a cue
// that names nobody, it says "everyone" once, then names users again.
func TestFeedWatchBound(t *testing.T) {
	w := newFeedWatch()
	w.add([]string{"a", "b"}, false)
	w.add([]string{"b"}, false)
	if got, all := w.Moved(); all || len(got) != 2 {
		t.Errorf("Moved = %q, %v; want a and b", got, all)
	}
	for i := range maxWatchedMoves + 1 {
		w.add([]string{fmt.Sprint(i)}, false)
	}
	if got, all := w.Moved(); !all || got != nil {
		t.Errorf("past the bound: %d users, all %v; want all", len(got), all)
	}
	w.add([]string{"c"}, false)
	w.add(nil, true)
	w.add([]string{"d"}, false)
	if _, all := w.Moved(); !all {
		t.Error("after a cue naming nobody: not all")
	}
	w.add([]string{"e"}, false)
	if got, all := w.Moved(); all || !slices.Equal(got, []string{"e"}) {
		t.Errorf("Moved = %q, %v; want e", got, all)
	}
}
