package httpapi

import (
	"bufio"
	"bytes"
	"io"
	"net"
)

// An idle socket's buffers. coder/websocket reads and writes a hijacked connection through the bufio.Reader and
// bufio.Writer that net/http's Hijack hands over, for the life of the socket: net/http's 4 KiB read buffer and a
// new 4 KiB write buffer, 8 KiB per socket whatever it carries. A socket carries small messages (pings, pongs,
// subscribe messages, events of a few hundred bytes) and is idle most of its life, so it gets buffers of
// socketBuffer bytes instead: a message longer than that is read straight into coder/websocket's own buffer and
// written straight to the connection, one more system call at worst.
const socketBuffer = 512

// smallBuffers returns the reader and writer a socket is served through in place of rw, net/http's; what rw's
// writer holds is flushed first. The bytes that net/http had read past the upgrade request (a first frame sent
// right behind it) are in the new reader's buffer, not behind it: coder/websocket resets the reader over the
// connection, keeping only what is buffered.
func smallBuffers(conn net.Conn, rw *bufio.ReadWriter) (*bufio.ReadWriter, error) {
	if err := rw.Writer.Flush(); err != nil {
		return nil, err
	}
	n := rw.Reader.Buffered()
	early, _ := rw.Reader.Peek(n)
	r := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(socketBuffer, n))
	if n > 0 {
		// One read of the bytes.Reader: the connection is not read.
		if _, err := r.Peek(n); err != nil {
			return nil, err
		}
	}
	return bufio.NewReadWriter(r, bufio.NewWriterSize(conn, socketBuffer)), nil
}
