package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/snippet"
	"github.com/labstack/echo/v4"
)

// Dashboard is the built front end: app.js, app.css, preview.js and
// preview.css (see dashboard/ and server/dashboard.go).
type Dashboard map[string][]byte

// The dashboard loads nothing but its own files: no inline script or style,
// no framing, and Trusted Types so DOM-injection sinks are refused outright.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; " +
	"require-trusted-types-for 'script'; trusted-types 'none'"

// The preview is framed by the dashboard only, and may not talk to any
// server: the banner it shows must never record a decision.
const previewCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

type dashAsset struct {
	body  []byte
	ctype string
}

// frontEnd is the browser code being served: the snippet bundle and the
// dashboard with its content-hashed asset names.
type frontEnd struct {
	gen     uint64 // which build: only development rebuilds
	bundle  snippet.Bundles
	tags    *snippetEntry        // bundle.Tags, compressed once
	assets  map[string]dashAsset // by hashed name
	shell   []byte               // the dashboard's page
	preview []byte               // the banner preview's page
}

func newFrontEnd(gen uint64, bundle snippet.Bundles, dash Dashboard) *frontEnd {
	f := &frontEnd{gen: gen, bundle: bundle, assets: map[string]dashAsset{}, tags: newEntry(bundle.Tags)}
	names := map[string]string{}
	files := map[string][]byte{"snippet.js": bundle.Full} // the preview shows every layout
	for k, v := range dash {
		files[k] = v
	}
	for name, body := range files {
		sum := sha256.Sum256(body)
		base, ext, _ := strings.Cut(name, ".")
		hashed := base + "." + hex.EncodeToString(sum[:6]) + "." + ext
		ctype := "text/javascript; charset=utf-8"
		if ext == "css" {
			ctype = "text/css; charset=utf-8"
		}
		f.assets[hashed], names[name] = dashAsset{body, ctype}, "/dashboard/assets/"+hashed
	}
	f.shell = []byte(fmt.Sprintf(shellHTML, names["app.css"], names["app.js"]))
	f.preview = []byte(fmt.Sprintf(previewHTML, names["preview.css"], names["preview.js"], names["snippet.js"]))
	return f
}

// frontEnd returns the browser code to serve now: the one built at start,
// or in development the one Rebuild made from the sources on disk.
func (s *Server) frontEnd() (*frontEnd, error) {
	f := s.front.Load()
	if s.Rebuild == nil {
		return f, nil
	}
	gen, bundle, dash, err := s.Rebuild()
	if err != nil {
		// The details (file, line, and paths on this machine) go to the log
		// only, as for every internal error.
		s.Log.Error("front-end build failed (development mode)", "err", err)
		return nil, consent.Errorf(consent.ECodeInternal, "the front end does not build; the server log says why")
	}
	if f == nil || f.gen != gen {
		f = newFrontEnd(gen, bundle, dash)
		s.front.Store(f)
	}
	return f, nil
}

// dashboardRoutes serves the dashboard UI: a shell page for every path under
// /dashboard/ (the app routes in the browser), and content-hashed assets
// cached as immutable.
func (s *Server) dashboardRoutes(e *echo.Echo) {
	e.GET("/dashboard", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/dashboard/") })
	e.Match(getHead, "/dashboard/assets/:file", func(c echo.Context) error {
		f, err := s.frontEnd()
		if err != nil {
			return err
		}
		a, ok := f.assets[c.Param("file")]
		if !ok {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		return c.Blob(http.StatusOK, a.ctype, a.body)
	})
	e.GET("/dashboard/preview", s.page(func(f *frontEnd) []byte { return f.preview }, previewCSP))
	e.GET("/dashboard/*", s.page(func(f *frontEnd) []byte { return f.shell }, dashboardCSP))
}

func (s *Server) page(body func(*frontEnd) []byte, csp string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := s.frontEnd()
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Cache-Control", "no-cache")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if strings.Contains(csp, "frame-ancestors 'none'") {
			h.Set("X-Frame-Options", "DENY")
		} else {
			h.Set("X-Frame-Options", "SAMEORIGIN")
		}
		return c.HTMLBlob(http.StatusOK, body(f))
	}
}

const shellHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Assent</title>
<link rel="stylesheet" href="%s">
<script src="%s" defer></script>
</head>
<body><div id="app" class="boot">Loading…</div></body>
</html>
`

// previewHTML is a neutral page for the banner to sit on; the dashboard
// sends it the draft config by postMessage.
const previewHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Banner preview</title>
<link rel="stylesheet" href="%s">
<script src="%s" data-snippet="%s" defer></script>
</head>
<body>
<div class="pv-nav"><span class="pv-logo"></span><span class="pv-line w20"></span><span class="pv-line w10"></span><span class="pv-line w10"></span></div>
<div class="pv-hero"><span class="pv-line w60 tall"></span><span class="pv-line w40"></span><span class="pv-line w50"></span></div>
<div class="pv-cards"><span class="pv-card"></span><span class="pv-card"></span><span class="pv-card"></span></div>
</body>
</html>
`
