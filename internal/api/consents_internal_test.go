package api

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/assent/assent/snippet"
	"github.com/labstack/echo/v4"
)

// TestBusyVisitorAnswerIsReadable: the 429 for a visitor whose decision is
// being recorded carries the site's CORS header, so the banner reads a 429
// rather than a network failure; a foreign origin still gets none.
func TestBusyVisitorAnswerIsReadable(t *testing.T) {
	db := storetest.Open(t)
	const site, visitor = "demo", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	if err := db.PutSite(consent.NewSite(site, "Demo", []string{"https://shop.example"}, time.Now())); err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: db.Store}
	s.inflight.Store(site+"|"+visitor, struct{}{})
	body := `{"site":"demo","visitor":"` + visitor + `","action":"reject_all","choices":{},"config":"0123456789abcdef","lang":"en","url":"https://shop.example/"}`
	for o, want := range map[string]string{"https://shop.example": "https://shop.example", "https://evil.example": ""} {
		req := httptest.NewRequest("POST", "/api/v1/consents", strings.NewReader(body))
		req.Header.Set("Origin", o)
		rec := httptest.NewRecorder()
		err := s.recordConsent(echo.New().NewContext(req, rec))
		if e, ok := err.(*consent.Error); !ok || e.Code != consent.ECodeRateLimited {
			t.Fatalf("from %s: %v, want rate_limited", o, err)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("from %s: Access-Control-Allow-Origin %q, want %q", o, got, want)
		}
	}
}

// TestSnippetBuiltOnceUnderABurst: requests arriving together for a script
// not yet cached (after a restart or a publish) share one build, where each
// compressed a copy of its own: an unauthenticated way to take the CPU and
// gigabytes of memory.
func TestSnippetBuiltOnceUnderABurst(t *testing.T) {
	db := storetest.Open(t)
	if err := db.PutSite(consent.NewSite("demo", "Demo", []string{"https://shop.example"}, time.Now())); err != nil {
		t.Fatal(err)
	}
	pub, err := db.Publish("demo", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: db.Store}
	f := &frontEnd{bundle: snippet.Bundles{Box: bytes.Repeat([]byte("/* banner */"), 1000)}}
	got := make([]*snippetEntry, 32)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = s.snippetFor("demo", pub, f, false) })
	}
	wg.Wait()
	for _, e := range got {
		if e != got[0] {
			t.Fatal("concurrent requests built the script more than once")
		}
	}
}
