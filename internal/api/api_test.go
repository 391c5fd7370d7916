package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/assent/assent/internal/api"
	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/assent/assent/snippet"
	"github.com/google/uuid"
)

const (
	origin     = "https://shop.example"
	adminToken = "test-admin-token-0123456789abcdef0123456789"
)

// env is a real API over a real bbolt file, with a clock the test moves.
type env struct {
	t        testing.TB
	db       *storetest.DB
	signer   *receipt.Signer
	h        http.Handler
	version  string
	rate     float64
	siteRate float64
	proxies  []netip.Prefix // trusted besides private ones; nil: X-Forwarded-For ignored
	envToken *string        // ASSENT_ADMIN_TOKEN when not adminToken
	dir      string
	ledger   *ledger.Log
	remover  *retention.Remover
	mu       sync.Mutex
	now      time.Time
}

func newEnv(t testing.TB, rateLimit float64) *env {
	t.Helper()
	e := &env{t: t, db: storetest.Open(t), now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	var err error
	if e.signer, _, err = receipt.Open(filepath.Join(t.TempDir(), "keys"), e.now); err != nil {
		t.Fatal(err)
	}
	site := consent.NewSite("demo", "Demo", []string{origin}, e.now)
	if err := e.db.PutSite(site); err != nil {
		t.Fatal(err)
	}
	p, err := e.db.Publish("demo", e.now)
	if err != nil {
		t.Fatal(err)
	}
	e.version = p.Version
	e.rate = rateLimit
	e.dir = t.TempDir()
	e.serve()
	return e
}

func (e *env) serve() {
	key, err := ledger.OpenKey(filepath.Join(e.dir, "log.key"), "consent.example/assent-log")
	if err != nil {
		e.t.Fatal(err)
	}
	if e.ledger, err = ledger.Open(e.db, key, filepath.Join(e.dir, "checkpoint")); err != nil {
		e.t.Fatal(err)
	}
	now := func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
	e.remover = &retention.Remover{Store: e.db.Store, Signer: e.signer, Issuer: "https://consent.example", Now: now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	envToken := adminToken
	if e.envToken != nil {
		envToken = *e.envToken
	}
	srv := &api.Server{Store: e.db.Store, Signer: e.signer, Ledger: e.ledger, Remover: e.remover, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://consent.example", RateLimit: e.rate, SiteRateLimit: e.siteRate, TrustXFF: e.proxies != nil, TrustedProxies: e.proxies, Bundle: snippet.Bundles{Full: []byte("/*full*/"), Box: []byte("/*bundle*/"), Tags: []byte("/*tags*/"), TagsPath: "/s/t/0123456789abcdef.js"}, AdminToken: envToken,
		Now: now}
	e.h = srv.Handler()
}

// restart closes and reopens the database and serves from it anew, as a
// server restart would.
func (e *env) restart() {
	e.db.Reopen()
	e.serve()
}

func (e *env) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	return m
}

func (e *env) do(method, path, body string, headers ...string) resp {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (e *env) decision(visitor, action, choices string) string {
	return `{"site":"demo","visitor":"` + visitor + `","action":"` + action + `","choices":` + choices +
		`,"config":"` + e.version + `","lang":"en","url":"https://shop.example/pricing?utm=x#top"}`
}

const (
	allOn  = `{"analytics":true,"advertising":true,"preferences":true}`
	allOff = `{"analytics":false,"advertising":false,"preferences":false}`
	mixed  = `{"analytics":true,"advertising":false,"preferences":true}`
)

func TestErrorsTable(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	good := e.decision(v, "custom", mixed)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"malformed json", "POST", "/api/v1/consents", "{", nil, 400, "invalid_request"},
		{"unknown purpose", "POST", "/api/v1/consents", e.decision(v, "custom", `{"analytics":true,"advertising":false,"preferences":true,"x":true}`), nil, 400, "unknown_purpose"},
		{"missing purpose", "POST", "/api/v1/consents", e.decision(v, "custom", `{"analytics":true}`), nil, 400, "missing_purpose"},
		{"bad uuid", "POST", "/api/v1/consents", strings.Replace(good, v, "123", 1), nil, 400, "invalid_request"},
		{"unknown config", "POST", "/api/v1/consents", strings.Replace(good, e.version, "sha256:"+strings.Repeat("0", 64), 1), nil, 400, "unknown_config"},
		{"action mismatch", "POST", "/api/v1/consents", e.decision(v, "accept_all", mixed), nil, 400, "action_mismatch"},
		{"unknown field", "POST", "/api/v1/consents", strings.Replace(good, `"lang"`, `"ip":"1.2.3.4","lang"`, 1), nil, 400, "unknown_field"},
		{"origin forbidden", "POST", "/api/v1/consents", good, []string{"Origin", "https://evil.example"}, 403, "origin_forbidden"},
		{"unknown site", "POST", "/api/v1/consents", strings.Replace(good, `"demo"`, `"nosite"`, 1), nil, 404, "not_found"},
		{"too large", "POST", "/api/v1/consents", strings.Replace(good, `"lang"`, `"pad":"`+strings.Repeat("x", 9000)+`","lang"`, 1), nil, 413, "body_too_large"},
		// 8 KiB is 8,192 bytes (Echo's "8K" was 8,000): one byte over.
		{"one byte over 8 KiB", "POST", "/api/v1/consents", good + strings.Repeat(" ", 8193-len(good)), nil, 413, "body_too_large"},
		{"unknown api route", "GET", "/api/v1/nothing", "", nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/consents", "", nil, 405, "method_not_allowed"},
		{"wrong method, route with parameters", "POST", "/api/v1/sites/demo/visitors/" + v + "/consent", "", nil, 405, "method_not_allowed"},
		{"no route, parameters or not", "GET", "/api/v1/sites/demo/visitors/" + v + "/consentx", "", nil, 404, "not_found"},
		{"wrong method, admin route", "DELETE", "/api/v1/admin/sites/demo/evidence", "", nil, 405, "method_not_allowed"},
		{"no admin route", "GET", "/api/v1/admin/nothing", "", nil, 404, "not_found"},
		{"receipt id not uuid", "GET", "/api/v1/consents/abc", "", nil, 400, "invalid_request"},
		{"receipt unknown", "GET", "/api/v1/consents/" + uuid.NewString(), "", nil, 404, "not_found"},
		{"visitor not uuid", "GET", "/api/v1/sites/demo/visitors/x/consent", "", nil, 400, "invalid_request"},
		{"visitor unknown site", "GET", "/api/v1/sites/zzz/visitors/" + v + "/consent", "", nil, 404, "not_found"},
		{"unknown purpose query", "GET", "/api/v1/sites/demo/visitors/" + v + "/consent?purpose=marketing", "", nil, 400, "unknown_purpose"},
		{"bad purpose query", "GET", "/api/v1/sites/demo/visitors/" + v + "/consent?purpose=%3Cb%3E", "", nil, 400, "invalid_request"},
		{"malformed purpose query", "GET", "/api/v1/sites/demo/visitors/" + v + "/consent?purpose=%zz", "", nil, 400, "invalid_request"},
		{"purpose query with a semicolon", "GET", "/api/v1/sites/demo/visitors/" + v + "/consent?purpose=analytics;x", "", nil, 400, "invalid_request"},
		{"no receipt id", "GET", "/api/v1/consents/", "", nil, 404, "not_found"},
		{"config unknown site", "GET", "/api/v1/sites/zzz/config", "", nil, 404, "not_found"},
		{"preflight foreign origin", "OPTIONS", "/api/v1/consents", "", []string{"Origin", "https://evil.example"}, 403, "origin_forbidden"},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, c.headers...)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d (body %s)", c.name, r.status, c.status, r.body)
			continue
		}
		m := r.json(t)
		errObj, _ := m["error"].(map[string]any)
		if errObj == nil || errObj["code"] != c.code || errObj["message"] == "" {
			t.Errorf("%s: body %s, want error code %q with a message", c.name, r.body, c.code)
		}
	}
	// A decision of exactly 8 KiB (padded with the whitespace JSON allows)
	// is within the limit.
	if other := e.decision(uuid.NewString(), "custom", mixed); e.do("POST", "/api/v1/consents", other+strings.Repeat(" ", 8192-len(other))).status != 201 {
		t.Error("a decision of 8,192 bytes was refused, want 201")
	}
	if r := e.do("DELETE", "/api/v1/consents", ""); r.header.Get("Allow") != "OPTIONS, POST" {
		t.Errorf("405 on /api/v1/consents: Allow %q, want OPTIONS, POST", r.header.Get("Allow"))
	}
	// The site's own pages can read why a consent check was refused.
	for _, q := range []string{"/consent?purpose=marketing", "/consent?purpose=%zz"} {
		if r := e.do("GET", "/api/v1/sites/demo/visitors/"+v+q, "", "Origin", origin); r.header.Get("Access-Control-Allow-Origin") != origin || r.header.Get("Vary") != "Origin" {
			t.Errorf("%s: %d with Access-Control-Allow-Origin %q and Vary %q; want the site's origin, and Origin", q, r.status, r.header.Get("Access-Control-Allow-Origin"), r.header.Get("Vary"))
		}
	}
	if r := e.do("GET", "/api/v1/sites/demo/visitors/"+v+"/consent", ""); r.status != 200 || bytes.Contains(r.body, []byte(`"decided":true`)) {
		t.Errorf("bad requests recorded a decision: %s", r.body)
	}
}

func TestRateLimitPerClientIP(t *testing.T) {
	e := newEnv(t, 0.1) // one request per 10 s, burst 1
	ok := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), "custom", mixed))
	limited := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), "custom", mixed))
	if ok.status != 201 || limited.status != 429 || limited.header.Get("Retry-After") == "" {
		t.Fatalf("statuses %d, %d (Retry-After %q); want 201 then 429 with Retry-After", ok.status, limited.status, limited.header.Get("Retry-After"))
	}
	if code := limited.json(t)["error"].(map[string]any)["code"]; code != "rate_limited" {
		t.Errorf("code %v, want rate_limited", code)
	}
	// The banner can read why (the body is not read: any site's origin may).
	if r := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), "custom", mixed), "Origin", origin); r.status != 429 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("limited, from the site's origin: %d, ACAO %q; want 429, %q", r.status, r.header.Get("Access-Control-Allow-Origin"), origin)
	}
	from := func(addr string) int {
		r := httptest.NewRequest("POST", "/api/v1/consents", strings.NewReader(e.decision(uuid.NewString(), "custom", mixed)))
		r.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec.Code
	}
	if got := from("198.51.100.9:4000"); got != 201 {
		t.Errorf("another client IP got %d, want 201", got)
	}
	// An IPv6 host has a /64 to itself: another address in it is the same
	// client; one in another /64 is not.
	if got := from("[2001:db8:1:2::1]:4000"); got != 201 {
		t.Errorf("an IPv6 client got %d, want 201", got)
	}
	if got := from("[2001:db8:1:2::beef]:4000"); got != 429 {
		t.Errorf("another address in the same /64 got %d, want 429", got)
	}
	if got := from("[2001:db8:1:3::1]:4000"); got != 201 {
		t.Errorf("an address in another /64 got %d, want 201", got)
	}
}

// TestTrustedProxies: behind a public proxy (a CDN) that is listed, each
// visitor is a client of their own; behind one that is not, the proxy's
// address is the client, and a forwarded address is not believed.
func TestTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []netip.Prefix
		want    int
	}{
		{"listed", []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, 201},
		{"not listed", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, 429},
	} {
		e := newEnv(t, 0.1) // one request per 10 s, burst 1
		e.proxies = c.proxies
		e.serve()
		codes := []int{}
		for _, visitor := range []string{"198.51.100.7", "198.51.100.8"} {
			r := httptest.NewRequest("POST", "/api/v1/consents", strings.NewReader(e.decision(uuid.NewString(), "custom", mixed)))
			r.RemoteAddr = "203.0.113.5:443"
			r.Header.Set("X-Forwarded-For", visitor)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, r)
			codes = append(codes, rec.Code)
		}
		if codes[0] != 201 || codes[1] != c.want {
			t.Errorf("%s proxy: two visitors got %v, want 201 then %d", c.name, codes, c.want)
		}
	}
}

// TestHeadOnPublicResources: CDNs and uptime checks probe with HEAD. Over a
// real connection, since net/http is what drops the body.
func TestHeadOnPublicResources(t *testing.T) {
	e := newEnv(t, 0)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for _, path := range []string{"/s/demo.js", "/healthz", "/.well-known/jwks.json", "/api/v1/sites/demo/config"} {
		get, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		head, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, head.Body)
		head.Body.Close()
		if head.StatusCode != 200 || n != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") ||
			(head.ContentLength >= 0 && head.ContentLength != int64(len(body))) ||
			(path == "/s/demo.js" && head.ContentLength != int64(len(body))) { // the snippet always states its length
			t.Errorf("HEAD %s: %d, %d body bytes, type %q, length %d; GET: type %q, %d bytes",
				path, head.StatusCode, n, head.Header.Get("Content-Type"), head.ContentLength, get.Header.Get("Content-Type"), len(body))
		}
	}
	if r := e.do("HEAD", "/api/v1/consents", ""); r.status < 400 || r.status >= 500 {
		t.Errorf("HEAD on the decision endpoint: %d, want a 4xx", r.status)
	}
}

func TestSnippetServing(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("GET", "/s/demo.js", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") || r.header.Get("ETag") == "" ||
		r.header.Get("Cache-Control") == "" || r.header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || r.header.Get("Timing-Allow-Origin") != "*" {
		t.Fatalf("GET /s/demo.js: %d %v", r.status, r.header)
	}
	if !bytes.HasPrefix(r.body, []byte("self.__assentBoot={")) {
		t.Errorf("the script does not open with its config: %.60q", r.body)
	}
	if !bytes.Contains(r.body, []byte(`"version":"`+consent.ShortVersion(e.version)+`"`)) || !bytes.HasSuffix(r.body, []byte("/*bundle*/")) {
		t.Errorf("body lacks the inlined config version or the bundle: %.200s", r.body)
	}
	// A site with the bar layout gets the bundle with the bar's CSS.
	bar := consent.NewSite("bar", "Bar", []string{origin}, e.now)
	bar.Draft.Look.Layout = "bar"
	if err := e.db.PutSite(bar); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Publish("bar", e.now); err != nil {
		t.Fatal(err)
	}
	if b := e.do("GET", "/s/bar.js", ""); b.status != 200 || !bytes.HasSuffix(b.body, []byte("/*full*/")) {
		t.Errorf("GET /s/bar.js: %d, want the full bundle: %.200s", b.status, b.body)
	}
	if nm := e.do("GET", "/s/demo.js", "", "If-None-Match", r.header.Get("ETag")); nm.status != 304 || len(nm.body) != 0 {
		t.Errorf("If-None-Match: %d with %d bytes, want 304 empty", nm.status, len(nm.body))
	}
	br := e.do("GET", "/s/demo.js", "", "Accept-Encoding", "gzip, br")
	plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br.body)))
	if br.header.Get("Content-Encoding") != "br" || err != nil || !bytes.Equal(plain, r.body) {
		t.Errorf("brotli: encoding %q, decodes to the plain body: %v", br.header.Get("Content-Encoding"), err)
	}
	if cl := br.header.Get("Content-Length"); cl != strconv.Itoa(len(br.body)) {
		t.Errorf("Content-Length %q for a %d-byte body", cl, len(br.body))
	}
	gz := e.do("GET", "/s/demo.js", "", "Accept-Encoding", "br;q=0, gzip")
	if gz.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("br;q=0 should pick gzip, got %q", gz.header.Get("Content-Encoding"))
	}
	for ae, want := range map[string]string{"br;Q=0, gzip": "gzip", "br; q=0., gzip": "gzip", "br;q=0.001, gzip": "br", "br;q=0.5": "br", "gzip;q=0, br;q=0": ""} {
		if got := e.do("GET", "/s/demo.js", "", "Accept-Encoding", ae).header.Get("Content-Encoding"); got != want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", ae, got, want)
		}
	}
	// Each encoding has a validator of its own, which revalidates only it.
	if tags := map[string]bool{r.header.Get("ETag"): true, br.header.Get("ETag"): true, gz.header.Get("ETag"): true}; len(tags) != 3 {
		t.Errorf("ETags plain %s, br %s, gzip %s: want three", r.header.Get("ETag"), br.header.Get("ETag"), gz.header.Get("ETag"))
	}
	if nm := e.do("GET", "/s/demo.js", "", "Accept-Encoding", "br", "If-None-Match", br.header.Get("ETag")); nm.status != 304 {
		t.Errorf("br revalidated with its ETag: %d, want 304", nm.status)
	}
	if nm := e.do("GET", "/s/demo.js", "", "Accept-Encoding", "br", "If-None-Match", gz.header.Get("ETag")); nm.status != 200 || nm.header.Get("Content-Encoding") != "br" {
		t.Errorf("br revalidated with the gzip ETag: %d %q, want 200 br", nm.status, nm.header.Get("Content-Encoding"))
	}
	// Global Privacy Control's header selects the variant that tells the
	// banner so; caches are told the body depends on it.
	if bytes.Contains(r.body, []byte(`"gpc"`)) || !strings.Contains(r.header.Get("Vary"), "Sec-GPC") {
		t.Errorf("without Sec-GPC: gpc in the body or Vary %q lacks Sec-GPC", r.header.Get("Vary"))
	}
	g := e.do("GET", "/s/demo.js", "", "Sec-GPC", "1")
	if !bytes.Contains(g.body, []byte(`self.__assentBoot={"gpc":true,"on":`)) || g.header.Get("ETag") == r.header.Get("ETag") {
		t.Errorf("with Sec-GPC: 1: %.80q, ETag %s (plain %s)", g.body, g.header.Get("ETag"), r.header.Get("ETag"))
	}
	if again := e.do("GET", "/s/demo.js", ""); !bytes.Equal(again.body, r.body) {
		t.Error("the plain script changed after the GPC variant was served")
	}
	if nf := e.do("GET", "/s/nosite.js", ""); nf.status != 404 || !bytes.HasPrefix(nf.body, []byte("/*")) {
		t.Errorf("unknown site: %d %q, want 404 with a JS comment", nf.status, nf.body)
	}
}

// TestTagsModuleServing: the module that loads blocked tags is fetched with
// CORS from the sites' origins and, named by its hash, cached for good;
// another build's name (a banner cached before a deploy) gets the current
// one for a while, and anything else a 404.
func TestTagsModuleServing(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("GET", "/s/t/0123456789abcdef.js", "", "Origin", origin, "Accept-Encoding", "br")
	plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(r.body)))
	if r.status != 200 || err != nil || string(plain) != "/*tags*/" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET the tags module: %d %q (%v) %v", r.status, plain, err, r.header)
	}
	if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Timing-Allow-Origin") != "*" || r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("CORS %q, Cache-Control %q; want * and a year, immutable", r.header.Get("Access-Control-Allow-Origin"), r.header.Get("Cache-Control"))
	}
	if old := e.do("GET", "/s/t/fedcba9876543210.js", ""); old.status != 200 || string(old.body) != "/*tags*/" || old.header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("another build's module: %d %q %q, want the current one for 300 s", old.status, old.body, old.header.Get("Cache-Control"))
	}
	for _, p := range []string{"/s/t/demo.js", "/s/t/0123456789ABCDEF.js", "/s/t/0123456789abcdef.css"} {
		if nf := e.do("GET", p, ""); nf.status != 404 || !bytes.HasPrefix(nf.body, []byte("/*")) {
			t.Errorf("GET %s: %d %q, want 404 with a JS comment", p, nf.status, nf.body)
		}
	}
}

func TestCORSReflectsOnlyAllowedOrigins(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), "custom", mixed), "Origin", origin, "Content-Type", "text/plain")
	if r.status != 201 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("allowed origin: %d, ACAO %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	p := e.do("OPTIONS", "/api/v1/consents", "", "Origin", origin, "Access-Control-Request-Method", "POST")
	if p.status != 204 || p.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("preflight: %d, ACAO %q", p.status, p.header.Get("Access-Control-Allow-Origin"))
	}
	c := e.do("GET", "/api/v1/sites/demo/config", "", "Origin", "https://evil.example")
	if c.status != 200 || c.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin got ACAO %q", c.header.Get("Access-Control-Allow-Origin"))
	}
	// A malformed decision's 400 is readable by the banner (which then drops
	// it rather than post it on every page), and only by a site's origin.
	for o, want := range map[string]string{origin: origin, "https://evil.example": ""} {
		bad := e.do("POST", "/api/v1/consents", `{"site":"demo"}`, "Origin", o, "Content-Type", "text/plain")
		if bad.status != 400 || bad.header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("malformed decision from %s: %d, ACAO %q; want 400, %q", o, bad.status, bad.header.Get("Access-Control-Allow-Origin"), want)
		}
		gone := strings.Replace(e.decision(uuid.NewString(), "custom", mixed), `"demo"`, `"nosite"`, 1)
		if r := e.do("POST", "/api/v1/consents", gone, "Origin", o, "Content-Type", "text/plain"); r.status != 404 || r.header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("decision for an unknown site from %s: %d, ACAO %q; want 404, %q", o, r.status, r.header.Get("Access-Control-Allow-Origin"), want)
		}
	}
}

func TestConfigEndpointHashIsTheServedConfig(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("GET", "/api/v1/sites/demo/config", "")
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &cfg); err != nil {
		t.Fatal(err)
	}
	var version string
	json.Unmarshal(cfg["version"], &version)
	delete(cfg, "version")
	var c consent.Config
	rest, _ := json.Marshal(cfg)
	json.Unmarshal(rest, &c)
	if version != e.version || consent.VersionOf(c.Canonical()) != version {
		t.Errorf("served version %s does not hash the served config", version)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, 0)
	for _, path := range []string{"/api/v1/sites/demo/config", "/api/v1/nothing", "/.well-known/jwks.json"} {
		h := e.do("GET", path, "").header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("Strict-Transport-Security") != "max-age=31536000" { // an https public URL
			t.Errorf("%s: headers %v", path, h)
		}
	}
	if h := e.do("GET", "/s/demo.js", "").header; h.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Errorf("snippet CORP %q", h.Get("Cross-Origin-Resource-Policy"))
	}
	if h := e.do("GET", "/", "").header; !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("demo page CSP %q", h.Get("Content-Security-Policy"))
	}
}

// Concurrent decisions for one visitor: one at a time is recorded, the
// others are told to retry (429), and the receipts that were recorded form
// one linear prev chain.
func TestConcurrentDecisionsForOneVisitor(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed)).status
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case 201:
			created++
		case 429:
		default:
			t.Fatalf("status %d; want 201 or 429", c)
		}
	}
	if created == 0 {
		t.Fatal("no decision was recorded")
	}
	chain := 0
	for id := e.do("GET", "/api/v1/sites/demo/visitors/"+v+"/consent", "").json(t)["receipt_id"]; id != nil; chain++ {
		claims := e.do("GET", "/api/v1/consents/"+id.(string), "").json(t)["claims"].(map[string]any)
		id = claims["prev"]
	}
	if chain != created {
		t.Errorf("chain of %d receipts, %d recorded", chain, created)
	}
}
