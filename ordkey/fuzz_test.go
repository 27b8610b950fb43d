package ordkey_test

import (
	"errors"
	"strings"
	"testing"

	"taskapi/ordkey"
)

// seeds are keys and near-keys: valid ones of every shape, and the malformed ones a client could put in a cursor.
var seeds = []string{
	"", "a0", "a1", "a0V", "az", "b00", "b0z", "Zz", "Z0", "Yzz", "a001", "a0zzzz",
	"zzzzzzzzzzzzzzzzzzzzzzzzzzz", "A000000000000000000000000001", "A000000000000000000000000000",
	"a", "b0", "a00", "0a", "a0-", "a0é", "a0\x00", "a0 ", "a.", "\xff", "Zz\xff",
	"a" + strings.Repeat("V", ordkey.MaxLen-1), "a" + strings.Repeat("V", ordkey.MaxLen),
}

// FuzzValidate holds that Validate never panics, and that for a valid key After and Before give valid keys on the
// right side of it.
func FuzzValidate(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ordkey.Validate(s)
		if err != nil {
			if !errors.Is(err, ordkey.ErrInvalid) {
				t.Fatalf("Validate(%q) = %v, not ErrInvalid", s, err)
			}
			return
		}
		for _, c := range []byte(s) {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				t.Fatalf("Validate accepted %q with byte %q", s, c)
			}
		}
		if next, err := ordkey.After(s); err == nil {
			if !(s < next) || ordkey.Validate(next) != nil {
				t.Fatalf("After(%q) = %q", s, next)
			}
		} else if !errors.Is(err, ordkey.ErrTooLong) {
			t.Fatalf("After(%q): %v", s, err)
		}
		if prev, err := ordkey.Before(s); err == nil {
			if !(prev < s) || ordkey.Validate(prev) != nil {
				t.Fatalf("Before(%q) = %q", s, prev)
			}
		} else if !errors.Is(err, ordkey.ErrTooLong) {
			t.Fatalf("Before(%q): %v", s, err)
		}
	})
}

// FuzzBetween holds that Between never panics and, for two valid keys in order, gives a valid key strictly between
// them and at most a byte longer than the longer of them, or ErrTooLong only when one of them is MaxLen long.
func FuzzBetween(f *testing.F) {
	for _, a := range seeds {
		for _, b := range seeds {
			if a < b {
				f.Add(a, b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		k, err := ordkey.Between(a, b)
		aValid := a == "" || ordkey.Validate(a) == nil
		bValid := b == "" || ordkey.Validate(b) == nil
		switch {
		case !aValid || !bValid:
			if !errors.Is(err, ordkey.ErrInvalid) {
				t.Fatalf("Between(%q, %q) = %q, %v; want ErrInvalid", a, b, k, err)
			}
		case a != "" && b != "" && a >= b:
			if !errors.Is(err, ordkey.ErrOrder) {
				t.Fatalf("Between(%q, %q) = %q, %v; want ErrOrder", a, b, k, err)
			}
		case errors.Is(err, ordkey.ErrTooLong):
			if max(len(a), len(b)) < ordkey.MaxLen {
				t.Fatalf("Between(%q, %q): ErrTooLong for short keys", a, b)
			}
		case err != nil:
			t.Fatalf("Between(%q, %q): %v", a, b, err)
		default:
			if verr := ordkey.Validate(k); verr != nil {
				t.Fatalf("Between(%q, %q) = %q: %v", a, b, k, verr)
			}
			if a != "" && !(a < k) || b != "" && !(k < b) {
				t.Fatalf("Between(%q, %q) = %q, not strictly between", a, b, k)
			}
			// A key is one byte longer than the longer neighbour at most; that is what makes MaxLen a bound.
			if len(k) > max(len(a), len(b), 1)+1 {
				t.Fatalf("Between(%q, %q) = %q: longer than its neighbours by more than a byte", a, b, k)
			}
		}
	})
}
