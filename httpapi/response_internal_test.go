package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The response body is gqlgen's data copied through, with errors and extensions encoded beside it, and data left
// out when there is none.
func TestAppendResponse(t *testing.T) {
	cases := []struct {
		name string
		resp *graphql.Response
		want string
	}{
		{"data only, copied byte for byte (json.Marshal would escape < and &)",
			&graphql.Response{Data: json.RawMessage(`{"task":{"title":"a<b & c"}}`)},
			`{"data":{"task":{"title":"a<b & c"}}}`},
		{"a request error has no data",
			&graphql.Response{Errors: gqlerror.List{{Message: "bad", Extensions: map[string]any{"code": "BAD_REQUEST"}}}},
			`{"errors":[{"message":"bad","extensions":{"code":"BAD_REQUEST"}}]}`},
		{"null data is kept",
			&graphql.Response{Errors: gqlerror.List{{Message: "x"}}, Data: json.RawMessage(`null`)},
			`{"errors":[{"message":"x"}],"data":null}`},
		{"extensions follow the data",
			&graphql.Response{Data: json.RawMessage(`{}`), Extensions: map[string]any{"cost": 3}},
			`{"data":{},"extensions":{"cost":3}}`},
		{"an empty response is an empty object", &graphql.Response{}, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeResponse(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil), mediaJSON, http.StatusOK, tc.resp)
			if rec.Body.String() != tc.want {
				t.Errorf("written: got  %s\nwant %s", rec.Body.String(), tc.want)
			}
			b, err := appendResponse(nil, tc.resp)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
			if !json.Valid(b) {
				t.Errorf("not valid JSON: %s", b)
			}
		})
	}
}

// A batch is the array of the responses, each encoded as above.
func TestWriteBatchIsAnArrayOfResponses(t *testing.T) {
	cases := []struct {
		name    string
		results []*graphql.Response
		want    string
	}{
		{"one", []*graphql.Response{{Data: json.RawMessage(`{"a":1}`)}}, `[{"data":{"a":1}}]`},
		{"several, each with what it has", []*graphql.Response{
			{Data: json.RawMessage(`{"a":1}`)},
			{Errors: gqlerror.List{{Message: "no"}}},
			{Errors: gqlerror.List{{Message: "partly"}}, Data: json.RawMessage(`{"b":null}`), Extensions: map[string]any{"n": 2}},
		}, `[{"data":{"a":1}},{"errors":[{"message":"no"}]},{"errors":[{"message":"partly"}],"data":{"b":null},"extensions":{"n":2}}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeBatch(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil), mediaJSON, tc.results)
			if rec.Body.String() != tc.want {
				t.Errorf("got  %s\nwant %s", rec.Body.String(), tc.want)
			}
		})
	}
}

// A response whose errors or extensions cannot be encoded is answered 500 with the internal error alone, a batch as
// a whole: nothing of it has been written before.
func TestUnencodableResponseIsInternalError(t *testing.T) {
	bad := &graphql.Response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"f": func() {}}}
	t.Run("single", func(t *testing.T) {
		rec := httptest.NewRecorder()
		writeResponse(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil), mediaJSON, http.StatusOK, bad)
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != internalErrorBody {
			t.Errorf("got %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("batch", func(t *testing.T) {
		rec := httptest.NewRecorder()
		writeBatch(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil), mediaJSON,
			[]*graphql.Response{{Data: json.RawMessage(`{"a":1}`)}, bad})
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != internalErrorBody {
			t.Errorf("got %d %s", rec.Code, rec.Body.String())
		}
	})
}
