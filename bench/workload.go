package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The operations of the dashboard workload. A dashboard reads a filtered, ordered page of tasks, the statistics and
// the tag counts, the three queries of the README's Dashboard example; a user working through it writes now and
// then.
const (
	opTasks = iota
	opStats
	opTags
	opCreate
	opUpdate
	opComplete
	numOps
)

var opNames = [numOps]string{"tasks", "taskStats", "tags", "createTask", "updateTask", "setTaskCompleted"}

// The GraphQL documents, as a client would send them. The filter and order are the README's dashboard's.
const (
	tasksSelection = `tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: $first, after: $after) {
    edges { cursor node { id title priority dueAt tags completed } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }`
	statsSelection = `taskStats(timeZone: "Europe/Berlin") { total completed overdue dueToday completionRate byPriority { priority count } }`
	tagsSelection  = `tags(first: 10) { tag count }`

	tasksDoc = `query DashboardTasks($first: Int!, $after: String) {
  ` + tasksSelection + `
}`
	statsDoc     = "query DashboardStats {\n  " + statsSelection + "\n}"
	tagsDoc      = "query DashboardTags {\n  " + tagsSelection + "\n}"
	dashboardDoc = `query Dashboard($first: Int!, $after: String) {
  ` + tasksSelection + `
  ` + statsSelection + `
  ` + tagsSelection + `
}`
	// pageDoc is the dashboard's page without totalCount, for comparing page depths: the count costs the same at
	// every depth and would hide what paging costs.
	pageDoc = `query Page($first: Int!, $after: String) {
  tasks(filter: {status: PENDING, tags: ["work"]}, orderBy: {field: DUE_AT, direction: ASC}, first: $first, after: $after) {
    edges { cursor node { id title priority dueAt tags completed } }
    pageInfo { hasNextPage endCursor }
  }
}`
	idsDoc    = `query Ids($first: Int!) { tasks(first: $first) { nodes { id } } }`
	createDoc = `mutation CreateTask($input: CreateTaskInput!) {
  createTask(input: $input) { task { id title priority dueAt tags completed createdAt } userErrors { field message code } }
}`
	updateDoc = `mutation UpdateTask($id: ID!, $input: UpdateTaskInput!) {
  updateTask(id: $id, input: $input) { task { id title priority updatedAt } userErrors { field message code } }
}`
	completeDoc = `mutation SetTaskCompleted($id: ID!, $completed: Boolean!) {
  setTaskCompleted(id: $id, completed: $completed) { task { id completed completedAt } }
}`
)

// gqlRequest is one operation of a POST body.
type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// user is one user of the workload: their token, and ids of some of their tasks for the writes, as the server
// spells them (for the HTTP workload) and as the store does (for the ceiling).
type user struct {
	id    string
	alg   string
	token string
	// hsToken is an HS256 token for the comparison with PostGraphile, which verifies a shared secret only.
	hsToken string
	ids     []string
	uuids   []uuid.UUID
}

// mix picks operations with the workload's weights: the three dashboard reads alike, the three writes alike.
type mix struct{ cumulative [numOps]float64 }

func newMix(writes float64) mix {
	var m mix
	acc := 0.0
	for op := range numOps {
		if op < opCreate {
			acc += (1 - writes) / 3
		} else {
			acc += writes / 3
		}
		m.cumulative[op] = acc
	}
	return m
}

func (m mix) weight(op int) float64 {
	if op == 0 {
		return m.cumulative[0]
	}
	return m.cumulative[op] - m.cumulative[op-1]
}

func (m mix) pick(r *rand.Rand) int {
	x := r.Float64() * m.cumulative[numOps-1]
	for op, c := range m.cumulative {
		if x < c {
			return op
		}
	}
	return opTasks
}

// worker is one concurrent client's state.
type worker struct {
	id  int
	rng *rand.Rand
	n   int // units done
}

// unitFunc does one unit of work (a request, a dashboard, a store call) and says which operation it was.
type unitFunc func(ctx context.Context, w *worker) (op int, err error)

// phase is one measurement: concurrency workers repeat unit for warmup (not measured), then for duration.
type phase struct {
	name        string
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	seed        uint64
	unit        unitFunc
}

// latency summarizes a set of durations.
type latency struct {
	N                        int
	Mean, P50, P95, P99, Max time.Duration
}

func summarize(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	q := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return latency{N: len(d), Mean: sum / time.Duration(len(d)), P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: d[len(d)-1]}
}

// result is what a phase measured.
type result struct {
	Name        string
	Concurrency int
	Window      time.Duration // the measured window
	Units       int           // units completed in the window
	Total       int           // units completed, warm-up included
	Errors      int           // units that failed, warm-up included
	ErrorSample []string
	Lat         latency
	PerOp       [numOps]latency
	ClientCPU   time.Duration // the benchmark process's CPU during the whole phase
	ServerCPU   time.Duration // the server process's CPU during the whole phase, when one was watched
	Busy        float64       // the share of all the machine's CPU time that was busy during the phase
}

// Rate is units per second over the measured window.
func (r result) Rate() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.Units) / r.Window.Seconds()
}

// maxUnitsPerWorker bounds every loop whatever the duration: no phase runs unbounded.
const maxUnitsPerWorker = 2_000_000

// runPhase runs p and measures the units that complete inside the measured window. serverCPU, when not nil, reads
// the server's CPU time before and after.
func runPhase(ctx context.Context, p phase, serverCPU func() time.Duration) result {
	type sample struct {
		op int
		d  time.Duration
	}
	var (
		mu       sync.Mutex
		samples  []sample
		total    int
		errCount int
		errs     []string
		wg       sync.WaitGroup
	)
	cpu0 := selfCPU()
	busy0, total0 := machineCPU()
	var srv0 time.Duration
	if serverCPU != nil {
		srv0 = serverCPU()
	}
	start := time.Now()
	from := start.Add(p.warmup)
	end := from.Add(p.duration)
	for i := range p.concurrency {
		wg.Go(func() {
			w := &worker{id: i, rng: rand.New(rand.NewPCG(p.seed, uint64(i)))}
			var mine []sample
			var done, failed int
			var firstErrs []string
			for w.n = 0; w.n < maxUnitsPerWorker; w.n++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					break
				}
				op, err := p.unit(ctx, w)
				t1 := time.Now()
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					failed++
					if len(firstErrs) < 3 {
						firstErrs = append(firstErrs, fmt.Sprintf("%s: %v", opName(op), err))
					}
					continue
				}
				done++
				if !t1.Before(from) && !t1.After(end) {
					mine = append(mine, sample{op, t1.Sub(t0)})
				}
			}
			mu.Lock()
			samples = append(samples, mine...)
			total += done
			errCount += failed
			if len(errs) < 5 {
				errs = append(errs, firstErrs...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	r := result{Name: p.name, Concurrency: p.concurrency, Window: p.duration, Units: len(samples), Total: total,
		Errors: errCount, ErrorSample: errs, ClientCPU: selfCPU() - cpu0}
	if serverCPU != nil {
		r.ServerCPU = serverCPU() - srv0
	}
	if busy1, total1 := machineCPU(); total1 > total0 {
		r.Busy = float64(busy1-busy0) / float64(total1-total0)
	}
	if ctx.Err() != nil {
		r.Errors++
		r.ErrorSample = append(r.ErrorSample, "interrupted: "+ctx.Err().Error())
	}
	all := make([]time.Duration, len(samples))
	var perOp [numOps][]time.Duration
	for i, s := range samples {
		all[i] = s.d
		if s.op >= 0 && s.op < numOps {
			perOp[s.op] = append(perOp[s.op], s.d)
		}
	}
	r.Lat = summarize(all)
	for op := range numOps {
		r.PerOp[op] = summarize(perOp[op])
	}
	return r
}

func opName(op int) string {
	if op >= 0 && op < numOps {
		return opNames[op]
	}
	return "request"
}

// client sends GraphQL requests to one server.
type client struct {
	hc  *http.Client
	url string
}

func newClient(baseURL string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns + 8, MaxIdleConnsPerHost: conns + 8, IdleConnTimeout: time.Minute}
	return &client{hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}, url: baseURL + "/graphql"}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

var (
	errorsKey     = []byte(`"errors":`)
	userErrorsKey = []byte(`"userErrors":[{`)
)

// post sends body with token and returns the response body. Anything but a 2xx answer without GraphQL errors and
// without userErrors is an error: a benchmark of failures measures nothing.
func (c *client) post(ctx context.Context, token string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(b))
	}
	if bytes.Contains(b, errorsKey) {
		return b, fmt.Errorf("GraphQL errors: %s", snippet(b))
	}
	if bytes.Contains(b, userErrorsKey) {
		return b, fmt.Errorf("userErrors: %s", snippet(b))
	}
	return b, nil
}

// httpWorkload is the dashboard workload over HTTP.
type httpWorkload struct {
	c        *client
	users    []*user
	mix      mix
	pageSize int
	bodies   [numOps][]byte // the reads' bodies, the same for every user (the user is the token)
}

func newHTTPWorkload(c *client, users []*user, m mix, pageSize int) *httpWorkload {
	h := &httpWorkload{c: c, users: users, mix: m, pageSize: pageSize}
	h.bodies[opTasks] = mustJSON(gqlRequest{Query: tasksDoc, Variables: map[string]any{"first": pageSize}})
	h.bodies[opStats] = mustJSON(gqlRequest{Query: statsDoc})
	h.bodies[opTags] = mustJSON(gqlRequest{Query: tagsDoc})
	return h
}

var priorities = [...]string{"LOW", "MEDIUM", "HIGH"}

// do sends one operation of kind op as u.
func (h *httpWorkload) do(ctx context.Context, w *worker, u *user, op int) error {
	var body []byte
	switch op {
	case opTasks, opStats, opTags:
		body = h.bodies[op]
	case opCreate:
		due := time.Now().Add(time.Duration(w.rng.IntN(30*24)) * time.Hour).UTC().Format(time.RFC3339)
		body = mustJSON(gqlRequest{Query: createDoc, Variables: map[string]any{"input": map[string]any{
			"title": fmt.Sprintf("Bench task %d-%d", w.id, w.n), "priority": priorities[w.rng.IntN(3)],
			"tags": []string{"work", "bench"}, "dueAt": due,
		}}})
	case opUpdate:
		body = mustJSON(gqlRequest{Query: updateDoc, Variables: map[string]any{
			"id":    u.ids[w.rng.IntN(len(u.ids))],
			"input": map[string]any{"title": fmt.Sprintf("Edited %d-%d", w.id, w.n), "priority": priorities[w.rng.IntN(3)]},
		}})
	case opComplete:
		body = mustJSON(gqlRequest{Query: completeDoc, Variables: map[string]any{
			"id": u.ids[w.rng.IntN(len(u.ids))], "completed": w.rng.IntN(2) == 0,
		}})
	default:
		return errors.New("unknown operation")
	}
	_, err := h.c.post(ctx, u.token, body)
	return err
}

// unit is one request of the mix by a random user.
func (h *httpWorkload) unit(ctx context.Context, w *worker) (int, error) {
	op := h.mix.pick(w.rng)
	u := h.users[w.rng.IntN(len(h.users))]
	return op, h.do(ctx, w, u, op)
}

// primeIDs reads the ids of each user's newest tasks through the server, for the writes to aim at.
func (h *httpWorkload) primeIDs(ctx context.Context, n int) error {
	body := mustJSON(gqlRequest{Query: idsDoc, Variables: map[string]any{"first": n}})
	for _, u := range h.users {
		b, err := h.c.post(ctx, u.token, body)
		if err != nil {
			return fmt.Errorf("read task ids of %s (%s token): %w", u.id, u.alg, err)
		}
		var resp struct {
			Data struct {
				Tasks struct {
					Nodes []struct {
						ID string `json:"id"`
					} `json:"nodes"`
				} `json:"tasks"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			return err
		}
		u.ids = u.ids[:0]
		for _, node := range resp.Data.Tasks.Nodes {
			u.ids = append(u.ids, node.ID)
		}
		if len(u.ids) == 0 {
			return fmt.Errorf("user %s has no tasks", u.id)
		}
	}
	return nil
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
