package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestDemoPageServedOnFirstStart(t *testing.T) {
	ts := startServer(t)
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `src="/s/demo.js"`) {
		t.Fatalf("GET / = %d, want 200 with the demo snippet tag; body %.200s", res.StatusCode, body)
	}
}

func TestDemoPageRunsSnippetInBrowser(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	hasAPI, err := chromedp.Run(ctx, chromedp.Poll[bool](`typeof window.assent === "object"`))
	if err != nil || !hasAPI {
		t.Fatalf("window.assent not defined on the demo page: %v", err)
	}
}
