package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"taskapi/model"
)

func TestPresentError(t *testing.T) {
	var logs bytes.Buffer
	present := ErrorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-42")

	cases := []struct {
		name        string
		err         error
		wantCode    string
		wantMessage string
		wantLogged  bool
	}{
		{"InternalIsGenericWithRequestID", errors.New("pq: relation tasks does not exist at 10.0.0.5"), CodeInternal, MsgInternal, true},
		{"NotFound", fmt.Errorf("model: update: %w", model.ErrNotFound), CodeNotFound, msgNotFound, false},
		{"Unauthenticated", errUnauthenticated, CodeUnauthenticated, msgUnauthenticated, false},
		{"Unavailable", fmt.Errorf("model: list: %w", model.ErrUnavailable), CodeServiceUnavailable, msgUnavailable, true},
		{"InputError", &model.InputError{Field: "first", Message: "first must be between 1 and 100."}, CodeBadUserInput, "first must be between 1 and 100.", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			got := present(ctx, tc.err)
			if got.Message != tc.wantMessage || got.Extensions["code"] != tc.wantCode {
				t.Fatalf("got %q %v", got.Message, got.Extensions)
			}
			if tc.wantCode == CodeInternal {
				if got.Extensions["requestId"] != "req-42" {
					t.Errorf("requestId = %v", got.Extensions["requestId"])
				}
				if strings.Contains(got.Message, "10.0.0.5") {
					t.Errorf("internal detail leaked: %q", got.Message)
				}
			}
			if logged := strings.Contains(logs.String(), "req-42"); logged != tc.wantLogged {
				t.Errorf("logged = %v: %s", logged, logs.String())
			}
			if tc.wantLogged && !strings.Contains(logs.String(), tc.err.Error()[:10]) {
				t.Errorf("log lacks the cause: %s", logs.String())
			}
		})
	}
}

// TestPresentCancelledRequest: a request the client abandoned is answered as the client's (BAD_REQUEST) and logged
// below error level; the same error while the request still runs is ours.
func TestPresentCancelledRequest(t *testing.T) {
	var logs bytes.Buffer
	present := ErrorPresenter(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	err := fmt.Errorf("model: list: %w", context.Canceled)

	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), requestIDKey{}, "req-7"))
	cancel()
	if got := present(ctx, err); got.Extensions["code"] != CodeBadRequest || got.Message != msgCancelled {
		t.Errorf("cancelled by the client: %q %v", got.Message, got.Extensions)
	}
	if logs.Len() != 0 {
		t.Errorf("logged at info or above: %s", logs.String())
	}

	if got := present(context.Background(), err); got.Extensions["code"] != CodeInternal {
		t.Errorf("cancelled while the request runs: %q %v, want internal", got.Message, got.Extensions)
	}
}
