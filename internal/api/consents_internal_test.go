package api

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store/storetest"
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
