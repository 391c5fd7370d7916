package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// Pages that share the visitor's cookie: tabs, and pages kept in the
// back/forward cache, each with the state they loaded with.

const syncPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<script src="{{assent}}/s/demo.js" async></script>
<script>addEventListener("pageshow", e => { if (e.persisted) sessionStorage.setItem("restored", "1") })</script>
</head><body><p>Page</p></body></html>`

// TestSnippetBackForwardCacheFollowsTheCookie: a page left with its banner
// open, restored by Back after the visitor decided on the next page, does
// not ask again as if nothing happened; it follows that decision.
func TestSnippetBackForwardCacheFollowsTheCookie(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{"/a": {html: syncPage}, "/b": {html: syncPage}})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/a")
	waitFor(t, ctx, jsShown)
	eval[any](t, ctx, `window.stale = true; null`) // gone when the page loads again
	visit(t, ctx, site.URL+"/b")
	click(t, ctx, "Reject all")
	rejected := receiptClaims(t, ctx, ts)
	// Back, from the page (NavigateBack waits for a load event, which a
	// page restored from the cache does not fire).
	eval[any](t, ctx, `setTimeout(() => history.back()); null`)
	// Restored from the cache (the page's own listener says so), and then
	// loaded again, with the decision made on /b.
	waitAcross(t, ctx, `sessionStorage.getItem("restored") === "1" && location.pathname === "/a"`)
	waitAcross(t, ctx, `!window.stale && typeof window.assent === "object" && window.assent.receipt() !== null`)
	if got := eval[string](t, ctx, `window.assent.receipt()`); got != rejected.JTI {
		t.Errorf("the restored page holds receipt %s, want %s, made on the next page", got, rejected.JTI)
	}
	if !eval[bool](t, ctx, jsGone) {
		t.Error("the restored page still asks a visitor who has decided")
	}
}

// waitAcross is waitFor across the page's documents coming and going: a
// poll in a document that goes away fails, and polls again in the next.
func waitAcross(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		_, err := chromedp.Run(wctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
	}
}

// TestSnippetTabsShareTheVisitor: two tabs opened before any decision each
// record the visitor's decisions under one visitor id, in one chain.
func TestSnippetTabsShareTheVisitor(t *testing.T) {
	ts := startServer(t)
	one := newBrowser(t)
	two, cancel := chromedp.NewContext(one) // another tab, same cookie jar
	defer cancel()
	visit(t, one, ts.URL+"/")
	visit(t, two, ts.URL+"/")
	waitFor(t, one, jsShown)
	waitFor(t, two, jsShown)
	click(t, two, "Accept all")
	first := receiptClaims(t, two, ts)
	click(t, one, "Reject all")
	second := receiptClaims(t, one, ts)
	if second.Sub != first.Sub || second.Prev != first.JTI {
		t.Errorf("the other tab recorded visitor %s after %q, want visitor %s after %s", second.Sub, second.Prev, first.Sub, first.JTI)
	}
}

// TestSnippetListenerUnsubscribingItself: the common "once" listener
// removes itself while the listeners are called; the next one is still
// called, and the removed one is not called again.
func TestSnippetListenerUnsubscribingItself(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	eval[any](t, ctx, `window.calls = [];
		const off = assent.on("consent", () => { off(); calls.push("once") });
		assent.on("consent", c => calls.push("every " + c.analytics)); null`)
	click(t, ctx, "Accept all")
	waitFor(t, ctx, `calls.length >= 2`)
	eval[any](t, ctx, `assent.rejectAll(); null`)
	waitFor(t, ctx, `calls.length >= 3`)
	if got := strings.Join(eval[[]string](t, ctx, `calls`), ", "); got != "once, every true, every false" {
		t.Errorf("listeners called: %s, want once, every true, every false", got)
	}
	// On the next page the choices are known before anyone listens: a late
	// "consent" listener is called once the script that added it is done,
	// so it can unsubscribe itself too, and a listener removed before then
	// is not called.
	visit(t, ctx, ts.URL+"/")
	got := eval[string](t, ctx, `(() => { window.calls = [];
		try {
			const off = assent.on("consent", c => { off(); calls.push("once " + c.analytics) });
			assent.on("consent", () => calls.push("removed"))();
		} catch (e) { return String(e) }
		return "returned" })()`)
	waitFor(t, ctx, `calls.length >= 1`)
	eval[any](t, ctx, `assent.acceptAll(); null`)
	if calls := strings.Join(eval[[]string](t, ctx, `calls`), ", "); got != "returned" || calls != "once false" {
		t.Errorf("a late listener that unsubscribes itself: on() %s; listeners called: %s, want returned; once false", got, calls)
	}
}

// TestSnippetLateAnswerKeepsAnotherTabsDecision: a tab whose "accept all"
// is answered late, after the visitor withdrew in another tab, leaves the
// cookie holding the withdrawal: the next page grants nothing, as the
// visitor's latest receipt says.
func TestSnippetLateAnswerKeepsAnotherTabsDecision(t *testing.T) {
	ts := startServer(t)
	one := newBrowser(t)
	two, cancel := chromedp.NewContext(one) // another tab, same cookie jar
	defer cancel()
	visit(t, one, ts.URL+"/")
	visit(t, two, ts.URL+"/")
	waitFor(t, one, jsShown)
	// Tab one's answers are held once the server has sent them (recorded),
	// and it counts those its handlers have had (a timer set in the
	// reaction before the banner's runs after it).
	held := make(chan fetch.RequestID, 2)
	chromedp.Listen(one, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			held <- e.RequestID
		}
	})
	if _, err := chromedp.Call(one, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/consents", RequestStage: fetch.RequestStageResponse}}}); err != nil {
		t.Fatal(err)
	}
	eval[any](t, one, `(j => Response.prototype.json = function () { const p = j.call(this); p.then(() => setTimeout(() => window.answered = (window.answered || 0) + 1)); return p; })(Response.prototype.json); null`)
	click(t, one, "Accept all")
	answer := heldAnswer(t, held)
	eval[any](t, two, `assent.withdraw(); null`)
	withdrawn := receiptClaims(t, two, ts)
	if _, err := chromedp.Call(one, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: answer}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, one, `window.answered === 1`)
	if tok := tokenClaims(t, two); tok.JTI != withdrawn.JTI {
		t.Errorf("after tab one's late answer the cookie holds %s (%s), want the withdrawal %s made since", tok.JTI, tok.Action, withdrawn.JTI)
	}
	visit(t, two, ts.URL+"/")
	if eval[bool](t, two, `assent.granted("analytics") || assent.granted("advertising")`) {
		t.Error("the next page grants what the visitor withdrew")
	}
}
