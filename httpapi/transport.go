package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/graph"
)

// The two media types of GraphQL over HTTP.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// transport serves GraphQL over HTTP (GET and POST, single operations and batches) on a gqlgen executor. It is our
// own rather than gqlgen's because the GraphQL-over-HTTP specification's status codes, content negotiation and
// batching need one place that sees the whole request.
type transport struct {
	exec         *executor.Executor
	maxBodyBytes int64
	maxBatch     int
	// maxValues bounds the values of a request's variables, and separately of its extensions, counted in the JSON
	// text before it is decoded (Limits.MaxVariableValues).
	maxValues int
	// perRequest, when set, prepares the context that every operation of one HTTP request shares: the request's
	// dataloaders, so that the operations of a batch share what they read.
	perRequest func(ctx context.Context) context.Context
	// afterMutation, when set, runs after each mutation of a batch and before the operations that follow it start,
	// so that nothing read before the mutation is served after it: it clears the dataloaders' caches.
	afterMutation func(ctx context.Context)
}

// rawRequest is one GraphQL request as the client sent it, before it is known to be well formed.
type rawRequest struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// outcome is the answer to one operation and whether it is a request error (the response has no data).
type outcome struct {
	resp         *graphql.Response
	buf          *bytes.Buffer // where resp.Data lies, lent by execute: given back once resp is written
	requestError bool
	status       int // a status that overrides the GraphQL-over-HTTP rules, such as 405 for a mutation over GET
}

func (t *transport) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeError(w, r, mediaJSON, http.StatusNotAcceptable, graph.CodeBadRequest,
			"Accept must allow application/graphql-response+json or application/json.")
		return
	}
	if t.perRequest != nil {
		r = r.WithContext(t.perRequest(r.Context()))
	}
	r = r.WithContext(withRequestBudget(r.Context()))
	switch r.Method {
	case http.MethodGet:
		t.serveGet(w, r, media)
	case http.MethodPost:
		t.servePost(w, r, media)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeError(w, r, media, http.StatusMethodNotAllowed, graph.CodeBadRequest, "GraphQL is served over GET and POST only.")
	}
}

func (t *transport) serveGet(w http.ResponseWriter, r *http.Request, media string) {
	q := r.URL.Query()
	if !q.Has("query") && !q.Has("extensions") {
		writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, "A GraphQL GET request needs a query parameter.")
		return
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if err := decodeObjectParam(q.Get(p.name), p.dst, p.name, t.maxValues); err != nil {
			t.refuseParams(w, r, media, err, "The "+p.name+" parameter must be a JSON object.")
			return
		}
	}
	out := t.run(r.Context(), params, true)
	if gone(r, out.resp) {
		clientGone(w, r)
		giveBack(out.buf)
		return
	}
	if out.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "POST")
	}
	writeResponse(w, r, media, out.statusFor(media), out.resp)
	giveBack(out.buf)
}

func (t *transport) servePost(w http.ResponseWriter, r *http.Request, media string) {
	if !jsonContentType(r.Header.Get("Content-Type")) {
		writeError(w, r, media, http.StatusUnsupportedMediaType, graph.CodeBadRequest,
			"A GraphQL POST request must have Content-Type: application/json.")
		return
	}
	if r.ContentLength > t.maxBodyBytes {
		// Refused on the declared length, without waiting for a body that would be cut off anyway.
		writeError(w, r, media, http.StatusRequestEntityTooLarge, graph.CodeBadRequest,
			fmt.Sprintf("The request body is larger than %d bytes.", t.maxBodyBytes))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, r, media, http.StatusRequestEntityTooLarge, graph.CodeBadRequest,
				fmt.Sprintf("The request body is larger than %d bytes.", t.maxBodyBytes))
			return
		}
		writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, "The request body could not be read.")
		return
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		t.serveBatch(w, r, media, body)
		return
	}
	var req rawRequest
	if err := strictUnmarshal(body, &req); err != nil {
		writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, "The request body is not a JSON object: "+err.Error())
		return
	}
	params, err := req.params(r.Header, t.maxValues)
	if err != nil {
		t.refuseParams(w, r, media, err, err.Error())
		return
	}
	out := t.run(r.Context(), params, false)
	if gone(r, out.resp) {
		clientGone(w, r)
		giveBack(out.buf)
		return
	}
	writeResponse(w, r, media, out.statusFor(media), out.resp)
	giveBack(out.buf) // written, and referenced nowhere else: its buffer can take the next response
}

// serveBatch answers a JSON array of operations with an array of results in the same order. Consecutive queries run
// concurrently; a mutation waits for everything before it and holds back everything after it, so the results are
// those of running the operations one after another.
func (t *transport) serveBatch(w http.ResponseWriter, r *http.Request, media string, body []byte) {
	var elems []json.RawMessage
	if err := strictUnmarshal(body, &elems); err != nil {
		writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, "The request body is not a JSON array: "+err.Error())
		return
	}
	if len(elems) == 0 {
		writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, "A batch needs at least one operation.")
		return
	}
	if len(elems) > t.maxBatch {
		writeResponse(w, r, media, http.StatusBadRequest, &graphql.Response{Errors: gqlerror.List{tooComplex("batch",
			fmt.Sprintf("A batch can hold at most %d operations; this one has %d.", t.maxBatch, len(elems)))}})
		return
	}
	if wait := budgetFrom(r.Context()).chargeOperations(len(elems) - 1); wait > 0 {
		// The request itself was charged once; each further operation counts as one more.
		tooManyRequests(w, r, wait)
		return
	}
	results := make([]*graphql.Response, len(elems))
	bufs := make([]*bytes.Buffer, len(elems)) // where each executed operation's result lies
	var group sync.WaitGroup
	for i, elem := range elems {
		var req rawRequest
		if err := strictUnmarshal(elem, &req); err != nil {
			results[i] = &graphql.Response{Errors: gqlerror.List{badRequest("The operation is not a JSON object: " + err.Error())}}
			continue
		}
		params, err := req.params(r.Header, t.maxValues)
		if err != nil {
			var limit *gqlerror.Error
			if !errors.As(err, &limit) {
				limit = badRequest(err.Error())
			}
			results[i] = &graphql.Response{Errors: gqlerror.List{limit}}
			continue
		}
		ctx, rc, done := t.prepare(r.Context(), params, false)
		switch {
		case done != nil:
			results[i] = done.resp
		case rc.Operation.Operation == ast.Mutation:
			group.Wait()
			results[i], bufs[i] = t.execute(ctx, rc)
			if t.afterMutation != nil {
				t.afterMutation(ctx)
			}
		default:
			group.Go(func() { results[i], bufs[i] = t.execute(ctx, rc) })
		}
	}
	group.Wait()
	defer giveBack(bufs...)
	for _, res := range results {
		if gone(r, res) {
			clientGone(w, r)
			return
		}
	}
	writeBatch(w, r, media, results)
}

// run executes one operation. get says whether it came over GET, where mutations are refused.
func (t *transport) run(ctx context.Context, params *graphql.RawParams, get bool) outcome {
	ctx, rc, done := t.prepare(ctx, params, get)
	if done != nil {
		return *done
	}
	resp, buf := t.execute(ctx, rc)
	return outcome{resp: resp, buf: buf}
}

// prepare parses and validates one operation and coerces its variables. When that fails, done is the answer.
func (t *transport) prepare(ctx context.Context, params *graphql.RawParams, get bool) (context.Context, *graphql.OperationContext, *outcome) {
	ctx, rc, done := compile(ctx, t.exec, params)
	if done != nil {
		return ctx, rc, done
	}
	if rc.Operation.Operation == ast.Subscription {
		// One HTTP response cannot carry a stream of results; without this, the request would wait for the first event.
		resp := t.exec.DispatchError(graphql.WithOperationContext(ctx, rc),
			gqlerror.List{badRequest("Subscriptions are served over WebSocket on /graphql (graphql-transport-ws) and over Server-Sent Events on /graphql/stream.")})
		return ctx, rc, &outcome{resp: resp, requestError: true}
	}
	if get && rc.Operation.Operation != ast.Query {
		resp := t.exec.DispatchError(graphql.WithOperationContext(ctx, rc),
			gqlerror.List{badRequest("Mutations are served over POST only.")})
		return ctx, rc, &outcome{resp: resp, requestError: true, status: http.StatusMethodNotAllowed}
	}
	return ctx, rc, nil
}

// compile parses and validates one operation and coerces its variables, for any transport. When that fails, done is
// the answer.
func compile(ctx context.Context, exec *executor.Executor, params *graphql.RawParams) (context.Context, *graphql.OperationContext, *outcome) {
	ctx = graphql.StartOperationTrace(ctx)
	start := graphql.Now()
	params.ReadTime = graphql.TraceTiming{Start: start, End: start}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		return ctx, rc, &outcome{resp: resp, requestError: true}
	}
	return ctx, rc, nil
}

// execute runs a prepared operation, its result encoded into buf, a buffer lent from responseBuffers
// (graph.WithResponseBuffer): the response's data lies in buf, which the caller gives back with giveBack once it has
// written the response, and so must keep the response nowhere else.
func (t *transport) execute(ctx context.Context, rc *graphql.OperationContext) (resp *graphql.Response, buf *bytes.Buffer) {
	buf = lendBuffer()
	responses, ctx := t.exec.DispatchOperation(graph.WithResponseBuffer(ctx, buf), rc)
	return responses(ctx), buf
}

// statusClientClosedRequest is the status the access log and the metrics give a request whose client went away
// before its answer was made: nginx's 499 "client closed request", which no client ever reads.
const statusClientClosedRequest = 499

// gone reports whether the client went away before resp was made: gqlgen answers a nil response for an operation
// whose context had already ended (a reload or an aborted fetch while it was parsed or validated), and an operation
// cancelled during execution ends with errors nobody reads.
func gone(r *http.Request, resp *graphql.Response) bool {
	return resp == nil || r.Context().Err() != nil
}

// clientGone ends a request whose client went away: nothing of the answer is written but the status, 499, and the
// request's observation says so, so that the access log and the metrics count it as the client's leaving rather than
// a 200 of no bytes (or an error of ours).
func clientGone(w http.ResponseWriter, r *http.Request) {
	observationFrom(r.Context()).setClientGone()
	w.WriteHeader(statusClientClosedRequest)
}

// statusFor applies the GraphQL-over-HTTP specification: with application/json every well-formed request is
// answered 200; with application/graphql-response+json a response without data (a request error) is a 4xx.
func (o outcome) statusFor(media string) int {
	if o.status != 0 {
		return o.status
	}
	if media == mediaGraphQLResponse && o.requestError {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// params checks that a decoded request is well formed: query a string, operationName a string or null, variables
// and extensions objects or null.
//
// Variables and extensions are counted before they are decoded: over maxValues values, the error is the
// QUERY_TOO_COMPLEX *gqlerror.Error of the limit variableValues (or extensionValues).
func (req *rawRequest) params(header http.Header, maxValues int) (*graphql.RawParams, error) {
	p := &graphql.RawParams{Headers: header}
	if err := optionalString(req.Query, &p.Query); err != nil {
		return nil, errors.New("query must be a string")
	}
	if len(req.Query) == 0 || isNull(req.Query) {
		if len(req.Extensions) == 0 || isNull(req.Extensions) {
			return nil, errors.New("A GraphQL request needs a query")
		}
	}
	if err := optionalString(req.OperationName, &p.OperationName); err != nil {
		return nil, errors.New("operationName must be a string")
	}
	if err := optionalObject(req.Variables, &p.Variables, "variables", maxValues); err != nil {
		return nil, orMessage(err, "variables must be a JSON object")
	}
	if err := optionalObject(req.Extensions, &p.Extensions, "extensions", maxValues); err != nil {
		return nil, orMessage(err, "extensions must be a JSON object")
	}
	return p, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func optionalString(raw json.RawMessage, dst *string) error {
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// orMessage keeps a limit's refusal and replaces any other error with message.
func orMessage(err error, message string) error {
	var limit *gqlerror.Error
	if errors.As(err, &limit) {
		return limit
	}
	return errors.New(message)
}

// refuseParams answers a request whose variables or extensions could not be taken: a limit's refusal as the request
// error it is (400 or 200 by media type, as for the other limits), anything else 400 BAD_REQUEST with message.
func (t *transport) refuseParams(w http.ResponseWriter, r *http.Request, media string, err error, message string) {
	var limit *gqlerror.Error
	if errors.As(err, &limit) {
		out := outcome{resp: &graphql.Response{Errors: gqlerror.List{limit}}, requestError: true}
		writeResponse(w, r, media, out.statusFor(media), out.resp)
		return
	}
	writeError(w, r, media, http.StatusBadRequest, graph.CodeBadRequest, message)
}

// optionalObject decodes raw, an object or null, into dst, after counting its values without building them: more
// than maxValues is the QUERY_TOO_COMPLEX refusal of the limit named after what (variableValues, extensionValues).
func optionalObject(raw json.RawMessage, dst *map[string]any, what string, maxValues int) error {
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	if n, err := countJSONValues(raw, maxValues); err == nil && n > maxValues {
		limit := strings.TrimSuffix(what, "s") + "Values"
		return tooComplex(limit, fmt.Sprintf("The %s hold more than %d values.", what, maxValues))
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not an object")
	}
	return strictUnmarshal(raw, dst)
}

func decodeObjectParam(s string, dst *map[string]any, what string, maxValues int) error {
	if s == "" {
		return nil
	}
	return optionalObject(json.RawMessage(s), dst, what, maxValues)
}

// strictUnmarshal decodes one JSON value, numbers kept exact (as gqlgen expects), and refuses trailing data.
func strictUnmarshal(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// jsonContentType accepts application/json with no charset or a UTF-8 one.
func jsonContentType(header string) bool {
	mediaType, params, err := mime.ParseMediaType(header)
	if err != nil || mediaType != mediaJSON {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8")
}

// negotiate picks the response media type from an Accept header. No header or a wildcard means application/json,
// which every client understands (the specification's advice while legacy clients remain); clients that want the
// newer status codes ask for application/graphql-response+json by name. ok is false when the client accepts neither.
func negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	type choice struct {
		media string
		q     float64
		order int
	}
	var choices []choice
	for i, part := range strings.Split(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			continue
		}
		switch mediaType {
		case mediaGraphQLResponse, mediaJSON:
			choices = append(choices, choice{mediaType, q, i})
		case "*/*", "application/*":
			choices = append(choices, choice{mediaJSON, q, i})
		}
	}
	if len(choices) == 0 {
		return "", false
	}
	sort.SliceStable(choices, func(a, b int) bool { return choices[a].q > choices[b].q })
	return choices[0].media, true
}

// appendResponse appends a response as it goes out: the head of its envelope, its data and the tail (see
// appendHead). The transports that frame each response themselves (Server-Sent Events) use it; writeResponse and
// writeBatch write the data where it lies instead.
func appendResponse(b []byte, r *graphql.Response) ([]byte, error) {
	b, err := appendHead(b, r)
	if err != nil {
		return nil, err
	}
	b = append(b, r.Data...)
	return appendTail(b, r)
}

// appendHead appends what goes before a response's data: the opening brace, the errors, and the data's name when
// there is data. Unlike graphql.Response's own encoding the envelope leaves data out entirely when there is none, as
// the specification requires of a request error (which never started execution).
//
// data is gqlgen's output, already compact JSON written by the generated marshalers, so it goes out as it is:
// json.Marshal would parse and re-compact every byte of it again (encoding/json's appendCompact), which was a few
// percent of a dashboard read's CPU. Only the errors and the extensions, small Go values, are encoded here.
func appendHead(b []byte, r *graphql.Response) ([]byte, error) {
	b = append(b, '{')
	if len(r.Errors) > 0 {
		errs, err := json.Marshal(r.Errors)
		if err != nil {
			return nil, err
		}
		b = append(b, `"errors":`...)
		b = append(b, errs...)
	}
	if len(r.Data) > 0 {
		if len(r.Errors) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"data":`...)
	}
	return b, nil
}

// appendTail appends what follows a response's data: the extensions and the closing brace.
func appendTail(b []byte, r *graphql.Response) ([]byte, error) {
	if len(r.Extensions) > 0 {
		ext, err := json.Marshal(r.Extensions)
		if err != nil {
			return nil, err
		}
		if len(r.Errors) > 0 || len(r.Data) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"extensions":`...)
		b = append(b, ext...)
	}
	return append(b, '}'), nil
}

// The envelope of a response with data alone, which is most of them.
var (
	dataOnlyHead = []byte(`{"data":`)
	dataOnlyTail = []byte(`}`)
)

// envelope returns what goes before and after a response's data.
func envelope(r *graphql.Response) (head, tail []byte, err error) {
	if len(r.Errors) == 0 && len(r.Extensions) == 0 && len(r.Data) > 0 {
		return dataOnlyHead, dataOnlyTail, nil
	}
	b, err := appendHead(nil, r)
	if err != nil {
		return nil, nil, err
	}
	split := len(b)
	if b, err = appendTail(b, r); err != nil {
		return nil, nil, err
	}
	return b[:split:split], b[split:], nil
}

// writeParts writes the parts of a body one after the other. The response's data is written where gqlgen left it
// rather than copied behind its envelope into a buffer of its own: that copy was 3 % of the bytes a dashboard read
// allocated. The ResponseWriter buffers small writes, so the parts still leave in as few packets as before.
func writeParts(w io.Writer, parts ...[]byte) {
	for _, p := range parts {
		if len(p) > 0 {
			if _, err := w.Write(p); err != nil {
				return
			}
		}
	}
}

// internalErrorBody is what a client gets when its response cannot be encoded.
const internalErrorBody = `{"errors":[{"message":"` + graph.MsgInternal + `","extensions":{"code":"` + graph.CodeInternal + `"}}]}`

func writeResponse(w http.ResponseWriter, r *http.Request, media string, status int, resp *graphql.Response) {
	data := resp.Data
	head, tail, err := envelope(resp)
	if err != nil {
		status = http.StatusInternalServerError
		head, data, tail = []byte(internalErrorBody), nil, nil
	}
	observationFrom(r.Context()).addErrors(resp.Errors)
	if isPersistedQueryMiss(resp) {
		// The miss of a GET must not be cached: the client is about to make the document known.
		w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	writeParts(w, head, data, tail)
}

// writeBatch writes the array of a batch's responses. Every envelope is encoded before anything is written, so that
// a response that cannot be encoded still turns the whole answer into a 500.
func writeBatch(w http.ResponseWriter, r *http.Request, media string, results []*graphql.Response) {
	// frames holds the JSON between the responses' data: frames[ends[2i-1]:ends[2i]] goes before the data of
	// results[i], frames[ends[2i]:ends[2i+1]] after it (ends[-1] being 0).
	frames := make([]byte, 0, 32*len(results))
	ends := make([]int, 0, 2*len(results))
	obs := observationFrom(r.Context())
	for i, res := range results {
		if i == 0 {
			frames = append(frames, '[')
		} else {
			frames = append(frames, ',')
		}
		var err error
		if frames, err = appendHead(frames, res); err == nil {
			ends = append(ends, len(frames))
			frames, err = appendTail(frames, res)
		}
		if err != nil {
			writeError(w, r, media, http.StatusInternalServerError, graph.CodeInternal, graph.MsgInternal)
			return
		}
		ends = append(ends, len(frames))
		obs.addErrors(res.Errors)
	}
	frames = append(frames, ']')
	ends[len(ends)-1] = len(frames)
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	start := 0
	for i, res := range results {
		head, tail := frames[start:ends[2*i]], frames[ends[2*i]:ends[2*i+1]]
		writeParts(w, head, res.Data, tail)
		start = ends[2*i+1]
	}
}

// writeError answers a request that never reached GraphQL execution with a GraphQL-shaped body.
func writeError(w http.ResponseWriter, r *http.Request, media string, status int, code, message string) {
	err := &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
	writeResponse(w, r, media, status, &graphql.Response{Errors: gqlerror.List{err}})
}

// refuse answers a request that is refused before GraphQL sees it (by the auth middleware or the rate limiter) with
// one error, in the media type the client accepts, or application/json when it accepts neither.
func refuse(w http.ResponseWriter, r *http.Request, status int, err *gqlerror.Error) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		media = mediaJSON
	}
	writeResponse(w, r, media, status, &graphql.Response{Errors: gqlerror.List{err}})
}

func badRequest(message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": graph.CodeBadRequest}}
}

// tooComplex is the refusal of every limit; extensions.limit names the limit.
func tooComplex(limit, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": graph.CodeQueryTooComplex, "limit": limit}}
}
