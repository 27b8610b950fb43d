package scalar

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
)

// A task's global id is base64url("Task:" + UUID), unpadded: opaque to clients, unique across every type node serves,
// and decodable without a database round trip. Only the canonical spelling of an id is accepted, so each task has
// exactly one id.
const taskIDPrefix = "Task:"

// taskIDLen is the length of a task's global id: the prefix and a UUID's 36 characters, base64url-encoded.
const taskIDLen = ((len(taskIDPrefix)+36)*8 + 5) / 6

// encodeTaskID writes the global id of the task id into dst, which has room for taskIDLen bytes.
func encodeTaskID(dst *[taskIDLen]byte, id uuid.UUID) {
	var raw [len(taskIDPrefix) + 36]byte
	copy(raw[:], taskIDPrefix)
	encodeUUID(raw[len(taskIDPrefix):], id)
	base64.RawURLEncoding.Encode(dst[:], raw[:])
}

// encodeUUID writes id's canonical 36-character form into dst, as uuid.UUID.String does, without allocating.
func encodeUUID(dst []byte, id uuid.UUID) {
	const hex = "0123456789abcdef"
	j := 0
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hex[c>>4], hex[c&0x0f]
		j += 2
	}
}

// TaskID returns the global id of the task id.
func TaskID(id uuid.UUID) string {
	var b [taskIDLen]byte
	encodeTaskID(&b, id)
	return string(b[:])
}

// ParseTaskID returns the task UUID behind a global id. ok is false for anything that is not the canonical id of a
// task; callers treat that exactly like a task that does not exist.
func ParseTaskID(id string) (uuid.UUID, bool) {
	if len(id) != taskIDLen {
		return uuid.UUID{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return uuid.UUID{}, false
	}
	s, found := strings.CutPrefix(string(raw), taskIDPrefix)
	if !found {
		return uuid.UUID{}, false
	}
	u, err := uuid.Parse(s)
	if err != nil || TaskID(u) != id {
		return uuid.UUID{}, false
	}
	return u, true
}

// MarshalTaskID writes a task's UUID as its global id. Bound to the ID fields whose Go value is a uuid.UUID (a
// task's id, and through a pointer its series id), it lets gqlgen write them as plain fields of the object instead of resolver fields, which it would
// run as concurrent work for each task of a page.
func MarshalTaskID(id uuid.UUID) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var b [taskIDLen + 2]byte
		b[0], b[taskIDLen+1] = '"', '"' // base64url needs no JSON escaping
		encodeTaskID((*[taskIDLen]byte)(b[1:taskIDLen+1]), id)
		_, _ = w.Write(b[:])
	})
}

// UnmarshalTaskID reads a task's global id, for an ID input bound to a uuid.UUID. An id that is not a task's is an
// error naming no more than that.
func UnmarshalTaskID(v any) (uuid.UUID, error) {
	s, ok := v.(string)
	if !ok {
		return uuid.UUID{}, fmt.Errorf("an ID must be a string, not %T", v)
	}
	id, ok := ParseTaskID(s)
	if !ok {
		return uuid.UUID{}, fmt.Errorf("%q is not a task id", s)
	}
	return id, nil
}
