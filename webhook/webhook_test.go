package webhook_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"taskapi/webhook"
)

// TestReferenceVerifierKnowsTheSpecification pins the test's own verifier to the published test vector of the
// Standard Webhooks libraries, so that agreeing with it means agreeing with them.
func TestReferenceVerifierKnowsTheSpecification(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	if err := referenceVerify(secret, h, body, at); err != nil {
		t.Fatalf("the published vector does not verify: %v", err)
	}
	if err := referenceVerify(secret, h, []byte(`{"test": 2432232315}`), at); err == nil {
		t.Error("a changed body verifies")
	}
	if err := referenceVerify(secret, h, body, at.Add(6*time.Minute)); err == nil {
		t.Error("a stale timestamp verifies")
	}
}

func TestSign(t *testing.T) {
	t.Run("PublishedVector", func(t *testing.T) {
		s, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`)); got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
			t.Errorf("Sign = %q", got)
		}
	})
	t.Run("AgreesWithTheReference", func(t *testing.T) {
		for i := range 50 {
			key := make([]byte, 24+i%41)
			body := make([]byte, i*37)
			_, _ = rand.Read(key)
			_, _ = rand.Read(body)
			text := "whsec_" + base64.StdEncoding.EncodeToString(key)
			s, err := webhook.ParseSecret(text)
			if err != nil {
				t.Fatal(err)
			}
			id, at := fmt.Sprintf("msg_%d", i), time.Unix(1_800_000_000+int64(i), 999_000_000)
			h := http.Header{}
			h.Set("webhook-id", id)
			h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
			h.Set("webhook-signature", s.Sign(id, at, body))
			if err := referenceVerify(text, h, body, at); err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
		}
	})
}

func TestParseSecret(t *testing.T) {
	good := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	if s, err := webhook.ParseSecret(good); err != nil || s.IsZero() {
		t.Fatalf("ParseSecret(32 bytes) = %v", err)
	}
	for name, bad := range map[string]string{
		"NoPrefix":    base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"NotBase64":   "whsec_not base64!",
		"Unpadded":    "whsec_" + base64.RawStdEncoding.EncodeToString(make([]byte, 32)),
		"TooShort":    "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"TooLong":     "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)),
		"Empty":       "",
		"PrefixAlone": "whsec_",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := webhook.ParseSecret(bad)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "openssl rand -base64 32") {
				t.Errorf("the error does not say how to make one: %v", err)
			}
			if len(bad) > 10 && strings.Contains(err.Error(), bad[6:]) {
				t.Errorf("the error repeats the secret: %v", err)
			}
		})
	}
	s, _ := webhook.ParseSecret(good)
	if out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s); strings.Contains(out, good[6:12]) {
		t.Errorf("printing a secret shows it: %s", out)
	}
}

func TestParseEvents(t *testing.T) {
	for raw, want := range map[string][]webhook.EventType{
		"":                            {webhook.ReminderDue},
		" , ":                         {webhook.ReminderDue},
		"task.created":                {webhook.TaskCreated},
		"reminder.due, task.deleted":  {webhook.ReminderDue, webhook.TaskDeleted},
		"Task.Updated,task.updated,,": {webhook.TaskUpdated},
		"task.deleted,task.restored":  {webhook.TaskDeleted, webhook.TaskRestored},
		"task.created,task.updated,task.deleted,reminder.due": {webhook.TaskCreated, webhook.TaskUpdated, webhook.TaskDeleted, webhook.ReminderDue},
	} {
		got, err := webhook.ParseEvents(raw)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseEvents(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
	if _, err := webhook.ParseEvents("reminder.due,task.completed"); err == nil || !strings.Contains(err.Error(), "task.completed") || !strings.Contains(err.Error(), "task.deleted") {
		t.Errorf("unknown type: %v", err)
	}
}

func TestParseSchedule(t *testing.T) {
	got, err := webhook.ParseSchedule("")
	if err != nil || !slices.Equal(got, []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}) {
		t.Errorf("default schedule %v, %v", got, err)
	}
	if got, err := webhook.ParseSchedule(" 1s, 90m ,168h"); err != nil || !slices.Equal(got, []time.Duration{time.Second, 90 * time.Minute, 168 * time.Hour}) {
		t.Errorf("ParseSchedule = %v, %v", got, err)
	}
	for _, bad := range []string{"5", "0s", "500ms", "-5s", "169h", "5s,soon", strings.Repeat("1s,", 51)} {
		if _, err := webhook.ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, good := range []string{"https://app.example.com/api/webhooks", "http://127.0.0.1:3000/hook?source=tasks"} {
		if got, err := webhook.ParseURL(good); err != nil || got != good {
			t.Errorf("ParseURL(%q) = %q, %v", good, got, err)
		}
	}
	for _, bad := range []string{"app.example.com/hook", "ftp://example.com/", "https://", "https://user:pass@example.com/hook", "/hook"} {
		if _, err := webhook.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func TestConfigWants(t *testing.T) {
	if (webhook.Config{}).Wants(webhook.ReminderDue) {
		t.Error("a config without a URL wants webhooks")
	}
	c := webhook.Config{URL: "https://example.com/hook"}
	if !c.Wants(webhook.ReminderDue) || c.Wants(webhook.TaskCreated) {
		t.Error("the default events are not reminder.due alone")
	}
}
