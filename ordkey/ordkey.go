// Package ordkey makes the keys of a list's manual order: ASCII strings whose byte order is the order of the
// list, so that a task can be put between two neighbours by writing that task alone.
//
// A key is an integer part followed by a fraction, both in base 62 with the digits 0-9, A-Z, a-z (in that order,
// which is their byte order). The integer part's first byte, its head, says how many digits follow: 'a' one, 'b'
// two, ... 'z' twenty-six for the integers from zero up; 'Z' one, 'Y' two, ... 'A' twenty-six below zero. Appending
// to a list increments the integer ("a0", "a1", ... "az", "b00"), so a list that only grows keeps keys of 2 to 5
// bytes; a key between two neighbours is the midpoint of their fractions ("a0" < "a0V" < "a1"). A fraction never
// ends in '0', so every position has exactly one key, and two keys compare as bytes exactly as their numbers
// compare. Both databases compare them so when the column compares bytes: PostgreSQL with COLLATE "C" (or bytea),
// SQLite with its default BINARY collation. See docs/ordering.md.
//
// Keys into one gap grow: each key between the same left neighbour and the key put there last halves the gap, about
// one byte for every six moves. No key is longer than MaxLen; a key that would be is refused with ErrTooLong, and
// the store then renumbers the list's keys (Sequence) in one statement and retries. In the worst case (every move
// into the same place) that is one renumbering in several hundred moves; random moves never reach it.
//
// No library is used: rocicorp's fracdex (the Go port of the scheme above, roci.dev/fracdex) is not served by the
// Go module proxy this project builds with, and it neither checks that a key's fraction holds only base-62 digits
// nor bounds a key's length; the Go LexoRank port looked at is not served either. The scheme is small enough to
// keep here, with its property and fuzz tests.
package ordkey

import (
	"errors"
	"fmt"
)

// MaxLen is the longest key in bytes. It bounds what a column, an index entry and a cursor carry; keys put into
// the same gap again and again reach it after several hundred moves, and then the list is renumbered.
const MaxLen = 128

// digits are the base-62 digits in byte order.
const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const base = len(digits)

// maxHead is the longest integer part: 'A' or 'z' and 26 digits.
const maxHead = 26

var (
	// ErrInvalid is returned, wrapped with the reason, for a string that is not a key.
	ErrInvalid = errors.New("ordkey: invalid key")
	// ErrOrder is returned by Between when its left key is not below its right one.
	ErrOrder = errors.New("ordkey: keys out of order")
	// ErrTooLong is returned when the key asked for would be longer than MaxLen: the caller renumbers the list
	// (Sequence) and asks again with the new neighbours.
	ErrTooLong = errors.New("ordkey: key too long, renumber the list")
)

// digitValue maps a byte to its base-62 value, or -1.
var digitValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := range len(digits) {
		v[digits[i]] = int8(i)
	}
	return v
}()

// smallestInt is the least integer part; the key made of it alone has nothing below it and is not valid.
var smallestInt = "A" + repeat('0', maxHead)

// Validate reports whether key is a key this package makes: nil, or an error wrapping ErrInvalid that says why.
// Keys read from input, the database or a cursor are validated before they are compared or used as neighbours.
func Validate(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalid)
	}
	if len(key) > MaxLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxLen)
	}
	n, ok := intLen(key[0])
	if !ok {
		return fmt.Errorf("%w: head %q is not a letter", ErrInvalid, key[0])
	}
	if len(key) < n {
		return fmt.Errorf("%w: head %q needs %d digits", ErrInvalid, key[0], n-1)
	}
	for i := 1; i < len(key); i++ {
		if digitValue[key[i]] < 0 {
			return fmt.Errorf("%w: byte %q at %d is not a base-62 digit", ErrInvalid, key[i], i)
		}
	}
	if len(key) > n && key[len(key)-1] == '0' {
		return fmt.Errorf("%w: fraction ends in 0", ErrInvalid)
	}
	if key == smallestInt {
		return fmt.Errorf("%w: the least integer has nothing below it", ErrInvalid)
	}
	return nil
}

// After returns the key right after key, the key of a task put at the end of a list whose last key is key. With
// key "", it returns the first key of an empty list. Errors: ErrInvalid for a malformed key, ErrTooLong (not in
// practice: the integers run out only after 62^26 appends).
func After(key string) (string, error) {
	return Between(key, "")
}

// Before returns a key right before key, for a task put at the top of a list whose first key is key. With key "",
// it returns the first key of an empty list. Errors as for After.
func Before(key string) (string, error) {
	return Between("", key)
}

// Between returns a key strictly between a and b in byte order. "" stands for an absent neighbour: a "" is before
// the first key, b "" after the last. Errors: ErrInvalid (wrapped) for a malformed a or b, ErrOrder when a is not
// below b (equal keys have no key between them: the list needs renumbering), ErrTooLong when the key would be
// longer than MaxLen.
func Between(a, b string) (string, error) {
	if a != "" {
		if err := Validate(a); err != nil {
			return "", err
		}
	}
	if b != "" {
		if err := Validate(b); err != nil {
			return "", err
		}
	}
	if a != "" && b != "" && a >= b {
		return "", fmt.Errorf("%w: %q is not below %q", ErrOrder, a, b)
	}
	k := between(a, b)
	if len(k) > MaxLen {
		return "", ErrTooLong
	}
	return k, nil
}

// between is Between on keys already valid and in order, with no bound on the length of its result.
func between(a, b string) string {
	switch {
	case a == "" && b == "":
		return "a0"
	case a == "":
		ib := b[:mustIntLen(b[0])]
		if ib == smallestInt {
			return midpoint(ib, "", b[len(ib):])
		}
		if ib < b {
			return ib // b has a fraction; its integer alone is below it
		}
		if prev := decrement(ib); prev != smallestInt {
			return prev
		}
		return midpoint(smallestInt, "", "") // smallestInt alone is not a key: nothing could go before it
	case b == "":
		ia := a[:mustIntLen(a[0])]
		if next, ok := increment(ia); ok {
			return next
		}
		return midpoint(ia, a[len(ia):], "")
	}
	ia := a[:mustIntLen(a[0])]
	ib := b[:mustIntLen(b[0])]
	if ia == ib {
		return midpoint(ia, a[len(ia):], b[len(ib):])
	}
	// ia < ib, so ia has a successor.
	if next, _ := increment(ia); next < b {
		return next
	}
	return midpoint(ia, a[len(ia):], "")
}

// midpoint returns the integer part ip followed by a fraction strictly between the fractions a and b, with no
// trailing '0'. "" as a is zero and as b is one; otherwise a < b and neither ends in '0'.
func midpoint(ip, a, b string) string {
	out := make([]byte, 0, len(ip)+max(len(a), len(b))+1)
	out = append(out, ip...)
	for {
		if b != "" {
			// Take the common prefix, reading a as padded with zeros.
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] {
				n++
			}
			for n >= len(a) && n < len(b) && b[n] == '0' {
				n++
			}
			out = append(out, b[:n]...)
			a = a[min(n, len(a)):]
			b = b[n:]
		}
		da, db := 0, base
		if a != "" {
			da = int(digitValue[a[0]])
		}
		if b != "" {
			db = int(digitValue[b[0]])
		}
		if db-da > 1 {
			return string(append(out, digits[(da+db+1)/2]))
		}
		// The first digits are consecutive.
		if len(b) > 1 {
			return string(append(out, b[0])) // b's first digit alone is above a and below b
		}
		out = append(out, digits[da])
		if a != "" {
			a = a[1:]
		}
		b = ""
	}
}

// intLen is the length of the integer part, head included, that head announces.
func intLen(head byte) (int, bool) {
	switch {
	case head >= 'a' && head <= 'z':
		return int(head-'a') + 2, true
	case head >= 'A' && head <= 'Z':
		return int('Z'-head) + 2, true
	}
	return 0, false
}

func mustIntLen(head byte) int {
	n, _ := intLen(head)
	return n
}

// increment returns the integer part after i, or false after the greatest one.
func increment(i string) (string, bool) {
	head, ds := i[0], []byte(i[1:])
	for j := len(ds) - 1; j >= 0; j-- {
		if ds[j] != digits[base-1] {
			ds[j] = digits[digitValue[ds[j]]+1]
			return string(head) + string(ds), true
		}
		ds[j] = digits[0]
	}
	// Every digit carried: the next integer has another head.
	switch head {
	case 'Z':
		return "a0", true // from -1 to 0
	case 'z':
		return "", false
	}
	head++
	if head >= 'a' {
		return string(head) + string(ds) + "0", true // one digit more: "az" + 1 is "b00"
	}
	return string(head) + string(ds[1:]), true // below zero, one digit less: "Yzz" + 1 is "Z0"
}

// decrement returns the integer part before i; i is not smallestInt.
func decrement(i string) string {
	head, ds := i[0], []byte(i[1:])
	for j := len(ds) - 1; j >= 0; j-- {
		if ds[j] != digits[0] {
			ds[j] = digits[digitValue[ds[j]]-1]
			return string(head) + string(ds)
		}
		ds[j] = digits[base-1]
	}
	if head == 'a' {
		return "Zz" // from 0 to -1
	}
	head--
	if head <= 'Z' {
		return string(head) + string(ds) + "z" // one digit more: "Z0" - 1 is "Yzz"
	}
	return string(head) + string(ds[1:]) // "b00" - 1 is "az"
}

// Sequence returns n keys in ascending order, the first n keys of a list that only grew at its end ("a0", "a1",
// ...): for numbering the tasks of existing lists, and for renumbering a list whose keys reached MaxLen. For n up
// to 15,018,570 no key is longer than 5 bytes. It returns nil for n <= 0.
func Sequence(n int) []string {
	if n <= 0 {
		return nil
	}
	keys := make([]string, n)
	k := "a0"
	for i := range keys {
		keys[i] = k
		k, _ = increment(k)
	}
	return keys
}

// BetweenN returns n keys in ascending order strictly between a and b ("" for an absent neighbour, as in
// Between), spread so that they stay short: for putting several tasks at one place at once. Errors as for Between;
// ErrTooLong when any of them would be longer than MaxLen.
func BetweenN(a, b string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	first, err := Between(a, b) // validates a and b
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, n)
	switch {
	case b == "":
		for k := first; len(keys) < n; k = between(k, "") {
			keys = append(keys, k)
		}
	case a == "":
		for k := first; len(keys) < n; k = between("", k) {
			keys = append(keys, k)
		}
		for i, j := 0, len(keys)-1; i < j; i, j = i+1, j-1 {
			keys[i], keys[j] = keys[j], keys[i]
		}
	default:
		keys = spread(keys, a, b, first, n)
	}
	for _, k := range keys {
		if len(k) > MaxLen {
			return nil, ErrTooLong
		}
	}
	return keys, nil
}

// spread appends n keys between a and b to keys by halving: mid is between(a, b).
func spread(keys []string, a, b, mid string, n int) []string {
	if n == 0 {
		return keys
	}
	left := (n - 1) / 2
	if left > 0 {
		keys = spread(keys, a, mid, between(a, mid), left)
	}
	keys = append(keys, mid)
	if right := n - 1 - left; right > 0 {
		keys = spread(keys, mid, b, between(mid, b), right)
	}
	return keys
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
