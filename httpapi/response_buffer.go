package httpapi

import (
	"bytes"
	"sync"
)

// responseBuffers holds the buffers the transport lends each query and mutation to encode its result in
// (graph.WithResponseBuffer), so that the result's JSON does not grow a new buffer by doubling for every operation.
// A buffer is lent by execute and taken back by giveBack once the response is written; it never leaves this package
// otherwise, and graph keeps none of it.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledResponse bounds the buffers kept for reuse: one that grew for a rare large response is left to the
// collector rather than kept in every pool slot.
const maxPooledResponse = 64 << 10

// lendBuffer returns an empty buffer to encode one result in.
func lendBuffer() *bytes.Buffer {
	buf := responseBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

// giveBack takes back buffers that lendBuffer lent, once the responses encoded in them are written and kept nowhere
// else. A nil buffer (an operation that was never executed) is skipped.
func giveBack(bufs ...*bytes.Buffer) {
	for _, buf := range bufs {
		if buf != nil && buf.Cap() <= maxPooledResponse {
			responseBuffers.Put(buf)
		}
	}
}
