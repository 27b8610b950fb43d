package mcpserver

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// answerWriter is the response writer of a request that reached the SDK. It marks every answer private to its
// viewer (the SDK sets Cache-Control: no-cache), and rewrites the SDK's plain-text refusals (an unknown method, a
// wrong Accept or Content-Type, an unsupported protocol version) as JSON-RPC error objects with the request's id,
// so that a client always reads JSON-RPC.
type answerWriter struct {
	http.ResponseWriter
	id          any // the request's id; nil when there is none, or several (a batch)
	wroteHeader bool
	status      int
	refusal     *bytes.Buffer // the plain-text body being rewritten; nil otherwise
}

func (w *answerWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.Header().Set("Cache-Control", "private, no-store")
	if status >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.status, w.refusal = status, &bytes.Buffer{}
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *answerWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.refusal != nil {
		return w.refusal.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes flushes on (the SDK flushes event streams), and Unwrap lets http.ResponseController reach the
// writers below.
func (w *answerWriter) Flush() {
	if w.refusal == nil {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *answerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes the rewritten refusal, if there is one.
func (w *answerWriter) finish() {
	if w.refusal == nil {
		return
	}
	msg := strings.TrimSpace(w.refusal.String())
	code := jsonrpc.CodeInvalidRequest
	if strings.Contains(msg, "not handled") {
		_, detail, _ := strings.Cut(msg, "not handled")
		code, msg = jsonrpc.CodeMethodNotFound, "Method not found"+detail // `: "tasks/steal" unsupported`
	}
	w.Header().Del("X-Content-Type-Options")
	writeRPCErrorID(w.ResponseWriter, w.status, w.id, code, msg)
}

// requestID returns the id of body when it is one JSON-RPC request, for the answer to a refusal.
func requestID(body []byte) any {
	msg, err := jsonrpc.DecodeMessage(body)
	if err != nil {
		return nil
	}
	if req, ok := msg.(*jsonrpc.Request); ok && req.ID.IsValid() {
		return req.ID.Raw()
	}
	return nil
}
