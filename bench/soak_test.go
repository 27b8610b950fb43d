package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestManyAndSoakFlags(t *testing.T) {
	c, err := parseFlags([]string{"-many"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Many || c.Users != 3000 || c.Tasks != 50 || len(c.ManyLevels) != 3 || c.ManyLevels[2] != 3000 {
		t.Errorf("-many: users %d, tasks %d, levels %v", c.Users, c.Tasks, c.ManyLevels)
	}
	if c, _ := parseFlags([]string{"-many", "-smoke"}); c.Users != 60 || c.Duration != 1500*time.Millisecond || len(c.ManyLevels) != 2 {
		t.Errorf("-many -smoke: users %d, duration %s, levels %v", c.Users, c.Duration, c.ManyLevels)
	}
	if c, _ := parseFlags([]string{"-many", "-users", "500"}); c.Users != 500 {
		t.Errorf("-many -users 500: %d", c.Users)
	}
	c, err = parseFlags([]string{"-soak"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Soak || c.SoakDuration != 10*time.Minute || c.SoakIdle != 1000 || c.SoakRate != 100 {
		t.Errorf("-soak: duration %s, idle %d, rate %g", c.SoakDuration, c.SoakIdle, c.SoakRate)
	}
	c, err = parseFlags([]string{"-soak", "-smoke"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SoakDuration >= time.Minute || c.SoakIdle != 20 || c.Users != 10 {
		t.Errorf("-soak -smoke: duration %s, idle %d, users %d", c.SoakDuration, c.SoakIdle, c.Users)
	}
	for _, bad := range [][]string{{"-soak", "-many"}, {"-live", "-soak"}, {"-soak-duration", "1s"}, {"-many-levels", "1"}, {"-soak-rate", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestGCCPUIn: the collector's CPU is the sum of every phase of the gctrace lines after the offset, and a line not
// yet ended is left for the next read.
func TestGCCPUIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	log := `{"level":"WARN","msg":"x"}
gc 1 @0.010s 2%: 0.010+1.5+0.020 ms clock, 0.040+0.5/1.0/0.25+0.080 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P
gc 2 @0.020s 3%: 0.010+1.5+0.020 ms clock, 1+2/3/4+5 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P
gc 3 @0.030s 3%: 0.010+1.5+0.020 ms clock, 100+0/0/0+0 ms cpu`
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	d, off := gcCPUIn(path, 0)
	if want := time.Duration((0.04+0.5+1+0.25+0.08+15)*1000) * time.Microsecond; d != want {
		t.Errorf("GC CPU = %s, want %s", d, want)
	}
	if want := int64(strings.LastIndexByte(log, '\n') + 1); off != want {
		t.Errorf("offset %d, want %d (the unfinished last line left)", off, want)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(", 4->4->1 MB\n")
	_ = f.Close()
	if d, _ := gcCPUIn(path, off); d != 100*time.Millisecond {
		t.Errorf("GC CPU of the line finished later = %s, want 100ms", d)
	}
}

// TestSoakHooks: the receiver accepts a delivery signed as Standard Webhooks says and notes its task by type,
// counts a redelivery of the same id, and refuses a bad signature.
func TestSoakHooks(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	h := &soakHooks{key: key, seen: map[string]bool{}, created: map[string]bool{}, due: map[string]bool{}}
	send := func(id, body string, sign bool) int {
		req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
		ts := "1700000000"
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + ts + "." + body))
		sig := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if !sign {
			sig = "v1,AAAA"
		}
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", ts)
		req.Header.Set("webhook-signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := send("msg_1", `{"type":"task.created","data":{"taskId":"t1"}}`, true); code != http.StatusNoContent {
		t.Fatalf("signed delivery: %d", code)
	}
	send("msg_1", `{"type":"task.created","data":{"taskId":"t1"}}`, true)
	send("msg_2", `{"type":"reminder.due","data":{"taskId":"t2"}}`, true)
	if code := send("msg_3", `{"type":"reminder.due","data":{"taskId":"t1"}}`, false); code != http.StatusBadRequest {
		t.Fatalf("badly signed delivery: %d", code)
	}
	if c, d := h.missing([]string{"t1", "t2"}); c != 1 || d != 1 || h.dup != 1 || h.bad != 1 {
		t.Errorf("missing created %d, due %d; duplicates %d, bad %d; want 1, 1, 1, 1", c, d, h.dup, h.bad)
	}
}
