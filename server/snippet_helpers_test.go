package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser-side helpers. The banner lives in the shadow root of
// <assent-banner>; these expressions reach into it.
const (
	jsRoot = `(document.querySelector("assent-banner")||{}).shadowRoot`
	// On a slow device the banner is built hidden (data-w) and shown a
	// few tasks later; see snippet/src/ui.ts.
	jsShown = `!!(` + jsRoot + `&&!` + jsRoot + `.host.hasAttribute("data-w")&&` + jsRoot + `.querySelector("[role=dialog]"))`
	jsGone  = `!document.querySelector("assent-banner")`
	// The jar itself, through the accessor a page element named "cookie"
	// cannot shadow.
	jsCookie = `((Object.getOwnPropertyDescriptor(Document.prototype, "cookie").get.call(document).match(/(?:^|; )assent=([^;]*)/)||[])[1]||"")`
)

// eval evaluates expr in the page and decodes its value as T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// waitFor polls until expr is truthy, failing the test after 10 s.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// cookiesBecome waits (10 s at most) for the page's cookies other than
// "assent" to be want: the banner deletes listed cookies from its tag
// module, a moment after the decision.
func cookiesBecome(t *testing.T, ctx context.Context, want, why string) {
	t.Helper()
	const jar = `document.cookie.split("; ").filter(c => c && !c.startsWith("assent=")).join()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](jar+" === "+strconv.Quote(want), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("cookies %s: %q, want %q", why, eval[string](t, ctx, jar), want)
	}
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// visit navigates to url and waits for the snippet to have run.
func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url))
	waitFor(t, ctx, `typeof window.assent === "object"`)
}

// blocker returns a switch that makes requests matching pattern fail (on)
// or go through again (off).
func blocker(t *testing.T, ctx context.Context, pattern string) func(on bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return func(on bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
			URLPatterns: []*network.BlockPattern{{URLPattern: pattern, Block: on}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// onNewDocument runs js in every page before its own scripts.
func onNewDocument(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js}); err != nil {
		t.Fatal(err)
	}
}

// click clicks the banner control whose text or aria-label is label, with a
// real mouse event at its centre.
func click(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const r = %s; const b = r && !r.host.hasAttribute("data-w") && [...r.querySelectorAll("button,input,b")]
		.find(b => b.textContent.trim() === %q || b.getAttribute("aria-label") === %q);
		if (!b) return null; const q = b.getBoundingClientRect(); return [q.x + q.width/2, q.y + q.height/2]; })()`, jsRoot, label, label)
	xy, err := chromedp.Run(ctx, chromedp.Poll[[]float64](expr, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("no banner control %q: %v", label, err)
	}
	do(t, ctx, chromedp.MouseClickXY(xy[0], xy[1]))
}

// receiptClaims waits for the page's decision to be recorded and returns
// the claims of its receipt as the server holds it.
func receiptClaims(t *testing.T, ctx context.Context, ts *testServer) consent.ReceiptClaims {
	t.Helper()
	waitFor(t, ctx, `window.assent.receipt() !== null`)
	id := eval[string](t, ctx, `window.assent.receipt()`)
	res, err := http.Get(ts.URL + "/api/v1/consents/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Claims consent.ReceiptClaims }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET consent %s = %d, %v", id, res.StatusCode, err)
	}
	return body.Claims
}

// tokenClaims decodes (without verifying) the consent token in the cookie.
func tokenClaims(t *testing.T, ctx context.Context) consent.TokenClaims {
	t.Helper()
	waitFor(t, ctx, jsCookie+`.split(".").length === 3`)
	parts := strings.Split(eval[string](t, ctx, jsCookie), ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c consent.TokenClaims
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		t.Fatalf("assent cookie is not a consent token: %v", err)
	}
	return c
}

// consentCommands lists the Google Consent Mode commands in dataLayer, as
// "default" or "update" with their parameters.
func consentCommands(t *testing.T, ctx context.Context) []map[string]any {
	t.Helper()
	return eval[[]map[string]any](t, ctx, `(window.dataLayer||[]).filter(a => a[0] === "consent")
		.map(a => Object.assign({command: a[1], arguments: Object.prototype.toString.call(a)}, a[2]))`)
}

// editSite stops the server, changes the demo site in its store, and starts
// it again on the same data (at a new port, whose origin the demo allows).
func editSite(t *testing.T, ts *testServer, edit func(*consent.Site) bool) *testServer {
	t.Helper()
	ts.stop()
	st, err := store.Open(filepath.Join(ts.Data, "assent.db"))
	if err != nil {
		t.Fatal(err)
	}
	site, err := st.Site("demo")
	if err != nil {
		t.Fatal(err)
	}
	publish := edit(site)
	if err := st.PutSite(site); err != nil {
		t.Fatal(err)
	}
	if publish {
		if _, err := st.Publish("demo", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return startServerIn(t, ts.Data, map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}, "--rate-limit", "0")
}

// sitePage serves test pages from another origin than Assent's. Each page
// is HTML around the snippet tag, with the given headers; {{assent}} in the
// HTML and headers stands for the Assent server's URL.
type sitePage struct {
	html    string
	headers map[string]string
}

type siteServer struct {
	*httptest.Server
	assent string
	pages  map[string]sitePage
}

func newSiteServer(t *testing.T, pages map[string]sitePage) *siteServer {
	s := &siteServer{pages: pages}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tag.js" {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `window.tagsRan = (window.tagsRan || []).concat(document.currentScript.dataset.assent);`)
			return
		}
		p, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range p.headers {
			w.Header().Set(k, strings.ReplaceAll(v, "{{assent}}", s.assent))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.ReplaceAll(p.html, "{{assent}}", s.assent))
	}))
	t.Cleanup(s.Close)
	return s
}

// startForSite starts Assent with the demo site also allowing the site
// server's origin.
func startForSite(t *testing.T, site *siteServer) *testServer {
	ts := editSite(t, startServer(t), func(s *consent.Site) bool {
		if !slices.Contains(s.Origins, site.URL) {
			s.Origins = append(s.Origins, site.URL)
		}
		return false
	})
	site.assent = ts.URL
	return ts
}

// equalJSON compares values as they look in JSON.
func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// contrast is the WCAG contrast ratio of two CSS rgb() colours.
func contrast(a, b string) float64 {
	lum := func(c string) float64 {
		var r, g, bl float64
		fmt.Sscanf(strings.TrimPrefix(c, "rgb("), "%f, %f, %f", &r, &g, &bl)
		ch := func(v float64) float64 {
			v /= 255
			if v <= 0.03928 {
				return v / 12.92
			}
			return math.Pow((v+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(bl)
	}
	x, y := lum(a)+0.05, lum(b)+0.05
	return max(x, y) / min(x, y)
}
