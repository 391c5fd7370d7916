package main

import (
	"io"
	"testing"
	"time"
)

// TestLoadShort is CI's short form of the load test: it checks that under
// concurrent load every decision is acknowledged, none is lost and the
// database stays consistent. It asserts no timing; the figures are printed
// by `go run ./internal/loadtest`.
func TestLoadShort(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	o := Options{Phase: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Concurrency: []int{64}, Checkers: 8, Dir: t.TempDir(), Load: Hammer}
	res, err := Run(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Receipts[0]
	if r.Requests == 0 || r.Errors != 0 || res.Checks.Errors != 0 || res.Checks.Requests == 0 {
		t.Fatalf("receipts %d (errors %d), checks %d (errors %d)", r.Requests, r.Errors, res.Checks.Requests, res.Checks.Errors)
	}
	// Warm-up and measured phase plus the seed decision: every 201 is in the log.
	if res.LogSize < uint64(r.Requests)+1 {
		t.Errorf("log size %d < acknowledged receipts %d", res.LogSize, r.Requests+1)
	}
	if res.CheckErr != nil {
		t.Errorf("bbolt check: %v", res.CheckErr)
	}
}
