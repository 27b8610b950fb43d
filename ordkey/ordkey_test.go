package ordkey_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"taskapi/ordkey"
)

func TestBetweenKnownKeys(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"FirstOfEmptyList", "", "", "a0"},
		{"AfterIncrementsTheInteger", "a0", "", "a1"},
		{"AfterDropsTheFraction", "a0V", "", "a1"},
		{"AfterCarriesIntoALongerInteger", "az", "", "b00"},
		{"AfterFromMinusOneToZero", "Zz", "", "a0"},
		{"AfterBelowZeroCarriesIntoAShorterInteger", "Yzz", "", "Z0"},
		{"BeforeFromZeroToMinusOne", "", "a0", "Zz"},
		{"BeforeTakesTheIntegerOfAFraction", "", "a0V", "a0"},
		{"BeforeBorrowsIntoALongerInteger", "", "Z0", "Yzz"},
		{"BeforeBorrowsIntoAShorterInteger", "", "b00", "az"},
		{"BetweenAdjacentIntegers", "a0", "a1", "a0V"},
		{"BetweenIntegersWithRoom", "a0", "a2", "a1"},
		{"BetweenAFractionAndTheNextInteger", "a0V", "a1", "a0l"},
		{"BetweenFractions", "a0V", "a0l", "a0d"},
		{"BetweenConsecutiveDigits", "a0V", "a0W", "a0VV"},
		{"BelowAFractionOfZeros", "a0", "a001", "a000V"},
		{"BetweenTheLastDigitAndTheNextInteger", "a0z", "a1", "a0zV"},
		{"BelowTheSecondLeastInteger", "", "A00000000000000000000000001", "A00000000000000000000000000V"},
		{"BelowTheLeastInteger", "", "A000000000000000000000000001", "A000000000000000000000000000V"},
		{"AfterTheGreatestInteger", "zzzzzzzzzzzzzzzzzzzzzzzzzzz", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzzV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ordkey.Between(tt.a, tt.b)
			if err != nil {
				t.Fatalf("Between(%q, %q): %v", tt.a, tt.b, err)
			}
			if got != tt.want {
				t.Fatalf("Between(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
			}
			if tt.a != "" && !(tt.a < got) || tt.b != "" && !(got < tt.b) {
				t.Fatalf("Between(%q, %q) = %q is not strictly between them", tt.a, tt.b, got)
			}
		})
	}
}

func TestAfterAndBefore(t *testing.T) {
	if k, err := ordkey.After(""); err != nil || k != "a0" {
		t.Fatalf(`After("") = %q, %v; want "a0"`, k, err)
	}
	if k, err := ordkey.Before(""); err != nil || k != "a0" {
		t.Fatalf(`Before("") = %q, %v; want "a0"`, k, err)
	}
	if k, err := ordkey.After("b0z"); err != nil || k != "b10" {
		t.Fatalf(`After("b0z") = %q, %v; want "b10"`, k, err)
	}
	if k, err := ordkey.Before("b10"); err != nil || k != "b0z" {
		t.Fatalf(`Before("b10") = %q, %v; want "b0z"`, k, err)
	}
}

func TestValidate(t *testing.T) {
	valid := []string{"a0", "a0V", "Zz", "b00", "zzzzzzzzzzzzzzzzzzzzzzzzzzz", "A000000000000000000000000001",
		"a" + strings.Repeat("1", ordkey.MaxLen-1)}
	for _, k := range valid {
		if err := ordkey.Validate(k); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", k, err)
		}
	}
	invalid := map[string]string{
		"Empty":                "",
		"NoDigitAfterHead":     "a",
		"IntegerTooShort":      "b0",
		"HeadNotALetter":       "0a",
		"FractionEndsInZero":   "a00",
		"NotABase62Digit":      "a0-",
		"NotASCII":             "a0é",
		"NulByte":              "a0\x00",
		"TheLeastIntegerAlone": "A000000000000000000000000000",
		"LongerThanMaxLen":     "a" + strings.Repeat("1", ordkey.MaxLen),
		"SpaceIsNotADigit":     "a0 ",
		"PunctuationAfterHead": "a.",
	}
	for name, k := range invalid {
		t.Run(name, func(t *testing.T) {
			err := ordkey.Validate(k)
			if !errors.Is(err, ordkey.ErrInvalid) {
				t.Fatalf("Validate(%q) = %v, want ErrInvalid", k, err)
			}
			if _, err := ordkey.Between(k, ""); k != "" && !errors.Is(err, ordkey.ErrInvalid) {
				t.Fatalf("Between(%q, \"\") = %v, want ErrInvalid", k, err)
			}
			if _, err := ordkey.Between("", k); k != "" && !errors.Is(err, ordkey.ErrInvalid) {
				t.Fatalf("Between(\"\", %q) = %v, want ErrInvalid", k, err)
			}
		})
	}
}

func TestBetweenRefusesKeysOutOfOrder(t *testing.T) {
	for _, ab := range [][2]string{{"a0", "a0"}, {"a1", "a0"}, {"a0V", "a0"}, {"b00", "az"}} {
		if _, err := ordkey.Between(ab[0], ab[1]); !errors.Is(err, ordkey.ErrOrder) {
			t.Errorf("Between(%q, %q) = %v, want ErrOrder", ab[0], ab[1], err)
		}
	}
}

func TestBetweenRefusesKeysLongerThanMaxLen(t *testing.T) {
	// Two keys of MaxLen bytes whose fractions differ in the last digit: the key between them needs one more byte.
	a := "a" + strings.Repeat("5", ordkey.MaxLen-2) + "1"
	b := "a" + strings.Repeat("5", ordkey.MaxLen-2) + "2"
	if _, err := ordkey.Between(a, b); !errors.Is(err, ordkey.ErrTooLong) {
		t.Fatalf("Between of two adjacent keys of MaxLen bytes = %v, want ErrTooLong", err)
	}
}

func TestSequence(t *testing.T) {
	if got := ordkey.Sequence(0); got != nil {
		t.Fatalf("Sequence(0) = %q, want nil", got)
	}
	keys := ordkey.Sequence(300_000)
	if len(keys) != 300_000 {
		t.Fatalf("Sequence(300000) has %d keys", len(keys))
	}
	if keys[0] != "a0" || keys[61] != "az" || keys[62] != "b00" || keys[3906] != "c000" {
		t.Fatalf("Sequence starts %q ... %q %q ... %q", keys[0], keys[61], keys[62], keys[3906])
	}
	if keys[242233] != "czzz" || keys[242234] != "d0000" {
		t.Fatalf("Sequence's keys grow to 5 bytes at %q, %q; want czzz, d0000", keys[242233], keys[242234])
	}
	for i, k := range keys {
		if err := ordkey.Validate(k); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if len(k) > 5 {
			t.Fatalf("key %d is %q, longer than 5 bytes", i, k)
		}
		if i > 0 && !(keys[i-1] < k) {
			t.Fatalf("keys %d and %d out of order: %q, %q", i-1, i, keys[i-1], k)
		}
		// Appending after the last key gives the next key of the sequence.
		if i > 0 && i%997 == 0 {
			if next, err := ordkey.After(keys[i-1]); err != nil || next != k {
				t.Fatalf("After(%q) = %q, %v; want %q", keys[i-1], next, err, k)
			}
		}
	}
}

func TestBetweenN(t *testing.T) {
	for _, ab := range [][2]string{{"", ""}, {"a5", ""}, {"", "a5"}, {"a5", "a6"}, {"a5", "a5V"}, {"Zz", "b00"}} {
		for _, n := range []int{1, 2, 7, 62, 1000} {
			keys, err := ordkey.BetweenN(ab[0], ab[1], n)
			if err != nil {
				t.Fatalf("BetweenN(%q, %q, %d): %v", ab[0], ab[1], n, err)
			}
			if len(keys) != n {
				t.Fatalf("BetweenN(%q, %q, %d) gave %d keys", ab[0], ab[1], n, len(keys))
			}
			all := append(append([]string{ab[0]}, keys...), ab[1])
			checkStrictOrder(t, all[1:len(all)-1])
			if ab[0] != "" && !(ab[0] < keys[0]) || ab[1] != "" && !(keys[n-1] < ab[1]) {
				t.Fatalf("BetweenN(%q, %q, %d) = %q ... %q, not between them", ab[0], ab[1], n, keys[0], keys[n-1])
			}
			// Spread by halving, 1000 keys in a narrow gap take a few bytes more than the gap's keys.
			for _, k := range keys {
				if len(k) > max(len(ab[0]), len(ab[1]), 2)+4 {
					t.Fatalf("BetweenN(%q, %q, %d) made %q: too long", ab[0], ab[1], n, k)
				}
			}
		}
	}
	if keys, err := ordkey.BetweenN("a1", "a0", 3); !errors.Is(err, ordkey.ErrOrder) {
		t.Fatalf("BetweenN out of order = %q, %v; want ErrOrder", keys, err)
	}
}

// checkStrictOrder fails unless every key is valid and each is below the next in byte order (so no two are equal).
func checkStrictOrder(t *testing.T, keys []string) {
	t.Helper()
	for i, k := range keys {
		if err := ordkey.Validate(k); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if i > 0 && !(keys[i-1] < k) {
			t.Fatalf("keys %d and %d are not in strict order: %q, %q", i-1, i, keys[i-1], k)
		}
	}
	if !slices.IsSorted(keys) {
		t.Fatal("keys are not sorted")
	}
}

// list is a list's manual order as the store keeps it: keys in ascending order, one per task. Putting a task
// somewhere writes its key alone, unless the key would be longer than ordkey.MaxLen: then every key is renumbered
// at once with ordkey.Sequence, as the store does in one statement.
type list struct {
	t         *testing.T
	keys      []string
	between   func(a, b string) (string, error)
	renumbers int
	longest   int
	sinceLast int // moves since the last renumbering
	fewestRun int // fewest moves between two renumberings
}

func newList(t *testing.T, n int, between func(a, b string) (string, error)) *list {
	return &list{t: t, keys: ordkey.Sequence(n), between: between, fewestRun: -1}
}

// put inserts a new key at index i (0 to len): right after keys[i-1] and right before keys[i].
func (l *list) put(i int) {
	l.t.Helper()
	var a, b string
	if i > 0 {
		a = l.keys[i-1]
	}
	if i < len(l.keys) {
		b = l.keys[i]
	}
	k, err := l.between(a, b)
	if errors.Is(err, ordkey.ErrTooLong) {
		l.keys = ordkey.Sequence(len(l.keys))
		l.renumbers++
		if l.fewestRun < 0 || l.sinceLast < l.fewestRun {
			l.fewestRun = l.sinceLast
		}
		l.sinceLast = 0
		l.put(i)
		return
	}
	if err != nil {
		l.t.Fatalf("Between(%q, %q): %v", a, b, err)
	}
	// Unbounded keys past MaxLen are not valid by definition; all others must be.
	if err := ordkey.Validate(k); err != nil && len(k) <= ordkey.MaxLen {
		l.t.Fatalf("Between(%q, %q) = %q: %v", a, b, k, err)
	}
	if a != "" && !(a < k) || b != "" && !(k < b) {
		l.t.Fatalf("Between(%q, %q) = %q, not strictly between", a, b, k)
	}
	l.keys = slices.Insert(l.keys, i, k)
	l.longest = max(l.longest, len(k))
	l.sinceLast++
}

// move takes the task at from out of the list and puts it at index to of what remains.
func (l *list) move(from, to int) {
	l.t.Helper()
	l.keys = slices.Delete(l.keys, from, from+1)
	l.put(to)
}

func (l *list) check() {
	l.t.Helper()
	for i := 1; i < len(l.keys); i++ {
		if !(l.keys[i-1] < l.keys[i]) {
			l.t.Fatalf("keys %d and %d are not in strict order: %q, %q", i-1, i, l.keys[i-1], l.keys[i])
		}
	}
}

// hotSpot moves random tasks, moves times, always right after the task hot: the worst case for fractional keys,
// each key halving the same gap.
func (l *list) hotSpot(rng *rand.Rand, hot, moves int) {
	l.t.Helper()
	for range moves {
		from := rng.IntN(len(l.keys) - 1)
		if from >= hot {
			from++ // any task but hot itself
		}
		if from < hot {
			hot--
		}
		l.move(from, hot+1)
	}
	l.check()
}

const worstCaseMoves = 100_000

// TestWorstCaseUnbounded measures plain fractional indexing, with no bound and no renumbering, under 100,000
// random moves into one place: keys grow linearly, which is why MaxLen and renumbering exist.
func TestWorstCaseUnbounded(t *testing.T) {
	unbounded := func(a, b string) (string, error) { return ordkey.BetweenUnbounded(a, b), nil }
	l := newList(t, 200, unbounded)
	l.hotSpot(rand.New(rand.NewPCG(1, 2)), 100, worstCaseMoves)
	t.Logf("unbounded: longest key after %d random moves into one place: %d bytes", worstCaseMoves, l.longest)
	// About log2(62) = 5.95 halvings fit in a byte: 100,000 moves need more than 15,000 bytes.
	if l.longest < 15_000 {
		t.Fatalf("longest unbounded key is %d bytes; the worst case should grow linearly", l.longest)
	}
}

// TestWorstCaseBounded is the same worst case with MaxLen: no key is ever longer, the list stays in strict order,
// and renumbering is rare: it takes hundreds of moves into the same gap to need one.
func TestWorstCaseBounded(t *testing.T) {
	l := newList(t, 1000, ordkey.Between)
	l.hotSpot(rand.New(rand.NewPCG(3, 4)), 500, worstCaseMoves)
	t.Logf("bounded: longest key after %d random moves into one place: %d bytes, %d renumberings, fewest moves between two: %d",
		worstCaseMoves, l.longest, l.renumbers, l.fewestRun)
	if l.longest > ordkey.MaxLen {
		t.Fatalf("a key of %d bytes is longer than MaxLen", l.longest)
	}
	if l.renumbers == 0 {
		t.Fatal("no renumbering: the worst case should reach MaxLen")
	}
	// From keys of 3 bytes to MaxLen, each move halving the gap: (128 - 4) * 5.95 = 737 moves.
	if l.fewestRun < 700 {
		t.Fatalf("a renumbering after only %d moves", l.fewestRun)
	}
	if l.renumbers > worstCaseMoves/700 {
		t.Fatalf("%d renumberings in %d moves", l.renumbers, worstCaseMoves)
	}
}

// TestRandomOperations runs a seeded random mix of what the store does: new tasks at the end, at the top and after
// a random task, moves between random neighbours, moves into one hot place, and deletions; after each one the list
// is in strict order. Random moves keep keys short: the mix never needs a renumbering.
func TestRandomOperations(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 99))
		l := newList(t, 0, ordkey.Between)
		for op := range 100_000 {
			n := len(l.keys)
			switch r := rng.IntN(100); {
			case n == 0 || r < 20:
				l.put(n) // at the end
			case r < 25:
				l.put(0) // at the top
			case r < 40:
				l.put(rng.IntN(n + 1)) // after a random task
			case r < 75:
				l.move(rng.IntN(n), rng.IntN(n))
			case r < 80:
				// Into one place: right after the task in the middle.
				hot := n / 2
				from := rng.IntN(n)
				if from == hot {
					break
				}
				if from < hot {
					hot--
				}
				l.move(from, hot+1)
			default:
				i := rng.IntN(n)
				l.keys = slices.Delete(l.keys, i, i+1)
			}
			if op%5000 == 0 {
				l.check()
			}
		}
		l.check()
		t.Logf("seed %d: %d tasks, longest key %d bytes, %d renumberings", seed, len(l.keys), l.longest, l.renumbers)
		if l.renumbers != 0 {
			t.Fatalf("seed %d: %d renumberings in a random mix", seed, l.renumbers)
		}
	}
}

func BenchmarkBetweenHotSpot(b *testing.B) {
	keys := ordkey.Sequence(2)
	lo, hi := keys[0], keys[1]
	for b.Loop() {
		k, err := ordkey.Between(lo, hi)
		if errors.Is(err, ordkey.ErrTooLong) {
			hi = keys[1]
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		hi = k
	}
}
