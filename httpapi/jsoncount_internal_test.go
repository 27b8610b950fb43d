package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCountJSONValuesMatchesCountValues: counting the text gives what counting the decoded value gives, and stops
// once past the limit.
func TestCountJSONValuesMatchesCountValues(t *testing.T) {
	for _, doc := range []string{
		`{}`, `{"a":1}`, `{"a":[1,2,{"b":"c","d":[]}],"e":null,"f":{"g":{"h":true}}}`,
		`{"input":{"title":"x","tags":["a","b","c"],"dueAt":"2026-12-01T00:00:00Z"}}`, `[1,[2,[3]]]`,
		`{"k":"{\"not\":\"a value\"}","l":"]"}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		want := countValues(v, 1000)
		got, err := countJSONValues([]byte(doc), 1000)
		if err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", doc, got, err, want)
		}
	}
	zeros := "[" + strings.Repeat("0,", 100000) + "0]"
	if n, _ := countJSONValues([]byte(`{"z":`+zeros+`}`), 1000); n != 1001 {
		t.Errorf("count of a long list = %d, want it to stop at 1001", n)
	}
	if _, err := countJSONValues([]byte(`{"a":}`), 1000); err == nil {
		t.Error("no syntax error")
	}
}
