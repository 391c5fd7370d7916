package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestDashboardEditConflict: an owner edits a site that someone else saves
// meanwhile. Saving is refused with a message saying so, nothing of the
// other save is undone, and the editor offers to load the saved version.
// The skip link moves focus to the page without rendering it again (which
// would lose the edit).
func TestDashboardEditConflict(t *testing.T) {
	srv := startServer(t, "--rate-limit", "0")
	ctx := newBrowser(t)
	dLogin(t, ctx, srv.URL, "admin", "correct-horse-battery")
	// Someone else saves, with the same session's rights, behind the page's back.
	saveBehind := func(title string) float64 {
		return dEval[float64](t, ctx, `(async () => {
		const me = await (await fetch("/api/v1/admin/session")).json();
		const site = await (await fetch("/api/v1/admin/sites/demo")).json();
		site.draft.texts.en.title = `+strconv.Quote(title)+`;
		const r = await fetch("/api/v1/admin/sites/demo", {method: "PUT", headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf},
			body: JSON.stringify({name: site.name, origins: site.origins, retention_months: site.retention_months, draft: site.draft, revision: site.revision})});
		return r.status == 200 ? (await r.json()).revision : -r.status;
	})()`)
	}
	// A save made after the dashboard listed the sites shows in the editor
	// opened later, without a reload.
	dWait(t, ctx, `!!document.querySelector("nav.tabs a[href$='/sites/demo/edit']")`)
	if r := saveBehind("Saved meanwhile"); r <= 0 {
		t.Fatalf("the other save got status %v", -r)
	}
	dClick(t, ctx, "nav.tabs a[href$='/sites/demo/edit']")
	titleField := `.texts .grid2 .field:first-child input`
	dWait(t, ctx, `document.querySelector(".texts .grid2 .field:first-child input")?.value === "Saved meanwhile"`)
	dType(t, ctx, titleField, "Mine")

	dEval[bool](t, ctx, `(document.querySelector("a.skip").click(), true)`)
	if got := dEval[string](t, ctx, `document.activeElement.id + " " + location.hash + " " + document.querySelector(".texts .grid2 .field:first-child input").value`); got != "main  Mine" {
		t.Errorf("after the skip link: focus, hash and title field are %q, want main, none and the edit kept", got)
	}

	// Saved again behind its back while it is open.
	if theirs := saveBehind("Theirs"); theirs <= 0 {
		t.Fatalf("the other save got status %v", -theirs)
	}

	dButton(t, ctx, "Save draft")
	dWait(t, ctx, `(document.querySelector(".status [role=alert]")?.textContent || "").includes("this site was saved elsewhere")`)
	dShot(t, ctx, "edit-conflict", 1280)
	saved := dEval[string](t, ctx, `fetch("/api/v1/admin/sites/demo").then(r => r.json()).then(s => s.draft.texts.en.title)`)
	if saved != "Theirs" {
		t.Fatalf("after the refused save the stored title is %q, want the other save's", saved)
	}

	// Loading the saved version asks first, then shows theirs.
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	entries := dEval[int](t, ctx, `history.length`)
	dButton(t, ctx, "Discard mine, load the saved version")
	dWait(t, ctx, `document.querySelector(".texts .grid2 .field:first-child input")?.value === "Theirs"`)
	if n := dEval[int](t, ctx, `history.length`); n != entries {
		t.Errorf("loading the saved version left %d history entries, want %d: Back would reopen the same editor", n, entries)
	}
	dType(t, ctx, titleField, "Mine, again")
	dButton(t, ctx, "Save draft")
	dWait(t, ctx, `(document.querySelector(".status")?.textContent || "").startsWith("Draft saved")`)
	if got := dEval[string](t, ctx, `fetch("/api/v1/admin/sites/demo").then(r => r.json()).then(s => s.draft.texts.en.title)`); got != "Mine, again" {
		t.Errorf("the save after loading theirs stored %q", got)
	}
}

// TestDashboardSignOutFailure: when the server does not end the session
// (here the request fails), signing out says so and stays; it is not
// shown as done while the session still works.
func TestDashboardSignOutFailure(t *testing.T) {
	srv := startServer(t, "--rate-limit", "0")
	ctx := newBrowser(t)
	dLogin(t, ctx, srv.URL, "admin", "correct-horse-battery")
	dWait(t, ctx, `location.pathname.startsWith("/dashboard/sites")`)
	paused := make(chan fetch.RequestID, 1)
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok && e.Request.Method == "DELETE" {
			paused <- e.RequestID
		} else if ok {
			go chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
		}
	})
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/v1/admin/session"}}}); err != nil {
		t.Fatal(err)
	}
	held := func() fetch.RequestID {
		select {
		case id := <-paused:
			return id
		case <-time.After(15 * time.Second): // a failure's bound, not a wait for timing
			t.Fatal("signing out sent no DELETE /session")
			return ""
		}
	}
	dButton(t, ctx, "Sign out")
	if _, err := chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: held(), ErrorReason: network.ErrorReasonConnectionRefused}); err != nil {
		t.Fatal(err)
	}
	dWait(t, ctx, `(document.querySelector(".out-error[role=alert]")?.textContent || "").startsWith("Not signed out")`)
	if p := dEval[string](t, ctx, `location.pathname`); p == "/dashboard/login" {
		t.Fatal("a sign-out that did not reach the server showed the sign-in page")
	}
	dShot(t, ctx, "signout-failed", 1280)
	dDo(t, ctx, chromedp.EmulateViewport(360, 740))
	dShot(t, ctx, "signout-failed", 360)
	dDo(t, ctx, chromedp.EmulateViewport(1280, 800))
	dButton(t, ctx, "Sign out")
	if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held()}); err != nil {
		t.Fatal(err)
	}
	dWait(t, ctx, `location.pathname === "/dashboard/login"`)
	if s := dEval[float64](t, ctx, `fetch("/api/v1/admin/session").then(r => r.status)`); s != 401 {
		t.Errorf("after signing out the session answers %v, want 401", s)
	}
}

// TestDashboardRedirectsLeaveNoHistory: the sign-in page a signed-out
// visit is sent to, and the first site the dashboard's home sends on to,
// replace the page asked for: Back does not land on a page that only sends
// the user on again.
func TestDashboardRedirectsLeaveNoHistory(t *testing.T) {
	srv := startServer(t, "--rate-limit", "0")
	ctx := newBrowser(t)
	dGo(t, ctx, srv.URL+"/dashboard/", `!!document.querySelector("input[name=username]")`)
	entries := dEval[int](t, ctx, `history.length`)
	dType(t, ctx, "input[name=username]", "admin")
	dType(t, ctx, "input[name=password]", "correct-horse-battery")
	dButton(t, ctx, "Sign in")
	dWait(t, ctx, `location.pathname === "/dashboard/sites/demo" && !!document.querySelector("header.top")`)
	if n := dEval[int](t, ctx, `history.length`); n != entries {
		t.Errorf("signing in and landing on the first site left %d history entries, want %d", n, entries)
	}
}

// TestDashboardVersionsShowPublicationsMadeElsewhere: what another owner
// (or tab, or API client) publishes shows on the Versions and Sites pages
// without a reload, and a rollback to an earlier version is a publication
// of its own: the earlier version is live again, since then.
func TestDashboardVersionsShowPublicationsMadeElsewhere(t *testing.T) {
	srv := startServer(t, "--rate-limit", "0")
	ctx := newBrowser(t)
	dLogin(t, ctx, srv.URL, "admin", "correct-horse-battery")
	publishBehind := func(title string) {
		t.Helper()
		if got := dEval[string](t, ctx, `(async () => {
		const me = await (await fetch("/api/v1/admin/session")).json();
		const h = {"Content-Type": "application/json", "X-CSRF-Token": me.csrf};
		const site = await (await fetch("/api/v1/admin/sites/demo")).json();
		site.draft.texts.en.title = `+strconv.Quote(title)+`;
		let r = await fetch("/api/v1/admin/sites/demo", {method: "PUT", headers: h,
			body: JSON.stringify({name: site.name, origins: site.origins, retention_months: site.retention_months, draft: site.draft, revision: site.revision})});
		if (r.status != 200) return "save " + r.status;
		r = await fetch("/api/v1/admin/sites/demo/publish", {method: "POST", headers: h, body: "{}"});
		return "publish " + r.status;
	})()`); got != "publish 200" {
			t.Fatalf("publishing behind the page: %s", got)
		}
	}
	rows := `[...document.querySelectorAll("ol.versions li")].map(li => li.querySelector(".vnum").textContent + (li.querySelector(".badge.ok") ? "*" : "") + (li.textContent.includes("live again") ? "(again)" : "")).join(" ")`
	dGo(t, ctx, srv.URL+"/dashboard/sites/demo/versions", `!!document.querySelector("ol.versions li")`)
	original := dEval[string](t, ctx, `fetch("/api/v1/admin/sites/demo").then(r => r.json()).then(s => s.draft.texts.en.title)`)
	if got := dEval[string](t, ctx, rows); got != "v1*" {
		t.Fatalf("versions at first: %q", got)
	}
	for _, c := range []struct{ title, want, site string }{
		{"Changed elsewhere", "v2* v1", "v2 of 2"},
		{original, "v1*(again) v2 v1", "v1 of 2"},
	} {
		publishBehind(c.title)
		dClick(t, ctx, `nav.tabs a[href$="/sites/demo"]`)
		dWait(t, ctx, `!!document.querySelector(".kpi")`)
		dClick(t, ctx, `nav.tabs a[href$="/sites/demo/versions"]`)
		dWait(t, ctx, `!!document.querySelector("ol.versions li")`)
		if got := dEval[string](t, ctx, rows); got != c.want {
			t.Errorf("after publishing %q elsewhere: versions %q, want %q", c.title, got, c.want)
		}
		dGo(t, ctx, srv.URL+"/dashboard/sites", `!!document.querySelector(".site-meta")`)
		if got := dEval[string](t, ctx, `[...document.querySelectorAll(".site-card")].find(c => c.textContent.includes("demo ·")).querySelector(".site-meta").textContent`); !strings.Contains(got, c.site+" · live since") {
			t.Errorf("after publishing %q elsewhere: the sites page says %q, want %q live since then", c.title, got, c.site)
		}
		dGo(t, ctx, srv.URL+"/dashboard/sites/demo/versions", `!!document.querySelector("ol.versions li")`)
	}
	dShot(t, ctx, "versions-rollback", 1280)
}
