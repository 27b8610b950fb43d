package graph

import (
	"regexp"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds on what an error message may repeat of the client's text. gqlparser quotes what it could not make sense of
// ("Cannot query field \"...\" on type \"Query\"", "Unexpected Name \"...\""), whatever its length: a 32 KB unknown
// field name came back as a 32 KB message, once per message sent, which made every refused request an amplifier.
const (
	maxQuotedBytes  = 64   // of one quoted name; the schema's own names are far shorter
	maxMessageBytes = 1024 // of the whole message
)

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// BoundMessage shortens a message to at most about maxMessageBytes, with each quoted run cut to maxQuotedBytes and
// marked with "…", so that no error repeats unbounded client text. A message within the bounds is returned as it is.
func BoundMessage(msg string) string {
	if len(msg) <= maxQuotedBytes && len(msg) <= maxMessageBytes {
		return msg
	}
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) <= maxQuotedBytes+2 {
			return q
		}
		return `"` + cutUTF8(q[1:], maxQuotedBytes) + `…"`
	})
	if len(msg) > maxMessageBytes {
		msg = cutUTF8(msg, maxMessageBytes) + "…"
	}
	return msg
}

// BoundMessages applies BoundMessage to each error's message in place.
func BoundMessages(errs gqlerror.List) {
	for _, e := range errs {
		if e != nil {
			e.Message = BoundMessage(e.Message)
		}
	}
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not split a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
