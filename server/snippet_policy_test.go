package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// Policy: config changes, Global Privacy Control, late tags, withdrawal,
// retries, and a page with a strict Content Security Policy.

func TestSnippetConfigChangeAsksAgain(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	first := receiptClaims(t, ctx, ts)
	tokenClaims(t, ctx)

	ts = editSite(t, ts, func(s *consent.Site) bool {
		en := s.Draft.Texts["en"]
		en.Title = "Our cookie policy changed"
		s.Draft.Texts["en"] = en
		return true
	})
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	if got := eval[string](t, ctx, jsRoot+`.querySelector("h2").textContent`); got != "Our cookie policy changed" {
		t.Errorf("banner title after the change = %q", got)
	}
	if eval[bool](t, ctx, `"demoTagsRan" in window || window.assent.granted("analytics") || window.assent.receipt() !== null`) {
		t.Error("the consent given under the old config still applies")
	}
	click(t, ctx, "Reject all")
	if c := receiptClaims(t, ctx, ts); c.Sub != first.Sub || c.Prev != first.JTI || c.Config == first.Config {
		t.Errorf("new receipt: visitor %s prev %s config %s; want the same visitor chained, a new config", c.Sub, c.Prev, c.Config)
	}
}

func TestSnippetGlobalPrivacyControl(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => true})`)
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	if got := eval[string](t, ctx, jsRoot+`.querySelector(".g").textContent`); !strings.Contains(got, "Global Privacy Control") {
		t.Errorf("GPC notice = %q", got)
	}
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `(window.demoTagsRan || []).join() === "analytics"`)
	c := receiptClaims(t, ctx, ts)
	if want := map[string]bool{"necessary": true, "analytics": true, "advertising": false, "preferences": true}; c.Action != "gpc" || !c.GPC || !maps.Equal(c.Choices, want) {
		t.Errorf("receipt: got %s gpc=%v %v, want gpc gpc=true %v", c.Action, c.GPC, c.Choices, want)
	}
	if cmds := consentCommands(t, ctx); cmds[len(cmds)-1]["ad_storage"] != "denied" {
		t.Errorf("consent mode after accept under GPC: %v, want ad_storage denied", cmds)
	}

	// Switching advertising on explicitly is the visitor's right.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
	click(t, ctx, "Advertising")
	click(t, ctx, "Save choices")
	waitFor(t, ctx, `(window.demoTagsRan || []).join() === "analytics,advertising"`)
	waitFor(t, ctx, `window.assent.receipt() !== null && window.assent.receipt() !== "`+c.JTI+`"`)
	if c := receiptClaims(t, ctx, ts); c.Action != "custom" || !c.Choices["advertising"] {
		t.Errorf("explicit opt-in under GPC: got %s %v", c.Action, c.Choices)
	}
}

// TestSnippetGPCAfterAcceptAll: a visitor who accepted all and later turns
// Global Privacy Control on gets advertising off on the next page, recorded
// as gpc, as if they had accepted under the signal. Advertising switched
// on by itself stays on.
func TestSnippetGPCAfterAcceptAll(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => localStorage.gpc === "1"})`)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	first := receiptClaims(t, ctx, ts)
	if tok := tokenClaims(t, ctx); first.Action != "accept_all" || tok.Action != "accept_all" {
		t.Fatalf("receipt %s, token %s: want accept_all", first.Action, tok.Action)
	}

	do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.gpc = "1"`))
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `window.assent.receipt() !== null && window.assent.receipt() !== "`+first.JTI+`"`)
	c := receiptClaims(t, ctx, ts)
	if want := map[string]bool{"necessary": true, "analytics": true, "advertising": false, "preferences": true}; c.Action != "gpc" || !maps.Equal(c.Choices, want) || c.Prev != first.JTI {
		t.Errorf("receipt after GPC: %s %v prev %s, want gpc %v after %s", c.Action, c.Choices, c.Prev, want, first.JTI)
	}
	// The tag code is imported, so it may run after the receipt is back;
	// both tags would run in the same call.
	waitFor(t, ctx, `(window.demoTagsRan || []).length > 0`)
	if got := eval[string](t, ctx, `(window.demoTagsRan || []).join()`); got != "analytics" || eval[bool](t, ctx, `window.assent.granted("advertising")`) {
		t.Errorf("tags run: %q, advertising granted: want analytics only", got)
	}
	if cmds := consentCommands(t, ctx); len(cmds) < 2 || cmds[len(cmds)-1]["ad_storage"] != "denied" {
		t.Errorf("consent mode: %v, want the last update denying ad_storage", cmds)
	}

	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
	click(t, ctx, "Advertising")
	click(t, ctx, "Save choices")
	waitFor(t, ctx, `window.assent.receipt() !== null && window.assent.receipt() !== "`+c.JTI+`"`)
	explicit := eval[string](t, ctx, `window.assent.receipt()`)
	tokenClaims(t, ctx)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `(window.demoTagsRan || []).join() === "analytics,advertising"`)
	if got := eval[string](t, ctx, `window.assent.receipt()`); got != explicit {
		t.Errorf("advertising switched on by itself was decided again (receipt %s, want %s)", got, explicit)
	}
}

// The banner's notice follows the Sec-GPC header the script was fetched
// with; a decision honours the header or the property alone.
func TestSnippetGPCEitherSignal(t *testing.T) {
	ts := startServer(t)
	for _, tc := range []struct {
		name           string
		header, notice bool
	}{{"header", true, true}, {"property", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := newBrowser(t)
			if tc.header {
				if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Sec-GPC": "1"}}); err != nil {
					t.Fatal(err)
				}
			} else {
				onNewDocument(t, ctx, `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => true})`)
			}
			visit(t, ctx, ts.URL+"/")
			waitFor(t, ctx, jsShown)
			if got := eval[bool](t, ctx, jsRoot+`.querySelector(".g") !== null`); got != tc.notice {
				t.Errorf("GPC notice shown: %v, want %v", got, tc.notice)
			}
			click(t, ctx, "Accept all")
			if c := receiptClaims(t, ctx, ts); c.Action != "gpc" || c.Choices["advertising"] || !c.Choices["analytics"] {
				t.Errorf("accept all under GPC: %s %v, want gpc without advertising", c.Action, c.Choices)
			}
		})
	}
}

func TestSnippetLateTagsAndWithdrawal(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		document.cookie = "_ga=GA1.1.1; path=/"; document.cookie = "_ga_X1=GS1; path=/"; document.cookie = "keep=1; path=/";
		window.assent.on("change", c => window.changed = c);
		window.assent.acceptAll()`))
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2`)

	// Tags added after the decision load at once; those of a refused purpose
	// added after withdrawal do not.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		const s = document.createElement("script"); s.type = "text/plain"; s.dataset.assent = "analytics";
		s.src = "/demo/analytics.js"; document.body.append(s);
		const i = document.createElement("img"); i.dataset.assent = "advertising"; i.dataset.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw="; i.id = "late-pixel";
		document.body.append(i)`))
	waitFor(t, ctx, `window.demoTagsRan.length === 3 && document.getElementById("late-pixel").src.startsWith("data:")`)

	first := receiptClaims(t, ctx, ts)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.withdraw()`))
	waitFor(t, ctx, `window.assent.receipt() !== null && window.assent.receipt() !== "`+first.JTI+`"`)
	if c := receiptClaims(t, ctx, ts); c.Action != "withdraw" || c.Choices["analytics"] || c.Choices["advertising"] {
		t.Errorf("withdrawal receipt: got %s %v", c.Action, c.Choices)
	}
	cookiesBecome(t, ctx, "keep=1", "after withdrawal (the listed _ga and _ga_* deleted)")
	if !eval[bool](t, ctx, `window.changed && window.changed.analytics === false`) {
		t.Error("no change event on withdrawal")
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		const p = document.createElement("img"); p.dataset.assent = "advertising"; p.dataset.src = "/x.gif"; p.id = "late"; document.body.append(p)`))
	waitFor(t, ctx, `document.getElementById("late") !== null`)
	if eval[bool](t, ctx, `document.getElementById("late").hasAttribute("src")`) {
		t.Error("a beacon of a withdrawn purpose loaded")
	}
}

// TestSnippetTagsPutInByMarkup: a blocked tag put in as markup (innerHTML,
// insertAdjacentHTML) stays inert after consent, as any script put in that
// way does in a browser: Assent must not turn injected markup into running
// code. One with a src does not hold back a tag added later for good.
func TestSnippetTagsPutInByMarkup(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/spa": {html: `<!doctype html><html lang="en"><body><div id="c"></div><script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/spa")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.acceptAll()`))
	waitFor(t, ctx, `window.assent.receipt() !== null`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		c.innerHTML = '<script type="text/plain" data-assent="analytics">window.inlineRan = true<\/script>';
		c.insertAdjacentHTML("beforeend", '<script type="text/plain" data-assent="advertising" src="/tag.js"><\/script>');
		const s = document.createElement("script"); s.type = "text/plain"; s.dataset.assent = "preferences";
		s.text = "window.afterRan = true"; document.body.append(s)`))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.afterRan === true`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the tag added by script after an inert one never ran: %v", err)
	}
	if ran := eval[string](t, ctx, `String(window.inlineRan) + " " + (window.tagsRan || []).join()`); ran != "undefined " {
		t.Errorf("tags put in as markup ran: %q", ran)
	}
}

// TestSnippetWithdrawalStopsAQueuedInlineTag: an inline blocked tag waits
// for the src tag before it; consent withdrawn meanwhile keeps it blocked,
// and a later grant runs it.
func TestSnippetWithdrawalStopsAQueuedInlineTag(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, "window.slowRan = true")
	}))
	t.Cleanup(slow.Close)
	site := newSiteServer(t, map[string]sitePage{
		"/queue": {html: `<!doctype html><html lang="en"><body>
<script type="text/plain" data-assent="analytics" src="` + slow.URL + `/slow.js"></script>
<script type="text/plain" data-assent="analytics" id="inline">window.inlineRan = true</script>
<script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/queue")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.acceptAll()`))
	<-arrived // the src tag is in, and the inline one waits for it
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.withdraw()`))
	close(release)
	waitFor(t, ctx, `window.slowRan === true && document.getElementById("inline").dataset.assent === "analytics"`)
	if eval[bool](t, ctx, `window.inlineRan === true`) {
		t.Fatal("the inline tag ran after consent was withdrawn")
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.acceptAll()`))
	waitFor(t, ctx, `window.inlineRan === true`)
}

// TestSnippetGivesUpAHungPost: a decision's post that never gets an answer
// (here a proxy in front of Assent holds it) is given up after 10 s, so the
// decision after it is recorded on this page, not only on a later load.
func TestSnippetGivesUpAHungPost(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{})
	ts := startForSite(t, site)
	target, _ := url.Parse(ts.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var held atomic.Bool
	release, holding := make(chan struct{}), make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/api/v1/consents" && held.CompareAndSwap(false, true) {
			close(holding)
			// No answer until the test ends. (The browser keeps a keepalive
			// request's connection after the page gives up on it.)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	t.Cleanup(func() { close(release) }) // runs first
	site.pages["/shop"] = sitePage{html: `<!doctype html><html lang="en"><body><script src="` + front.URL + `/s/demo.js" async></script></body></html>`}
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/shop")
	waitFor(t, ctx, jsShown)
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `window.assent.granted("analytics")`)
	select {
	case <-holding: // the post is in, and held
	case <-time.After(10 * time.Second): // a failure's bound, not a wait for timing
		t.Fatal("the first decision was not posted")
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.withdraw()`))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.assent.receipt() !== null`, chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		t.Fatalf("the withdrawal was not recorded behind the hung post: %v", err)
	}
	if c := receiptClaims(t, ctx, ts); c.Action != "withdraw" {
		t.Errorf("recorded %s, want the withdrawal", c.Action)
	}
}

// TestSnippetRetriesUnrecordedDecision: a decision whose post fails still
// applies on the page, waits in the cookie, and is posted on the next load.
func TestSnippetRetriesUnrecordedDecision(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	block := blocker(t, ctx, ts.URL+"/api/v1/consents")
	block(true)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2 && `+jsCookie+`.startsWith("p.")`)
	if eval[bool](t, ctx, `window.assent.receipt() !== null`) {
		t.Error("receipt() set although the post failed")
	}

	visit(t, ctx, ts.URL+"/") // still failing: the choice applies, no banner
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2`)
	if !eval[bool](t, ctx, jsGone) {
		t.Error("banner shown although the decision is kept locally")
	}

	block(false)
	visit(t, ctx, ts.URL+"/")
	if tok := tokenClaims(t, ctx); len(tok.Granted) != 4 {
		t.Errorf("token after retry grants %v, want every purpose", tok.Granted)
	}
	if c := receiptClaims(t, ctx, ts); c.Action != "accept_all" {
		t.Errorf("retried receipt action %s", c.Action)
	}
}

// TestSnippetGPCAfterAnUnrecordedAcceptAll: a visitor's "accept all" was
// never recorded (the server was unreachable), and GPC is on at the next
// load. The snippet posts the old decision and then the new one, in that
// order: the server's latest state is the gpc decision, chained to the
// accept all.
func TestSnippetGPCAfterAnUnrecordedAcceptAll(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {get: () => localStorage.gpc === "1"});
		window.posting = 0; window.mostPosting = 0; const f = window.fetch;
		window.fetch = function (u) {
			if (!String(u).endsWith("/api/v1/consents")) return f.apply(this, arguments);
			mostPosting = Math.max(mostPosting, ++posting);
			return f.apply(this, arguments).finally(() => posting--);
		}`)
	block := blocker(t, ctx, ts.URL+"/api/v1/consents")
	block(true)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	waitFor(t, ctx, jsCookie+`.startsWith("p.")`)
	visitor := eval[string](t, ctx, `JSON.parse(atob(`+jsCookie+`.slice(2))).visitor`)

	block(false)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.gpc = "1"`))
	visit(t, ctx, ts.URL+"/")
	c := receiptClaims(t, ctx, ts)
	if c.Action != "gpc" || c.Choices["advertising"] || c.Prev == "" {
		t.Fatalf("the visitor's receipt: %s %v after %q, want gpc without advertising, after the accept all", c.Action, c.Choices, c.Prev)
	}
	if n := eval[int](t, ctx, `mostPosting`); n != 1 {
		t.Errorf("%d decisions were posted at once, want one at a time", n)
	}
	res, err := http.Get(ts.URL + "/api/v1/consents/" + c.Prev)
	if err != nil {
		t.Fatal(err)
	}
	var before struct{ Claims consent.ReceiptClaims }
	json.NewDecoder(res.Body).Decode(&before)
	res.Body.Close()
	if before.Claims.Action != "accept_all" || before.Claims.Sub != visitor {
		t.Errorf("the receipt before: %s for %s, want accept_all for %s", before.Claims.Action, before.Claims.Sub, visitor)
	}
	res, err = http.Get(ts.URL + "/api/v1/sites/demo/visitors/" + visitor + "/consent?purpose=advertising")
	if err != nil {
		t.Fatal(err)
	}
	var state struct{ Granted bool }
	json.NewDecoder(res.Body).Decode(&state)
	res.Body.Close()
	if state.Granted {
		t.Error("the server says advertising is granted")
	}
}

// TestSnippetDropsARefusedDecision: a kept decision the server refuses for
// good (here a damaged id) is not posted again on every page: the visitor
// is asked again.
func TestSnippetDropsARefusedDecision(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	res, err := http.Get(ts.URL + "/api/v1/sites/demo/config")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ Version string }
	json.NewDecoder(res.Body).Decode(&cfg)
	res.Body.Close()
	visit(t, ctx, ts.URL+"/")
	d := `{"id":"damaged","site":"demo","visitor":"` + uuid.NewString() + `","action":"reject_all","choices":{"necessary":true,"analytics":false,"advertising":false,"preferences":false},"config":"` +
		consent.ShortVersion(cfg.Version) + `","lang":"en","url":"` + ts.URL + `/"}`
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.cookie = "assent=p." + btoa('`+d+`') + ";path=/"`))
	visit(t, ctx, ts.URL+"/")
	if !eval[bool](t, ctx, `window.assent.choices() !== null`) {
		t.Fatal("the kept decision did not apply")
	}
	waitFor(t, ctx, jsCookie+` === ""`)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
}

// TestSnippetRecordsALostAnswerOnce: the visitor decides and leaves before
// the answer arrives (the post, sent with keepalive, is recorded all the
// same). The next page posts the decision again, and gets the same receipt,
// not a second one.
func TestSnippetRecordsALostAnswerOnce(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	// Answers are held once the server has sent them (recorded).
	held := make(chan fetch.RequestID, 2)
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			held <- e.RequestID
		}
	})
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/consents", RequestStage: fetch.RequestStageResponse}}}); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	heldAnswer(t, held) // recorded; this answer never reaches the page
	visit(t, ctx, ts.URL+"/")
	retry := heldAnswer(t, held)
	if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: retry}); err != nil {
		t.Fatal(err)
	}
	c := receiptClaims(t, ctx, ts)
	if c.Prev != "" {
		t.Errorf("the visitor's receipt follows %s: the decision was recorded twice", c.Prev)
	}
	if tok := tokenClaims(t, ctx); tok.JTI != c.JTI || len(tok.Granted) != 4 {
		t.Errorf("token %s granting %v, want the receipt's %s granting every purpose", tok.JTI, tok.Granted, c.JTI)
	}
}

// heldAnswer takes the next held answer, and fails the test if none comes
// within 15 s (a failure's bound, not a wait for timing), rather than hang
// the package until its timeout.
func heldAnswer(t *testing.T, held <-chan fetch.RequestID) fetch.RequestID {
	t.Helper()
	select {
	case id := <-held:
		return id
	case <-time.After(15 * time.Second):
		t.Fatal("no answer to a consent post within 15 s")
		return ""
	}
}

// strictPage is a site page on another origin: the snippet tag, blocked
// tags, and one injected without the page's nonce, which must stay inert.
const strictPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<script src="{{assent}}/s/demo.js" async nonce="n0nce"></script>
<script type="text/plain" data-assent="analytics" src="/tag.js" nonce="n0nce"></script>
<script type="text/plain" data-assent="advertising" nonce="n0nce">window.inlineRan = true</script>
<script type="text/plain" data-assent="advertising">window.injected = true</script>
</head><body><p>Strict page</p></body></html>`

func TestSnippetStrictCSP(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/self": {html: strictPage, headers: map[string]string{"Content-Security-Policy": "default-src 'none'; " +
			"script-src 'self' {{assent}} 'nonce-n0nce'; connect-src {{assent}}; style-src 'self'; require-trusted-types-for 'script'"}},
		"/nonce": {html: strictPage, headers: map[string]string{"Content-Security-Policy": "default-src 'none'; " +
			"script-src 'nonce-n0nce' 'strict-dynamic'; connect-src {{assent}}; style-src 'nonce-n0nce'"}},
		// Nonces alone: the module that loads tags comes in on the
		// snippet's nonce, which a dynamic import() passes on.
		"/nonce-only": {html: strictPage, headers: map[string]string{"Content-Security-Policy": "default-src 'none'; " +
			"script-src 'nonce-n0nce'; connect-src {{assent}}"}},
	})
	ts := startForSite(t, site)
	// 'strict-dynamic' would trust the injected script once the snippet
	// inserts it, so the snippet refuses scripts without its own nonce.
	for _, tc := range []struct{ path, setup string }{
		{"/self", ""},
		// Without constructable stylesheets the styles go in a <style nonce>.
		{"/nonce", `delete CSSStyleSheet.prototype.replaceSync`},
		{"/nonce-only", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			ctx := newBrowser(t)
			onNewDocument(t, ctx, `window.violations = []; document.addEventListener("securitypolicyviolation",
				e => window.violations.push(e.violatedDirective + " " + e.blockedURI)); `+tc.setup)
			visit(t, ctx, site.URL+tc.path)
			waitFor(t, ctx, jsShown)
			styled := eval[string](t, ctx, `getComputedStyle(`+jsRoot+`.querySelector(".a button")).backgroundColor`)
			if styled != "rgb(29, 78, 216)" {
				t.Errorf("button background %s, want the accent: styles did not apply", styled)
			}
			click(t, ctx, "Accept all")
			waitFor(t, ctx, `window.inlineRan === true && (window.tagsRan || []).join() === "analytics"`)
			if c := receiptClaims(t, ctx, ts); c.Action != "accept_all" || c.URL != site.URL+tc.path {
				t.Errorf("receipt: %s %s", c.Action, c.URL)
			}
			if eval[bool](t, ctx, `window.injected === true`) {
				t.Error("an inline script without the page's nonce ran")
			}
			if v := eval[[]string](t, ctx, `window.violations`); len(v) > 0 {
				t.Errorf("CSP violations: %q", v)
			}
		})
	}
}

// hostilePage is markup an attacker might get onto a page (comments,
// reflected HTML) where the page's CSP stops their scripts: it clobbers
// document.currentScript, window.assent and window.dataLayer, and plants
// blocked tags that
// name no purpose, an inherited property, or a javascript: frame.
const hostilePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>
<h2 id="assent">Privacy</h2>
<div id="dataLayer"></div>
<img name="currentScript" src="data:," nonce="x">
<script type="text/plain" data-assent="analytics" nonce="x">window.laundered = true</script>
<script type="text/plain" data-assent="">window.emptyRan = true</script>
<script type="text/plain" data-assent="constructor">window.inheritedRan = true</script>
<iframe id="js" data-assent="analytics" data-src="javascript:parent.framed=true"></iframe>
<iframe id="ok" data-assent="analytics" data-src="about:blank#granted"></iframe>
<script src="{{assent}}/s/demo.js" async nonce="n0nce"></script>
</body></html>`

// TestSnippetWithstandsHostileMarkup: clobbered names neither stop the
// banner nor hide its own tag or stand in for it (decisions go where the
// script came from, and granted tags load), and no planted tag runs after
// Accept all.
func TestSnippetWithstandsHostileMarkup(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/hostile": {html: hostilePage, headers: map[string]string{"Content-Security-Policy": "default-src 'none'; " +
			"script-src 'nonce-n0nce' 'strict-dynamic'; connect-src {{assent}}; frame-src 'self' about:; img-src data:"}},
	})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `window.posts = []; const f = window.fetch; window.fetch = function (u) { posts.push(String(u)); return f.apply(this, arguments) }`)
	visit(t, ctx, site.URL+"/hostile")
	waitFor(t, ctx, jsShown) // an element with id "assent" does not switch the banner off
	if !eval[bool](t, ctx, `Array.isArray(window.dataLayer) && window.dataLayer[0][1] === "default"`) {
		t.Error("an element with id dataLayer kept Consent Mode's default out")
	}
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `window.assent.granted("analytics")`)
	if tok := tokenClaims(t, ctx); len(tok.Granted) != 4 {
		t.Errorf("the token grants %v, want every purpose", tok.Granted)
	}
	if posts := eval[[]string](t, ctx, `window.posts`); len(posts) != 1 || posts[0] != ts.URL+"/api/v1/consents" {
		t.Errorf("the decision was posted to %v, want %s/api/v1/consents once", posts, ts.URL)
	}
	waitFor(t, ctx, `document.getElementById("ok").getAttribute("src") === "about:blank#granted"`)
	for _, v := range []string{"laundered", "emptyRan", "inheritedRan", "framed"} {
		if eval[bool](t, ctx, `window.`+v+` === true`) {
			t.Errorf("%s: a planted tag ran", v)
		}
	}
	if eval[bool](t, ctx, `document.getElementById("js").hasAttribute("src")`) {
		t.Error("a javascript: frame address was loaded")
	}
	if eval[bool](t, ctx, `window.assent.granted("constructor") || window.assent.granted("__proto__")`) {
		t.Error("granted() answers true for an inherited property name")
	}
}

// TestSnippetCookieFormOnThePage: a page's own form named "cookie" (a
// cookie-settings page has one) shadows document.cookie. The banner still
// shows, keeps the decision in the real cookie and knows it on the next
// load.
func TestSnippetCookieFormOnThePage(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/settings": {html: `<!doctype html><html lang="en"><body><form name="cookie"><input name="x"></form>
<script type="text/plain" data-assent="analytics">window.analyticsRan = true</script>
<script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/settings")
	if !eval[bool](t, ctx, `document.cookie instanceof HTMLFormElement`) {
		t.Fatal("the form does not shadow document.cookie here; the test proves nothing")
	}
	waitFor(t, ctx, jsShown)
	click(t, ctx, "Accept all")
	receiptClaims(t, ctx, ts)
	tokenClaims(t, ctx)
	visit(t, ctx, site.URL+"/settings")
	waitFor(t, ctx, `window.assent && window.assent.granted("analytics") && window.analyticsRan === true`)
	if eval[bool](t, ctx, `document.querySelector("assent-banner") !== null`) {
		t.Error("the banner asked again")
	}
}

// TestSnippetInASandboxedFrame: in a sandboxed frame the cookie jar
// throws on every use; the banner still starts (and, keeping nothing,
// asks on every load) and the page's scripts can still ask it.
func TestSnippetInASandboxedFrame(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/outer": {html: `<!doctype html><html lang="en"><body><script>addEventListener("message", (e) => { window.framed = e.data })</script>
<iframe sandbox="allow-scripts" srcdoc='<!doctype html><html lang="en"><body><script src="{{assent}}/s/demo.js" async></script>
<script>addEventListener("load", () => { let jar; try { document.cookie } catch (e) { jar = "throws" }
  parent.postMessage([jar, typeof assent, window.assent && assent.granted("analytics"), !!document.querySelector("assent-banner")].join(), "*") })</script>'></iframe></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(site.URL+"/outer"))
	waitFor(t, ctx, `window.framed !== undefined`)
	if got := eval[string](t, ctx, `window.framed`); got != "throws,object,false,true" {
		t.Errorf("in the sandboxed frame: jar, assent, granted(analytics), banner = %q; want throws,object,false,true", got)
	}
}

// TestSnippetRestrictedPolicyNames: a page that restricts Trusted Types
// policy names without allowing "assent" (and without requiring Trusted
// Types) still gets the banner, from a plain string.
//
// There the policy cannot be made, so blocked tags go in as plain strings,
// which such a page (not requiring Trusted Types) takes. A decision is
// recorded, and each tag loads, whatever another one does.
func TestSnippetRestrictedPolicyNames(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/names": {html: `<!doctype html><html lang="en"><body><p>Shop</p>
<script type="text/plain" data-assent="analytics" nonce="n0nce">window.tagRan = true</script>
<img data-assent="analytics" data-src="/pixel.gif" alt="">
<script src="{{assent}}/s/demo.js" async nonce="n0nce"></script></body></html>`,
			headers: map[string]string{"Content-Security-Policy": "script-src 'nonce-n0nce'; trusted-types other"}},
	})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/names")
	waitFor(t, ctx, jsShown)
	click(t, ctx, "Accept all")
	if c := receiptClaims(t, ctx, ts); c.Action != "accept_all" {
		t.Errorf("decision: %s", c.Action)
	}
	waitFor(t, ctx, `window.tagRan === true && document.querySelector("img").getAttribute("src") === "/pixel.gif"`)
}

// crypto.randomUUID exists only in secure contexts (and newer browsers): a
// site on plain http still records its visitors' choices, under a
// well-formed UUIDv7.
func TestSnippetRecordsWithoutRandomUUID(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `delete Crypto.prototype.randomUUID`)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	click(t, ctx, "Reject all")
	c := receiptClaims(t, ctx, ts)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(c.Sub) {
		t.Errorf("visitor %q, want a UUIDv7", c.Sub)
	}
	if ms, _ := strconv.ParseInt(strings.ReplaceAll(c.Sub[:13], "-", ""), 16, 64); time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
		t.Errorf("visitor %q: its time %v is not now", c.Sub, time.UnixMilli(ms))
	}
}

// TestSnippetKeepsADecisionWhateverTheDeviceClock: a device whose clock
// is two years ahead or behind keeps a recorded decision for its lifetime
// as the server counts it (the cookie's max-age), neither dropping it at
// once nor asking again on the next page.
func TestSnippetKeepsADecisionWhateverTheDeviceClock(t *testing.T) {
	ts := startServer(t)
	for _, days := range []int{800, -800} {
		t.Run(strconv.Itoa(days), func(t *testing.T) {
			ctx := newBrowser(t)
			onNewDocument(t, ctx, `{ const now = Date.now; Date.now = () => now() + `+strconv.Itoa(days)+` * 864e5 }`)
			visit(t, ctx, ts.URL+"/")
			waitFor(t, ctx, jsShown)
			click(t, ctx, "Accept all")
			tokenClaims(t, ctx)
			visit(t, ctx, ts.URL+"/")
			if !eval[bool](t, ctx, `window.assent.granted("analytics") && document.querySelector("assent-banner") === null`) {
				t.Error("the decision was not kept: the banner asks again")
			}
		})
	}
}

// The site's texts are the owner's words, never markup: quotes, ampersands
// and tags come out as written, in content and in attributes alike.
func TestSnippetTextsStayText(t *testing.T) {
	const evil = `Tom & "Jerry's" <img src=x onerror="window.pwned=1"><b>bold</b>`
	ts := editSite(t, startServer(t), func(s *consent.Site) bool {
		en := s.Draft.Texts["en"]
		en.Title, en.Description, en.AcceptAll, en.Close, en.PrivacyPolicy = evil+" title", evil+" description", evil+" accept", evil+" close", evil+" policy"
		p := en.Purposes["analytics"]
		p.Title = evil + " analytics"
		en.Purposes["analytics"] = p
		s.Draft.Texts["en"] = en
		s.Draft.PrivacyPolicyURL = `https://example.com/privacy?a=1&b='2'`
		return true
	})
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	read := `(() => { const r = ` + jsRoot + `, a = r.querySelector("#x a");
		return [r.querySelector("h2").textContent, r.querySelector("#x").firstChild.textContent, a.textContent, a.getAttribute("href"),
			r.querySelector("[data-a=accept_all]").textContent, r.querySelector("[data-a=close]").getAttribute("aria-label"),
			r.querySelectorAll("img,b:not([id])").length, "pwned" in window]; })()`
	want := []any{evil + " title", evil + " description ", evil + " policy", `https://example.com/privacy?a=1&b='2'`, evil + " accept", evil + " close", 0, false}
	if got := eval[[]any](t, ctx, read); !equalJSON(got, want) {
		t.Errorf("first layer:\n got %v\nwant %v", got, want)
	}
	// Long words wrap: the three buttons keep their equal size inside the box.
	if got := eval[[]float64](t, ctx, `(() => { const r = `+jsRoot+`, d = r.querySelector(".d").getBoundingClientRect();
		return [...r.querySelectorAll(".a button")].map(b => { const q = b.getBoundingClientRect(); return q.right <= d.right && q.left >= d.left ? Math.round(q.width) : -1; }); })()`); len(got) != 3 || got[0] < 0 || got[0] != got[1] || got[1] != got[2] {
		t.Errorf("first-layer button widths %v, want three equal, inside the dialog", got)
	}
	click(t, ctx, "Customize")
	waitFor(t, ctx, jsShown+` && `+jsRoot+`.getElementById("n-analytics") !== null`)
	got := eval[[]any](t, ctx, `[`+jsRoot+`.getElementById("n-analytics").textContent, `+jsRoot+`.querySelectorAll("img").length, "pwned" in window]`)
	if want := []any{evil + " analytics", 0, false}; !equalJSON(got, want) {
		t.Errorf("preferences: got %v, want %v", got, want)
	}
}

// crossSiteFrame serves, over https, a page with script (whose ready() runs
// once the demo site's banner has loaded) and the banner, framed by a page
// of another site (localhost around 127.0.0.1) that collects the frame's
// messages in window.msgs. It returns that page's address, and its handler
// to serve it from the frame's own site too.
func crossSiteFrame(t *testing.T, script string) (page string, outer http.Handler) {
	var assent string
	framed := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><body><script>`+script+`
</script><script src="`+assent+`/s/demo.js" async onload="ready()"></script></body></html>`)
	}))
	t.Cleanup(framed.Close)
	ts := editSite(t, startServer(t), func(s *consent.Site) bool {
		s.Origins = append(s.Origins, framed.URL)
		return false
	})
	assent = ts.URL
	outer = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><script>window.msgs = []; addEventListener("message", e => msgs.push(e.data))</script>
<iframe src="`+framed.URL+`/"></iframe>`)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), outer
}

// TestSnippetRemembersADecisionInAFrame: a site embedded in another site
// (a cross-site frame, over https) keeps its visitor's decision: a
// SameSite=Lax cookie is not kept there, so the banner writes a
// partitioned one, kept for that embedding.
func TestSnippetRemembersADecisionInAFrame(t *testing.T) {
	// Tells the page around it whether a decision was there already, once
	// one is recorded.
	page, outer := crossSiteFrame(t, `
function ready() {
  const a = window.assent, had = !!a.choices();
  if (!had) a.acceptAll();
  const t = setInterval(() => a.receipt() && (clearInterval(t), parent.postMessage({ had, cookie: document.cookie.includes("assent=") }, "*")), 20);
}`)
	ctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true))
	for i, want := range []string{`{"had":false,"cookie":true}`, `{"had":true,"cookie":true}`} {
		do(t, ctx, chromedp.Navigate(page))
		waitFor(t, ctx, `window.msgs.length > 0`)
		if got := eval[string](t, ctx, `JSON.stringify(window.msgs[0])`); got != want {
			t.Errorf("load %d in the frame: %s, want %s", i+1, got, want)
		}
	}
	// Framed by a page of its own site, it keeps the ordinary cookie, the
	// one a withdrawal on the site itself replaces; no partitioned second.
	sameSite := httptest.NewTLSServer(outer)
	t.Cleanup(sameSite.Close)
	do(t, ctx, chromedp.Navigate(sameSite.URL))
	waitFor(t, ctx, `window.msgs.length > 0`)
	jar, err := chromedp.Call(ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range jar.Cookies {
		if c.Name == "assent" {
			k := "unpartitioned"
			if c.PartitionKey != nil {
				k = "partitioned under " + c.PartitionKey.TopLevelSite
			}
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	if want := []string{"partitioned under http://localhost", "unpartitioned"}; !slices.Equal(kinds, want) {
		t.Errorf("assent cookies: %q, want %q", kinds, want)
	}
}

// TestSnippetWithdrawalInAFrameDeletesPartitionedCookies: in a cross-site
// frame, where a tag can set only partitioned cookies (SameSite=None), a
// withdrawal deletes the listed ones.
func TestSnippetWithdrawalInAFrameDeletesPartitionedCookies(t *testing.T) {
	page, _ := crossSiteFrame(t, `
function ready() {
  const jar = () => document.cookie.split("; ").filter(c => !c.startsWith("assent=")).join();
  document.cookie = "_gid=1; path=/; secure; samesite=none; partitioned";
  document.cookie = "keep=1; path=/; secure; samesite=none; partitioned";
  const before = jar();
  assent.acceptAll();
  assent.withdraw();
  const t = setInterval(() => jar().includes("_gid") || (clearInterval(t), parent.postMessage(before + " | " + jar(), "*")), 20);
}`)
	ctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true))
	do(t, ctx, chromedp.Navigate(page))
	waitFor(t, ctx, `window.msgs.length > 0`)
	if got := eval[string](t, ctx, `window.msgs[0]`); got != "_gid=1,keep=1 | keep=1" {
		t.Errorf("the frame's cookies before | after withdrawal: %q, want _gid=1,keep=1 | keep=1", got)
	}
}

// TestSnippetWithdrawalDeletesSecurePrefixedCookies: over https, listed
// cookies named __Secure- or __Host-, which a browser deletes only with
// Secure, go with the rest; so does a partitioned (CHIPS) one, which is
// stored apart from the unpartitioned cookies of its name.
func TestSnippetWithdrawalDeletesSecurePrefixedCookies(t *testing.T) {
	var assent string
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><body><script src="`+assent+`/s/demo.js" async></script></body></html>`)
	}))
	t.Cleanup(site.Close)
	ts := editSite(t, startServer(t), func(s *consent.Site) bool {
		s.Origins = append(s.Origins, site.URL)
		for i, p := range s.Draft.Purposes {
			if p.ID == "analytics" {
				s.Draft.Purposes[i].Cookies = append(p.Cookies, "__Secure-stats", "__Host-stats")
			}
		}
		return true
	})
	assent = ts.URL
	ctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true))
	visit(t, ctx, site.URL+"/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		document.cookie = "__Secure-stats=1; secure; path=/"; document.cookie = "__Host-stats=1; secure; path=/"; document.cookie = "keep=1; path=/";
		document.cookie = "_ga=2; secure; path=/; samesite=none; partitioned";
		window.assent.acceptAll()`))
	waitFor(t, ctx, `window.assent.receipt() !== null`)
	if got := eval[string](t, ctx, `document.cookie`); !strings.Contains(got, "__Host-stats=1") || !strings.Contains(got, "_ga=2") {
		t.Fatalf("cookies before: %q, want __Host-stats and the partitioned _ga set", got)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.withdraw()`))
	waitFor(t, ctx, `window.assent.choices().analytics === false`)
	cookiesBecome(t, ctx, "keep=1", "after withdrawal")
}

// TestSnippetWithdrawalDeletesCookiesOfSubPaths: a listed cookie set for
// the page's directory (with or without its trailing slash, which are two
// paths to a browser), or the page itself, goes with the rest.
func TestSnippetWithdrawalDeletesCookiesOfSubPaths(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/shop/item": {html: `<!doctype html><html lang="en"><body><script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/shop/item")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`
		document.cookie = "_gid=1; path=/shop"; document.cookie = "_ga=1; path=/shop/item"; document.cookie = "_fbp=1; path=/";
		document.cookie = "_gcl_au=1; path=/shop/";
		document.cookie = "keep=1; path=/shop"; window.assent.acceptAll()`))
	waitFor(t, ctx, `window.assent.receipt() !== null`)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.withdraw()`))
	waitFor(t, ctx, `window.assent.choices().analytics === false`)
	cookiesBecome(t, ctx, "keep=1", "after withdrawal")
}

// TestSnippetLargestDecisionFitsTheCookie: the largest decision a config
// allows (every purpose, each id as long as allowed, the longest language
// tag, a URL longer than is kept) still fits the cookie that holds it until
// it is recorded: a browser drops a cookie over 4 KiB, and the decision
// before it would stay in force.
func TestSnippetLargestDecisionFitsTheCookie(t *testing.T) {
	const lang = "en-abcdefgh-abcdefgh-abcdefgh-abcde" // 35 characters, the most allowed
	page := `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8">
<script src="{{assent}}/s/demo.js" async></script></head><body><p>Page</p></body></html>`
	long := "/" + strings.Repeat("a", 3000)
	site := newSiteServer(t, map[string]sitePage{long: {html: page}})
	ts := startForSite(t, site)
	ts = editSite(t, ts, func(s *consent.Site) bool {
		texts := s.Draft.Texts["en"]
		for i := len(s.Draft.Purposes); i < consent.MaxPurposes; i++ {
			id := fmt.Sprintf("p%031d", i)
			s.Draft.Purposes = append(s.Draft.Purposes, consent.Purpose{ID: id})
			texts.Purposes[id] = consent.PurposeText{Title: id}
		}
		texts.Purposes = maps.Clone(texts.Purposes)
		s.Draft.Texts[lang] = texts
		return true
	})
	site.assent = ts.URL
	ctx := newBrowser(t)
	block := blocker(t, ctx, ts.URL+"/api/v1/consents")
	block(true)
	visit(t, ctx, site.URL+long)
	eval[any](t, ctx, `assent.withdraw(); null`) // every optional purpose false: the longest choices
	n := eval[int](t, ctx, `(c => c.startsWith("p.") ? c.length : -1)(`+jsCookie+`)`)
	// The demo site's id is 4 characters; one may have 63.
	if worst := len("assent=") + n + (63-4)*4/3 + 1; n < 0 || worst > 4096 {
		t.Errorf("the pending decision's cookie is %d characters (%d with the longest site id), want it kept and under 4,096", n, worst)
	}
	visit(t, ctx, site.URL+long)
	if eval[bool](t, ctx, `assent.choices() === null || assent.granted("analytics")`) {
		t.Error("the withdrawal did not survive the next page")
	}
}
