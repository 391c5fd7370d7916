package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/heapprofiler"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// TestSnippetSpeedVsCookieConsent compares the banner with
// vanilla-cookieconsent 3.1.0 (installed from npm into a temporary folder,
// never committed) on the same page served from 127.0.0.1, each load in a
// fresh browser context (cold cache, no cookies). It needs npm and network
// access, so it runs only when asked:
//
//	ASSENT_BENCH=1 go test ./server/ -run TestSnippetSpeedVsCookieConsent -v
//
// ASSENT_BENCH_N sets the loads per page and CPU setting (default 30: on a
// 2-core machine the median of 15 moves by ±0.1 from run to run). Each load
// runs without DevTools agents and after a visit to another site (see quiet
// and warmUp); ASSENT_BENCH_AGENTS=1 and ASSENT_BENCH_COLD_CONTEXT=1 undo
// those, to compare with runs made before them.
func TestSnippetSpeedVsCookieConsent(t *testing.T) {
	if os.Getenv("ASSENT_BENCH") == "" {
		t.Skip("set ASSENT_BENCH=1 to compare with vanilla-cookieconsent 3.1.0 (needs npm)")
	}
	n := 30
	if v, err := strconv.Atoi(os.Getenv("ASSENT_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	cc := installCookieConsent(t)
	site := newSiteServer(t, benchPages())
	mux := http.NewServeMux()
	mux.Handle("/cc/", http.StripPrefix("/cc/", http.FileServer(http.Dir(cc))))
	mux.HandleFunc("/measure.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, measureJS)
	})
	mux.HandleFunc("/site.css", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "../internal/api/demo/demo.css") // the page's own styles, as any real page has
	})
	mux.HandleFunc("/cc-config.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, ccConfigJS)
	})
	mux.Handle("/", site.Config.Handler)
	site.Config.Handler = mux
	startForSite(t, site)
	browser := benchBrowser(t)
	warm := warmUp(t)

	results := map[string][]sample{}
	for _, rate := range []float64{1, 4} {
		for i := range n {
			for _, p := range []string{"baseline", "assent", "cookieconsent"} {
				s := loadOnce(t, browser, site.URL+"/"+p, p, rate, i == 0, warm)
				results[fmt.Sprintf("%s@%gx", p, rate)] = append(results[fmt.Sprintf("%s@%gx", p, rate)], s)
			}
		}
	}
	report(t, results, n)
}

// sample is one page load.
type sample struct {
	Visible, Painted, Script, ScriptCPU, Task, Click, CLS, Heap float64
	LongTasks, OwnLongTasks                                     int
	OwnWhat                                                     []string
}

func loadOnce(t *testing.T, browser context.Context, url, kind string, rate float64, first bool, warm string) sample {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	do(t, ctx) // opens the tab; only then may a timeout apply
	ctx, tcancel := context.WithTimeout(ctx, 30*time.Second)
	defer tcancel()
	call := func(f func() error) {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getenv("ASSENT_BENCH_AGENTS") == "" {
		quiet(t, ctx)
	}
	if warm != "" {
		do(t, ctx, chromedp.Navigate(warm))
	}
	call(func() error {
		_, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{})
		return err
	})
	call(func() error {
		_, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate})
		return err
	})
	trace := startTrace(t, ctx, rate > 1)
	do(t, ctx, chromedp.Navigate(url))
	benchWait(t, ctx, `window.__m && window.__m.painted > 0 && document.readyState === "complete"`)
	var s sample
	tr := trace(map[string][]string{"assent": {"/s/demo.js"}, "cookieconsent": {"/cc/cookieconsent.umd.js", "/cc-config.js"}}[kind])
	s.Script, s.ScriptCPU, s.OwnLongTasks, s.OwnWhat = tr.Wall, tr.CPU, tr.Own, tr.OwnWhat
	metrics, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics.Metrics {
		if m.Name == "TaskDuration" {
			s.Task = m.Value * 1000
		}
	}
	call(func() error {
		_, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{})
		return err
	})
	heap, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	s.Heap = heap.UsedSize
	if kind != "baseline" {
		sel := map[string]string{
			"assent":        `document.querySelector("assent-banner").shadowRoot.querySelectorAll(".a button")[1]`,
			"cookieconsent": `document.querySelector('#cc-main .cm__btn[data-role="necessary"]')`,
		}[kind]
		xy := benchEval[[]float64](t, ctx, `(() => { const q = `+sel+`.getBoundingClientRect(); return [q.x + q.width/2, q.y + q.height/2]; })()`)
		do(t, ctx, chromedp.MouseClickXY(xy[0], xy[1]))
		benchWait(t, ctx, `window.__m.click >= 0`)
	}
	m := benchEval[map[string]float64](t, ctx, `window.__m`)
	s.Visible, s.Painted, s.CLS, s.LongTasks, s.Click = m["visible"], m["painted"], m["cls"], int(m["longtasks"]), m["click"]
	if first && kind == "cookieconsent" {
		png, _ := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		os.WriteFile(filepath.Join(os.TempDir(), "cookieconsent-bench.png"), png, 0o644)
	}
	return s
}

// warmUp serves a page of its own that each load visits in its fresh
// browser context before the page measured. In a context's first page
// every request waits 20-30 ms in the browser before it is sent (Resource
// Timing: startTime to requestStart; 4-7 ms after the visit), the page's
// stylesheet as much as any script, while the browser sets the context's
// network up; a visitor's browser has done that long before. The page is
// on localhost, another site than 127.0.0.1, so the page measured still
// gets a renderer process of its own, as a visitor coming from another
// site does; and its origins stay cold: nothing cached, no cookies, no
// connection. ASSENT_BENCH_COLD_CONTEXT=1 measures without the visit, as the
// runs before this setting did.
func warmUp(t *testing.T) string {
	if os.Getenv("ASSENT_BENCH_COLD_CONTEXT") != "" {
		return ""
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/w.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "p{margin:0}")
		case "/w.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "document.title = 'warm'")
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!doctype html><link rel="stylesheet" href="/w.css"><script src="/w.js"></script><p>warm</p>`)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/"
}

// quiet turns off the DevTools agents chromedp enables in every tab beyond
// those a load needs (Page, to navigate; Runtime): a visitor's browser runs
// none of them, and they are not free. With the DOM agent on, every node
// inserted is sent to the client; with the CSS agent on, every style sheet
// parsed is reported (a constructed sheet's replaceSync takes 0.3-0.4 ms
// longer). That is per operation, not per byte, so it weighs on a small
// script more than on a large one. ASSENT_BENCH_AGENTS=1 keeps them on, as
// the runs before this setting did, to compare with those.
func quiet(t *testing.T, ctx context.Context) {
	for _, m := range []string{"CSS.disable", "DOM.disable", "Log.disable", "Inspector.disable", "Network.disable"} {
		if err := chromedp.FromContext(ctx).Target.Call(ctx, m, nil, nil); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
}

// benchEval evaluates expr through the Runtime domain alone (eval goes
// through chromedp's DOM bookkeeping, which needs the DOM agent).
func benchEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	yes := true
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ReturnByValue: &yes, AwaitPromise: &yes})
	if err == nil && res.ExceptionDetails != nil {
		err = fmt.Errorf("%s", res.ExceptionDetails.Text)
	}
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	var v T
	if err := json.Unmarshal(res.Result.Value, &v); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// benchWait waits until expr is truthy, checking it in each animation frame
// (as chromedp's Poll does), for at most the load's timeout.
func benchWait(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	benchEval[bool](t, ctx, `new Promise(ok => { const f = () => (`+expr+`) ? ok(true) : requestAnimationFrame(f); f(); })`)
}

// traced is what a load's trace says about the scripts measured: the
// main-thread time of their evaluation (compile and top-level run, with any
// layout they force) and of every callback into them (timers, events,
// frames), in wall time and in the thread's CPU time (on a busy machine the
// wall time also counts whatever preempted the thread); and how many long
// tasks (over 50 ms) were theirs: those running any of that code, or the
// frame that first showed the banner (the page's first frame for the page
// alone), counted only in loads traced with tasks.
type traced struct {
	Wall, CPU float64
	Own       int
	OwnWhat   []string // each of those: what it ran, its wall and thread CPU time
}

// startTrace records a DevTools timeline trace; the func it returns stops it
// and reads it for the scripts whose URL ends with one of the suffixes.
// With tasks it also records every task (the toplevel category), for Own;
// that costs the machine enough to slow every load a little, so the loads
// at full speed, which measure the rest, do without.
func startTrace(t *testing.T, ctx context.Context, tasks bool) func(suffixes []string) traced {
	// The trace stays in the browser until the load is done: sent while it
	// runs, its events would compete for the machine with the load measured.
	stream := make(chan cdpio.StreamHandle, 1)
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*tracing.EventTracingComplete); ok {
			stream <- e.Stream
		}
	})
	if err == nil {
		cats := []string{"devtools.timeline"}
		if tasks {
			cats = append(cats, "toplevel")
		}
		_, err = chromedp.Call(ctx, tracing.Start, tracing.StartParams{TransferMode: tracing.StartTransferModeReturnAsStream,
			TraceConfig: &tracing.TraceConfig{IncludedCategories: cats}})
	}
	if err != nil {
		t.Fatal(err)
	}
	return func(suffixes []string) (r traced) {
		if _, err := chromedp.Call(ctx, tracing.End, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		h := <-stream
		var data []byte
		for {
			chunk, err := chromedp.Call(ctx, cdpio.Read, cdpio.ReadParams{Handle: h, Size: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, chunk.Data...)
			if chunk.EOF {
				break
			}
		}
		chromedp.Call(ctx, cdpio.Close, cdpio.CloseParams{Handle: h})
		var trace struct{ TraceEvents []json.RawMessage }
		if err := json.Unmarshal(data, &trace); err != nil {
			t.Fatalf("reading the trace: %v", err)
		}
		type event struct {
			Name, Ph string
			Ts, Dur  float64
			TDur     float64 `json:"tdur"`
			Tid      int
			Args     struct{ Data struct{ URL string } }
		}
		var tasks, frames, calls, own []event
		for _, raw := range trace.TraceEvents {
			var e event
			if json.Unmarshal(raw, &e) != nil || e.Ph != "X" {
				continue
			}
			switch e.Name {
			case "ThreadControllerImpl::RunTask": // a task, as toplevel names it
				if e.Dur > 50000 {
					tasks = append(tasks, e)
				}
			case "FireAnimationFrame":
				frames = append(frames, e)
			case "EvaluateScript", "FunctionCall":
				for _, suf := range suffixes {
					if strings.HasSuffix(e.Args.Data.URL, suf) {
						r.Wall += e.Dur / 1000
						r.CPU += e.TDur / 1000
						own = append(own, e)
					}
				}
				if e.Name == "FunctionCall" && strings.HasSuffix(e.Args.Data.URL, "/measure.js") {
					calls = append(calls, e)
				}
			}
		}
		// The banner was seen in the last animation frame callback of
		// measure.js (its loop stops there); events come in no set order.
		var seen *event
		for _, c := range calls {
			for _, f := range frames {
				if f.Tid == c.Tid && f.Ts <= c.Ts && c.Ts <= f.Ts+f.Dur && (seen == nil || c.Ts > seen.Ts) {
					seen = &c
				}
			}
		}
		if seen != nil {
			own = append(own, *seen)
		}
		slices.SortFunc(tasks, func(a, b event) int { return cmp.Or(cmp.Compare(a.Ts, b.Ts), cmp.Compare(b.Dur, a.Dur)) })
		var last event // tasks run nested tasks; count the outermost
		for _, task := range tasks {
			if task.Tid == last.Tid && task.Ts < last.Ts+last.Dur {
				continue
			}
			last = task
			for _, e := range own {
				if e.Tid == task.Tid && task.Ts <= e.Ts && e.Ts < task.Ts+task.Dur {
					r.Own++
					what := map[string]string{"EvaluateScript": "script's evaluation", "FunctionCall": "script's callback"}[e.Name]
					if strings.HasSuffix(e.Args.Data.URL, "/measure.js") {
						what = "banner's frame"
					}
					r.OwnWhat = append(r.OwnWhat, fmt.Sprintf("%s %.0f ms (CPU %.0f)", what, task.Dur/1000, task.TDur/1000))
					break
				}
			}
		}
		return r
	}
}

// benchBrowser is newBrowser without its 60 s limit, which a run of many
// loads exceeds; each load still has its own timeout.
func benchBrowser(t *testing.T) context.Context {
	actx, acancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	do(t, ctx)
	return ctx
}

func installCookieConsent(t *testing.T) string {
	dir := t.TempDir()
	cmd := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "vanilla-cookieconsent@3.1.0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install vanilla-cookieconsent@3.1.0: %v\n%s", err, out)
	}
	return filepath.Join(dir, "node_modules", "vanilla-cookieconsent", "dist")
}

func maxLongTasks(ss []sample) int {
	n := 0
	for _, s := range ss {
		n = max(n, s.LongTasks)
	}
	return n
}

func maxOwnLongTasks(ss []sample) int {
	n := 0
	for _, s := range ss {
		n = max(n, s.OwnLongTasks)
	}
	return n
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func report(t *testing.T, results map[string][]sample, n int) {
	col := func(key string, f func(sample) float64) float64 {
		var xs []float64
		for _, s := range results[key] {
			xs = append(xs, f(s))
		}
		return median(xs)
	}
	var b strings.Builder
	agents, first := "off", "a page on another site first"
	if os.Getenv("ASSENT_BENCH_AGENTS") != "" {
		agents = "on"
	}
	if os.Getenv("ASSENT_BENCH_COLD_CONTEXT") != "" {
		first = "no page before"
	}
	fmt.Fprintf(&b, "medians of %d cold loads each, headless Chromium, page on 127.0.0.1; DevTools agents %s, %s\n", n, agents, first)
	fmt.Fprintf(&b, "%-22s %10s %10s %10s %10s %12s %9s %9s %10s %6s %11s\n", "page", "visible", "painted", "script", "(cpu)", "main thread", "click", "CLS", "longtasks", "(own)", "heap+")
	for _, rate := range []string{"1x", "4x"} {
		base := col("baseline@"+rate, func(s sample) float64 { return s.Heap })
		for _, p := range []string{"assent", "cookieconsent"} {
			k := p + "@" + rate
			fmt.Fprintf(&b, "%-22s %8.1fms %8.1fms %8.1fms %8.1fms %10.1fms %7.2fms %9.4f %10d %6d %8.1fKiB\n", k,
				col(k, func(s sample) float64 { return s.Visible }), col(k, func(s sample) float64 { return s.Painted }), col(k, func(s sample) float64 { return s.Script }),
				col(k, func(s sample) float64 { return s.ScriptCPU }),
				col(k, func(s sample) float64 { return s.Task }),
				col(k, func(s sample) float64 { return s.Click }), col(k, func(s sample) float64 { return s.CLS }),
				maxLongTasks(results[k]), maxOwnLongTasks(results[k]),
				(col(k, func(s sample) float64 { return s.Heap })-base)/1024)
		}
		fmt.Fprintf(&b, "%-22s %8.1fms %8.1fms %10s %10s %10.1fms %9s %9s %10d %6d\n", "baseline@"+rate, col("baseline@"+rate, func(s sample) float64 { return s.Visible }), col("baseline@"+rate, func(s sample) float64 { return s.Painted }), "-", "-", col("baseline@"+rate, func(s sample) float64 { return s.Task }),
			"-", "-", maxLongTasks(results["baseline@"+rate]), maxOwnLongTasks(results["baseline@"+rate]))
	}
	b.WriteString("longtasks: the most in one load, over 50 ms on the page's main thread; (own), at 4x: those running the\n" +
		"page's consent script or drawing its banner (for the page alone: its first frame)\n")
	loads := func(k string) (n int) {
		for _, s := range results[k] {
			if s.OwnLongTasks > 0 {
				n++
			}
		}
		return n
	}
	fmt.Fprintf(&b, "loads with long tasks of their own at 4x: assent %d, cookieconsent %d, page alone %d (of %d each)\n",
		loads("assent@4x"), loads("cookieconsent@4x"), loads("baseline@4x"), n)
	t.Log("\n" + b.String())
	if os.Getenv("ASSENT_BENCH_SAMPLES") != "" {
		for k, ss := range results {
			var v []string
			for _, s := range ss {
				v = append(v, fmt.Sprintf("%.0f/%.0f/%.1f/%.1f/%d/%d", s.Visible, s.Painted, s.Script, s.ScriptCPU, s.LongTasks, s.OwnLongTasks))
			}
			t.Logf("%s visible/painted/script/cpu/longtasks/own: %s", k, strings.Join(v, " "))
		}
	}
	vis := col("assent@1x", func(s sample) float64 { return s.Visible }) / col("cookieconsent@1x", func(s sample) float64 { return s.Visible })
	scr := col("assent@1x", func(s sample) float64 { return s.Script }) / col("cookieconsent@1x", func(s sample) float64 { return s.Script })
	cpu := col("assent@1x", func(s sample) float64 { return s.ScriptCPU }) / col("cookieconsent@1x", func(s sample) float64 { return s.ScriptCPU })
	painted := col("assent@1x", func(s sample) float64 { return s.Painted }) / col("cookieconsent@1x", func(s sample) float64 { return s.Painted })
	t.Logf("assent / cookieconsent: banner visible %.2f× (goal ≤ 0.8; painted %.2f×), script evaluation %.2f× (goal ≤ 0.5; %.2f× in CPU time)", vis, painted, scr, cpu)
	if vis > 0.8 || scr > 0.5 {
		t.Errorf("speed goals missed: visible %.2f×, script %.2f×", vis, scr)
	}
	// The page alone has long tasks at 4× (its own first layout), and on a
	// small machine the page's tasks get longer whenever any script is
	// downloaded and compiled beside them; so the goal of none is for the
	// banner's own: no long task runs its script or draws it.
	// At full speed, where tasks are not traced, none may be added to the
	// page's worst load.
	for _, rate := range []string{"1x", "4x"} {
		base := maxLongTasks(results["baseline@"+rate])
		for _, s := range results["assent@"+rate] {
			if (rate == "1x" && s.LongTasks > base) || s.OwnLongTasks > 0 || s.CLS > 0 || s.Click >= 16 {
				t.Errorf("assent at %s CPU: %d long tasks of its own %q, %d in the page (page alone ≤ %d), CLS %.4f, click %.1f ms; want none, 0, < 16 ms",
					rate, s.OwnLongTasks, s.OwnWhat, s.LongTasks, base, s.CLS, s.Click)
			}
		}
	}
	if heap := col("assent@1x", func(s sample) float64 { return s.Heap }) - col("baseline@1x", func(s sample) float64 { return s.Heap }); heap > 50*1024 {
		t.Errorf("assent grows the JS heap by %.1f KiB, want < 50", heap/1024)
	}
}

// measureJS runs first in every page: it records layout shifts, long tasks,
// the first input's processing time, and the first animation frame in which
// the page's banner is shown (the frame paints it): when its animation
// callbacks run ("visible", the goal's figure) and when the frame's work is
// done ("painted", the task after it). Work a frame does before its
// animation callbacks counts in the first (for Assent, the layout that the
// dialog's autofocus needs), work after them only in the second (for both,
// most of the frame's layout and paint). It reads no layout, so it forces
// none into the scripts it measures.
const measureJS = `window.__m = {cls: 0, longtasks: 0, click: -1};
new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) __m.cls += e.value; }).observe({type: "layout-shift", buffered: true});
new PerformanceObserver(l => { __m.longtasks += l.getEntries().length; }).observe({type: "longtask", buffered: true});
new PerformanceObserver(l => { const e = l.getEntries()[0]; __m.click = e.processingEnd - e.processingStart; }).observe({type: "first-input", buffered: true});
(function frame() {
  const e = window.__banner && window.__banner();
  if (e) {
    __m.visible = performance.now(); // the frame that paints it starts
    // The frame's work done (style, layout, paint): the next task.
    const c = new MessageChannel();
    c.port1.onmessage = () => { __m.painted = performance.now(); };
    c.port2.postMessage(0);
  } else requestAnimationFrame(frame);
})();`

// benchPages are the same shop page with no banner, with Assent (one async
// tag) and with vanilla-cookieconsent as its docs set it up (a stylesheet in
// <head>, the UMD script and a config script), with the same purposes and texts.
func benchPages() map[string]sitePage {
	body := `<h1>Trail-ready jackets, fairly made.</h1><p>` + strings.Repeat("Waterproof, breathable and repairable. ", 40) + `</p>`
	head := `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<script src="/measure.js"></script><link rel="stylesheet" href="/site.css">`
	return map[string]sitePage{
		"/baseline": {html: head + `<script>window.__banner = () => document.body</script></head><body>` + body + `</body></html>`},
		"/assent": {html: head + `<script>window.__banner = () => { const h = document.querySelector("assent-banner"); return h && !h.hasAttribute("data-w") && h.shadowRoot.querySelector("[role=dialog]"); }</script>
<script src="{{assent}}/s/demo.js" async></script></head><body>` + body + `</body></html>`},
		"/cookieconsent": {html: head + `<script>window.__banner = () => document.documentElement.classList.contains("show--consent") && document.querySelector("#cc-main .cm")</script>
<link rel="stylesheet" href="/cc/cookieconsent.css">
<script defer src="/cc/cookieconsent.umd.js"></script><script defer src="/cc-config.js"></script></head><body>` + body + `</body></html>`},
	}
}

// ccConfigJS sets vanilla-cookieconsent up like the demo site: the same
// categories, buttons and texts.
const ccConfigJS = `CookieConsent.run({
  hideFromBots: false, // or it hides itself from headless Chromium
  categories: {necessary: {enabled: true, readOnly: true}, analytics: {}, advertising: {}, preferences: {}},
  language: {default: "en", translations: {en: {
    consentModal: {title: "We value your privacy",
      description: "We use cookies to run this site and, with your permission, to measure its use, show relevant ads and remember your preferences. You can change your choice at any time.",
      acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all", showPreferencesBtn: "Customize", footer: '<a href="#privacy">Privacy policy</a>'},
    preferencesModal: {title: "We value your privacy", acceptAllBtn: "Accept all", acceptNecessaryBtn: "Reject all",
      savePreferencesBtn: "Save choices", closeIconLabel: "Close", sections: [
        {title: "Necessary", description: "Needed for the site to work. Always on.", linkedCategory: "necessary"},
        {title: "Analytics", description: "Anonymous statistics that help us improve the site.", linkedCategory: "analytics"},
        {title: "Advertising", description: "Personalised ads and measuring their effect.", linkedCategory: "advertising"},
        {title: "Preferences", description: "Remembers your settings, such as language.", linkedCategory: "preferences"}]}}}}
});`
