package graph

import (
	"bytes"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// The JSON of a query's or a mutation's result is encoded into a buffer that gqlgen's Exec used to make new for
// every operation and grow by doubling, from 64 bytes past the response's size: the 6 KB of a dashboard read's
// page of tasks took 18 KB, a ninth of the bytes the whole request allocated. graph/internal/seqlists puts
// responseBuffer in place of that buffer, and the HTTP transport, once the response is written, gives the buffer
// back with ReleaseResponse. A response whose buffer is never given back (a WebSocket's, a test's) is collected as
// before. Subscriptions keep gqlgen's own buffer, which it reuses from one event to the next.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledResponse bounds the buffers kept for reuse: one that grew for a rare large response is left to the
// collector rather than kept in every pool slot.
const maxPooledResponse = 64 << 10

// responseBuffer returns an empty buffer to encode one response in.
func responseBuffer() *bytes.Buffer {
	b := responseBuffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// ReleaseResponse gives the buffer that holds resp.Data back, to encode another response in, and clears resp.Data.
// Call it only for the response of a query or a mutation executed with this package's schema (NewSchema), once
// nothing reads its data any more: written out (an io.Writer does not keep what it is given) and kept nowhere
// else. A response with no data, a request error, has nothing to give back.
func ReleaseResponse(resp *graphql.Response) {
	if resp == nil || cap(resp.Data) == 0 {
		return
	}
	if cap(resp.Data) <= maxPooledResponse {
		responseBuffers.Put(bytes.NewBuffer(resp.Data[:0]))
	}
	resp.Data = nil
}
