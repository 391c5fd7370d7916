package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testServer is the real server (run, as main calls it) on 127.0.0.1:0 with
// its data in a temporary directory.
type testServer struct {
	URL  string
	Data string
	Logs *syncBuffer // everything the server logged
	stop func()
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs the server until the test ends. Extra args are flags.
func startServer(t testing.TB, args ...string) *testServer {
	t.Helper()
	data := t.TempDir()
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}
	return startServerIn(t, data, env, args...)
}

func startServerIn(t testing.TB, data string, env map[string]string, args ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	args = append([]string{"--addr", "127.0.0.1:0", "--data", data}, args...)
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	}
	ts := &testServer{URL: "http://" + addr, Data: data, Logs: logs}
	var once bool
	ts.stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	}
	t.Cleanup(ts.stop)
	return ts
}

// chromium returns the browser binary, skipping the test when there is none
// locally and failing it under CI=true, where browser tests must run.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Chromium found: install it (apt-get install -y chromium)")
	}
	t.Skip("no Chromium found; browser tests skipped (they never skip under CI=true)")
	return ""
}

// newBrowser starts headless Chromium for one test and returns a context
// for chromedp actions in a fresh tab.
func newBrowser(t testing.TB, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	all := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}, opts...)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), all...)
	bctx, cancel := chromedp.NewContext(actx)
	// The first Run starts the browser and must not carry a timeout (it
	// would stop the browser); later actions run under one.
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		acancel()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	return ctx
}

// decisionBody is a decision for the demo site: accept_all grants every
// purpose, anything else refuses them all.
func decisionBody(base, version, visitor, action string) string {
	on := strconv.FormatBool(action == "accept_all")
	return `{"site":"demo","visitor":"` + visitor + `","action":"` + action + `","choices":{"analytics":` + on +
		`,"advertising":` + on + `,"preferences":` + on + `},"config":"` + version + `","lang":"en","url":"` + base + `/"}`
}
