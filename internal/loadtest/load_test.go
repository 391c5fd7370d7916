package main

import (
	"io"
	"net/http"
	"sync/atomic"
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

// TestHammerCountsOnlyWantedAnswers: refusals (a 429 here, for every other
// request) are errors, not requests, and their latencies are not in the
// percentiles: a server refusing fast must not look fast.
func TestHammerCountsOnlyWantedAnswers(t *testing.T) {
	var n, ok atomic.Int64
	addr, stop, err := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		time.Sleep(time.Millisecond) // a receipt takes longer than a refusal
		ok.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p := Hammer(Job{Addr: addr, Clients: 4, Duration: 200 * time.Millisecond, Want: 201,
		Fixed: "GET / HTTP/1.1\r\nHost: " + addr + "\r\n\r\n"})
	if p.Requests != ok.Load() || p.Errors != n.Load()-ok.Load() || p.Errors == 0 {
		t.Errorf("%d requests and %d errors counted; the server answered %d with 201 and %d otherwise", p.Requests, p.Errors, ok.Load(), n.Load()-ok.Load())
	}
	if p.P50 < time.Millisecond {
		t.Errorf("p50 %v: the refusals' latencies are in it", p.P50)
	}
}
