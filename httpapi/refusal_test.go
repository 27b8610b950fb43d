package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"taskapi/httpapi"
	"taskapi/internal/apitest"
)

// TestTokenRefusalReason: the reason a token is refused is logged (never the token), returned in
// extensions.reason when the handler is told to explain (development mode), and kept out of the body otherwise.
func TestTokenRefusalReason(t *testing.T) {
	// Expired a minute and a half ago, beyond the verifier's leeway.
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "alice", "exp": time.Now().Add(-90 * time.Second).Unix(),
	}).SignedString(apitest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, explain := range []bool{false, true} {
		t.Run(map[bool]string{false: "Production", true: "Development"}[explain], func(t *testing.T) {
			var logs bytes.Buffer
			a := apitest.New(t, "sqlite", httpapi.Options{
				Logger:               slog.New(slog.NewJSONHandler(&logs, nil)),
				ExplainTokenRefusals: explain,
			})
			body, _ := json.Marshal(map[string]any{"query": "{ viewer { id } }"})
			resp, raw := a.Request(http.MethodPost, "/graphql", map[string]string{
				"Content-Type": "application/json", "Authorization": "Bearer " + expired,
			}, body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			var r apitest.Result
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if r.Code(t) != "UNAUTHENTICATED" || r.Errors[0].Message != "The token is invalid or expired." {
				t.Errorf("body %s", raw)
			}
			reason, _ := r.Errors[0].Extensions["reason"].(string)
			if explain != strings.Contains(reason, "expired at") {
				t.Errorf("explain %t, extensions.reason %q", explain, reason)
			}
			if !strings.Contains(logs.String(), `"msg":"token refused"`) || !strings.Contains(logs.String(), "expired at") {
				t.Errorf("the reason is not logged: %s", logs.String())
			}
			if strings.Contains(logs.String(), expired) || strings.Contains(logs.String(), strings.Split(expired, ".")[2]) {
				t.Errorf("the token is logged: %s", logs.String())
			}
		})
	}
}
