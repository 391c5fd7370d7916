package api_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/assent/assent/internal/store"
)

// BenchmarkAdminInsights90Days measures the insights request for a site with
// 1,000,000 decisions over 90 days, through the real Echo handler and bbolt
// file. The counters are written directly (signing a million receipts would
// only measure signing); the request reads them exactly as in production.
// The budget is 300 ms server time; ms/op is that time.
func BenchmarkAdminInsights90Days(b *testing.B) {
	e := newEnv(b, 0)
	const total, days = 1_000_000, 90
	end := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var stats []store.DayStats
	for i := range days {
		n := int64(total / days)
		if i == 0 {
			n += total % days
		}
		stats = append(stats, store.DayStats{Day: end.AddDate(0, 0, i-days+1).Format(time.DateOnly), Decisions: n,
			Actions: map[string]int64{"accept_all": n / 2, "reject_all": n / 4, "custom": n/4 - n/50, "gpc": n / 50},
			Granted: map[string]int64{"necessary": n, "analytics": n * 6 / 10, "advertising": n / 2, "preferences": n * 7 / 10}})
	}
	if err := e.db.PutStats("demo", stats); err != nil {
		b.Fatal(err)
	}
	path := "/api/v1/admin/sites/demo/insights?from=" + stats[0].Day + "&to=" + stats[days-1].Day
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set(bearer[0], bearer[1])
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("got %d %s", rec.Code, rec.Body)
		}
	}
	r := e.admin("GET", path)
	if got := r.json(b)["totals"].(map[string]any)["decisions"].(float64); got != total {
		b.Fatalf("totals: got %v decisions, want %d", got, total)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}
