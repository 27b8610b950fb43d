package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestLiveFlags(t *testing.T) {
	c, err := parseFlags([]string{"-live", "-smoke"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Live || c.LiveIdle != 20 || c.LiveRate != 50 || c.Duration != 1500*time.Millisecond {
		t.Errorf("-live -smoke: live %v, idle %d, rate %g, duration %s", c.Live, c.LiveIdle, c.LiveRate, c.Duration)
	}
	if c, _ := parseFlags([]string{"-live", "-smoke", "-live-idle", "7"}); c.LiveIdle != 7 {
		t.Errorf("-live-idle 7 with -smoke: %d", c.LiveIdle)
	}
	if c, _ := parseFlags(nil); c.Live || c.LiveIdle != 1000 {
		t.Errorf("defaults: live %v, idle %d", c.Live, c.LiveIdle)
	}
	for _, bad := range [][]string{{"-live-rate", "0"}, {"-live-idle", "-1"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestSubscribeAndReadEvents plays the server's side of graphql-transport-ws: the token must arrive in
// connection_init, pings must be answered, events reach the callback in order, and an error message ends the
// subscription with that error.
func TestSubscribeAndReadEvents(t *testing.T) {
	type step struct {
		read  string // the type the client must send next
		write string // then the server sends this
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		read := func(want string) wsMessage {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Errorf("reading %s: %v", want, err)
				return wsMessage{}
			}
			var m wsMessage
			_ = json.Unmarshal(b, &m)
			if m.Type != want {
				t.Errorf("client sent %s, want %s", b, want)
			}
			return m
		}
		write := func(s string) { _ = conn.Write(ctx, websocket.MessageText, []byte(s)) }
		if m := read("connection_init"); !strings.Contains(string(m.Payload), `"Authorization":"Bearer tok"`) {
			t.Errorf("connection_init payload %s", m.Payload)
		}
		write(`{"type":"connection_ack"}`)
		if m := read("subscribe"); m.ID != "1" || !strings.Contains(string(m.Payload), "taskEvents") {
			t.Errorf("subscribe %+v", m)
		}
		for _, s := range []step{
			{"", `{"type":"ping"}`},
			{"pong", `{"id":"1","type":"next","payload":{"data":{"taskEvents":{"cursor":"c1","kind":"CREATED","at":"2026-12-01T10:00:00.000Z","task":{"title":"one"}}}}}`},
			{"", `{"id":"1","type":"next","payload":{"data":{"taskEvents":{"cursor":"c2","kind":"CREATED","at":"2026-12-01T10:00:01.000Z","task":{"title":"two"}}}}}`},
			{"", `{"id":"1","type":"error","payload":[{"message":"boom"}]}`},
		} {
			if s.read != "" {
				read(s.read)
			}
			write(s.write)
		}
		_, _, _ = conn.Read(ctx) // until the client closes
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := subscribe(ctx, srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = readEvents(ctx, conn, func(ev liveEvent, _ time.Time) { got = append(got, ev.Cursor+" "+ev.Task.Title) })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("readEvents = %v, want the error message's", err)
	}
	if strings.Join(got, ",") != "c1 one,c2 two" {
		t.Errorf("events %q", got)
	}
}
