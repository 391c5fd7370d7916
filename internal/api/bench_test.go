package api_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkRecordConsent: durable signed receipts through the real handler
// and store (no network), 32 goroutines per core. Compare with
// BenchmarkEd25519Sign, run in the same `go test -bench .` invocation.
func BenchmarkRecordConsent(b *testing.B) {
	e := newEnv(b, 0)
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			v := fmt.Sprintf("00000000-0000-4000-8000-%012x", n.Add(1))
			req := httptest.NewRequest("POST", "/api/v1/consents", strings.NewReader(e.decision(v, "custom", mixed)))
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != 201 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkVisitorCheck: "is analytics granted?" for a visitor who decided.
func BenchmarkVisitorCheck(b *testing.B) {
	e := newEnv(b, 0)
	v := uuid.NewString()
	e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
	path := "/api/v1/sites/demo/visitors/" + v + "/consent?purpose=analytics"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			if rec.Code != 200 {
				b.Fatal(rec.Code)
			}
		}
	})
}

// BenchmarkEd25519Sign is a baseline for BenchmarkRecordConsent: one raw
// signature of a receipt-sized message (each receipt carries two) with
// crypto/ed25519. The server signs with curve25519-voi, about twice as
// fast: go run ./internal/loadtest measures both against the load.
func BenchmarkEd25519Sign(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 560)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ed25519.Sign(priv, msg)
		}
	})
}
