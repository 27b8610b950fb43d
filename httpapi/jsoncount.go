package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
)

// countJSONValues counts the values of one JSON document the way countValues counts decoded ones (each element of
// a list and each member of an object one, the outermost value not counted) without building any of them, and stops
// as soon as the count passes max. The transport counts variables and extensions so before decoding them: decoding
// half a million zeros into []any costs 170 ms and 30 MB before any limit could look at it. err is the syntax error,
// if the count got as far as one.
func countJSONValues(raw []byte, max int) (n int, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers are not converted, just passed over
	type frame struct{ object, expectKey bool }
	var stack []frame
	n = -1
	for n <= max {
		tok, err := dec.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			top := &stack[len(stack)-1]
			if top.expectKey { // a member's name, not a value
				top.expectKey = false
				continue
			}
			top.expectKey = true
		}
		n++
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', expectKey: d == '{'})
		}
	}
	return n, nil
}
