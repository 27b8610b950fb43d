package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPgbenchScript(t *testing.T) {
	got, err := pgbenchScript([]string{"SELECT 1 ", "SELECT 'a'::text;"}, "prepared")
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT 1\n;\nSELECT 'a'::text\n;\n"; got != want {
		t.Errorf("script = %q, want %q", got, want)
	}
	// A colon before a name is a pgbench variable with -M prepared: the statement would not be sent as it is.
	if _, err := pgbenchScript([]string{"SELECT '2026-12-01 09:40:22'"}, "prepared"); err == nil {
		t.Error("a timestamp literal was accepted for -M prepared")
	}
	// The simple protocol leaves unknown variables as they are.
	if _, err := pgbenchScript([]string{"SELECT '2026-12-01 09:40:22'"}, "simple"); err != nil {
		t.Errorf("simple protocol: %v", err)
	}
	for _, bad := range []string{`\set x 1`, " ; "} {
		if _, err := pgbenchScript([]string{bad}, "simple"); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestParsePgbenchLogAndSummarize(t *testing.T) {
	// client transaction latency(µs) script epoch µs: two warm-up transactions in the first second, then three,
	// one of them failed.
	log := strings.Join([]string{
		"0 0 900 0 1000 100000",
		"1 0 800 0 1000 200000",
		"0 1 1000 0 1001 500000",
		"1 1 failed 0 1001 600000",
		"0 2 3000 0 1002 500000",
		"",
	}, "\n")
	samples, err := parsePgbenchLog(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5 || !samples[3].failed || samples[2].latency != time.Millisecond {
		t.Fatalf("samples = %+v", samples)
	}
	r := summarizePgbench("x", 2, time.Second, samples)
	if r.Total != 4 || r.Errors != 1 {
		t.Errorf("total %d errors %d, want 4 and 1", r.Total, r.Errors)
	}
	// Measured: completions from 1001.1 s (the first plus the warm-up) to the last, 1002.5 s.
	if r.Units != 2 || r.Window != 1400*time.Millisecond {
		t.Errorf("units %d over %s, want 2 over 1.4s", r.Units, r.Window)
	}
	if r.Lat.P50 != 3*time.Millisecond || r.Lat.Max != 3*time.Millisecond {
		t.Errorf("latency %+v", r.Lat)
	}
	if _, err := parsePgbenchLog("0 0 900\n"); err == nil {
		t.Error("a short line was accepted")
	}
}

func TestWireCounterRecordsStatementTexts(t *testing.T) {
	w := &wireCounter{}
	w.record('Q', []byte("SELECT 1\x00"))
	w.record('P', []byte("stmt1\x00SELECT $1\x00\x00\x01"))
	if got := w.takeTexts(); !slices.Equal(got, []string{"SELECT 1", "SELECT $1"}) {
		t.Errorf("texts = %q", got)
	}
	if got := w.takeTexts(); len(got) != 0 {
		t.Errorf("texts after take = %q", got)
	}
}

func TestCheckPeerAgrees(t *testing.T) {
	answer := func(body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer hs" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(body))
		}))
	}
	srv := answer(`{"data":{"tasks":{"edges":[{"node":{"title":"a"}},{"node":{"title":"b"}}],"totalCount":7}}}`)
	defer srv.Close()
	same := answer(`{"data":{"allDashboardTasks":{"edges":[{"node":{"title":"a"}},{"node":{"title":"b"}}],"totalCount":7}}}`)
	defer same.Close()
	order := answer(`{"data":{"allDashboardTasks":{"edges":[{"node":{"title":"b"}},{"node":{"title":"a"}}],"totalCount":7}}}`)
	defer order.Close()
	count := answer(`{"data":{"allDashboardTasks":{"edges":[{"node":{"title":"a"}},{"node":{"title":"b"}}],"totalCount":8}}}`)
	defer count.Close()
	users := []*user{{id: "u1", hsToken: "hs"}}
	ctx := context.Background()
	sc := newClient(srv.URL, 1)
	if err := checkPeerAgrees(ctx, sc, newClient(same.URL, 1), users, 20); err != nil {
		t.Errorf("the same answer: %v", err)
	}
	for name, peer := range map[string]*httptest.Server{"order": order, "count": count} {
		if err := checkPeerAgrees(ctx, sc, newClient(peer.URL, 1), users, 20); err == nil {
			t.Errorf("a different %s was accepted", name)
		}
	}
}
