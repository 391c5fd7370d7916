package main

import (
	"fmt"
	"github.com/google/uuid"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The banner's behaviour against the real server and headless Chromium, on
// the demo page (two blocked tags: analytics and advertising).

func TestSnippetFirstVisitShowsBanner(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown+` && `+jsRoot+`.activeElement !== null`)

	got := eval[map[string]any](t, ctx, `(() => { const r = `+jsRoot+`, d = r.querySelector("[role=dialog]");
		return {label: r.getElementById(d.getAttribute("aria-labelledby")).textContent,
			buttons: [...r.querySelectorAll(".a button")].map(b => b.textContent),
			focused: document.activeElement.tagName + ">" + (r.activeElement && r.activeElement.getAttribute("role")),
			checked: r.querySelectorAll("input:checked").length,
			ran: window.demoTagsRan || null, cookie: `+jsCookie+`, granted: window.assent.granted("analytics"),
			choices: window.assent.choices(), privacy: r.querySelector("a").href}; })()`)
	want := map[string]any{"label": "We value your privacy", "buttons": []any{"Accept all", "Reject all", "Customize"},
		"focused": "ASSENT-BANNER>dialog", "checked": 0.0, "ran": nil, "cookie": "", "granted": false, "choices": nil,
		"privacy": ts.URL + "/#privacy"}
	for k, v := range want {
		if g := got[k]; !equalJSON(g, v) {
			t.Errorf("%s: got %v, want %v", k, g, v)
		}
	}
	cmds := consentCommands(t, ctx)
	if len(cmds) != 1 || cmds[0]["command"] != "default" || cmds[0]["analytics_storage"] != "denied" ||
		cmds[0]["ad_user_data"] != "denied" || cmds[0]["security_storage"] != "granted" ||
		cmds[0]["wait_for_update"] != 500.0 || cmds[0]["arguments"] != "[object Arguments]" {
		t.Errorf("consent mode commands: got %v, want one default with everything but security denied", cmds)
	}
}

func TestSnippetRejectAll(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	// Requests as they start: the page's own list has only finished ones.
	var tagCode atomic.Int32
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && strings.Contains(e.Request.URL, "/s/t/") {
			tagCode.Add(1)
		}
	})
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Reject all")
	waitFor(t, ctx, jsGone)

	c := receiptClaims(t, ctx, ts)
	if want := map[string]bool{"necessary": true, "analytics": false, "advertising": false, "preferences": false}; c.Action != "reject_all" || !maps.Equal(c.Choices, want) {
		t.Errorf("receipt: got %s %v, want reject_all %v", c.Action, c.Choices, want)
	}
	if tok := tokenClaims(t, ctx); tok.JTI != c.JTI || strings.Join(tok.Granted, ",") != "necessary" {
		t.Errorf("cookie token: got %+v, want receipt %s granting necessary only", tok, c.JTI)
	}
	if ran := eval[bool](t, ctx, `"demoTagsRan" in window || document.querySelectorAll('script[type="text/plain"]').length !== 2 ||
		document.getElementById("pixel").hasAttribute("src")`); ran {
		t.Error("a blocked script or pixel loaded after reject all")
	}
	if cmds := consentCommands(t, ctx); len(cmds) != 2 || cmds[1]["command"] != "update" || cmds[1]["ad_storage"] != "denied" {
		t.Errorf("consent mode: got %v, want default then an update denying", cmds)
	}
	// Nothing granted, nothing to load: the code that loads tags stays away.
	// (A request for it would start before the decision's post, whose
	// answer is in.)
	if n := tagCode.Load(); n != 0 {
		t.Errorf("the tags module was requested %d times after reject all", n)
	}
	// A listed cookie set since by a tag outside Assent's control (here by
	// hand) is deleted on the next page: the tag code is fetched for that.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.cookie = "_ga=GA1.1.1; path=/"; document.cookie = "keep=1; path=/"`))
	visit(t, ctx, ts.URL+"/")
	cookiesBecome(t, ctx, "keep=1", "on the next page after reject all")
}

// TestSnippetTagCodeUnreachable: when the module that loads tags cannot be
// fetched, the next decision tries again.
func TestSnippetTagCodeUnreachable(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	block := blocker(t, ctx, ts.URL+"/s/t/*")
	block(true)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	receiptClaims(t, ctx, ts)
	if eval[bool](t, ctx, `"demoTagsRan" in window`) {
		t.Fatal("tags ran without the tag code")
	}
	block(false)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.acceptAll()`))
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2`)
}

// A tag that needs only necessary, which cannot be refused, loads before
// any decision and after a rejection, once, also where it comes after the
// snippet in a page still loading; one that needs more stays blocked.
func TestSnippetNecessaryTagsLoadWhateverTheDecision(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/shop": {html: `<!doctype html><html lang="en"><body><script src="{{assent}}/s/demo.js" async></script><p>Shop</p>
<script type="text/plain" data-assent="necessary">window.necessary = (window.necessary || 0) + 1</script>
<script type="text/plain" data-assent="necessary analytics">window.analytics = true</script></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/shop")
	waitFor(t, ctx, jsShown)
	waitFor(t, ctx, `window.necessary === 1`)
	click(t, ctx, "Reject all")
	waitFor(t, ctx, jsGone)
	waitFor(t, ctx, `window.assent.receipt() !== null`)
	if got := eval[[]any](t, ctx, `[window.necessary, "analytics" in window]`); !equalJSON(got, []any{1, false}) {
		t.Errorf("after reject all: necessary ran, analytics ran: %v, want [1 false]", got)
	}
	// Returning, having rejected: no banner, the necessary tag runs.
	visit(t, ctx, site.URL+"/shop")
	waitFor(t, ctx, `window.necessary === 1`)
	if got := eval[[]any](t, ctx, `["analytics" in window, !!document.querySelector("assent-banner")]`); !equalJSON(got, []any{false, false}) {
		t.Errorf("returning after reject all: analytics ran, banner shown: %v, want [false false]", got)
	}
}

// jsTagsFetches counts the page's fetches of the module that loads blocked
// tags; jsTagsTransfer is what its last one cost (0 when cached).
const (
	jsTagsFetches  = `performance.getEntriesByType("resource").filter(e => e.name.includes("/s/t/")).length`
	jsTagsTransfer = `performance.getEntriesByType("resource").filter(e => e.name.includes("/s/t/")).pop().transferSize`
)

// Blocked scripts run in the order of the page: an inline one waits for
// the scripts with a src before it, as the parser would have made it wait.
// Their own onload attributes still fire.
func TestSnippetBlockedScriptsRunInOrder(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/order": {html: `<!doctype html><html lang="en"><body><p>Shop</p>
<script type="text/plain" data-assent="analytics" src="/tag.js" onload="window.loaded = (window.loaded || 0) + 1"></script>
<script type="text/plain" data-assent="analytics">window.seen = (window.tagsRan || []).length</script>
<script type="text/plain" data-assent="advertising" src="/tag.js"></script>
<script type="text/plain" data-assent="advertising">window.seen2 = (window.tagsRan || []).length</script>
<script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/order")
	waitFor(t, ctx, jsShown)
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `window.seen2 !== undefined && window.loaded === 1`)
	if got := eval[[]any](t, ctx, `[window.seen, window.seen2, window.tagsRan.join()]`); !equalJSON(got, []any{1, 2, "analytics,advertising"}) {
		t.Errorf("inline scripts saw %v tags run before them, want [1 2 analytics,advertising]", got)
	}
}

// TestSnippetWaitsForAnInlineScriptBeingParsed: on a returning visitor's
// page that is still arriving, the snippet may run while the parser is
// inside a blocked inline script. That script waits until its text is
// whole, also when the preferences are open; the one before it, parsed
// already, does not.
func TestSnippetWaitsForAnInlineScriptBeingParsed(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/plain": {html: `<!doctype html><html lang="en"><body><p>Shop</p><script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	release := make(chan struct{})
	pages := site.Config.Handler
	site.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slow" {
			pages.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><script src="`+site.assent+`/s/demo.js" async></script></head><body>
<script type="text/plain" data-assent="analytics">window.early = true</script><p>Shop</p>
<script type="text/plain" data-assent="analytics">window.ran = (window.ran || 0) + 1; window.part = true;`+strings.Repeat(" ", 2048))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `window.whole = true;</script><p>More</p></body></html>`)
	})
	startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/plain")
	click(t, ctx, "Accept all")
	tokenClaims(t, ctx)

	// Navigate, not chromedp.Navigate: that waits for the load event.
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: site.URL + "/slow"}); err != nil {
		t.Fatal(err)
	}
	// Polled through the DevTools protocol itself: chromedp's own polling
	// tracks the page's context from its navigations, and the page was
	// opened behind its back.
	yes := true
	for deadline := time.Now().Add(10 * time.Second); ; {
		r, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: `window.early === true && document.readyState === "loading"`, ReturnByValue: &yes})
		if err == nil && r.Result != nil && string(r.Result.Value) == "true" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page's parsed blocked script did not run while it was loading (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// With the preferences open the banner follows the body, which must not
	// pass for the parser having gone past the script. A tag added to the
	// head makes the tag code look again.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open(); const i = document.createElement("img");
		i.id = "late"; i.dataset.assent = "analytics"; i.dataset.src = "data:,"; document.head.append(i)`))
	waitFor(t, ctx, `document.getElementById("late").hasAttribute("src") && document.readyState === "loading"`)
	ranEarly := eval[bool](t, ctx, `window.ran !== undefined`)
	close(release)
	waitFor(t, ctx, `document.readyState === "complete" && window.ran !== undefined`)
	if ranEarly || !eval[bool](t, ctx, `window.ran === 1 && window.whole === true`) {
		t.Errorf("the inline script ran before its text was whole (%v), or not once in whole: %v", ranEarly, eval[any](t, ctx, `[window.ran, window.whole]`))
	}
}

func TestSnippetAcceptAll(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2 && document.getElementById("pixel").src.startsWith("data:")`)

	c := receiptClaims(t, ctx, ts)
	if want := map[string]bool{"necessary": true, "analytics": true, "advertising": true, "preferences": true}; c.Action != "accept_all" || !maps.Equal(c.Choices, want) {
		t.Errorf("receipt: got %s %v, want accept_all %v", c.Action, c.Choices, want)
	}
	if got := eval[string](t, ctx, `window.demoTagsRan.join()`); got != "analytics,advertising" {
		t.Errorf("tags ran: got %s, want analytics then advertising, in document order", got)
	}
	if n := eval[int](t, ctx, jsTagsFetches); n != 1 {
		t.Errorf("the tags module was fetched %d times, want once", n)
	}
	if cmds := consentCommands(t, ctx); len(cmds) != 2 || cmds[1]["ad_personalization"] != "granted" || cmds[1]["personalization_storage"] != "granted" {
		t.Errorf("consent mode: got %v, want an update granting everything", cmds)
	}
	if got := eval[string](t, ctx, `document.getElementById("state").textContent`); !strings.Contains(got, `"advertising":true`) {
		t.Errorf("the page's assent:consent listener shows %q", got)
	}
}

func TestSnippetCustomChoices(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Customize")
	waitFor(t, ctx, jsRoot+`.querySelectorAll("[role=switch]").length === 4`)
	sw := eval[[]string](t, ctx, `[...`+jsRoot+`.querySelectorAll("[role=switch]")].map(s =>
		s.id + ":" + s.checked + ":" + s.disabled + ":" + s.getRootNode().getElementById(s.getAttribute("aria-labelledby")).textContent)`)
	if want := []string{"s-necessary:true:true:Necessary", "s-analytics:false:false:Analytics", "s-advertising:false:false:Advertising",
		"s-preferences:false:false:Preferences"}; !equalJSON(sw, want) {
		t.Errorf("switches: got %v, want %v (nothing optional pre-ticked)", sw, want)
	}
	if m := eval[string](t, ctx, jsRoot+`.querySelector("[role=dialog]").getAttribute("aria-modal")`); m != "true" {
		t.Errorf("preferences aria-modal = %q, want true", m)
	}
	click(t, ctx, "Analytics")
	click(t, ctx, "Preferences")
	click(t, ctx, "Save choices")
	waitFor(t, ctx, `(window.demoTagsRan || []).join() === "analytics"`)

	c := receiptClaims(t, ctx, ts)
	if want := map[string]bool{"necessary": true, "analytics": true, "advertising": false, "preferences": true}; c.Action != "custom" || !maps.Equal(c.Choices, want) {
		t.Errorf("receipt: got %s %v, want custom %v", c.Action, c.Choices, want)
	}

	// Re-opened from the page, the preferences show the current choices.
	do(t, ctx, chromedp.Click(chromedp.CSS("[data-assent-open]")))
	waitFor(t, ctx, jsShown)
	if got := eval[string](t, ctx, `[...`+jsRoot+`.querySelectorAll("[role=switch]")].map(s => s.checked).join()`); got != "true,true,false,true" {
		t.Errorf("re-opened switches: got %s, want the saved choices", got)
	}
}

func TestSnippetReturningVisitor(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Accept all")
	first := receiptClaims(t, ctx, ts)
	tokenClaims(t, ctx)
	// The visitor id is a UUIDv7 of about now: time-ordered keys are cheap
	// for the server's visitor index.
	if v, err := uuid.Parse(first.Sub); err != nil || v.Version() != 7 || time.Since(time.Unix(v.Time().UnixTime())) > time.Hour {
		t.Errorf("visitor id %s is not a current UUIDv7 (%v)", first.Sub, err)
	}

	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `(window.demoTagsRan || []).length === 2`)
	if !eval[bool](t, ctx, jsGone) {
		t.Error("banner shown to a returning visitor")
	}
	if n := eval[int](t, ctx, jsTagsTransfer); n != 0 {
		t.Errorf("the tags module cost a returning visitor %d bytes, want it from the cache", n)
	}
	cmds := consentCommands(t, ctx)
	if len(cmds) != 2 || cmds[0]["command"] != "default" || cmds[1]["command"] != "update" || cmds[1]["analytics_storage"] != "granted" {
		t.Errorf("consent mode on return: got %v, want one default and one update granting", cmds)
	}
	if got := eval[string](t, ctx, `window.assent.receipt()`); got != first.JTI {
		t.Errorf("receipt() on return = %s, want %s", got, first.JTI)
	}

	// A later decision is the same visitor, chained to the first receipt.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.rejectAll()`))
	waitFor(t, ctx, `window.assent.receipt() !== null && window.assent.receipt() !== "`+first.JTI+`"`)
	second := receiptClaims(t, ctx, ts)
	if second.Sub != first.Sub || second.Prev != first.JTI {
		t.Errorf("second receipt: visitor %s prev %s, want %s and %s", second.Sub, second.Prev, first.Sub, first.JTI)
	}
}

// TestSnippetNothingPreTickedForInheritedNames: a purpose whose id is also
// the name of an Object property ("constructor") starts unticked.
func TestSnippetNothingPreTickedForInheritedNames(t *testing.T) {
	ts := editSite(t, startServer(t), func(s *consent.Site) bool {
		s.Draft.Purposes = append(s.Draft.Purposes, consent.Purpose{ID: "constructor"})
		for _, tx := range s.Draft.Texts {
			tx.Purposes["constructor"] = consent.PurposeText{Title: "Builders"}
		}
		return true
	})
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
	waitFor(t, ctx, jsRoot+`.getElementById("s-constructor") !== null`)
	if eval[bool](t, ctx, jsRoot+`.getElementById("s-constructor").checked`) {
		t.Error(`the switch of purpose "constructor" is pre-ticked`)
	}
	// The preferences layer has focus.
	waitFor(t, ctx, jsRoot+`.activeElement !== null && `+jsRoot+`.activeElement.getAttribute("role") === "dialog"`)
}

// TestSnippetFocusWithStyleElements: where constructable stylesheets are
// missing the styles come as <style> elements in the shadow root; the
// opened preferences still take focus.
func TestSnippetFocusWithStyleElements(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `delete CSSStyleSheet.prototype.replaceSync`)
	visit(t, ctx, ts.URL+"/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
	waitFor(t, ctx, jsRoot+`.querySelector("style") !== null`)
	waitFor(t, ctx, jsRoot+`.activeElement !== null && `+jsRoot+`.activeElement.getAttribute("role") === "dialog"`)
}

// TestSnippetListenerErrorsAreReported: a site listener that throws is
// reported to the page (its error handlers, the console) and does not keep
// the others or the DOM event from running.
func TestSnippetListenerErrorsAreReported(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	eval[any](t, ctx, `addEventListener("error", e => window.reported = e.message);
		document.addEventListener("assent:consent", () => window.event = true);
		assent.on("consent", () => { throw new Error("boom") });
		assent.on("consent", c => window.second = c.analytics); null`)
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `window.second === true && window.event === true`)
	waitFor(t, ctx, `window.reported !== undefined`) // reported from a task of its own
	if got := eval[string](t, ctx, `String(window.reported)`); !strings.Contains(got, "boom") {
		t.Errorf("the listener's error was not reported: %q", got)
	}
}
