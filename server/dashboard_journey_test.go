package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Dashboard browser helpers, named apart from the snippet tests' own.

// dPreviewShows (a format for the expected text) is true once the framed
// preview shows the real banner with that text.
const dPreviewShows = `(() => { const f = document.querySelector(".preview-frame"); const d = f && f.contentDocument;
		const b = d && d.querySelector("assent-banner"); return !!(b && b.shadowRoot && b.shadowRoot.textContent.includes(%q)); })()`

func dEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// dWait polls until expr is truthy in the page, failing after 15 s.
func dWait(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second)))
	// A navigation can replace the page's context under a running poll: poll
	// again in the new page.
	for err != nil && strings.Contains(err.Error(), "Cannot find context") && time.Now().Before(deadline) {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
	}
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ""`))
		focus, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.activeElement ? document.activeElement.tagName + "#" + document.activeElement.id : "none") + " dialogs open: " + [...document.querySelectorAll("dialog")].filter(d => d.open).length`))
		t.Fatalf("waiting for %s: %v\nfocus: %s\npage: %s", expr, err, focus, body)
	}
}

func dDo(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// dType replaces the text of the field matching css by typing, so the
// page's input listeners run as they would for a person.
func dType(t *testing.T, ctx context.Context, css, text string) {
	t.Helper()
	dDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(css)))
	dEval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ""; e.focus(); return true })()`, css))
	dDo(t, ctx, chromedp.KeyEvent(text))
}

func dClick(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	dDo(t, ctx, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)))
}

// dButton clicks the button whose text is label.
func dButton(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	dWait(t, ctx, fmt.Sprintf(`[...document.querySelectorAll("button")].some(b => b.textContent.trim() === %q && !b.disabled)`, label))
	dEval[bool](t, ctx, fmt.Sprintf(`(() => { const b = [...document.querySelectorAll("button")].find(b => b.textContent.trim() === %q); b.focus(); b.click(); return true })()`, label))
}

func dGo(t *testing.T, ctx context.Context, url, ready string) {
	t.Helper()
	dDo(t, ctx, chromedp.Navigate(url))
	dWait(t, ctx, ready)
}

// dShot saves a full-page screenshot to /tmp/shots/dash-NAME-WIDTH.png.
func dShot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll("/tmp/shots", 0o755)
	if err := os.WriteFile(fmt.Sprintf("/tmp/shots/dash-%s-%d.png", name, width), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func dLogin(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	dGo(t, ctx, base+"/dashboard/", `!!document.querySelector("input[name=username]")`)
	dType(t, ctx, "input[name=username]", user)
	dType(t, ctx, "input[name=password]", password)
	dButton(t, ctx, "Sign in")
	dWait(t, ctx, `!!document.querySelector("header.top")`)
}

// TestDashboardJourney walks the acceptance journey against the real
// server: first login, create a site, edit with the live preview, a refused
// dark pattern, publish, embed the tag in a page on another origin and
// decide there, find the receipt verified in the log, see it in insights,
// export CSV and an evidence pack, verify the receipt, and an auditor who
// cannot edit.
func TestDashboardJourney(t *testing.T) {
	srv := startServer(t, "--rate-limit", "0")
	ctx := newBrowser(t)
	base := srv.URL

	var pageHTML string
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pageHTML)
	}))
	t.Cleanup(shop.Close)

	// First login; the dashboard sends us to the login page first.
	dGo(t, ctx, base+"/dashboard/sites", `location.pathname === "/dashboard/login"`)
	dShot(t, ctx, "login", 1280)
	// A text field's border is its only edge: 3:1 against the card at least
	// (WCAG 1.4.11).
	if c := dEval[float64](t, ctx, `(() => {
		const lum = s => { const [r, g, b] = s.match(/\d+/g).map(n => n / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
		const i = getComputedStyle(document.querySelector("input")), a = lum(i.borderTopColor), b = lum(i.backgroundColor);
		return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); })()`); c < 3 {
		t.Errorf("sign-in field border contrast %.2f:1, want 3:1 or more", c)
	}
	dDo(t, ctx, chromedp.EmulateViewport(360, 740))
	dShot(t, ctx, "login", 360)
	dDo(t, ctx, chromedp.EmulateViewport(1280, 800))
	dLogin(t, ctx, base, "admin", "correct-horse-battery")

	// Create a site. A refused field is marked, described by the error,
	// and focused; fixed, the site is made.
	dGo(t, ctx, base+"/dashboard/sites", `!!document.querySelector("input[name=name]")`)
	dType(t, ctx, "input[name=name]", "Test Shop")
	dType(t, ctx, "textarea[name=origins]", "shop.example/path")
	dButton(t, ctx, "Create site")
	dWait(t, ctx, `document.querySelector("form .error").textContent != ""`)
	if got := dEval[string](t, ctx, `(o => [document.activeElement.name, o.getAttribute("aria-invalid"), o.getAttribute("aria-describedby").split(" ").includes(document.querySelector("form .error").id)].join(" "))(document.querySelector("textarea[name=origins]"))`); got != "origins true true" {
		t.Errorf("a refused origin: focus, aria-invalid, described by the error: %q, want origins true true", got)
	}
	dEval[bool](t, ctx, `(document.querySelector("textarea[name=origins]").value = "", true)`)
	dType(t, ctx, "textarea[name=origins]", shop.URL)
	dButton(t, ctx, "Create site")
	dWait(t, ctx, `location.pathname === "/dashboard/sites/test-shop/edit"`)

	// Edit: the live preview shows the real banner with the draft text,
	// without taking the page's focus (on a site, its dialog autofocuses).
	dWait(t, ctx, fmt.Sprintf(dPreviewShows, "We value your privacy"))
	if f := dEval[string](t, ctx, `new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(document.activeElement.tagName))))`); f == "IFRAME" {
		t.Error("the preview's banner took the dashboard's focus")
	}
	titleField := `.texts .grid2 .field:first-child input`
	dType(t, ctx, titleField, "Cookies, honestly")
	dWait(t, ctx, fmt.Sprintf(dPreviewShows, "Cookies, honestly"))

	// Only necessary is always on: no other purpose offers it (the server
	// would refuse it as a dark pattern).
	if n := dEval[int](t, ctx, `document.querySelectorAll(".purpose-head input[type=checkbox]").length`); n != 1 {
		t.Errorf("%d purposes offer 'always on', want only necessary", n)
	}

	// A dark pattern is refused with a clear message and nothing is
	// published: text too faint to read on the banner's background.
	setText := `(c => { const i = document.querySelectorAll(".editor-form input[type=color]")[1]; i.value = c; i.dispatchEvent(new Event("input")); })`
	dEval[any](t, ctx, setText+`("#aaaaaa")`)
	dButton(t, ctx, "Save draft")
	dWait(t, ctx, `(document.querySelector(".status [role=alert]")||{}).textContent?.includes("contrast of 2.3:1")`)
	dShot(t, ctx, "faint-text", 1280)
	dEval[any](t, ctx, setText+`("#1f2937")`)

	// A translation half done saves as a draft; publishing names what is
	// missing and says the draft is kept.
	// A code that is none says why, instead of only taking focus back.
	dType(t, ctx, `input[aria-label="New language code"]`, "French")
	dButton(t, ctx, "Add language")
	dWait(t, ctx, `document.querySelector("#lang-err")?.textContent.includes("like de, fr or pt-BR")`)
	// A purpose added and removed again: focus stays on what was used (the
	// new purpose's field, then the field to add one), not the page's body.
	dType(t, ctx, `input[aria-label="New purpose id"]`, "stats")
	dButton(t, ctx, "Add purpose")
	dWait(t, ctx, `document.activeElement?.closest(".purpose")?.querySelector("code")?.textContent === "stats"`)
	dEval[bool](t, ctx, `(window.realConfirm = confirm, window.confirm = () => true, true)`) // asked: its texts go too
	dClick(t, ctx, `button[aria-label="Remove purpose stats"]`)
	dEval[bool](t, ctx, `(window.confirm = window.realConfirm, true)`)
	dWait(t, ctx, `document.activeElement?.getAttribute("aria-label") === "New purpose id" && ![...document.querySelectorAll(".purpose code")].some(c => c.textContent === "stats")`)
	dType(t, ctx, `input[aria-label="New language code"]`, "fr")
	dButton(t, ctx, "Add language")
	dWait(t, ctx, `document.querySelector(".lang-tabs [aria-selected=true]")?.textContent == "fr"`)
	// The new language's tab has focus (not the page's body), and the arrow
	// keys move between the tabs, as in any tab list.
	if !dEval[bool](t, ctx, `document.activeElement?.id === "tab-fr"`) {
		t.Errorf("after adding a language focus is on %s, want its tab", dEval[string](t, ctx, `document.activeElement?.outerHTML.slice(0, 80)`))
	}
	dDo(t, ctx, chromedp.KeyEvent(kb.ArrowLeft))
	dWait(t, ctx, `document.activeElement?.id === "tab-en" && document.activeElement.getAttribute("aria-selected") === "true" && document.querySelector("[role=tabpanel]").getAttribute("aria-labelledby") === "tab-en"`)
	dDo(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
	dWait(t, ctx, `document.activeElement?.id === "tab-fr" && document.activeElement.getAttribute("aria-selected") === "true"`)
	dType(t, ctx, titleField, "Vos cookies")
	dButton(t, ctx, "Save draft")
	dWait(t, ctx, `(document.querySelector(".status")||{}).textContent?.startsWith("Draft saved")`)
	dButton(t, ctx, "Publish")
	dWait(t, ctx, `(t => t?.includes("Not published (the draft is saved)") && t.includes("fr: missing translation for description"))(document.querySelector(".status [role=alert]")?.textContent)`)
	dShot(t, ctx, "publish-refused", 1280)
	dEval[bool](t, ctx, `(window.realConfirm = confirm, window.confirm = () => true, true)`) // asked: removing a language drops its texts
	dButton(t, ctx, "Remove fr")
	dEval[bool](t, ctx, `(window.confirm = window.realConfirm, true)`)

	// Leaving with unsaved edits asks first; staying keeps them.
	dialogs := make(chan string, 1)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() {
				chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				dialogs <- e.Message
			}()
		}
	}); err != nil {
		t.Fatal(err)
	}
	dEval[bool](t, ctx, `([...document.querySelectorAll("nav.tabs a")].find(a => a.textContent == "Versions").click(), true)`)
	var msg string
	select {
	case msg = <-dialogs:
	case <-time.After(10 * time.Second): // a failure's bound, not a wait for timing
	}
	if !strings.Contains(msg, "not saved") || dEval[string](t, ctx, `location.pathname`) != "/dashboard/sites/test-shop/edit" {
		t.Errorf("leaving unsaved edits: dialog %q, now at %s", msg, dEval[string](t, ctx, `location.pathname`))
	}
	if dEval[string](t, ctx, `document.querySelector(`+"`"+titleField+"`"+`).value`) != "Cookies, honestly" {
		t.Error("staying lost the unsaved title")
	}

	// Save draft and Publish clicked at once: the second waits for the
	// first (it would name the revision before the save, and be refused as
	// an edit conflict with this very tab).
	dEval[bool](t, ctx, `(document.querySelector("#save").click(), document.querySelector("#publish").click(), true)`)
	dWait(t, ctx, `!document.querySelector("#save").disabled && !document.querySelector("#publish").disabled`)
	if st := dEval[string](t, ctx, `document.querySelector(".status").textContent`); !strings.HasPrefix(st, "Draft saved") {
		t.Errorf("after Save draft and Publish at once: %q, want the draft saved and nothing refused", st)
	}

	// Publish.
	dButton(t, ctx, "Publish")
	dWait(t, ctx, `(document.querySelector(".status")||{}).textContent?.startsWith("Published")`)
	embed := dEval[string](t, ctx, `document.querySelector(".embed-tag").textContent`)
	if want := `<script src="` + base + `/s/test-shop.js" async></script>`; embed != want {
		t.Fatalf("embed tag: got %s, want %s", embed, want)
	}

	// The embed tag in a page on the site's origin shows the published text;
	// accepting records a receipt.
	pageHTML = `<!doctype html><html lang="en"><head><title>Shop</title>` + embed + `</head><body><h1>Shop</h1></body></html>`
	dGo(t, ctx, shop.URL, `typeof window.assent === "object"`)
	banner := `(document.querySelector("assent-banner")||{}).shadowRoot`
	dWait(t, ctx, banner+`?.textContent.includes("Cookies, honestly")`)
	dEval[bool](t, ctx, `[...`+banner+`.querySelectorAll("button")].find(b => b.textContent.trim() === "Accept all").click() || true`)
	dWait(t, ctx, `!!window.assent.receipt()`)
	id := dEval[string](t, ctx, `window.assent.receipt()`)

	// The consent log lists it among the site's latest decisions, and
	// finds it, verified, with the config shown.
	dGo(t, ctx, base+"/dashboard/log?site=test-shop", `!!document.querySelector("#recent tbody tr")`)
	if row := dEval[string](t, ctx, `(r => r.querySelector("a").getAttribute("href") + " " + r.textContent)(document.querySelector("#recent tbody tr"))`); !strings.Contains(row, "q="+id) || !strings.Contains(row, "accept all") {
		t.Errorf("latest decisions' first row: %q, want receipt %s, accept all", row, id)
	}
	// The header names the site whose log this is, not the last one viewed.
	// Its older decisions come a page at a time; a keyboard user who
	// pressed "Show older" for the last page is taken to its first row.
	for range 26 {
		postDecisionCtx(context.Background(), base)
	}
	dGo(t, ctx, base+"/dashboard/log?site=demo", `document.querySelectorAll("#recent tbody tr").length == 25`)
	dEval[bool](t, ctx, `(b => (b.focus(), true))([...document.querySelectorAll(".more-row button")].find(b => b.textContent == "Show older"))`)
	dDo(t, ctx, chromedp.KeyEvent(kb.Enter))
	dWait(t, ctx, `document.querySelectorAll("#recent tbody tr").length > 25`)
	if got := dEval[string](t, ctx, `(a => a.tagName + " in row " + ([...document.querySelectorAll("#recent tbody tr")].indexOf(a.closest("tr")) + 1))(document.activeElement) + ": " + document.querySelector("#recent").closest(".card").querySelector("[role=status]").textContent`); !strings.HasPrefix(got, "A in row 26: ") || !strings.Contains(got, "older decision") {
		t.Errorf("after the last page of older decisions, focus and status: %q, want the first new row's link, and a count", got)
	}
	if got := dEval[string](t, ctx, `document.querySelector(".site-picker").value + " " + document.querySelector("nav.tabs").textContent`); !strings.HasPrefix(got, "demo ") || !strings.Contains(got, "Insights") {
		t.Errorf("consent log of the demo site: header %q, want the demo site picked and its tabs", got)
	}
	// With no site asked, the log lists the site last viewed, and its
	// picker names that site, not "All sites".
	dGo(t, ctx, base+"/dashboard/log", `!!document.querySelector("#recent")`)
	if got := dEval[string](t, ctx, `document.querySelector("select[name=site]").value`); got != "demo" {
		t.Errorf("the consent log without a site: its picker says %q, want demo (whose decisions it lists)", got)
	}
	dGo(t, ctx, base+"/dashboard/log?q="+id, `!!document.querySelector("#verdict")`)
	if v := dEval[string](t, ctx, `document.querySelector("#verdict").className + " " + document.querySelector("#verdict").textContent`); !strings.Contains(v, "ok") || !strings.Contains(v, "Verified") {
		t.Errorf("verdict: got %q, want a valid signature", v)
	}
	dWait(t, ctx, `document.querySelector(".config-view")?.textContent.includes("Cookies, honestly")`)
	dWait(t, ctx, `document.querySelector(".receipt-detail")?.textContent.includes("accept all")`)

	// Insights count it.
	dGo(t, ctx, base+"/dashboard/sites/test-shop", `!!document.querySelector(".kpi strong")`)
	if got := dEval[string](t, ctx, `document.querySelector(".kpi strong").textContent`); got != "1" {
		t.Errorf("insights decisions: got %q, want 1", got)
	}
	if got := dEval[string](t, ctx, `[...document.querySelectorAll(".kpi-label")].map(e => e.textContent).join(",")`); got != "Decisions,Accept all,Reject all,Custom,GPC,Withdrawn" {
		t.Errorf("insights figures: %s, want every action (their shares add up)", got)
	}
	// After one "accept all" every purpose's opt-in line lies at 100 %, one
	// on another: each needs a style of its own, named in the legend, or
	// only the top one shows.
	dWait(t, ctx, `document.querySelectorAll("svg.chart").length == 2`)
	styles := dEval[[]string](t, ctx, `(c => [...c.querySelectorAll("svg.chart")[1].querySelectorAll("path")].map(p => p.textContent + "=" + getComputedStyle(p).strokeDasharray))(document.querySelector(".charts"))`)
	keys := dEval[[]string](t, ctx, `[...document.querySelectorAll(".charts .card")[1].querySelectorAll(".legend li")].map(li => li.textContent + "=" + (l => l ? getComputedStyle(l).strokeDasharray : "no line")(li.querySelector("line")))`)
	dashes := map[string]bool{}
	for _, st := range styles {
		dashes[st[strings.Index(st, "=")+1:]] = true
	}
	if len(styles) < 3 || len(dashes) != len(styles) || !slices.Equal(styles, keys) {
		t.Errorf("opt-in lines %q with legend %q: want one style per purpose, the legend's", styles, keys)
	}
	// Bars, lines and their keys stand out from the card (WCAG 1.4.11).
	paints := dEval[[]string](t, ctx, `(c => [getComputedStyle(c.querySelector(".card")).backgroundColor,
		...[...c.querySelectorAll("svg.chart rect, svg.chart path, .legend .dot, .hbar-fill")].map(e => { const s = getComputedStyle(e); return e.tagName == "path" ? s.stroke : e.tagName == "rect" ? s.fill : s.backgroundColor; })])(document.querySelector("main"))`)
	for _, p := range paints[1:] {
		if c := contrast(p, paints[0]); c < 3 {
			t.Errorf("insights: %s on the card %s has a contrast of %.2f:1, want 3:1", p, paints[0], c)
		}
	}
	// Over 90 days, points are drawn only where a line cannot show: a day
	// with data between days without is one ("M x,y" alone draws nothing).
	dEval[bool](t, ctx, `([...document.querySelectorAll(".seg button")].find(b => b.textContent == "90 days").click(), true)`)
	dWait(t, ctx, `document.querySelector(".seg button[aria-pressed=true]")?.textContent == "90 days" && document.querySelectorAll("svg.chart").length == 2`)
	if n := dEval[int](t, ctx, `document.querySelectorAll("svg.chart")[1].querySelectorAll("circle").length`); n != len(styles) {
		t.Errorf("90 days with one day of decisions: %d points on the opt-in chart, want one per purpose (%d)", n, len(styles))
	}
	// A range re-renders the page; focus stays on the range chosen. A tab
	// link leads to the new page's content.
	dEval[bool](t, ctx, `(b => (b.focus(), b.click(), true))([...document.querySelectorAll(".seg button")].find(b => b.textContent == "7 days"))`)
	dWait(t, ctx, `location.search.includes("from=") && document.activeElement?.textContent == "7 days" && document.activeElement.getAttribute("aria-pressed") == "true"`)
	dEval[bool](t, ctx, `(a => (a.focus(), a.click(), true))([...document.querySelectorAll("nav.tabs a")].find(a => a.textContent == "Versions"))`)
	dWait(t, ctx, `location.pathname.endsWith("/versions") && document.activeElement?.id == "main"`)

	// Exports: the CSV holds the receipt; the evidence pack downloads.
	dGo(t, ctx, base+"/dashboard/exports", `!!document.querySelector("select[name=site]")`)
	dDo(t, ctx, chromedp.SetValue(chromedp.CSS("select[name=site]"), "test-shop"))
	// Only an evidence pack can be one visitor's: the field waits for it.
	if state := dEval[string](t, ctx, `(v => { const a = v.disabled; document.querySelector("input[value=evidence]").click(); const b = v.disabled; document.querySelector("input[value=csv]").click(); return a + " " + b })(document.querySelector("input[name=visitor]"))`); state != "true false" {
		t.Errorf("visitor field disabled with CSV, with a pack: %s, want true false", state)
	}
	dButton(t, ctx, "Download")
	dWait(t, ctx, `!!document.querySelector("#export-done")`)
	// The range ends where the To day does: ranges are half-open, so a
	// receipt of 23:59:59.999 is in it.
	if got := dEval[[]string](t, ctx, `[(n => n[n.length - 1])(performance.getEntriesByType("resource").map(e => e.name).filter(n => n.includes("/receipts?"))),
		(d => new Date(Date.parse(d) + 864e5).toISOString().slice(0, 10))(document.querySelectorAll("input[type=date]")[1].value)]`); !strings.Contains(got[0], "to="+got[1]+"T00:00:00Z&") {
		t.Errorf("the export asked for %s, want it to end at the start of %s", got[0], got[1])
	}
	csv := dEval[string](t, ctx, `(async () => { const today = new Date().toISOString().slice(0, 10);
		const r = await fetch("/api/v1/admin/sites/test-shop/receipts?format=csv&from=" + today + "T00:00:00Z&to=" + today + "T23:59:59Z");
		return r.status + " " + await r.text() })()`)
	if !strings.HasPrefix(csv, "200 ") || !strings.Contains(csv, id) {
		t.Errorf("CSV export through the session: got %.200q, want 200 with receipt %s", csv, id)
	}
	dClick(t, ctx, `input[value=evidence]`)
	dButton(t, ctx, "Download")
	dWait(t, ctx, `document.querySelector("#export-done")?.textContent.includes(".zip")`)
	// A download the server cuts off midway (as it does a pack a removal
	// raced) says so, not "network error": the next response's body fails
	// after 2 KiB, as a closed connection's does.
	dEval[bool](t, ctx, `(f => (window.fetch = async (...a) => { window.fetch = f; const r = await f(...a); await r.arrayBuffer();
		return new Response(new ReadableStream({ pull(c) { this.sent ? c.error(new TypeError("network error")) : (this.sent = true, c.enqueue(new Uint8Array(2048))); } }), { status: r.status, headers: r.headers }); }, true))(window.fetch)`)
	dButton(t, ctx, "Download")
	dWait(t, ctx, `document.querySelector(".error[role=alert]")?.textContent.startsWith("The download was cut off after 2.0 KiB")`)
	dShot2(t, ctx, "export-cut-off", "form.card")

	// Verify the receipt by pasting it.
	jws := dEval[string](t, ctx, fmt.Sprintf(`fetch("/api/v1/consents/%s").then(r => r.json()).then(j => j.receipt)`, id))
	dGo(t, ctx, base+"/dashboard/verify", `!!document.querySelector("textarea")`)
	dDo(t, ctx, chromedp.SetValue(chromedp.CSS("textarea"), jws))
	dButton(t, ctx, "Verify receipt")
	dWait(t, ctx, `document.querySelector("#verdict.ok")?.textContent.includes("Verified")`)

	// Mint an API token, then add an auditor from the team page before
	// copying it: the token, shown only once, stays until dismissed.
	dGo(t, ctx, base+"/dashboard/team", `!!document.querySelector(".inline-form input")`)
	dType(t, ctx, `.card:last-of-type .inline-form input`, "nightly export")
	// Clicked twice in a row (a double click): one token, the one shown.
	dEval[bool](t, ctx, `(b => (b.click(), b.click(), true))([...document.querySelectorAll("button")].find(b => b.textContent.trim() === "Create token"))`)
	dWait(t, ctx, `document.querySelector("#new-token")?.textContent.length > 20`)
	token := dEval[string](t, ctx, `document.querySelector("#new-token").textContent`)
	if n := dEval[float64](t, ctx, `fetch("/api/v1/admin/tokens").then(r => r.json()).then(l => l.length)`); n != 1 {
		t.Errorf("a double click on Create token made %v tokens, want 1", n)
	}
	dType(t, ctx, ".inline-form .field:nth-child(1) input", "audrey")
	dType(t, ctx, ".inline-form .field:nth-child(2) input", "auditor-password-1")
	// The network fails once: the page says so in words, not as fetch's
	// own "TypeError: Failed to fetch".
	dEval[bool](t, ctx, `(f => (window.fetch = (u, o) => (window.fetch = f, Promise.reject(new TypeError("Failed to fetch"))), true))(window.fetch)`)
	dButton(t, ctx, "Add user")
	dWait(t, ctx, `[...document.querySelectorAll(".error[role=alert]")].some(e => e.textContent.startsWith("Could not reach the server"))`)
	dButton(t, ctx, "Add user")
	dWait(t, ctx, `document.querySelector("table.data")?.textContent.includes("audrey")`)
	// It says so, and focus stays in the card (not on the body).
	dWait(t, ctx, `document.querySelector("#users-note")?.textContent === "audrey added as an auditor." && !!document.activeElement?.closest("#users-card")`)
	if got := dEval[string](t, ctx, `document.querySelector("#new-token")?.textContent || ""`); got != token {
		t.Errorf("the new token after adding a user: %q, want it still shown", got)
	}
	dButton(t, ctx, "Done, I have copied it")
	dWait(t, ctx, `!document.querySelector("#new-token")`)
	// A role changes only once confirmed (here declined): an arrow key on
	// the list must not make someone an owner.
	dEval[bool](t, ctx, `(s => (s.value = "owner", s.dispatchEvent(new Event("change")), true))(document.querySelector('select[aria-label="Role of audrey"]'))`)
	select {
	case msg := <-dialogs:
		if !strings.Contains(msg, "Make audrey an owner?") {
			t.Errorf("role change asked %q", msg)
		}
	case <-time.After(10 * time.Second): // a failure's bound, not a wait for timing
		t.Error("a role change asked nothing")
	}
	if role := dEval[string](t, ctx, `fetch("/api/v1/admin/users").then(r => r.json()).then(l => l.find(u => u.name == "audrey").role + " " + document.querySelector('select[aria-label="Role of audrey"]').value)`); role != "auditor auditor" {
		t.Errorf("after declining the role change: %s, want auditor (stored and shown)", role)
	}
	// At phone width each row's Remove and Revoke stay in view.
	dDo(t, ctx, chromedp.EmulateViewport(360, 740))
	if off := dEval[float64](t, ctx, `[...document.querySelectorAll("td.right button")].filter(b => b.getBoundingClientRect().right > innerWidth).length`); off != 0 {
		t.Errorf("%v row buttons off-screen at 360 px", off)
	}
	// So do all the nav's pages (none scrolled off behind a hidden bar).
	if off := dEval[[]string](t, ctx, `[...document.querySelectorAll("nav.tabs a")].filter(a => a.getBoundingClientRect().right > innerWidth).map(a => a.textContent)`); len(off) != 0 {
		t.Errorf("nav links off-screen at 360 px: %q", off)
	}
	dDo(t, ctx, chromedp.EmulateViewport(1280, 800))

	screenshots(t, ctx, base, id)

	// The auditor sees the configuration read-only and the API refuses an edit.
	dButton(t, ctx, "Sign out")
	dWait(t, ctx, `location.pathname === "/dashboard/login"`)
	if title := dEval[string](t, ctx, `document.title`); title != "Sign in · Assent" {
		t.Errorf("the sign-in page is titled %q", title)
	}
	dLogin(t, ctx, base, "audrey", "auditor-password-1")
	dGo(t, ctx, base+"/dashboard/sites/test-shop/edit", `!!document.querySelector("#readonly-note")`)
	if ok := dEval[bool](t, ctx, `[...document.querySelectorAll(".editor-form :is(input,textarea,select,button:not([role=tab]))")].every(e => e.matches(":disabled, :read-only"))
		&& !document.querySelector("#publish") && !document.querySelector("#save")`); !ok {
		t.Error("auditor: the editor is not read-only")
	}
	if cur := dEval[[]string](t, ctx, `[...document.querySelectorAll("nav a[aria-current=page]")].map(a => a.textContent)`); len(cur) != 1 || cur[0] != "Configuration" {
		t.Errorf("the nav marks %q as the current page, want only Configuration", cur)
	}
	// A long text can still be read from the keyboard: its field takes focus.
	if !dEval[bool](t, ctx, `(a => (a.focus(), document.activeElement === a && a.readOnly))(document.querySelector(".editor-form textarea"))`) {
		t.Error("auditor: a text field cannot take focus")
	}
	// The language tabs change nothing: the auditor can open every language.
	if ok := dEval[bool](t, ctx, `(t => t.length > 0 && t.every(b => !b.matches(":disabled")))([...document.querySelectorAll(".lang-tabs [role=tab]")])`); !ok {
		t.Error("auditor: the language tabs are disabled")
	}
	status := dEval[float64](t, ctx, `(async () => { const me = await (await fetch("/api/v1/admin/session")).json();
		const s = await (await fetch("/api/v1/admin/sites/test-shop")).json();
		const r = await fetch("/api/v1/admin/sites/test-shop", { method: "PUT", headers: { "Content-Type": "application/json", "X-CSRF-Token": me.csrf },
			body: JSON.stringify({ name: "Hijacked", origins: s.origins, draft: s.draft }) });
		return r.status })()`)
	if status != 403 {
		t.Errorf("auditor PUT site: got %v, want 403", status)
	}
	dShot(t, ctx, "auditor-editor", 1280)
}

// screenshots saves every page at desktop and phone widths.
func screenshots(t *testing.T, ctx context.Context, base, receiptID string) {
	t.Helper()
	pages := []struct{ name, path, ready string }{
		{"sites", "/dashboard/sites", `!!document.querySelector(".site-list")`},
		{"insights", "/dashboard/sites/test-shop", `!!document.querySelector("svg.chart")`},
		{"editor", "/dashboard/sites/test-shop/edit", fmt.Sprintf(dPreviewShows, "Cookies, honestly")},
		{"versions", "/dashboard/sites/test-shop/versions", fmt.Sprintf(dPreviewShows, "Cookies, honestly")},
		{"log", "/dashboard/log?q=" + receiptID, fmt.Sprintf(dPreviewShows, "Cookies, honestly")},
		{"log-recent", "/dashboard/log?site=test-shop", `!!document.querySelector("#recent tbody tr")`},
		{"exports", "/dashboard/exports", `!!document.querySelector(".formats")`},
		{"verify", "/dashboard/verify", `!!document.querySelector("textarea")`},
		{"team", "/dashboard/team", `!!document.querySelector("table.data")`},
	}
	for _, w := range []int64{1280, 360} {
		dDo(t, ctx, chromedp.EmulateViewport(w, 800))
		for _, p := range pages {
			dGo(t, ctx, base+p.path, p.ready)
			dShot(t, ctx, p.name, w)
		}
	}
	dDo(t, ctx, chromedp.EmulateViewport(1280, 800))
}
