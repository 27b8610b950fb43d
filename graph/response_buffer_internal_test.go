package graph

import (
	"bytes"
	"context"
	"testing"
)

// A lent buffer is taken by the operation's first result only; a result without one, or after the first, gets a
// buffer of its own, so that a later result never overwrites the bytes of an earlier one.
func TestResponseBufferIsLentOnce(t *testing.T) {
	lent := new(bytes.Buffer)
	ctx := WithResponseBuffer(context.Background(), lent)
	if got := responseBuffer(ctx); got != lent {
		t.Fatal("the first result did not take the lent buffer")
	}
	if got := responseBuffer(ctx); got == lent || got == nil {
		t.Errorf("a second result got %p, want a buffer of its own (lent %p)", got, lent)
	}
	if got := responseBuffer(context.Background()); got == nil || got == lent {
		t.Errorf("without a lent buffer: got %p", got)
	}
}
