package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/assent/assent/internal/consent"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Accessibility and look: the keyboard path, equal buttons, contrast,
// right-to-left languages, and screenshots to look at.

// jsFocus names the focused banner control: its text, label or role.
const jsFocus = `(() => { const r = ` + jsRoot + `; const a = r && document.activeElement === r.host && r.activeElement;
	return a ? (a.getAttribute("aria-label") || (a.id ? "#" + a.id : "") || a.textContent.trim()) : "page:" + document.activeElement.tagName; })()`

func TestSnippetKeyboardOnly(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	tab := func(shift bool) {
		var opts []chromedp.KeyOption
		if shift {
			opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
		}
		do(t, ctx, chromedp.KeyEvent(kb.Tab, opts...))
	}
	focus := func() string { return eval[string](t, ctx, jsFocus) }

	// Focus moves to the dialog; Tab walks the first layer in order.
	waitFor(t, ctx, `document.activeElement === `+jsRoot+`.host && `+jsRoot+`.activeElement.getAttribute("role") === "dialog"`)
	var walk []string
	for range 5 {
		tab(false)
		walk = append(walk, focus())
	}
	if want := "Privacy policy,Accept all,Reject all,Customize,Close"; strings.Join(walk, ",") != want {
		t.Errorf("Tab order: got %v, want %s", walk, want)
	}

	// Esc closes without deciding and gives focus back to the page.
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, jsGone)
	if eval[bool](t, ctx, jsCookie+` !== "" || window.assent.choices() !== null || "demoTagsRan" in window`) {
		t.Error("Esc recorded or granted something")
	}

	// The page's settings button opens the modal preferences; Tab is
	// trapped in them, Space toggles a switch and Enter saves.
	do(t, ctx, chromedp.Focus(chromedp.CSS("[data-assent-open]")), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, jsShown)
	var trapped []string
	for range 9 {
		tab(false)
		trapped = append(trapped, focus())
	}
	if want := "Privacy policy,#s-analytics,#s-advertising,#s-preferences,Accept all,Reject all,Save choices,Close,Privacy policy"; strings.Join(trapped, ",") != want {
		t.Errorf("Tab in preferences: got %v, want %s", trapped, want)
	}
	tab(true)
	if got := focus(); got != "Close" {
		t.Errorf("Shift+Tab from the first control went to %q, want Close (wrap around)", got)
	}
	for range 2 {
		tab(false)
	}
	do(t, ctx, chromedp.KeyEvent(" ")) // analytics on
	for range 5 {
		tab(false)
	}
	if got := focus(); got != "Save choices" {
		t.Fatalf("focus on %q, want Save choices", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, jsGone)
	if got := focus(); got != "page:BUTTON" {
		t.Errorf("focus after closing on %q, want back on the settings button", got)
	}
	if c := receiptClaims(t, ctx, ts); c.Action != "custom" || !c.Choices["analytics"] || c.Choices["advertising"] {
		t.Errorf("keyboard decision: %s %v", c.Action, c.Choices)
	}
}

// TestSnippetPreferencesKeepFocus: a press on the preferences' backdrop
// leaves focus in them (Tab stays trapped, Esc still closes), and on a
// phone, upright or on its side, every switch Tab reaches is in view, not
// under the buttons.
func TestSnippetPreferencesKeepFocus(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
	waitFor(t, ctx, jsRoot+`.querySelector("[aria-modal=true]") && document.activeElement === `+jsRoot+`.host`)
	do(t, ctx, chromedp.MouseClickXY(4, 4)) // the backdrop, outside the dialog
	do(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if got := eval[string](t, ctx, jsFocus); got != "Close" {
		t.Errorf("Shift+Tab after a press on the backdrop went to %q, want Close (still trapped)", got)
	}
	// A press inside the dialog is the browser's as ever: the switch pressed
	// takes focus and turns on.
	xy := eval[[]float64](t, ctx, `(r => [r.left + r.width / 2, r.top + r.height / 2])(`+jsRoot+`.getElementById("s-analytics").getBoundingClientRect())`)
	do(t, ctx, chromedp.MouseClickXY(xy[0], xy[1]))
	if got := eval[string](t, ctx, `(s => (s.activeElement || {}).id + " " + s.getElementById("s-analytics").checked)(`+jsRoot+`)`); got != "s-analytics true" {
		t.Errorf("after pressing the analytics switch, focus and its state are %q, want it focused and on", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, jsGone)

	for _, size := range [][2]int64{{360, 640}, {320, 480}, {740, 360}} {
		do(t, ctx, chromedp.EmulateViewport(size[0], size[1]))
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.assent.open()`))
		waitFor(t, ctx, `!!`+jsRoot+`.querySelector("[aria-modal=true]")`)
		for _, id := range []string{"s-analytics", "s-advertising", "s-preferences"} {
			do(t, ctx, chromedp.KeyEvent(kb.Tab))
			for jsFocusIs := `(` + jsRoot + `.activeElement || {}).id === "` + id + `"`; !eval[bool](t, ctx, jsFocusIs); {
				do(t, ctx, chromedp.KeyEvent(kb.Tab))
			}
			// What is drawn at the switch's centre is the switch.
			if top := eval[string](t, ctx, `(e => { const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
				return y < 0 || y > innerHeight ? "off screen" : (`+jsRoot+`.elementFromPoint(x, y) || {}).id || "something else" })(`+jsRoot+`.getElementById("`+id+`"))`); top != id {
				t.Errorf("%dx%d: focused %s, but at its centre is %s", size[0], size[1], id, top)
			}
		}
		do(t, ctx, chromedp.KeyEvent(kb.Escape))
		waitFor(t, ctx, jsGone)
	}
}

// TestSnippetPreferencesOverTheFirstLayer: the page's settings button
// opens the preferences while the first layer is still up; closing them
// gives focus back to that button. A page that removed the banner gets a
// new one from open().
func TestSnippetPreferencesOverTheFirstLayer(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `document.activeElement === `+jsRoot+`.host`)
	do(t, ctx, chromedp.Focus(chromedp.CSS("[data-assent-open]")), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, jsRoot+`.querySelector("[aria-modal=true]") && document.activeElement === `+jsRoot+`.host`)
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, jsGone)
	if got := eval[string](t, ctx, `document.activeElement.matches("[data-assent-open]") ? "settings" : document.activeElement.tagName`); got != "settings" {
		t.Errorf("focus after closing on %s, want back on the settings button", got)
	}

	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("assent-banner").remove(); window.assent.open()`))
	waitFor(t, ctx, `document.querySelector("assent-banner") && `+jsRoot+`.querySelector("[aria-modal=true]") !== null`)
	click(t, ctx, "Reject all")
	if c := receiptClaims(t, ctx, ts); c.Action != "reject_all" {
		t.Errorf("decision from the new banner: %s, want reject_all", c.Action)
	}
}

// layouts are the looks to check; each test page has the same content.
var layouts = []struct{ name, layout, position string }{
	{"box", "box", "bottom-right"},
	{"bar", "bar", "bottom"},
}

func setLook(layout, position string) func(*consent.Site) bool {
	return func(s *consent.Site) bool {
		s.Draft.Look.Layout, s.Draft.Look.Position = layout, position
		return true
	}
}

func TestSnippetButtonsEqualAndReadable(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	for _, l := range layouts {
		ts = editSite(t, ts, setLook(l.layout, l.position))
		for _, width := range []int64{1280, 360, 320} {
			do(t, ctx, chromedp.EmulateViewport(width, 740))
			visit(t, ctx, ts.URL+"/")
			waitFor(t, ctx, jsShown)
			sizes := eval[[]string](t, ctx, `[...`+jsRoot+`.querySelectorAll(".a button")].map(b => {
				const r = b.getBoundingClientRect(), s = getComputedStyle(b);
				return [r.width.toFixed(1), r.height.toFixed(1), s.fontSize, s.fontWeight, s.backgroundColor, s.color, s.borderColor].join(" "); })`)
			if len(sizes) != 3 || sizes[0] != sizes[1] || sizes[1] != sizes[2] {
				t.Errorf("%s at %dpx: buttons differ: %v", l.name, width, sizes)
			}
			if over := eval[bool](t, ctx, `(() => { const r = `+jsRoot+`.querySelector("[role=dialog]").getBoundingClientRect();
				return r.left < 0 || r.right > innerWidth || document.documentElement.scrollWidth > innerWidth; })()`); over {
				t.Errorf("%s at %dpx: banner overflows the viewport", l.name, width)
			}
		}
	}
	// Contrast of text on background and on the buttons (WCAG AA, 4.5:1).
	for _, dark := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: dark}}}); err != nil {
			t.Fatal(err)
		}
		visit(t, ctx, ts.URL+"/")
		waitFor(t, ctx, jsShown)
		pairs := eval[[][]string](t, ctx, `(() => { const r = `+jsRoot+`, d = r.querySelector("[role=dialog]"), b = r.querySelector(".a button");
			const c = e => getComputedStyle(e); return [[c(d).color, c(d).backgroundColor], [c(b).color, c(b).backgroundColor]]; })()`)
		for _, p := range pairs {
			if ratio := contrast(p[0], p[1]); ratio < 4.5 {
				t.Errorf("%s mode: %s on %s has contrast %.2f, want ≥ 4.5", dark, p[0], p[1], ratio)
			}
		}
	}
}

func TestSnippetRightToLeft(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{"/ar": {html: `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<script src="{{assent}}/s/demo.js" async></script></head><body><p>صفحة</p></body></html>`}})
	ts := startForSite(t, site)
	ts = editSite(t, ts, func(s *consent.Site) bool {
		ar := s.Draft.Texts["en"]
		ar.Title, ar.AcceptAll, ar.RejectAll, ar.Customize = "نحن نحترم خصوصيتك", "قبول الكل", "رفض الكل", "تخصيص"
		s.Draft.Texts["ar"] = ar
		return true
	})
	site.assent = ts.URL
	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/ar")
	waitFor(t, ctx, jsShown)
	got := eval[[]any](t, ctx, `(() => { const r = `+jsRoot+`, d = r.querySelector("[role=dialog]"), b = [...r.querySelectorAll(".a button")];
		return [getComputedStyle(d).direction, d.lang, b[0].getBoundingClientRect().x > b[2].getBoundingClientRect().x, r.querySelector("h2").textContent]; })()`)
	if want := []any{"rtl", "ar", true, "نحن نحترم خصوصيتك"}; !equalJSON(got, want) {
		t.Errorf("Arabic banner: got %v, want %v (mirrored, Arabic texts)", got, want)
	}
	if dir := os.Getenv("ASSENT_SHOTS"); dir != "" {
		click(t, ctx, "تخصيص")
		waitFor(t, ctx, jsShown+` && `+jsRoot+`.getAnimations().length === 0`)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(dir+"/rtl-desktop-prefs.png", png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		do(t, ctx, chromedp.KeyEvent(kb.Escape))
		visit(t, ctx, site.URL+"/ar")
	}
	click(t, ctx, "رفض الكل")
	if c := receiptClaims(t, ctx, ts); c.Lang != "ar" {
		t.Errorf("receipt lang %q, want ar", c.Lang)
	}
}

// TestSnippetScreenshots writes the box and bar layouts, first layer and
// preferences, on desktop and a 360 px phone, to /tmp/shots for a person to
// look at.
func TestSnippetScreenshots(t *testing.T) {
	dir := os.Getenv("ASSENT_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	ts := startServer(t)
	ctx := newBrowser(t)
	for _, l := range layouts {
		ts = editSite(t, ts, setLook(l.layout, l.position))
		for _, v := range []struct {
			name          string
			width, height int64
			mobile        bool
		}{{"desktop", 1280, 800, false}, {"mobile", 360, 740, true}} {
			opts := []chromedp.EmulateViewportOption{}
			if v.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			do(t, ctx, chromedp.EmulateViewport(v.width, v.height, opts...))
			visit(t, ctx, ts.URL+"/")
			for _, layer := range []string{"first", "prefs"} {
				if layer == "prefs" {
					click(t, ctx, "Customize")
				}
				waitFor(t, ctx, jsShown+` && `+jsRoot+`.getAnimations().length === 0`)
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s/%s-%s-%s.png", dir, l.name, v.name, layer)
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, ts.URL+"/")
	click(t, ctx, "Customize")
	waitFor(t, ctx, jsShown+` && `+jsRoot+`.getAnimations().length === 0`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(dir+"/dark-mobile-prefs.png", png, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestSnippetReducedMotion(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	for _, tc := range []struct {
		pref string
		want bool
	}{{"no-preference", true}, {"reduce", false}} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: tc.pref}}}); err != nil {
			t.Fatal(err)
		}
		visit(t, ctx, ts.URL+"/")
		waitFor(t, ctx, jsShown)
		if got := eval[string](t, ctx, `getComputedStyle(`+jsRoot+`.querySelector("[role=dialog]")).animationName`); (got != "none") != tc.want {
			t.Errorf("prefers-reduced-motion: %s: animation %q", tc.pref, got)
		}
	}
}

// TestSnippetFocusRespectsThePage: the banner takes focus only while
// nothing else has it: a field the page focused keeps focus. Where a browser
// does not apply autofocus, the banner focuses itself: browsers skip
// autofocus on a page whose URL names a fragment, as here.
func TestSnippetFocusRespectsThePage(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{
		"/busy":  {html: `<!doctype html><html lang="en"><body><input id="q" autofocus><script src="{{assent}}/s/demo.js" async></script></body></html>`},
		"/plain": {html: `<!doctype html><html lang="en"><body><p id="shop">Shop</p><script src="{{assent}}/s/demo.js" async></script></body></html>`},
	})
	startForSite(t, site)

	ctx := newBrowser(t)
	visit(t, ctx, site.URL+"/busy")
	waitFor(t, ctx, jsShown)
	// Two frames and a task later the banner has had every chance to move focus.
	eval[bool](t, ctx, `(window.settled = false, requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => window.settled = true))), true)`)
	waitFor(t, ctx, `window.settled`)
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "q" {
		t.Errorf("focus moved from the page's field to %q", got)
	}

	ctx = newBrowser(t)
	visit(t, ctx, site.URL+"/plain#shop")
	waitFor(t, ctx, `document.activeElement === `+jsRoot+`.host && `+jsRoot+`.activeElement.getAttribute("role") === "dialog"`)
}

// TestSnippetYieldsOnASlowDevice: on a slow device the banner is built
// hidden, styled and laid out in tasks of its own and only then shown, so
// that no single task gets long; it still takes focus and records a
// decision. The device is very slow from the start (the clock jumps at
// once: the banner is built a task late) or slow once the banner is being
// built (the clock moves 10 ms at each reading once its style sheet is
// parsed: it is built in the script's task, but hidden). A fast one (the
// clock stands still) shows it in the script's own task, and so does one
// preempted once, while it parsed the style sheet (the clock jumps then).
func TestSnippetYieldsOnASlowDevice(t *testing.T) {
	ts := startServer(t)
	observe := `new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes)
		if (n.nodeName == "ASSENT-BANNER") window.hiddenAfterScript = n.hasAttribute("data-w"); })
		.observe(document, {childList: true, subtree: true});
		Object.defineProperty(window, "assent", {configurable: true, set(v) {
			Object.defineProperty(window, "assent", {value: v, writable: true, configurable: true});
			queueMicrotask(() => { window.builtInTask = !!document.querySelector("assent-banner"); }); }});`
	// A clock that stands still until the banner's style sheet is parsed,
	// then does what move says with t1 (0 until then).
	clock := func(move, now string) string {
		return `const t0 = performance.now(); let t1 = 0;
			const parse = CSSStyleSheet.prototype.replaceSync;
			CSSStyleSheet.prototype.replaceSync = function (text) { ` + move + `; return parse.call(this, text); };
			performance.now = () => ` + now + `;`
	}
	for _, tc := range []struct {
		name, js   string
		slow, late bool
	}{
		{"fast", clock("", "t0"), false, false},
		{"slow", `const now = performance.now.bind(performance); let calls = 0;
			performance.now = () => now() + (++calls > 1 ? 1000 : 0);`, true, true},
		// From the parse on, every reading is 10 ms later than the last.
		{"slow build", clock("t1 = 10", "t0 + (t1 && (t1 += 10))"), true, false},
		{"preempted build", clock("t1 = 1000", "t0 + t1"), false, false},
	} {
		ctx := newBrowser(t)
		onNewDocument(t, ctx, `(() => { `+tc.js+observe+` })()`)
		visit(t, ctx, ts.URL+"/")
		waitFor(t, ctx, jsShown)
		// The observer runs once the script's microtasks are done: the
		// banner is still hidden then only on the slow path.
		if got := eval[bool](t, ctx, `window.hiddenAfterScript === true`); got != tc.slow {
			t.Errorf("%s: banner still hidden after the script's task: %v, want %v", tc.name, got, tc.slow)
		}
		// window.assent is set in the script's task, and the banner is
		// built right after it unless it is built a task late.
		if got := eval[bool](t, ctx, `window.builtInTask === false`); got != tc.late {
			t.Errorf("%s: banner built a task late: %v, want %v", tc.name, got, tc.late)
		}
		waitFor(t, ctx, `document.activeElement === `+jsRoot+`.host && `+jsRoot+`.activeElement.getAttribute("role") === "dialog"`)
		click(t, ctx, "Reject all")
		if c := receiptClaims(t, ctx, ts); c.Action != "reject_all" {
			t.Errorf("%s: decision: %s", tc.name, c.Action)
		}
	}
}

// TestSnippetSlowPathAndThePage: before the slow path has built or shown
// the banner, the page may open the preferences (they stay open), move the
// banner (it is still shown in the end) or decide (it is not shown).
func TestSnippetSlowPathAndThePage(t *testing.T) {
	ts := startServer(t)
	slow := `const now = performance.now.bind(performance); let calls = 0;
		performance.now = () => now() + (++calls > 1 ? 1000 : 0);`
	ctx := newBrowser(t)
	onNewDocument(t, ctx, `(() => { `+slow+`
		Object.defineProperty(window, "assent", {configurable: true, set(v) {
			Object.defineProperty(window, "assent", {value: v, writable: true, configurable: true});
			queueMicrotask(() => v.open()); }}); })()`)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, jsShown)
	if got := eval[[]any](t, ctx, `[`+jsRoot+`.host.hasAttribute("data-m"), `+jsRoot+`.querySelectorAll("input[role=switch]").length]`); !equalJSON(got, []any{true, 4}) {
		t.Errorf("preferences opened before the slow path showed the banner: modal, switches = %v, want [true 4]", got)
	}

	ctx = newBrowser(t)
	onNewDocument(t, ctx, `(() => { `+slow+`
		new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes) if (n.nodeName == "ASSENT-BANNER" && !window.moved) {
			window.moved = true; n.remove();
			setTimeout(() => setTimeout(() => setTimeout(() => setTimeout(() => document.documentElement.append(n))))); } })
			.observe(document, {childList: true, subtree: true}); })()`)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `window.moved && !!document.querySelector("assent-banner")`)
	waitFor(t, ctx, jsShown)

	// A page that decides through the API before the banner is built: it
	// never shows. The page's timer runs after the banner's, queued first.
	ctx = newBrowser(t)
	onNewDocument(t, ctx, `(() => { `+slow+`
		Object.defineProperty(window, "assent", {configurable: true, set(v) {
			Object.defineProperty(window, "assent", {value: v, writable: true, configurable: true});
			queueMicrotask(() => { v.rejectAll(); setTimeout(() => { window.bannerAfter = !!document.querySelector("assent-banner"); }); }); }}); })()`)
	visit(t, ctx, ts.URL+"/")
	waitFor(t, ctx, `window.bannerAfter !== undefined`)
	if eval[bool](t, ctx, `window.bannerAfter`) {
		t.Error("the banner was built after the page had decided")
	}
	if c := receiptClaims(t, ctx, ts); c.Action != "reject_all" {
		t.Errorf("decision: %s", c.Action)
	}
}

// fitPage is a site page that sets its root font size to 10px, as many
// sites do to size their own text in rem.
const fitPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>html{font-size:62.5%}</style>
<script src="{{assent}}/s/demo.js" async></script>
</head><body><p>Page</p></body></html>`

// TestSnippetFirstLayerFitsTheScreen: a long text on a small or landscape
// phone scrolls inside the dialog, so that neither the title nor the buttons
// are out of reach, wherever the banner sits; and the banner's text keeps
// the visitor's font size whatever the page's root font size.
func TestSnippetFirstLayerFitsTheScreen(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{"/": {html: fitPage}})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	long := strings.Repeat("We and our partners use cookies to measure and improve the site. ", 20)
	for _, l := range []struct{ layout, position string }{{"box", "bottom-right"}, {"box", "top"}, {"bar", "bottom"}, {"bar", "top"}} {
		ts = editSite(t, ts, func(s *consent.Site) bool {
			s.Draft.Look.Layout, s.Draft.Look.Position = l.layout, l.position
			en := s.Draft.Texts["en"]
			en.Description = long
			s.Draft.Texts["en"] = en
			return true
		})
		site.assent = ts.URL
		for _, v := range [][2]int64{{320, 480}, {640, 320}} {
			do(t, ctx, chromedp.EmulateViewport(v[0], v[1], chromedp.EmulateMobile))
			visit(t, ctx, site.URL+"/")
			waitFor(t, ctx, jsShown+` && `+jsRoot+`.getAnimations().length === 0`)
			got := eval[[]float64](t, ctx, `(() => { const r = `+jsRoot+`, d = r.querySelector(".d"), q = e => e.getBoundingClientRect();
				const box = q(d), size = parseFloat(getComputedStyle(d).fontSize);
				d.scrollTop = 0; const title = q(r.querySelector("h2")).top;
				d.scrollTop = d.scrollHeight; const buttons = Math.max(...[...r.querySelectorAll(".a button")].map(b => q(b).bottom));
				return [box.top, box.bottom, innerHeight, title, buttons, size]; })()`)
			top, bottom, height, title, buttons, size := got[0], got[1], got[2], got[3], got[4], got[5]
			name := fmt.Sprintf("%s %s at %dx%d", l.layout, l.position, v[0], v[1])
			if top < 0 || bottom > height {
				t.Errorf("%s: the dialog spans %.0f-%.0f px of a %.0f px high screen", name, top, bottom, height)
			}
			if title < 0 || buttons > height {
				t.Errorf("%s: scrolled through, the title is at %.0f px and the buttons end at %.0f px of %.0f", name, title, buttons, height)
			}
			if size != 16 {
				t.Errorf("%s: the banner's text is %.1f px on a page whose root is 10 px, want the visitor's 16", name, size)
			}
			if dir := os.Getenv("ASSENT_SHOTS"); dir != "" {
				eval[any](t, ctx, jsRoot+`.querySelector(".d").scrollTop = 0; null`)
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err == nil {
					err = os.WriteFile(fmt.Sprintf("%s/long-%s-%s-%dx%d.png", dir, l.layout, l.position, v[0], v[1]), png, 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// linksPage is a long page of links, some of which the banner covers.
const linksPage = `<!doctype html><html lang="en" style="scroll-padding-top:5px"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>p{height:48px;margin:0}</style>
<script src="{{assent}}/s/demo.js" async></script>
</head><body><script>for (let i = 0; i < 60; i++) document.write('<p><a href="#l' + i + '">Link ' + i + '</a></p>')</script></body></html>`

// TestSnippetFocusNotObscured: while the first layer is up, a page control
// that the keyboard moves to is scrolled out from behind the banner (WCAG
// 2.4.11), at the bottom and at the top; once the banner is gone, the
// page's own scroll padding is back.
func TestSnippetFocusNotObscured(t *testing.T) {
	site := newSiteServer(t, map[string]sitePage{"/": {html: linksPage}})
	ts := startForSite(t, site)
	ctx := newBrowser(t)
	for _, l := range []struct {
		layout, position string
		w, h             int64
	}{{"box", "bottom-right", 360, 640}, {"bar", "bottom", 1280, 800}, {"bar", "top", 1280, 800}} {
		ts = editSite(t, ts, func(s *consent.Site) bool {
			s.Draft.Look.Layout, s.Draft.Look.Position = l.layout, l.position
			return true
		})
		site.assent = ts.URL
		top := l.position == "top"
		name := fmt.Sprintf("%s %s at %dx%d", l.layout, l.position, l.w, l.h)
		do(t, ctx, chromedp.EmulateViewport(l.w, l.h, chromedp.EmulateMobile))
		visit(t, ctx, site.URL+"/")
		if top {
			eval[any](t, ctx, `scrollTo(0, 1e6); null`)
		}
		waitFor(t, ctx, jsShown+` && `+jsRoot+`.getAnimations().length === 0`)
		// The link next to one the banner covers entirely takes focus
		// without scrolling; the keyboard then moves to the covered one.
		covered := eval[int](t, ctx, `(() => { const b = `+jsRoot+`.host.getBoundingClientRect(), links = [...document.links];
			const i = links.findIndex(a => { const r = a.getBoundingClientRect(); return `+fmt.Sprint(top)+` ? r.bottom > b.bottom : r.top >= b.top; });
			return `+fmt.Sprint(top)+` ? i - 1 : i; })()`)
		if covered < 1 || covered > 58 {
			t.Fatalf("%s: no link behind the banner (%d)", name, covered)
		}
		from, key := covered-1, chromedp.KeyEvent(kb.Tab)
		if top {
			from, key = covered+1, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
		}
		eval[any](t, ctx, fmt.Sprintf(`document.links[%d].focus({preventScroll: true}); null`, from))
		do(t, ctx, key)
		got := eval[[]float64](t, ctx, `(() => { const a = document.activeElement, r = a.getBoundingClientRect(), b = `+jsRoot+`.host.getBoundingClientRect();
			return [[...document.links].indexOf(a), r.top, r.bottom, b.top, b.bottom]; })()`)
		if int(got[0]) != covered {
			t.Fatalf("%s: focus went to link %.0f, want %d", name, got[0], covered)
		}
		if !top && got[2] > got[3] || top && got[1] < got[4] {
			t.Errorf("%s: the focused link spans %.0f-%.0f px, the banner %.0f-%.0f px", name, got[1], got[2], got[3], got[4])
		}
		// A narrower window makes the banner taller: the padding follows.
		do(t, ctx, chromedp.EmulateViewport(l.w*3/4, l.h, chromedp.EmulateMobile))
		side := map[bool]string{true: "scrollPaddingTop", false: "scrollPaddingBottom"}[top]
		waitFor(t, ctx, `innerWidth == `+fmt.Sprint(l.w*3/4)+` && document.documentElement.style.`+side+` == `+jsRoot+`.host.offsetHeight + 16 + "px"`)
		click(t, ctx, "Reject all")
		waitFor(t, ctx, jsGone)
		if pad := eval[string](t, ctx, `document.documentElement.style.cssText`); pad != "scroll-padding-top: 5px;" {
			t.Errorf("%s: after the banner the page's inline style is %q, want its own back", name, pad)
		}
	}
}
