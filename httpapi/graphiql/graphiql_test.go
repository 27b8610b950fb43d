package graphiql_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"taskapi/httpapi/graphiql"
)

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cspDirectives parses a Content-Security-Policy header into directive -> sources.
func cspDirectives(t *testing.T, header string) map[string][]string {
	t.Helper()
	if header == "" {
		t.Fatal("no Content-Security-Policy header")
	}
	m := map[string][]string{}
	for _, d := range strings.Split(header, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			m[f[0]] = f[1:]
		}
	}
	return m
}

var assetLink = regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)"`)

func pageAssets(t *testing.T, page string) []string {
	t.Helper()
	var links []string
	for _, m := range assetLink.FindAllStringSubmatch(page, -1) {
		links = append(links, m[1])
	}
	return links
}

func TestPage(t *testing.T) {
	h := graphiql.Handler("/graphql")

	t.Run("OK", func(t *testing.T) {
		resp := serve(t, h, http.MethodGet, "/", nil)
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options %q, want nosniff", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		if !strings.Contains(page, `data-endpoint="/graphql"`) {
			t.Errorf("page does not point GraphiQL at /graphql:\n%s", page)
		}
		for _, name := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "init.js", "graphiql.min.css", "page.css"} {
			if !strings.Contains(page, "/"+name+`"`) {
				t.Errorf("page does not load %s", name)
			}
		}
	})

	t.Run("NoInlineScriptOrStyle", func(t *testing.T) {
		page := body(t, serve(t, h, http.MethodGet, "/", nil))
		if regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`).MatchString(page) {
			t.Error("page has an inline script")
		}
		if regexp.MustCompile(`<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
			t.Error("page has an inline style or event handler")
		}
		for _, m := range regexp.MustCompile(`<script([^>]*)>`).FindAllStringSubmatch(page, -1) {
			if !strings.Contains(m[1], `src="/graphiql/`) {
				t.Errorf("script not loaded from /graphiql/: <script%s>", m[1])
			}
		}
	})

	t.Run("ContentSecurityPolicy", func(t *testing.T) {
		resp := serve(t, h, http.MethodGet, "/", nil)
		page := body(t, resp)
		csp := cspDirectives(t, resp.Header.Get("Content-Security-Policy"))
		want := map[string]string{
			"default-src":     "'none'",
			"script-src":      "'self'",
			"img-src":         "'self' data:",
			"font-src":        "'self' data:",
			"connect-src":     "'self'",
			"base-uri":        "'none'",
			"form-action":     "'none'",
			"frame-ancestors": "'none'",
		}
		for d, v := range want {
			if got := strings.Join(csp[d], " "); got != v {
				t.Errorf("%s %q, want %q", d, got, v)
			}
		}
		style := csp["style-src"]
		if len(style) != 2 || style[0] != "'self'" || !strings.HasPrefix(style[1], "'nonce-") {
			t.Fatalf("style-src %q, want 'self' and a nonce", style)
		}
		for _, s := range csp["style-src"] {
			if s == "'unsafe-inline'" || s == "'unsafe-eval'" {
				t.Errorf("style-src allows %s", s)
			}
		}
		nonce := strings.TrimSuffix(strings.TrimPrefix(style[1], "'nonce-"), "'")
		if !strings.Contains(page, `nonce="`+nonce+`"`) {
			t.Errorf("the page does not carry the policy's nonce %q", nonce)
		}
		again := cspDirectives(t, serve(t, h, http.MethodGet, "/", nil).Header.Get("Content-Security-Policy"))
		if again["style-src"][1] == style[1] {
			t.Error("two responses share a nonce")
		}
	})

	t.Run("AbsoluteEndpointAllowedInConnectSrc", func(t *testing.T) {
		resp := serve(t, graphiql.Handler("https://api.example.com/graphql"), http.MethodGet, "/", nil)
		page := body(t, resp)
		csp := cspDirectives(t, resp.Header.Get("Content-Security-Policy"))
		if got := strings.Join(csp["connect-src"], " "); got != "'self' https://api.example.com" {
			t.Errorf("connect-src %q", got)
		}
		if !strings.Contains(page, `data-endpoint="https://api.example.com/graphql"`) {
			t.Error("page does not carry the endpoint")
		}
	})

	t.Run("EndpointIsEscaped", func(t *testing.T) {
		page := body(t, serve(t, graphiql.Handler(`/graphql"><script>alert(1)</script>`), http.MethodGet, "/", nil))
		if strings.Contains(page, "<script>alert") {
			t.Error("endpoint is not escaped")
		}
	})

	t.Run("Head", func(t *testing.T) {
		resp := serve(t, h, http.MethodHead, "/", nil)
		if resp.StatusCode != http.StatusOK || body(t, resp) != "" {
			t.Errorf("HEAD /: status %d", resp.StatusCode)
		}
	})

	t.Run("ErrMethodNotAllowed", func(t *testing.T) {
		resp := serve(t, h, http.MethodPost, "/", nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST /: status %d, want 405", resp.StatusCode)
		}
	})
}

func TestAssets(t *testing.T) {
	h := graphiql.Handler("/graphql")
	page := body(t, serve(t, h, http.MethodGet, "/", nil))
	links := pageAssets(t, page)
	if len(links) != 6 {
		t.Fatalf("page links %d assets, want 6: %q", len(links), links)
	}

	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	for _, link := range links {
		name := filepath.Base(link)
		t.Run(name, func(t *testing.T) {
			resp := serve(t, h, http.MethodGet, link, nil)
			got := body(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != wantType[filepath.Ext(name)] {
				t.Errorf("Content-Type %q", ct)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", got)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
			onDisk, err := os.ReadFile(filepath.Join("assets", name))
			if err != nil {
				t.Fatal(err)
			}
			if got != string(onDisk) {
				t.Errorf("served %d bytes that differ from assets/%s", len(got), name)
			}
			// The version in the path is derived from the content.
			sum := sha256.Sum256(onDisk)
			if v := filepath.Base(filepath.Dir(link)); !strings.HasPrefix(hex.EncodeToString(sum[:]), v) {
				t.Errorf("version %s is not a prefix of the content's sha256", v)
			}

			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			notModified := serve(t, h, http.MethodGet, link, http.Header{"If-None-Match": {etag}})
			if notModified.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", notModified.StatusCode)
			}
		})
	}

	t.Run("Gzip", func(t *testing.T) {
		var link string
		for _, l := range links {
			if strings.HasSuffix(l, "/graphiql.min.js") {
				link = l
			}
		}
		resp := serve(t, h, http.MethodGet, link, http.Header{"Accept-Encoding": {"br, gzip"}})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		onDisk, _ := os.ReadFile(filepath.Join("assets", "graphiql.min.js"))
		if !bytes.Equal(plain, onDisk) {
			t.Error("gzipped body differs from the asset")
		}
		refused := serve(t, h, http.MethodGet, link, http.Header{"Accept-Encoding": {"gzip;q=0"}})
		if refused.Header.Get("Content-Encoding") != "" {
			t.Error("gzip sent although refused with q=0")
		}
	})

	t.Run("OtherVersionNotCachedForever", func(t *testing.T) {
		resp := serve(t, h, http.MethodGet, "/graphiql/0000000000000000/init.js", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control %q, want no-cache", cc)
		}
	})

	t.Run("ErrUnknownAsset", func(t *testing.T) {
		for _, target := range []string{
			"/graphiql/0000000000000000/nope.js",
			"/graphiql/0000000000000000/page.html",
			"/graphiql/init.js",
			"/graphiql/",
			"/graphiql/0000000000000000/../../page.html",
			"/favicon.ico",
		} {
			resp := serve(t, h, http.MethodGet, target, nil)
			// ServeMux redirects a path with dot segments to its clean form, which is then unknown.
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusTemporaryRedirect {
				t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no nosniff", target)
			}
		}
	})
}

// TestVendoredAssetsMatchVersions pins the third-party files to what e2e/scripts/vendor-graphiql.mjs recorded, so a
// hand-edited or half-updated bundle fails here.
func TestVendoredAssetsMatchVersions(t *testing.T) {
	f, err := os.Open(filepath.Join("assets", "VERSIONS.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[3], "sha256:") {
			t.Fatalf("malformed line %q", line)
		}
		name, want := fields[0], strings.TrimPrefix(fields[3], "sha256:")
		b, err := os.ReadFile(filepath.Join("assets", name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, VERSIONS.txt says %s", name, got, want)
		}
		seen[name] = true
	}
	for _, name := range []string{"graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"} {
		if !seen[name] {
			t.Errorf("VERSIONS.txt does not list %s", name)
		}
	}
}
