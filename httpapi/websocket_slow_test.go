package httpapi_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskapi/httpapi"
	"taskapi/live"
	"taskapi/model/modeltest"
)

// TestWebsocketDropsReaderThatNeverReads: a client that sends operations and never reads what comes back has its
// socket dropped once a write has waited past the write timeout (recorded with 4008), and every goroutine the
// server had for it ends, the operations' with the results they held.
func TestWebsocketDropsReaderThatNeverReads(t *testing.T) {
	logs := &lockedBuffer{}
	a := newLiveAPI(t, modeltest.SQLite, httpapi.Options{
		Logger: slog.New(slog.NewTextHandler(logs, nil)), LiveWriteTimeout: 200 * time.Millisecond,
	}, live.Options{})
	before := settledGoroutines(t, -1)

	conn, err := net.Dial("tcp", a.Server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096) // fills sooner; the kernel keeps its own minimum
	fmt.Fprint(conn, "GET /graphql HTTP/1.1\r\nHost: api\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %+v", err, resp)
	}
	writeFrame(t, conn, `{"type":"connection_init","payload":{"Authorization":"Bearer `+tokenFor(t, "rita", time.Hour)+`"}}`)
	if ack := readFrame(t, br); !strings.Contains(ack, "connection_ack") {
		t.Fatalf("after connection_init: %s", ack)
	}

	// Each answer is tens of kilobytes; the client reads none of them, so the server's writes soon wait on TCP.
	const query = `{ __schema { types { name description fields { name description args { name description } } } } }`
	for i := range 300 {
		writeFrame(t, conn, `{"type":"subscribe","id":"`+strconv.Itoa(i)+`","payload":{"query":"`+query+`"}}`)
	}
	// A write waits past the timeout: the socket is dropped.
	waitUntil(t, func() bool { return strings.Contains(logs.String(), "websocket closed") })
	if line := logs.String(); !strings.Contains(line, "code=4008") {
		t.Errorf("the socket closed otherwise than as too slow:\n%s", line)
	}
	settledGoroutines(t, before)
}

// writeFrame writes one masked text frame, as a client must.
func writeFrame(t *testing.T, w io.Writer, payload string) {
	t.Helper()
	b := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	mask := []byte{7, 11, 13, 17}
	b = append(b, mask...)
	for i := range len(payload) {
		b = append(b, payload[i]^mask[i%4])
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
}

// readFrame reads one short unmasked frame from the server and returns its payload.
func readFrame(t *testing.T, r io.Reader) string {
	t.Helper()
	h := make([]byte, 2)
	if _, err := io.ReadFull(r, h); err != nil {
		t.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	if n >= 126 {
		t.Fatalf("a frame of %d, want a short one", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	return string(p)
}
