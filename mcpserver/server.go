// Package mcpserver serves the task API to AI agents over the Model Context Protocol: Streamable HTTP on /mcp,
// stateless (every request stands alone, so any instance answers any request), with tools that act for the user
// whose token comes with the request, through the same store methods as the GraphQL resolvers. Changes made
// through a tool are the same writes as through GraphQL: the same events, webhooks and reminders follow.
//
// A request meets, in order: token verification (401 with the RFC 9728 resource_metadata pointer when the token is
// missing or bad), a check that the body is JSON-RPC at all (a parse error or invalid request comes back as a
// JSON-RPC error object), the SDK's Streamable HTTP handler, and, per JSON-RPC request, the rate limit shared with
// GraphQL and the user_id rule; then the tool. cmd/server mounts it beside GraphQL on httpapi's chain, which adds
// the request id, logs, metrics, CORS, security headers and the body limit.
package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"taskapi/auth"
	"taskapi/graph"
	"taskapi/model"
)

// Path is where the MCP endpoint is served; MetadataPath is where its RFC 9728 protected resource metadata is.
const (
	Path         = "/mcp"
	MetadataPath = "/.well-known/oauth-protected-resource"
)

// Shared is what the endpoint shares with GraphQL: the per-user rate limit and the request's log line.
// httpapi.Shared implements it.
type Shared interface {
	// Charge takes one request from the user's rate-limit bucket and returns 0, or how long until the bucket
	// holds one again (nothing taken).
	Charge(userID string) time.Duration
	// SetUser names the verified user on the log line of the request ctx belongs to.
	SetUser(ctx context.Context, userID string)
	// AddOperation names one of its JSON-RPC requests on that line (kind "tool" and the tool's name for a call).
	AddOperation(ctx context.Context, kind, name string)
}

// Config is what the endpoint needs.
type Config struct {
	Store    *model.Store
	Verifier auth.TokenVerifier
	// AuthorizationServers are the issuers whose tokens the endpoint accepts, named in the protected resource
	// metadata so that an MCP client knows where to get one: the origin of BETTER_AUTH_URL when it is set.
	AuthorizationServers []string
	// OperationTimeout bounds each tool call, as OPERATION_TIMEOUT bounds a GraphQL operation (0: no bound).
	OperationTimeout time.Duration
	// ExplainTokenRefusals puts the reason a token was refused into the 401's message (development mode).
	ExplainTokenRefusals bool
	Logger               *slog.Logger
	// Version is the server's version, reported to clients in the initialize result.
	Version string
}

// New returns the handler of /mcp.
func New(cfg Config, shared Shared) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	server := newServer(cfg, shared)
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		Stateless: true,
		// Plain JSON answers: nothing here streams (a stateless server cannot ask the client anything), and a
		// JSON body is what every client and curl reads most simply.
		JSONResponse: true,
		// The SDK's DNS-rebinding guard refuses requests that reach a loopback address under another Host name,
		// which is every request behind a reverse proxy on the same machine. It protects servers that trust
		// whoever can reach them; this one trusts nothing but the bearer token, which a rebinding page cannot
		// send.
		DisableLocalhostProtection: true,
		// httpapi's body limit applies before this one (MAX_BODY_BYTES); this is only a backstop.
		MaxRequestBodyBytes: 4 << 20,
	})
	return requireToken(cfg, shared, wellFormed(sdk))
}

// requireToken verifies the bearer token with the same verifier as GraphQL. A request without one, or with one
// the verifier refuses, is answered 401 with WWW-Authenticate naming the protected resource metadata (RFC 9728),
// where an MCP client learns which authorization server issues tokens for this endpoint.
func requireToken(cfg Config, shared Shared, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		challenge := `Bearer resource_metadata="` + origin(r) + MetadataPath + `"`
		values := r.Header.Values("Authorization")
		if len(values) == 0 {
			w.Header().Set("WWW-Authenticate", challenge)
			writeRPCError(w, http.StatusUnauthorized, codeUnauthorized,
				"Authentication required: send Authorization: Bearer <token> with a token of the task API.")
			return
		}
		viewer, err := verify(r.Context(), cfg.Verifier, values)
		if err != nil {
			cfg.Logger.InfoContext(r.Context(), "token refused", "reason", err.Error(), "requestId", graph.RequestID(r.Context()))
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", `+strings.TrimPrefix(challenge, "Bearer "))
			msg := "The token is invalid or expired."
			if cfg.ExplainTokenRefusals {
				msg += " " + err.Error()
			}
			writeRPCError(w, http.StatusUnauthorized, codeUnauthorized, msg)
			return
		}
		shared.SetUser(r.Context(), viewer.ID)
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), viewer)))
	})
}

// verify returns the viewer of the one Authorization header's bearer token.
func verify(ctx context.Context, v auth.TokenVerifier, values []string) (*auth.Viewer, error) {
	// Two Authorization headers could be read differently by a proxy and by us, so neither is trusted.
	if len(values) != 1 {
		return nil, fmt.Errorf("%w: %d Authorization headers", auth.ErrInvalidToken, len(values))
	}
	token, err := auth.BearerToken(values[0])
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, token)
}

// origin is the scheme and host the client addressed: https when the connection or the proxy in front of it
// (X-Forwarded-Proto) says so. It only shapes the answer to the request that carries it.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// JSON-RPC error codes of our own, in the range the specification leaves to servers.
const (
	codeUnauthorized = -32001
	codeRateLimited  = -32029
)

// wellFormed answers a POST whose body is not JSON with a JSON-RPC parse error, and one that is JSON but not a
// JSON-RPC message (or batch of them) with an invalid request error; the SDK would answer both in plain text. A
// body over the limit is answered 413, as for GraphQL.
func wellFormed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeRPCError(w, http.StatusRequestEntityTooLarge, jsonrpc.CodeInvalidRequest,
					fmt.Sprintf("The request body is over the limit of %d bytes.", tooLarge.Limit))
				return
			}
			writeRPCError(w, http.StatusBadRequest, jsonrpc.CodeParseError, "The request body could not be read.")
			return
		}
		if !json.Valid(body) {
			writeRPCError(w, http.StatusBadRequest, jsonrpc.CodeParseError, "Parse error: the body is not JSON.")
			return
		}
		if !isJSONRPC(body) {
			writeRPCError(w, http.StatusBadRequest, jsonrpc.CodeInvalidRequest,
				`Invalid request: the body must be a JSON-RPC 2.0 message such as {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}.`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		aw := &answerWriter{ResponseWriter: w, id: requestID(body)}
		next.ServeHTTP(aw, r)
		aw.finish()
	})
}

// isJSONRPC reports whether body, valid JSON, is one JSON-RPC message or a non-empty array of them.
func isJSONRPC(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) != nil || len(batch) == 0 {
			return false
		}
		for _, m := range batch {
			if _, err := jsonrpc.DecodeMessage(m); err != nil {
				return false
			}
		}
		return true
	}
	_, err := jsonrpc.DecodeMessage(body)
	return err == nil
}

// writeRPCError answers with a JSON-RPC error object whose id is null, as for errors found before a request's id
// could be read.
func writeRPCError(w http.ResponseWriter, status, code int, message string) {
	writeRPCErrorID(w, status, nil, code, message)
}

// writeRPCErrorID answers with a JSON-RPC error object for the request with id.
func writeRPCErrorID(w http.ResponseWriter, status int, id any, code int, message string) {
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		JSONRPC string   `json:"jsonrpc"`
		ID      any      `json:"id"`
		Error   rpcError `json:"error"`
	}{"2.0", id, rpcError{code, message}})
}

// Metadata returns the handler of the protected resource metadata (RFC 9728), at MetadataPath and at MetadataPath
// followed by Path (where a client that derives the address from the resource's looks): the resource is this
// server's /mcp as the client addressed it, and the authorization servers those of cfg.
func Metadata(cfg Config) http.Handler {
	servers := cfg.AuthorizationServers
	if servers == nil {
		servers = []string{}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{
			"resource":                 origin(r) + Path,
			"authorization_servers":    servers,
			"bearer_methods_supported": []string{"header"},
			"resource_name":            "Task API",
		})
		// Public information that browser-based MCP clients read from other origins (RFC 9728 section 3).
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
	})
}

// newServer is the MCP server with the tools and the middleware every JSON-RPC request passes through.
func newServer(cfg Config, shared Shared) *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "taskapi", Title: "Task API", Version: cfg.Version}, &mcp.ServerOptions{
		Instructions: "Tools to manage the signed-in user's tasks: add_task, list_tasks, get_task, update_task, " +
			"complete_task, reopen_task, delete_task, set_reminder, task_stats, and list_lists for their lists. Every " +
			"tool acts for the user whose " +
			"token came with the request; task ids come from add_task and list_tasks.",
		Logger: cfg.Logger,
	})
	t := &tools{store: cfg.Store, logger: cfg.Logger}
	t.register(server)
	server.AddReceivingMiddleware(perRequest(cfg, shared))
	return server
}

// perRequest is the middleware of every JSON-RPC request: its name on the log line, one token from the user's
// rate-limit bucket (a tool call over the limit is a tool error the model can read and wait on; any other request a
// JSON-RPC error), the statement timeout, the user_id rule for tool calls, and a panic turned into an internal
// error, logged with its stack, instead of a crashed process.
func perRequest(cfg Config, shared Shared) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (_ mcp.Result, err error) {
			if strings.HasPrefix(method, "notifications/") {
				return next(ctx, method, req)
			}
			viewer, ok := auth.FromContext(ctx)
			if !ok {
				return nil, &jsonrpc.Error{Code: codeUnauthorized, Message: "Authentication required."}
			}
			call, isCall := req.(*mcp.CallToolRequest)
			if isCall && call.Params != nil {
				shared.AddOperation(ctx, "tool", call.Params.Name)
			} else {
				shared.AddOperation(ctx, "method", method)
			}
			defer func() {
				if p := recover(); p != nil {
					id := graph.RequestID(ctx)
					cfg.Logger.ErrorContext(ctx, "MCP request panicked", "method", method,
						"err", graph.RecoverPanic(ctx, p), "requestId", id)
					err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
						Message: fmt.Sprintf("Internal error (request id %s); try again later.", id)}
				}
			}()
			if wait := shared.Charge(viewer.ID); wait > 0 {
				seconds := int((wait + time.Second - 1) / time.Second)
				msg := fmt.Sprintf("Too many requests; try again in %d s.", seconds)
				if isCall {
					return errorResult(msg), nil
				}
				return nil, &jsonrpc.Error{Code: codeRateLimited, Message: msg}
			}
			if cfg.OperationTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, cfg.OperationTimeout)
				defer cancel()
			}
			if isCall && call.Params != nil {
				args, msg := withoutUserID(call.Params.Arguments, viewer.ID)
				if msg != "" {
					return errorResult(msg), nil
				}
				call.Params.Arguments = args
			}
			return next(ctx, method, req)
		}
	}
}

// withoutUserID applies the user_id rule to a tool call's arguments: the tools act for the token's user, so a
// user_id argument equal to that user's id is dropped, and any other is refused (msg says why).
func withoutUserID(args json.RawMessage, viewerID string) (_ json.RawMessage, msg string) {
	var fields map[string]json.RawMessage
	if len(args) == 0 || json.Unmarshal(args, &fields) != nil {
		return args, "" // not an object: the tool's schema validation says what is wrong
	}
	raw, ok := fields["user_id"]
	if !ok {
		return args, ""
	}
	var id string
	if json.Unmarshal(raw, &id) != nil || id != viewerID {
		return nil, "user_id is not the signed-in user: these tools act only for the user whose token came with " +
			"the request. Leave user_id out."
	}
	delete(fields, "user_id")
	out, err := json.Marshal(fields)
	if err != nil {
		return nil, "The arguments could not be read."
	}
	return out, ""
}

// errorResult is a tool result with isError set and msg as its text.
func errorResult(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}
