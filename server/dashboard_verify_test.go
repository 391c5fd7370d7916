package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
)

// TestDashboardVerifyAndErase: an evidence pack uploaded on the Verify page
// verifies with its receipt count; the same pack with one byte flipped in
// receipts.ndjson does not, with the failing receipt listed first; an owner
// erases a visitor from the consent log after typing the start of the id
// and gets the signed confirmation, after which the receipts are gone; an
// auditor is offered the visitor's evidence pack but no erase button.
func TestDashboardVerifyAndErase(t *testing.T) {
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": testToken}
	srv := startServerIn(t, t.TempDir(), env, "--rate-limit", "0")
	base := srv.URL
	visitors := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	var ids []string
	for _, v := range visitors {
		for range 2 {
			ids = append(ids, postDecision(t, base, v)["id"].(string))
		}
	}
	// More than a page of receipts, so the table pages and can be searched.
	for range 200 {
		ids = append(ids, postDecision(t, base, uuid.NewString())["id"].(string))
	}
	total := len(ids)
	now := time.Now().UTC()
	pack := getBytes(t, fmt.Sprintf("%s/api/v1/admin/sites/demo/evidence?from=%s&to=%s", base,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)))
	tampered, badID := tamperPack(t, pack)
	dir := t.TempDir()
	goodPath, badPath := filepath.Join(dir, "demo-evidence.zip"), filepath.Join(dir, "tampered.zip")
	for p, b := range map[string][]byte{goodPath: pack, badPath: tampered} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addUser(t, base, "audrey", "auditor-password-1", "auditor")

	ctx := newBrowser(t)
	dLogin(t, ctx, base, "admin", "correct-horse-battery")

	// The real pack verifies, with every receipt counted.
	dGo(t, ctx, base+"/dashboard/verify", `!!document.querySelector("input[name=pack]")`)
	dDo(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("input[name=pack]"), []string{goodPath}))
	dButton(t, ctx, "Verify pack")
	dWait(t, ctx, `!!document.querySelector("#verdict")`)
	if v := dEval[string](t, ctx, `document.querySelector("#verdict").className + " | " + document.querySelector(".verdict-title").textContent`); v != "verdict ok | Verified" {
		t.Errorf("good pack verdict: got %q, want %q", v, "verdict ok | Verified")
	}
	summary := dEval[string](t, ctx, `document.querySelector("#pack-summary").textContent`)
	// The first start's key activation is the log's first entry.
	for _, want := range []string{fmt.Sprintf("%d receipts", total), fmt.Sprintf("%d verified", total), "0 failed", "size ", "signing keys: ", "… from log index 0"} {
		if !strings.Contains(summary, want) {
			t.Errorf("good pack summary: got %q, want it to say %q", summary, want)
		}
	}
	rows := `document.querySelectorAll("#pack-receipts tbody tr").length`
	if n := dEval[float64](t, ctx, rows); n != 200 {
		t.Errorf("good pack table: got %v rows, want the first page of 200", n)
	}
	dShot2(t, ctx, "verify-ok", "#verdict")
	dShot2(t, ctx, "verify-ok-more", ".more-row")
	dButton(t, ctx, fmt.Sprintf("Show %d more", total-200))
	dWait(t, ctx, fmt.Sprintf(`%s === %d && document.querySelector("#show-more").hidden`, rows, total))
	dType(t, ctx, ".table-head input[type=search]", ids[3][24:])
	dWait(t, ctx, rows+` === 1 && document.querySelector("#pack-receipts tbody tr").textContent.includes(`+fmt.Sprintf("%q", ids[3])+`)`)

	// One flipped byte: not verified, the failing receipt first.
	dDo(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("input[name=pack]"), []string{badPath}))
	dButton(t, ctx, "Verify pack")
	dWait(t, ctx, `!!document.querySelector("#verdict.bad")`)
	if v := dEval[string](t, ctx, `document.querySelector(".verdict-title").textContent`); v != "NOT verified" {
		t.Errorf("tampered pack verdict: got %q, want NOT verified", v)
	}
	if s := dEval[string](t, ctx, `document.querySelector("#pack-summary").textContent`); !strings.Contains(s, fmt.Sprintf("%d verified", total-1)) || !strings.Contains(s, "1 failed") {
		t.Errorf("tampered pack summary: got %q, want %d verified and 1 failed", s, total-1)
	}
	first := dEval[string](t, ctx, `(() => { const r = document.querySelector("#pack-receipts tbody tr"); return r.className + " | " + r.textContent })()`)
	if !strings.HasPrefix(first, "failed | "+badID) || !strings.Contains(first, "signature") {
		t.Errorf("tampered pack, first row: got %q, want the failed receipt %s with a signature problem", first, badID)
	}
	if ids[len(ids)-1] != badID {
		t.Errorf("tampered receipt: got %s, want the last one %s (so listing it first means sorting)", badID, ids[len(ids)-1])
	}
	dShot2(t, ctx, "verify-bad", "#verdict")

	// A pasted receipt gets the same verdict banner.
	var one struct{ Receipt string }
	getJSON(t, base+"/api/v1/consents/"+ids[2], "", &one)
	dDo(t, ctx, chromedp.SetValue(chromedp.CSS("textarea"), one.Receipt))
	dButton(t, ctx, "Verify receipt")
	dWait(t, ctx, `document.querySelector("#verdict.ok .verdict-title")?.textContent === "Verified" && document.querySelector("#verify-summary")?.textContent.includes("stored on this server")`)
	dShot2(t, ctx, "verify-receipt")

	// The consent log offers the visitor's evidence pack, downloadable with
	// the session cookie alone.
	victim := visitors[0]
	dGo(t, ctx, base+"/dashboard/log?q="+victim, `!!document.querySelector("#erase") && !!document.querySelector("#verdict")`)
	dl := dEval[string](t, ctx, `fetch(document.querySelector("#visitor-pack").href).then(r => r.status + " " + r.headers.get("Content-Type"))`)
	if dl != "200 application/zip" {
		t.Errorf("visitor evidence pack link: got %q, want 200 application/zip", dl)
	}

	// The dialog works from the keyboard: it opens with focus in the
	// confirmation field, and Escape closes it, back on the button.
	dEval[bool](t, ctx, `(document.querySelector("#erase").focus(), true)`)
	dDo(t, ctx, chromedp.KeyEvent(kb.Enter))
	dWait(t, ctx, `document.querySelector("dialog.modal")?.open && document.activeElement?.name === "confirm-visitor"`)
	dDo(t, ctx, chromedp.KeyEvent(kb.Escape))
	dWait(t, ctx, `!document.querySelector("dialog.modal").open && document.activeElement?.id === "erase"`)

	// Erasing needs the first 8 characters of the visitor id.
	dClick(t, ctx, "#erase")
	dWait(t, ctx, `document.querySelector("dialog.modal")?.open`)
	eraseBtn := `document.querySelector("dialog.modal .danger-solid")`
	if !dEval[bool](t, ctx, eraseBtn+`.disabled`) {
		t.Error("erase: enabled before confirming")
	}
	dType(t, ctx, "input[name=confirm-visitor]", "00000000")
	if !dEval[bool](t, ctx, eraseBtn+`.disabled`) {
		t.Error("erase: enabled by the wrong confirmation")
	}
	dType(t, ctx, "input[name=confirm-visitor]", victim[:8])
	dWait(t, ctx, `!`+eraseBtn+`.disabled`)
	dShot2(t, ctx, "erase-dialog")
	// Once asked for, the erasure is not "cancelled" by Escape: the dialog
	// stays until its answer (here held back) is in.
	dEval[bool](t, ctx, `(f => (window.fetch = (u, o) => String(u).includes("/erase")
		? new Promise(r => (window.release = () => r(f(u, o)))) : f(u, o), true))(window.fetch)`)
	dEval[bool](t, ctx, eraseBtn+`.click() || true`)
	dWait(t, ctx, `typeof window.release === "function"`)
	dDo(t, ctx, chromedp.KeyEvent(kb.Escape))
	if !dEval[bool](t, ctx, `document.querySelector("dialog.modal").open`) {
		t.Error("erase: Escape closed the dialog while the erasure ran")
	}
	dEval[bool](t, ctx, `(window.release(), true)`)
	dWait(t, ctx, `!!document.querySelector("#erase-done")`)
	conf := dEval[string](t, ctx, `document.querySelector("#erase-confirmation").textContent`)
	if strings.Count(conf, ".") != 2 {
		t.Errorf("erase confirmation: got %q, want a compact JWS", conf)
	}
	if dEval[bool](t, ctx, `document.querySelector("dialog.modal")?.open || false`) {
		t.Error("erase: the dialog is still open")
	}
	dShot2(t, ctx, "erased")
	for _, id := range ids[:2] {
		if code := statusOf(t, base+"/api/v1/consents/"+id); code != http.StatusNotFound {
			t.Errorf("GET erased receipt %s: got %d, want 404", id, code)
		}
	}
	if code := statusOf(t, base+"/api/v1/consents/"+ids[2]); code != http.StatusOK {
		t.Errorf("GET another visitor's receipt: got %d, want 200", code)
	}
	// The range's pack now accounts for them: how many went, and why.
	afterPath := filepath.Join(dir, "after-erasure.zip")
	if err := os.WriteFile(afterPath, getBytes(t, fmt.Sprintf("%s/api/v1/admin/sites/demo/evidence?from=%s&to=%s", base,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))), 0o644); err != nil {
		t.Fatal(err)
	}
	dGo(t, ctx, base+"/dashboard/verify", `!!document.querySelector("input[name=pack]")`)
	dDo(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("input[name=pack]"), []string{afterPath}))
	dButton(t, ctx, "Verify pack")
	dWait(t, ctx, `!!document.querySelector("#verdict")`)
	if s := dEval[string](t, ctx, `document.querySelector(".verdict-title").textContent + " | " + document.querySelector("#pack-summary").textContent`); !strings.HasPrefix(s, "Verified") ||
		!strings.Contains(s, fmt.Sprintf("%d receipts", total-2)) || !strings.Contains(s, "2 receipts removed under signed tombstones (2 by erasure on "+time.Now().UTC().Format(time.DateOnly)+")") {
		t.Errorf("pack after the erasure: %q, want it verified, with the 2 erased receipts accounted for", s)
	}
	dShot2(t, ctx, "pack-after-erasure", "#pack-summary")

	// An auditor gets the evidence pack but no erase button, and the API
	// refuses the erasure anyway.
	dButton(t, ctx, "Sign out")
	dWait(t, ctx, `location.pathname === "/dashboard/login"`)
	dLogin(t, ctx, base, "audrey", "auditor-password-1")
	dGo(t, ctx, base+"/dashboard/log?q="+visitors[1], `!!document.querySelector("#visitor-pack") && !!document.querySelector("#verdict")`)
	if dEval[bool](t, ctx, `!!document.querySelector("#erase") || !!document.querySelector("dialog")`) {
		t.Error("auditor: sees the erase button")
	}
	status := dEval[float64](t, ctx, fmt.Sprintf(`(async () => { const me = await (await fetch("/api/v1/admin/session")).json();
		const r = await fetch("/api/v1/admin/sites/demo/visitors/%s/erase", { method: "POST", headers: { "X-CSRF-Token": me.csrf } });
		return r.status })()`, visitors[1]))
	if status != 403 {
		t.Errorf("auditor erase through the API: got %v, want 403", status)
	}
}

// tamperPack flips one byte in the signature of the last receipt in
// receipts.ndjson and returns the rebuilt zip and that receipt's id.
func tamperPack(t *testing.T, pack []byte) ([]byte, string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	var id string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "receipts.ndjson" {
			b, id = flipLast(t, b)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("the pack has no receipts.ndjson")
	}
	return out.Bytes(), id
}

func flipLast(t *testing.T, ndjson []byte) ([]byte, string) {
	t.Helper()
	b := bytes.TrimRight(ndjson, "\n")
	start := bytes.LastIndexByte(b, '\n') + 1
	line := b[start:]
	idAt := bytes.Index(line, []byte(`"id":"`)) + len(`"id":"`)
	sigEnd := bytes.LastIndexByte(line, '"')
	sigStart := bytes.LastIndexByte(line[:sigEnd], '.') + 1
	if idAt < len(`"id":"`) || sigStart <= 0 || sigEnd-sigStart < 20 {
		t.Fatalf("unexpected receipts.ndjson line: %s", line)
	}
	id := string(line[idAt : idAt+36])
	i := start + sigStart + 10
	if ndjson[i] == 'A' {
		ndjson[i] = 'B'
	} else {
		ndjson[i] = 'A'
	}
	return ndjson, id
}

func getBytes(t *testing.T, url string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %.200s", url, res.StatusCode, err, b)
	}
	return b
}

func statusOf(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func addUser(t *testing.T, base, name, password, role string) {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"password":%q,"role":%q}`, name, password, role)
	req, _ := http.NewRequest("POST", base+"/api/v1/admin/users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("create user %s: %d %s", name, res.StatusCode, b)
	}
}

// dShot2 saves screenshots of the current page at 1280 and 360 px to
// /tmp/shots/dash2-NAME-WIDTH.png, leaving the page at 1280 px. With scrollTo
// (a CSS selector) it shows the viewport scrolled to that element, else the
// whole page. A modal is shot as the viewport shows it: a full-page shot
// stretches the page under the backdrop.
func dShot2(t *testing.T, ctx context.Context, name string, scrollTo ...string) {
	t.Helper()
	for _, w := range []int64{1280, 360} {
		dDo(t, ctx, chromedp.EmulateViewport(w, 900))
		dWait(t, ctx, fmt.Sprintf(`window.innerWidth === %d`, w))
		shot := chromedp.FullScreenshot(100)
		if len(scrollTo) > 0 {
			dEval[bool](t, ctx, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: "center"}), true)`, scrollTo[0]))
			shot = chromedp.CaptureScreenshot()
		} else if dEval[bool](t, ctx, `!!document.querySelector("dialog[open]")`) {
			shot = chromedp.CaptureScreenshot()
		}
		b, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll("/tmp/shots", 0o755)
		if err := os.WriteFile(fmt.Sprintf("/tmp/shots/dash2-%s-%d.png", name, w), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dDo(t, ctx, chromedp.EmulateViewport(1280, 800))
}

// TestDashboardLogPreviewShowsWhatTheVisitorSaw: a receipt recorded with
// Global Privacy Control is previewed with the banner's GPC notice, one
// recorded without it without the notice.
func TestDashboardLogPreviewShowsWhatTheVisitorSaw(t *testing.T) {
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}
	srv := startServerIn(t, t.TempDir(), env, "--rate-limit", "0")
	var cfg struct{ Version string }
	getJSON(t, srv.URL+"/api/v1/sites/demo/config", "", &cfg)
	record := func(gpc bool) string {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/consents", strings.NewReader(decisionBody(srv.URL, cfg.Version, uuid.NewString(), "reject_all")))
		if gpc {
			req.Header.Set("Sec-GPC", "1")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("POST: %d %v", res.StatusCode, out)
		}
		return out["id"].(string)
	}
	withGPC, without := record(true), record(false)
	ctx := newBrowser(t)
	dLogin(t, ctx, srv.URL, "admin", "correct-horse-battery")
	notice := fmt.Sprintf(dPreviewShows, "Global Privacy Control")
	dGo(t, ctx, srv.URL+"/dashboard/log?q="+withGPC, notice)
	dShot2(t, ctx, "log-gpc", ".preview-frame")
	dGo(t, ctx, srv.URL+"/dashboard/log?q="+without, fmt.Sprintf(dPreviewShows, "Reject all"))
	if dEval[bool](t, ctx, notice) {
		t.Error("the preview of a receipt without the signal shows the GPC notice")
	}
}
