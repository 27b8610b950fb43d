package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMCPMounted: the server serves /mcp beside GraphQL with the same tokens, and its protected resource metadata
// names the origin of BETTER_AUTH_URL as the authorization server.
func TestMCPMounted(t *testing.T) {
	srv := startServer(t, nil, "DATA_DIR", t.TempDir(), "BETTER_AUTH_SECRET", secret,
		"BETTER_AUTH_URL", "http://localhost:3000/app")
	post := func(authorization, body string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, string(raw)
	}
	call := `{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add_task", "arguments": {"title": "From an agent"}}}`

	resp, body := post("", call)
	if want := `Bearer resource_metadata="` + srv.url + `/.well-known/oauth-protected-resource"`; resp.StatusCode != http.StatusUnauthorized ||
		resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("without a token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	resp, body = post("Bearer "+userToken(t, "agent-user"), call)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"status":"created"`) {
		t.Fatalf("add_task: %d %s", resp.StatusCode, body)
	}
	r, _, err := graphqlPost(t.Context(), http.DefaultClient, srv.url, userToken(t, "agent-user"), `{ tasks { nodes { title } } }`, nil)
	if err != nil || !strings.Contains(string(mustMarshal(t, r)), "From an agent") {
		t.Fatalf("through GraphQL: %+v %v", r, err)
	}

	mresp, err := http.Get(srv.url + "/.well-known/oauth-protected-resource")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	if err := json.NewDecoder(mresp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Resource != srv.url+"/mcp" || len(doc.AuthorizationServers) != 1 || doc.AuthorizationServers[0] != "http://localhost:3000" {
		t.Fatalf("metadata %+v", doc)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
