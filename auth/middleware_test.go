package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"taskapi/auth"
)

// recorded is what one request through the middleware did.
type recorded struct {
	status       int
	challenge    string
	nextCalled   bool
	viewer       *auth.Viewer
	hasViewer    bool
	unauthorized error // the error the unauthorized callback got; nil when it was not called
}

func serve(t *testing.T, v auth.TokenVerifier, headers ...string) recorded {
	t.Helper()
	var rec recorded
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.nextCalled = true
		rec.viewer, rec.hasViewer = auth.FromContext(r.Context())
		w.WriteHeader(http.StatusOK)
	})
	unauthorized := func(w http.ResponseWriter, r *http.Request, err error) {
		if err == nil {
			t.Error("unauthorized called with a nil error")
		}
		rec.unauthorized = err
		w.WriteHeader(http.StatusUnauthorized)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	for _, h := range headers {
		req.Header.Add("Authorization", h)
	}
	w := httptest.NewRecorder()
	auth.Middleware(v, unauthorized)(next).ServeHTTP(w, req)
	rec.status = w.Code
	rec.challenge = w.Header().Get("WWW-Authenticate")
	return rec
}

func assertRefused(t *testing.T, rec recorded) {
	t.Helper()
	if rec.status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", rec.status)
	}
	if want := `Bearer error="invalid_token"`; rec.challenge != want {
		t.Errorf("WWW-Authenticate = %q, want %q", rec.challenge, want)
	}
	if rec.unauthorized == nil {
		t.Error("unauthorized was not called")
	}
	if rec.nextCalled {
		t.Error("next handler was called")
	}
}

// stubVerifier accepts exactly one token, so header parsing can be tested apart from verification.
type stubVerifier struct{ token string }

func (s stubVerifier) Verify(_ context.Context, token string) (*auth.Viewer, error) {
	if token != s.token {
		return nil, auth.ErrInvalidToken
	}
	return &auth.Viewer{ID: "user-1", Email: "ada@example.com"}, nil
}

func TestMiddlewareWithoutHeaderHasNoViewer(t *testing.T) {
	t.Parallel()
	rec := serve(t, stubVerifier{"good"})
	if !rec.nextCalled || rec.status != http.StatusOK {
		t.Fatalf("next called = %v, status = %d; want the request passed on", rec.nextCalled, rec.status)
	}
	if rec.hasViewer {
		t.Errorf("viewer in context = %+v, want none", rec.viewer)
	}
	if rec.challenge != "" || rec.unauthorized != nil {
		t.Errorf("WWW-Authenticate = %q, unauthorized err = %v; want neither", rec.challenge, rec.unauthorized)
	}
}

func TestMiddlewarePutsViewerInContext(t *testing.T) {
	t.Parallel()
	for _, header := range []string{"Bearer good", "bearer good", "BEARER good", "Bearer  good"} {
		t.Run(header, func(t *testing.T) {
			rec := serve(t, stubVerifier{"good"}, header)
			if !rec.nextCalled || !rec.hasViewer {
				t.Fatalf("next called = %v, viewer present = %v; want both", rec.nextCalled, rec.hasViewer)
			}
			if want := (auth.Viewer{ID: "user-1", Email: "ada@example.com"}); *rec.viewer != want {
				t.Errorf("viewer = %+v, want %+v", *rec.viewer, want)
			}
		})
	}
}

func TestMiddlewareRefusesMalformedHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
	}{
		{"BasicScheme", []string{"Basic dXNlcjpwYXNz"}},
		{"BearerWithoutToken", []string{"Bearer"}},
		{"BearerWithEmptyToken", []string{"Bearer "}},
		{"EmptyHeader", []string{""}},
		{"TokenWithoutScheme", []string{"good"}},
		{"TokenWithSpaces", []string{"Bearer good extra"}},
		{"TwoHeaders", []string{"Bearer good", "Bearer good"}},
		{"SchemeOnlyPrefix", []string{"Bearergood"}},
		{"RejectedToken", []string{"Bearer bad"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, stubVerifier{"good"}, tt.headers...)
			assertRefused(t, rec)
			if !errors.Is(rec.unauthorized, auth.ErrInvalidToken) {
				t.Errorf("unauthorized err = %v, want one wrapping ErrInvalidToken", rec.unauthorized)
			}
		})
	}
}

func TestMiddlewareRefusesInvalidTokens(t *testing.T) {
	t.Parallel()
	eddsa, es256, es512, rs256, ps256 := issuerKeys(t)
	is := newIssuer(t, eddsa, es256, es512, rs256, ps256)
	v := mustVerifier(t, is.config())

	for _, tt := range refusedTokens(t) {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, v, "Bearer "+tt.token)
			assertRefused(t, rec)
			if !errors.Is(rec.unauthorized, auth.ErrInvalidToken) {
				t.Errorf("unauthorized err = %v, want one wrapping ErrInvalidToken", rec.unauthorized)
			}
		})
	}

	t.Run("HS256WithoutSecret", func(t *testing.T) {
		cfg := is.config()
		cfg.Secret = auth.SecretConfig{}
		token, err := auth.SignHS256(testSecret, auth.Viewer{ID: "user-1"}, time.Hour, testIssuer, testAudience)
		if err != nil {
			t.Fatal(err)
		}
		assertRefused(t, serve(t, mustVerifier(t, cfg), "Bearer "+token))
	})
}

func TestMiddlewareAcceptsValidToken(t *testing.T) {
	t.Parallel()
	eddsa, _, _, _, _ := issuerKeys(t)
	is := newIssuer(t, eddsa)
	v := mustVerifier(t, is.config())

	rec := serve(t, v, "Bearer "+eddsa.sign(t, with(validClaims(), map[string]any{"email": "ada@example.com"})))
	if !rec.nextCalled || !rec.hasViewer {
		t.Fatalf("next called = %v, viewer present = %v, unauthorized err = %v; want the viewer passed on",
			rec.nextCalled, rec.hasViewer, rec.unauthorized)
	}
	if want := (auth.Viewer{ID: "kq3Yb7tN2mR8sW1xZ4vC6pL9dF0gH5jA", Email: "ada@example.com", Expires: rec.viewer.Expires}); *rec.viewer != want || want.Expires.IsZero() {
		t.Errorf("viewer = %+v, want %+v", *rec.viewer, want)
	}
}

func TestFromContextWithoutViewer(t *testing.T) {
	t.Parallel()
	if v, ok := auth.FromContext(context.Background()); ok || v != nil {
		t.Errorf("FromContext(empty) = %+v, %v; want nil, false", v, ok)
	}
	if v, ok := auth.FromContext(auth.NewContext(context.Background(), nil)); ok || v != nil {
		t.Errorf("FromContext(nil viewer) = %+v, %v; want nil, false", v, ok)
	}
}
