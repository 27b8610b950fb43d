package graph

import (
	"bytes"
	"context"
)

// The JSON of a query's or a mutation's result is encoded into a buffer that gqlgen's Exec makes new for every
// operation and grows by doubling, from 64 bytes past the response's size: the 6 KB of a dashboard read's page of
// tasks took 18 KB, a ninth of the bytes the whole request allocated. graph/internal/seqlists has Exec encode into
// responseBuffer(ctx) instead, which is the buffer the caller lent with WithResponseBuffer, if it did. The buffer is
// the caller's from beginning to end: a transport that reuses buffers keeps its pool, lends one for each operation,
// and takes it back itself once the response is written. Nothing in this package holds on to it.

// responseBufferKey keys the buffer lent for one operation's result.
type responseBufferKey struct{}

// lentBuffer holds the buffer lent for one operation until its result takes it.
type lentBuffer struct{ buf *bytes.Buffer }

// WithResponseBuffer returns a context under which a query or a mutation executed with this package's schema
// (NewSchema) encodes its result into buf, which the caller passes empty: the response's Data is then buf's bytes.
// The caller owns buf before and after: it must not use buf until the response is built, and may reuse it once it
// reads that response's data no more. Only the operation's first result takes buf; later ones (under @defer) and a
// subscription's events get buffers of their own, as without it.
func WithResponseBuffer(ctx context.Context, buf *bytes.Buffer) context.Context {
	return context.WithValue(ctx, responseBufferKey{}, &lentBuffer{buf: buf})
}

// responseBuffer returns the buffer to encode one result in: the one lent with WithResponseBuffer, once, else a new
// one. An operation's results are built one after another, so the lent buffer is taken without a lock.
func responseBuffer(ctx context.Context) *bytes.Buffer {
	if lent, ok := ctx.Value(responseBufferKey{}).(*lentBuffer); ok && lent.buf != nil {
		buf := lent.buf
		lent.buf = nil
		return buf
	}
	return new(bytes.Buffer)
}
