package main

import (
	"io"
	"net/http"
	"testing"
)

// snippetBudget is the most the demo site's script may weigh on the wire,
// brotli-compressed, with its CSS and English texts: a third of the smallest
// maintained peer with categories (vanilla-cookieconsent 3.1, 13.5 KiB).
const snippetBudget = 5 * 1024

func TestSnippetSizeBudget(t *testing.T) {
	// The demo site as `go run ./server` makes it: its config names the
	// public URL (origins, privacy link), so a test server's random port
	// would move the figure by up to 20 bytes from run to run.
	ts := startServer(t, "--public-url", "http://localhost:8080")
	req, _ := http.NewRequest("GET", ts.URL+"/s/demo.js", nil)
	req.Header.Set("Accept-Encoding", "br")
	res, err := http.DefaultTransport.RoundTrip(req) // the default client would decode
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("GET /s/demo.js = %d %q, want 200 br", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	t.Logf("demo snippet: %d bytes brotli (budget %d)", len(body), snippetBudget)
	if len(body) > snippetBudget {
		t.Errorf("demo snippet is %d bytes brotli, over the %d-byte budget", len(body), snippetBudget)
	}
}
