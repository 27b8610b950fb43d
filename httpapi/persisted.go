package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"taskapi/graph"
	"taskapi/internal/sizedcache"
)

// persistedQueries implements Apollo's automatic persisted queries: a client sends
// extensions.persistedQuery {version: 1, sha256Hash} without the query; the server runs the document it knows by
// that hash, or answers PERSISTED_QUERY_NOT_FOUND, on which Apollo Client's persisted-query link sends the hash again
// with the full query, which the server checks against the hash and remembers.
//
// It is gqlgen's extension.AutomaticPersistedQuery with three differences. A document is remembered only once it has
// passed the limits and validation (MutateOperationContext runs after both), so the cache holds no document that
// would be refused, and the cache is bounded by the bytes of what it holds rather than by the number of entries,
// which let one client fill it with large documents. And problems with the extension
// are BAD_REQUEST errors with messages of our own (gqlgen's carry no code).
//
// It must be registered before the limiter, so that a document looked up by its hash is measured like one sent in
// full.
//
// The miss is a request error like a parse error: 200 with application/json, 400 with
// application/graphql-response+json, as the GraphQL-over-HTTP specification asks, and always a JSON body whose error
// has the message PersistedQueryNotFound and extensions.code PERSISTED_QUERY_NOT_FOUND, either of which makes Apollo's
// link retry with the full query (it reads the body of a 4xx response too). The transport marks it uncacheable, so
// that no cache keeps serving the miss of a GET once the document is known.
type persistedQueries struct {
	cache *sizedcache.Cache[string, string]
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
	_ graphql.OperationContextMutator   = persistedQueries{}
)

// persistedQueryStats is the key of the operation's statistics under which the extension notes the hash, as gqlgen's
// does (extension.GetApqStats reads it).
const persistedQueryStats = "APQ"

// Messages of the persisted-query errors. The miss's message is the one Apollo's link looks for.
const (
	msgPersistedQueryNotFound = "PersistedQueryNotFound"
	msgPersistedQueryInvalid  = "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<64 hexadecimal digits>\"}."
	msgPersistedQueryMismatch = "extensions.persistedQuery.sha256Hash is not the SHA-256 hash of the query."
)

func newPersistedQueries(maxBytes int64) persistedQueries {
	return persistedQueries{cache: sizedcache.New(maxBytes, func(hash, query string) int64 {
		return int64(len(hash)+len(query)) + sizedcache.EntryOverhead
	})}
}

func (persistedQueries) ExtensionName() string                          { return "AutomaticPersistedQuery" }
func (persistedQueries) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters puts the document a hash names in place of the missing query, or checks that a query
// sent with a hash is the hash's.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	raw, ok := params.Extensions["persistedQuery"]
	if !ok || raw == nil {
		return nil
	}
	hash, ok := persistedQueryHash(raw)
	if !ok {
		return badRequest(msgPersistedQueryInvalid)
	}
	sent := params.Query != ""
	if sent {
		if documentHash(params.Query) != hash {
			return badRequest(msgPersistedQueryMismatch)
		}
	} else {
		query, ok := p.cache.Get(ctx, hash)
		if !ok {
			return &gqlerror.Error{Message: msgPersistedQueryNotFound, Extensions: map[string]any{"code": graph.CodePersistedQueryMissing}}
		}
		params.Query = query
	}
	if rc := graphql.GetOperationContext(ctx); rc != nil {
		rc.Stats.SetExtension(persistedQueryStats, &extension.ApqStats{Hash: hash, SentQuery: sent})
	}
	return nil
}

// MutateOperationContext remembers a document sent with its hash, now that it has passed the limits and validation.
func (p persistedQueries) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	stats, _ := rc.Stats.GetExtension(persistedQueryStats).(*extension.ApqStats)
	if stats != nil && stats.SentQuery {
		p.cache.Add(ctx, stats.Hash, rc.RawQuery)
	}
	return nil
}

// persistedQueryHash reads extensions.persistedQuery: version 1 and a SHA-256 hash in hexadecimal, which is returned
// in lower case.
func persistedQueryHash(raw any) (string, bool) {
	ext, ok := raw.(map[string]any)
	if !ok {
		return "", false
	}
	// The transport decodes numbers as json.Number; a caller of the executor may use float64 or int.
	switch v := ext["version"].(type) {
	case json.Number:
		if v.String() != "1" {
			return "", false
		}
	case float64:
		if v != 1 {
			return "", false
		}
	case int:
		if v != 1 {
			return "", false
		}
	default:
		return "", false
	}
	hash, ok := ext["sha256Hash"].(string)
	if !ok || len(hash) != sha256.Size*2 {
		return "", false
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return "", false
	}
	return strings.ToLower(hash), true
}

// documentHash is the SHA-256 hash of a document, in lower-case hexadecimal, as Apollo's link computes it.
func documentHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// isPersistedQueryMiss reports whether resp is the answer to a hash the server does not know.
func isPersistedQueryMiss(resp *graphql.Response) bool {
	return resp != nil && len(resp.Errors) == 1 && resp.Errors[0].Extensions["code"] == graph.CodePersistedQueryMissing
}
