package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestMalformedInput sends the real server (its HTTP timeouts and header limit included) every kind of broken
// request and checks that each gets a clear 4xx, a GraphQL-shaped body where it reached GraphQL, and that the server
// is unharmed: a normal request succeeds after them all.
func TestMalformedInput(t *testing.T) {
	srv := startServer(t, func(c *Config) {
		c.HTTP.ReadHeader = 300 * time.Millisecond
		c.HTTP.Read = time.Second
	},
		"DATA_DIR", t.TempDir(),
		"BETTER_AUTH_SECRET", secret,
		"RATE_LIMIT_RPS", "0",
		"SHUTDOWN_GRACE", "0",
	)
	tok := userToken(t, "attacker")
	gqlJSON := "application/graphql-response+json"
	nested := `{"query":"query($v: String) { __typename }","variables":{"v":` + strings.Repeat("[", 100_000) + `}}`

	cases := []struct {
		name        string
		method      string
		target      string
		contentType string
		headers     map[string]string
		body        []byte
		chunked     bool // send the body without a Content-Length
		status      int
		code        string // extensions.code of the only error; "" when the body is not GraphQL's
	}{
		{name: "BrokenJSON", body: []byte(`{"query":`), status: 400, code: "BAD_REQUEST"},
		{name: "TrailingGarbage", body: []byte(`{"query":"{ __typename }"} {}`), status: 400, code: "BAD_REQUEST"},
		{name: "NotAnObject", body: []byte(`"{ __typename }"`), status: 400, code: "BAD_REQUEST"},
		{name: "Null", body: []byte(`null`), status: 400, code: "BAD_REQUEST"},
		{name: "Number", body: []byte(`42`), status: 400, code: "BAD_REQUEST"},
		{name: "EmptyBody", body: nil, status: 400, code: "BAD_REQUEST"},
		{name: "WhitespaceBody", body: []byte(" \n\t "), status: 400, code: "BAD_REQUEST"},
		{name: "EmptyBatch", body: []byte(`[]`), status: 400, code: "BAD_REQUEST"},
		{name: "QueryNotAString", body: []byte(`{"query":{"a":1}}`), status: 400, code: "BAD_REQUEST"},
		{name: "VariablesNotAnObject", body: []byte(`{"query":"{ __typename }","variables":[1,2]}`), status: 400, code: "BAD_REQUEST"},
		{name: "OperationNameNotAString", body: []byte(`{"query":"{ __typename }","operationName":7}`), status: 400, code: "BAD_REQUEST"},
		{name: "ExtensionsNotAnObject", body: []byte(`{"query":"{ __typename }","extensions":"x"}`), status: 400, code: "BAD_REQUEST"},
		// A variable that does not coerce is the client's input, like a malformed DateTime variable: BAD_USER_INPUT.
		{name: "VariableOfWrongType", body: []byte(`{"query":"query($n: Int) { tags(first: $n) { tag } }","variables":{"n":"ten"}}`),
			status: 400, code: "BAD_USER_INPUT"},
		{name: "NestingBomb", body: []byte(nested), status: 400, code: "BAD_REQUEST"},
		{name: "InvalidUTF8InQuery", body: []byte("{\"query\":\"{ __typename \xff\xfe }\"}"), status: 400, code: "GRAPHQL_PARSE_FAILED"},
		{name: "InvalidUTF8OutsideStrings", body: []byte("{\"query\":\"{ __typename }\"\xff}"), status: 400, code: "BAD_REQUEST"},
		{name: "NULBytes", body: []byte("{\"query\":\"{ __typename \\u0000 }\"}"), status: 400, code: "GRAPHQL_PARSE_FAILED"},
		{name: "HugeBody", body: bytes.Repeat([]byte(" "), 2<<20), status: 413, code: "BAD_REQUEST"},
		{name: "HugeChunkedBody", body: bytes.Repeat([]byte(" "), 2<<20), chunked: true, status: 413, code: "BAD_REQUEST"},
		{name: "TextPlain", contentType: "text/plain", body: []byte(`{"query":"{ __typename }"}`), status: 415, code: "BAD_REQUEST"},
		{name: "FormEncoded", contentType: "application/x-www-form-urlencoded", body: []byte(`query=%7B__typename%7D`), status: 415, code: "BAD_REQUEST"},
		{name: "Multipart", contentType: "multipart/form-data; boundary=x", body: []byte("--x\r\n\r\n--x--"), status: 415, code: "BAD_REQUEST"},
		{name: "ApplicationGraphQL", contentType: "application/graphql", body: []byte(`{ __typename }`), status: 415, code: "BAD_REQUEST"},
		{name: "Latin1Charset", contentType: "application/json; charset=latin1", body: []byte(`{"query":"{ __typename }"}`), status: 415, code: "BAD_REQUEST"},
		{name: "NoContentType", contentType: "-", body: []byte(`{"query":"{ __typename }"}`), status: 415, code: "BAD_REQUEST"},
		{name: "UnacceptableAccept", headers: map[string]string{"Accept": "text/html"}, body: []byte(`{"query":"{ __typename }"}`), status: 406, code: "BAD_REQUEST"},
		{name: "GetWithBrokenVariables", method: "GET", target: "/graphql?query=" + url.QueryEscape("{ __typename }") + "&variables=%7B", status: 400, code: "BAD_REQUEST"},
		{name: "GetWithoutQuery", method: "GET", target: "/graphql", status: 400, code: "BAD_REQUEST"},
		{name: "MutationOverGet", method: "GET", target: "/graphql?query=" + url.QueryEscape("mutation { clearCompletedTasks { count } }"), status: 405},
		{name: "DeleteMethod", method: "DELETE", status: 405, code: "BAD_REQUEST"},
		{name: "GarbageToken", headers: map[string]string{"Authorization": "Bearer not$a{token}"}, body: []byte(`{"query":"{ viewer { id } }"}`), status: 401, code: "UNAUTHENTICATED"},
		{name: "UnknownPath", method: "GET", target: "/graphql/../../etc/passwd", status: 404},
		{name: "OversizedHeader", headers: map[string]string{"X-Padding": strings.Repeat("a", 128<<10)}, body: []byte(`{"query":"{ __typename }"}`), status: 431},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			target := tc.target
			if target == "" {
				target = "/graphql"
			}
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				body = io.MultiReader(body) // a reader of unknown length
			}
			req, err := http.NewRequest(method, srv.url+target, body)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(target, "?") {
				req.URL.Opaque = target // keep "/../" as sent
			}
			switch tc.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			req.Header.Set("Accept", gqlJSON)
			req.Header.Set("Authorization", "Bearer "+tok)
			for k, v := range tc.headers {
				req.Header[k] = []string{v}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, raw)
			}
			if tc.code == "" {
				return
			}
			var r gqlResult
			if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) != 1 {
				t.Fatalf("not one GraphQL error: %.300s", raw)
			}
			if got := r.codes()[0]; got != tc.code {
				t.Errorf("code %s, want %s (%s)", got, tc.code, r.Errors[0].Message)
			}
			if r.Data != nil {
				t.Errorf("a request error has data: %s", r.Data)
			}
		})
	}

	t.Run("RawGarbage", func(t *testing.T) {
		line := rawExchange(t, srv.addr, "\x16\x03\x01\x02\x00GARBAGE\r\n\r\n", 5*time.Second)
		if !strings.HasPrefix(line, "HTTP/1.1 400") {
			t.Fatalf("answer to a TLS hello on the plain port: %q", line)
		}
	})
	t.Run("DeclaredLengthOverLimit", func(t *testing.T) {
		// A body declared larger than the limit is refused on the header alone, not after waiting for it. The body
		// never comes (one byte of it is sent): a server that waited for it would run into the read timeout and
		// answer 400 (the body could not be read), or nothing; only the refusal on the declared length is a 413.
		line := rawExchange(t, srv.addr, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"Content-Length: 10000000000\r\n\r\n{", 30*time.Second)
		if !strings.HasPrefix(line, "HTTP/1.1 413") {
			t.Fatalf("answer %q, want 413 before the body", line)
		}
	})
	t.Run("SlowHeaders", func(t *testing.T) {
		// A client that sends its headers a byte at a time is cut off after ReadHeaderTimeout.
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := time.Now()
		partial := "POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: "
		_, _ = c.Write([]byte(partial))
		cut := false
		for time.Since(start) < 5*time.Second {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte("a")); err != nil {
				cut = true
				break
			}
			_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				cut = true
				break
			}
		}
		if !cut {
			t.Fatal("a connection trickling its headers was still open after 5s")
		}
	})
	t.Run("SlowBody", func(t *testing.T) {
		// A client that trickles its body gets cut off after ReadTimeout instead of holding the server.
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
			"Authorization: Bearer " + tok + "\r\nContent-Length: 1000\r\n\r\n{"))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 100 {
				time.Sleep(50 * time.Millisecond)
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		reply, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && !strings.HasPrefix(reply, "HTTP/1.1 4") {
			t.Fatalf("answer to a trickled body: %q", reply)
		}
		if isTimeout(err) {
			t.Fatal("the connection trickling its body was still open after 5s")
		}
		_ = c.Close()
		<-done
	})

	// Unharmed: a normal request works, and so do the probes.
	r, _, err := graphqlPost(t.Context(), http.DefaultClient, srv.url, tok, createTaskMutation,
		map[string]any{"input": map[string]any{"title": "after the attack"}})
	if err != nil || createdID(r) == "" {
		t.Fatalf("a normal request after the attack: %v %v", err, r.Errors)
	}
	if s := getStatus(http.DefaultClient, srv.url+"/readyz"); s != http.StatusOK {
		t.Errorf("/readyz after the attack: %d", s)
	}
	if containsAny(srv.logs.String(), "panic", "INTERNAL_SERVER_ERROR") {
		t.Errorf("the server logged a panic or an internal error:\n%s", srv.logs.String())
	}
}

// rawExchange writes payload on a new connection and returns the first line of the answer ("" when there is none).
func rawExchange(t *testing.T, addr, payload string, wait time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte(payload)); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && errors.As(err, &ne) && ne.Timeout()
}
