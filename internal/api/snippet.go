package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

// snippetKey names one of a site's two scripts: with and without Global
// Privacy Control.
type snippetKey struct {
	site string
	gpc  bool
}

// snippetEntry is one site's script for one config version, compressed once.
type snippetEntry struct {
	version     string
	gen         uint64 // of the front end it was built with
	etag        string
	raw, gz, br []byte
}

// served is the config as served: the canonical bytes with the version
// (their hash) added as the first member.
func served(p *store.Published) []byte {
	b := make([]byte, 0, len(p.Raw)+90)
	b = append(b, `{"version":"`...)
	b = append(b, p.Version...)
	b = append(b, `",`...)
	return append(b, p.Raw[1:]...)
}

func (s *Server) siteConfig(c echo.Context) error {
	site, pub, err := s.Store.Current(c.Param("site"))
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	s.allowOrigin(c, site)
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return c.JSONBlob(http.StatusOK, served(pub))
}

// snippet serves /s/{site}.js: the site's config inlined before the shared
// bundle, so one request shows the banner.
func (s *Server) snippet(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Timing-Allow-Origin", "*") // sites may measure what the banner costs them
	id, ok := strings.CutSuffix(c.Param("file"), ".js")
	_, pub, err := s.Store.Current(id)
	if !ok || err != nil {
		h.Set("Cache-Control", "no-store")
		return c.Blob(http.StatusNotFound, "text/javascript; charset=utf-8", []byte("/* assent: unknown site */\n"))
	}
	f, err := s.frontEnd()
	if err != nil {
		return err
	}
	// Sec-GPC is Global Privacy Control's header, sent with every request
	// while the visitor has it on. Told here, the banner knows it without
	// reading navigator.globalPrivacyControl on its first paint (instancing
	// navigator costs a page about 15 KiB of heap). A cache in between must
	// key on the header, hence Vary; the snippet checks the property too
	// before recording a decision.
	e := s.snippetFor(id, pub, f, c.Request().Header.Get("Sec-GPC") == "1")
	h.Set("Cache-Control", "public, max-age=300, stale-while-revalidate=86400")
	h.Add("Vary", "Accept-Encoding, Sec-GPC")
	return serveJS(c, e)
}

// snippetTags serves /s/t/{hash}.js, the module the banner imports to load
// blocked tags (see snippet.Bundles). Named by its hash, it never changes,
// so browsers keep it for a year. Modules are fetched with CORS; the code
// is public, so every origin may have it.
func (s *Server) snippetTags(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Timing-Allow-Origin", "*") // sites may measure what the banner costs them
	h.Set("Access-Control-Allow-Origin", "*")
	f, err := s.frontEnd()
	if err != nil {
		return err
	}
	switch hash, _ := strings.CutSuffix(c.Param("file"), ".js"); {
	case "/s/t/"+c.Param("file") == f.bundle.TagsPath:
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case len(hash) == 16 && strings.Trim(hash, "0123456789abcdef") == "":
		// Another build's: a banner cached from before a deploy names the
		// module it was built with. The current one keeps its interface
		// (tags.ts), so it serves, but only for as long as that banner is
		// cached.
		h.Set("Cache-Control", "public, max-age=300")
	default:
		h.Set("Cache-Control", "no-store")
		return c.Blob(http.StatusNotFound, "text/javascript; charset=utf-8", []byte("/* assent: no such module */\n"))
	}
	h.Add("Vary", "Accept-Encoding")
	return serveJS(c, f.tags)
}

// serveJS answers with e, compressed as the request accepts, or 304.
func serveJS(c echo.Context, e *snippetEntry) error {
	h := c.Response().Header()
	// Each encoding is a representation of its own, with a strong
	// validator of its own (RFC 9110, 8.8.3): a cache holding the gzip
	// body must not be told that the br one is what it has.
	body, enc := e.raw, encoding(c.Request().Header.Get("Accept-Encoding"))
	switch enc {
	case "br":
		body = e.br
	case "gzip":
		body = e.gz
	}
	etag := e.etag
	if enc != "" {
		etag = strings.TrimSuffix(etag, `"`) + "-" + enc + `"`
	}
	h.Set("ETag", etag)
	if etagMatch(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if enc != "" {
		h.Set("Content-Encoding", enc)
	}
	// Without it net/http chunks anything over 2 KiB; with it the browser
	// knows the script's size up front.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", body)
}

func (s *Server) snippetFor(site string, pub *store.Published, f *frontEnd, gpc bool) *snippetEntry {
	key := snippetKey{site, gpc}
	fresh := func() *snippetEntry {
		if v, ok := s.snippets.Load(key); ok && v.(*snippetEntry).version == pub.Version && v.(*snippetEntry).gen == f.gen {
			return v.(*snippetEntry)
		}
		return nil
	}
	if e := fresh(); e != nil {
		return e
	}
	// One build per script at a time: after a restart or a publish, a
	// burst of requests would otherwise each compress their own copy (a
	// fifth of a second of CPU and megabytes of brotli's buffers each; a
	// thousand at once took gigabytes). The others wait, and take it.
	mu, _ := s.snippetBuilds.LoadOrStore(key, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if e := fresh(); e != nil {
		return e
	}
	var raw bytes.Buffer
	raw.WriteString("self.__assentBoot={")
	if gpc {
		raw.WriteString(`"gpc":true,`)
	}
	// The look's derived colours (see consent.Look.OnAccent).
	raw.WriteString(`"on":"` + pub.Config.Look.OnAccent() + `",`)
	if pub.Config.Look.Light() {
		raw.WriteString(`"dark":true,`)
	}
	// The version in its short form (see consent.ShortVersion).
	raw.WriteString(`"config":{"version":"` + consent.ShortVersion(pub.Version) + `",`)
	raw.Write(pub.Raw[1:])
	raw.WriteString("};\n")
	if pub.Config.Look.Layout == "bar" {
		raw.Write(f.bundle.Full)
	} else {
		raw.Write(f.bundle.Box)
	}
	e := newEntry(raw.Bytes())
	e.version, e.gen = pub.Version, f.gen
	s.snippets.Store(key, e)
	return e
}

// newEntry compresses b once, and names it by its hash.
func newEntry(b []byte) *snippetEntry {
	sum := sha256.Sum256(b)
	e := &snippetEntry{etag: `"` + hex.EncodeToString(sum[:12]) + `"`, raw: b}
	e.gz, e.br = compress(b)
	return e
}

func compress(b []byte) (gz, br []byte) {
	var g, r bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
	gw.Write(b)
	gw.Close()
	// A window of 256 KiB holds any script whole (the default 4 MiB only
	// costs memory while compressing).
	bw := brotli.NewWriterOptions(&r, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 18})
	bw.Write(b)
	bw.Close()
	return g.Bytes(), r.Bytes()
}

// encoding picks br, gzip or "" from an Accept-Encoding header, honouring q=0.
func encoding(accept string) string {
	ok := map[string]bool{}
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		// "q=0", "Q=0.", "q=0.000": refused (the parameter name is
		// case-insensitive, RFC 9110 §12.4.2).
		v, isQ := strings.CutPrefix(strings.ToLower(strings.ReplaceAll(params, " ", "")), "q=")
		ok[strings.ToLower(name)] = !(isQ && strings.HasPrefix(v, "0") && strings.Trim(v, "0.") == "")
	}
	switch {
	case ok["br"]:
		return "br"
	case ok["gzip"]:
		return "gzip"
	}
	return ""
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
