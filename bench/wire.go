package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// wireCounter is a loopback TCP proxy in front of PostgreSQL that counts the statements clients send: simple-protocol
// Query messages and extended-protocol Execute messages (BEGIN and COMMIT are statements too). The server has no
// statement counter of its own, so a server pointed at this proxy is how its statements per operation are counted
// exactly. It is used only for that count, never while throughput or latency is measured.
type wireCounter struct {
	ln         net.Listener
	upstream   string
	statements atomic.Int64
	wg         sync.WaitGroup
	mu         sync.Mutex
	conns      map[net.Conn]struct{}
	texts      []string // the SQL of the Query and Parse messages since the last takeTexts
}

func startWireCounter(upstream string) (*wireCounter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := &wireCounter{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	w.wg.Go(w.accept)
	return w, nil
}

func (w *wireCounter) addr() string { return w.ln.Addr().String() }

func (w *wireCounter) accept() {
	for {
		c, err := w.ln.Accept()
		if err != nil {
			return
		}
		w.wg.Go(func() { w.proxy(c) })
	}
}

func (w *wireCounter) track(c net.Conn, add bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if add {
		w.conns[c] = struct{}{}
	} else {
		delete(w.conns, c)
	}
}

func (w *wireCounter) proxy(client net.Conn) {
	defer client.Close()
	server, err := net.DialTimeout("tcp", w.upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer server.Close()
	w.track(client, true)
	w.track(server, true)
	defer w.track(client, false)
	defer w.track(server, false)
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(client, server)
		_ = client.Close()
		close(done)
	}()
	_ = w.frontend(bufio.NewReader(client), server)
	_ = server.Close()
	<-done
}

// Startup-phase request codes that another startup message follows.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// frontend forwards the client's messages to the server, counting statements. The first messages have no type byte
// (an SSL or GSS encryption request, then the startup message); every later one is a type byte and a length.
func (w *wireCounter) frontend(r *bufio.Reader, server net.Conn) error {
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(r, hdr[:4]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(hdr[:4]))
		if n < 8 || n > 1<<20 {
			return fmt.Errorf("startup message of %d bytes", n)
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		if _, err := server.Write(append(hdr[:4:4], body...)); err != nil {
			return err
		}
		code := binary.BigEndian.Uint32(body[:4])
		if code == sslRequestCode || code == gssEncRequestCode {
			// The server answers with one byte; with sslmode=disable (the benchmark's) no request is ever sent.
			continue
		}
		break
	}
	for {
		if _, err := io.ReadFull(r, hdr[:5]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(hdr[1:5]))
		if n < 4 {
			return errors.New("malformed message")
		}
		switch hdr[0] {
		case 'Q', 'E':
			w.statements.Add(1)
		}
		if _, err := server.Write(hdr[:5]); err != nil {
			return err
		}
		if hdr[0] == 'Q' || hdr[0] == 'P' {
			// The statement's text, kept so that the pgbench ceiling can be checked against what the server sent.
			body := make([]byte, n-4)
			if _, err := io.ReadFull(r, body); err != nil {
				return err
			}
			if _, err := server.Write(body); err != nil {
				return err
			}
			w.record(hdr[0], body)
			continue
		}
		if _, err := io.CopyN(server, r, int64(n-4)); err != nil {
			return err
		}
		if hdr[0] == 'X' {
			return nil
		}
	}
}

// record keeps the SQL text of a Query message (the text, NUL-terminated) or a Parse message (a statement name, then
// the text, each NUL-terminated).
func (w *wireCounter) record(kind byte, body []byte) {
	if kind == 'P' {
		if i := bytes.IndexByte(body, 0); i >= 0 {
			body = body[i+1:]
		}
	}
	if i := bytes.IndexByte(body, 0); i >= 0 {
		body = body[:i]
	}
	w.mu.Lock()
	w.texts = append(w.texts, string(body))
	w.mu.Unlock()
}

// takeTexts returns the statements' texts recorded since the last call and forgets them.
func (w *wireCounter) takeTexts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.texts
	w.texts = nil
	return t
}

func (w *wireCounter) close() {
	_ = w.ln.Close()
	w.mu.Lock()
	for c := range w.conns {
		_ = c.Close()
	}
	w.mu.Unlock()
	w.wg.Wait()
}
