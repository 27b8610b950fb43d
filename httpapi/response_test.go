package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"taskapi/internal/apitest"
)

// Responses are encoded into buffers that are reused once written (graph.WithResponseBuffer): many requests at once,
// single and batched, for different users, each get exactly their own answer.
func TestConcurrentResponsesAreTheirOwn(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		users := []string{"buffer-user-a", "buffer-user-b", "buffer-user-c"}
		for i, u := range users {
			for j := range 3 + 4*i { // answers of different sizes
				a.Create(u, map[string]any{"title": fmt.Sprintf("%s task %d", u, j), "tags": []string{"t"}})
			}
		}
		const list = `{ tasks(first: 50) { edges { cursor node { id title tags } } totalCount } }`
		single := []byte(`{"query":"` + list + `"}`)
		batch := []byte(`[{"query":"` + list + `"},{"query":"{ tags { tag count } }"},{"query":"` + list + `"}]`)
		post := func(user string, body []byte) (int, []byte, error) {
			req, err := http.NewRequest(http.MethodPost, a.Server.URL+"/graphql", bytes.NewReader(body))
			if err != nil {
				return 0, nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+apitest.Token(t, user))
			resp, err := a.Server.Client().Do(req)
			if err != nil {
				return 0, nil, err
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			return resp.StatusCode, raw, err
		}
		want := map[string][2][]byte{}
		for _, u := range users {
			var answers [2][]byte
			for i, body := range [][]byte{single, batch} {
				status, raw, err := post(u, body)
				if err != nil || status != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
					t.Fatalf("%s: %d %s %v", u, status, raw, err)
				}
				answers[i] = raw
			}
			want[u] = answers
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 15 {
					u := users[(g+i)%len(users)]
					kind := (g + i) % 2
					status, raw, err := post(u, [][]byte{single, batch}[kind])
					if err != nil || status != http.StatusOK || !bytes.Equal(raw, want[u][kind]) {
						t.Errorf("%s: %d %v\ngot  %s\nwant %s", u, status, err, raw, want[u][kind])
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
