// Package graphiql serves the GraphiQL IDE from files embedded in the binary, so it works offline and under a
// strict Content-Security-Policy: no inline script, no third-party origin.
//
// The GraphiQL bundle and the React builds it needs are copied from pinned npm releases by
// e2e/scripts/vendor-graphiql.mjs, which records their versions and sha256 in assets/VERSIONS.txt.
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prefix is the path under which the assets are served; mount Handler at "GET /graphiql/" as well as "GET /{$}".
const Prefix = "/graphiql/"

//go:embed assets/*.js assets/*.css assets/*.txt
var assetFS embed.FS

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// contentTypes lists the extensions served; anything else in assets/ is not.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// asset is one embedded file. Its URL carries a hash of its content, so a browser may cache it forever.
type asset struct {
	name        string
	contentType string
	body        []byte
	version     string // first 16 hex digits of the sha256 of body, the path segment before the name
	etag        string

	gzipOnce sync.Once
	gzipBody []byte // nil when compressing does not pay
}

func (a *asset) url() string { return Prefix + a.version + "/" + a.name }

func (a *asset) gzipped() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		if buf.Len() < len(a.body)*9/10 {
			a.gzipBody = buf.Bytes()
		}
	})
	return a.gzipBody
}

var assets = sync.OnceValue(func() map[string]*asset {
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic(fmt.Sprintf("graphiql: reading embedded assets: %v", err))
	}
	m := make(map[string]*asset, len(entries))
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok || e.IsDir() {
			continue
		}
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("graphiql: reading embedded asset %s: %v", e.Name(), err))
		}
		sum := sha256.Sum256(body)
		m[e.Name()] = &asset{
			name:        e.Name(),
			contentType: ct,
			body:        body,
			version:     hex.EncodeToString(sum[:8]),
			etag:        `"` + hex.EncodeToString(sum[:16]) + `"`,
		}
	}
	return m
})

// pageAssets are the URLs the page links to.
type pageAssets struct {
	CSS, PageCSS, React, ReactDOM, GraphiQL, Init string
}

// Handler serves GraphiQL at "/" and its assets under "/graphiql/", pointed at the GraphQL endpoint (a path such
// as "/graphql", or an absolute URL whose origin is then allowed in connect-src).
//
// Every response carries a strict Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'
// plus a per-response nonce (GraphiQL's dialogs inject one <style> element for their scroll lock, which the page
// tags with that nonce, so 'unsafe-inline' is not needed); img-src and font-src 'self' data: (the stylesheet
// inlines its fonts and icons); connect-src 'self'; base-uri, form-action and frame-ancestors 'none'. Also
// X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer and X-Frame-Options: DENY.
//
// The page is never cached (its nonce changes with each response); an asset is served at
// /graphiql/<hash of its content>/<name> with "Cache-Control: public, max-age=31536000, immutable" and an ETag, and
// compressed with gzip when the client accepts it. An unknown asset is 404; only GET and HEAD are answered.
func Handler(endpoint string) http.Handler {
	all := assets()
	links := pageAssets{
		CSS:      all["graphiql.min.css"].url(),
		PageCSS:  all["page.css"].url(),
		React:    all["react.production.min.js"].url(),
		ReactDOM: all["react-dom.production.min.js"].url(),
		GraphiQL: all["graphiql.min.js"].url(),
		Init:     all["init.js"].url(),
	}
	connectSrc := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		connectSrc += " " + u.Scheme + "://" + u.Host
	}
	h := &handler{endpoint: endpoint, links: links, connectSrc: connectSrc, assets: all}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.page)
	mux.HandleFunc("GET "+Prefix+"{version}/{name}", h.asset)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Errors (404, 405) get the same headers as the rest; the page replaces the policy with one carrying
		// its nonce.
		h.securityHeaders(w, "")
		mux.ServeHTTP(w, r)
	})
}

type handler struct {
	endpoint   string
	links      pageAssets
	connectSrc string
	assets     map[string]*asset
}

func (h *handler) securityHeaders(w http.ResponseWriter, nonce string) {
	styleSrc := "'self'"
	if nonce != "" {
		styleSrc += " 'nonce-" + nonce + "'"
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src "+styleSrc+
		"; img-src 'self' data:; font-src 'self' data:; connect-src "+h.connectSrc+
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
}

func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:])

	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct {
		Title, Endpoint, Nonce string
		Assets                 pageAssets
	}{"GraphiQL · Tasks API", h.endpoint, nonce, h.links})
	if err != nil {
		http.Error(w, "rendering GraphiQL failed", http.StatusInternalServerError)
		return
	}
	h.securityHeaders(w, nonce)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Vary", "Accept-Encoding")
	if r.PathValue("version") == a.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// A page from another build of the server (during a rolling deploy) asks for an older or newer version:
		// serve what this build has, but let no cache keep it under that URL.
		hdr.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, a.etag
	if gz := a.gzipped(); gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip (explicitly or through "*") with a non-zero q.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}
