package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assent/assent/internal/api"
	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/snippet"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Options set the load.
type Options struct {
	Phase       time.Duration // measured time per phase
	Warmup      time.Duration
	Concurrency []int // receipt phases
	Checkers    int   // concurrent clients for the check phases
	Dir         string
	Load        func(Job) Phase // runs a job: Hammer in-process, or a client process
	WithoutLog  bool            // also measure receipts with the Merkle tree switched off
}

func defaultOptions() Options {
	return Options{Phase: 5 * time.Second, Warmup: time.Second, Concurrency: []int{64, 256}, Checkers: 64, Load: Hammer, WithoutLog: true}
}

// Phase is one measured run.
type Phase struct {
	Name     string
	Clients  int
	Requests int64
	Errors   int64
	PerSec   float64
	P50, P99 time.Duration
	SchedP99 time.Duration // server goroutines' run-queue wait (receipt phases)
}

// Result holds every phase of a run.
type Result struct {
	SignPerSec float64 // crypto/ed25519
	VoiPerSec  float64 // curve25519-voi, the signer the server uses
	Receipts   []Phase
	NoLog      *Phase // receipts with the tree off, at the highest concurrency,
	LogOn      *Phase // and with it on: two fresh servers, in alternating rounds
	Checks     Phase
	Baseline   Phase
	LogSize    uint64
	CheckErr   error
}

// Run starts the server and measures. progress gets a line per phase.
func Run(o Options, progress io.Writer) (*Result, error) {
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "assent-load-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	st, srv, err := openServer(dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	addr, stop, err := listen(srv.Handler())
	if err != nil {
		return nil, err
	}
	defer stop()
	pub, _ := st.Config("demo", mustCurrent(st))
	res := &Result{}
	res.SignPerSec = signRate(o.Phase, ed25519.Sign)
	res.VoiPerSec = signRate(o.Phase, func(k ed25519.PrivateKey, m []byte) []byte { return voi.Sign(voi.PrivateKey(k), m) })
	fmt.Fprintf(progress, "raw ed25519 signatures on %d cores: %.0f/s with crypto/ed25519, %.0f/s with curve25519-voi\n",
		runtime.GOMAXPROCS(0), res.SignPerSec, res.VoiPerSec)
	measure := func(name string, j Job) Phase {
		warm := j
		warm.Duration = o.Warmup
		if w := o.Load(warm); w.Errors > 0 {
			fmt.Fprintf(progress, "%s, %d clients: %d errors while warming up\n", name, j.Clients, w.Errors)
		}
		p := o.Load(j)
		p.Name = name
		return p
	}
	if o.WithoutLog {
		on, off, err := measureLogCost(o, dir)
		if err != nil {
			return nil, err
		}
		res.LogOn, res.NoLog = &on, &off
		fmt.Fprintf(progress, "receipts with and without the log, %d clients: %.0f/s and %.0f/s, errors %d and %d\n", on.Clients, on.PerSec, off.PerSec, on.Errors, off.Errors)
	}
	for _, n := range o.Concurrency {
		sched0 := schedLatency()
		p := measure("receipts", Job{Addr: addr, Clients: n, Duration: o.Phase, Want: 201, Version: pub.Version})
		p.SchedP99 = schedLatency().p99since(sched0)
		res.Receipts = append(res.Receipts, p)
		fmt.Fprintf(progress, "receipts, %d clients: %.0f/s p50 %v p99 %v errors %d; server scheduling latency p99 %v\n", n, p.PerSec, p.P50, p.P99, p.Errors, p.SchedP99)
	}
	visitor, err := seedVisitor(addr, pub.Version)
	if err != nil {
		return nil, err
	}
	check := fmt.Sprintf("GET /api/v1/sites/demo/visitors/%s/consent?purpose=analytics HTTP/1.1\r\nHost: %s\r\n\r\n", visitor, addr)
	baddr, bstop, err := listen(constantEcho())
	if err != nil {
		return nil, err
	}
	defer bstop()
	base := fmt.Sprintf("GET /constant HTTP/1.1\r\nHost: %s\r\n\r\n", baddr)
	// The two are measured in alternating rounds, so a drift in what else
	// the machine does hits both alike rather than skewing their ratio.
	checkJob := Job{Addr: addr, Clients: o.Checkers, Duration: o.Phase / rounds, Want: 200, Fixed: check}
	baseJob := Job{Addr: baddr, Clients: o.Checkers, Duration: o.Phase / rounds, Want: 200, Fixed: base}
	checks := []Phase{measure("checks", checkJob)} // each warmed up once
	baseline := []Phase{measure("constant echo", baseJob)}
	for range rounds - 1 {
		checks = append(checks, o.Load(checkJob))
		baseline = append(baseline, o.Load(baseJob))
	}
	res.Checks, res.Baseline = combine(checks), combine(baseline)
	res.LogSize = st.LogSize()
	res.CheckErr = st.Check()
	return res, nil
}

// rounds is how many alternating rounds the check ratio is measured in.
const rounds = 5

// combine sums rounds of one phase: total requests over total time, and
// the median round's latencies.
func combine(ps []Phase) Phase {
	c := ps[0]
	var secs float64
	c.Requests, c.Errors = 0, 0
	for _, p := range ps {
		c.Requests += p.Requests
		c.Errors += p.Errors
		if p.PerSec > 0 {
			secs += float64(p.Requests) / p.PerSec
		}
	}
	if secs > 0 {
		c.PerSec = float64(c.Requests) / secs
	}
	byP50 := slices.Clone(ps)
	slices.SortFunc(byP50, func(a, b Phase) int { return cmp.Compare(a.P50, b.P50) })
	c.P50 = byP50[len(ps)/2].P50
	slices.SortFunc(byP50, func(a, b Phase) int { return cmp.Compare(a.P99, b.P99) })
	c.P99 = byP50[len(ps)/2].P99
	return c
}

// measureLogCost puts the same load on two fresh servers, one whose
// commits leave the Merkle tree out, in alternating rounds: what the log
// costs, with the databases the same size and the machine's drift shared.
func measureLogCost(o Options, dir string) (on, off Phase, err error) {
	var jobs [2]Job
	for i, tree := range []bool{true, false} {
		st, srv, err := openServer(filepath.Join(dir, fmt.Sprintf("log-%v", tree)))
		if err != nil {
			return on, off, err
		}
		defer st.Close()
		store.SetTreeForBenchmark(st, tree)
		addr, stop, err := listen(srv.Handler())
		if err != nil {
			return on, off, err
		}
		defer stop()
		pub, _ := st.Config("demo", mustCurrent(st))
		jobs[i] = Job{Addr: addr, Clients: o.Concurrency[len(o.Concurrency)-1], Duration: o.Warmup, Want: 201, Version: pub.Version}
		if w := o.Load(jobs[i]); w.Errors > 0 {
			return on, off, fmt.Errorf("warming up for the log's cost: %d errors", w.Errors)
		}
		jobs[i].Duration = o.Phase / rounds
	}
	var ons, offs []Phase
	for range rounds {
		ons = append(ons, o.Load(jobs[0]))
		offs = append(offs, o.Load(jobs[1]))
	}
	on, off = combine(ons), combine(offs)
	on.Name, off.Name = "receipts, log on", "receipts, log off"
	return on, off, nil
}

// Print writes the figures and the ratios the project's goals are set in.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%-28s %10s %10s %10s %8s\n", "phase", "req/s", "p50", "p99", "errors")
	for _, p := range append(append([]Phase{}, r.Receipts...), r.Checks, r.Baseline) {
		fmt.Fprintf(w, "%-28s %10.0f %10v %10v %8d\n", fmt.Sprintf("%s (%d clients)", p.Name, p.Clients), p.PerSec, p.P50.Round(10*time.Microsecond), p.P99.Round(10*time.Microsecond), p.Errors)
	}
	fmt.Fprintf(w, "%-28s %10.0f\n", "raw sign, crypto/ed25519", r.SignPerSec)
	fmt.Fprintf(w, "%-28s %10.0f\n", "raw sign, curve25519-voi", r.VoiPerSec)
	// Every 201 carries two signatures (receipt and consent token), so 0.5
	// is the ceiling before any HTTP, JSON or disk work.
	for _, p := range r.Receipts {
		fmt.Fprintf(w, "ratio receipts/s ÷ signatures/s at %d clients: %.3f against crypto/ed25519, %.3f against curve25519-voi (goal ≥ 0.35)\n",
			p.Clients, p.PerSec/r.SignPerSec, p.PerSec/r.VoiPerSec)
	}
	fmt.Fprintf(w, "ratio checks/s ÷ constant-JSON Echo: %.3f  (goal ≥ 0.7)\n", r.Checks.PerSec/r.Baseline.PerSec)
	if r.NoLog != nil {
		on := r.LogOn
		fmt.Fprintf(w, "the log's cost at %d clients: %.0f/s without it, %.0f/s with it: %.1f%% fewer receipts/s (goal < 10%%); errors %d and %d\n",
			on.Clients, r.NoLog.PerSec, on.PerSec, 100*(1-on.PerSec/r.NoLog.PerSec), r.NoLog.Errors, on.Errors)
	}
	fmt.Fprintf(w, "log size %d, bbolt check: %v\n", r.LogSize, r.CheckErr)
}

func openServer(dir string) (*store.Store, *api.Server, error) {
	now := time.Now()
	signer, _, err := receipt.Open(filepath.Join(dir, "keys"), now)
	if err != nil {
		return nil, nil, err
	}
	// Metrics as the server binary wires them (server/app.go): their cost is
	// part of every request.
	metrics := api.NewMetrics(func() float64 { return 0 })
	st, err := store.OpenWith(filepath.Join(dir, "assent.db"), store.Options{OnCommit: metrics.ObserveCommit})
	if err != nil {
		return nil, nil, err
	}
	site := consent.NewSite("demo", "Demo", []string{"http://127.0.0.1"}, now)
	if err := st.PutSite(site); err != nil {
		return nil, nil, err
	}
	if _, err := st.Publish("demo", now); err != nil {
		return nil, nil, err
	}
	srv := &api.Server{Store: st, Signer: signer, Now: time.Now, PublicURL: "http://127.0.0.1",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: snippet.Bundles{Full: []byte("/**/"), Box: []byte("/**/")}, Metrics: metrics}
	return st, srv, nil
}

func mustCurrent(st *store.Store) string {
	s, _ := st.Site("demo")
	return s.Current
}

func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return ln.Addr().String(), func() { hs.Shutdown(context.Background()) }, nil
}

// constantEcho is the baseline: an Echo handler returning 200 bytes of JSON.
func constantEcho() http.Handler {
	e := echo.New()
	body := []byte(`{"purpose":"analytics","granted":true,"decided":true,"receipt_id":"0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d0e","note":"constant baseline body padded to two hundred bytes.............................","x":1}`)
	e.GET("/constant", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, body) })
	return e
}

// reqGen returns request bytes; each worker calls it with its own counter.
type reqGen func(worker int, n uint64) []byte

// Job is one phase of load, in a form a client process can be handed.
type Job struct {
	Addr     string
	Clients  int
	Duration time.Duration
	Want     int
	Version  string // set: POST decisions for new visitors with this config
	Fixed    string // else: send this request over and over
}

func (j Job) gen() reqGen {
	if j.Version != "" {
		return decisionRequests(j.Addr, j.Version)
	}
	b := []byte(j.Fixed)
	return func(int, uint64) []byte { return b }
}

func visitorID(run uint64, worker int, n uint64) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(run), worker&0xffff, (n>>48)&0xfff, (n>>36)&0xfff, n&0xffffffffffff)
}

func decisionRequest(addr, version, visitor string) []byte {
	body := `{"site":"demo","visitor":"` + visitor + `","action":"custom","choices":{"analytics":true,"advertising":false,"preferences":true},"config":"` +
		version + `","lang":"en","url":"http://127.0.0.1/page"}`
	return []byte("POST /api/v1/consents HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/plain\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// decisionRequests gives every request a new visitor with a UUIDv7, as the
// snippet makes them on a first decision (most decisions are first ones).
func decisionRequests(addr, version string) reqGen {
	return func(worker int, n uint64) []byte {
		return decisionRequest(addr, version, uuid.Must(uuid.NewV7()).String())
	}
}

// seedVisitor records one decision and returns its visitor, for the checks.
func seedVisitor(addr, version string) (string, error) {
	c, err := dial(addr)
	if err != nil {
		return "", err
	}
	defer c.close()
	v := visitorID(1, 1, 1)
	status, body, err := c.do(decisionRequest(addr, version, v))
	if err == nil && status != http.StatusCreated {
		err = fmt.Errorf("seed decision: %d %s", status, body)
	}
	return v, err
}

// Hammer runs the job's clients, each on its own keep-alive connection.
func Hammer(j Job) Phase {
	addr, n, d, gen, want := j.Addr, j.Clients, j.Duration, j.gen(), j.Want
	var reqs, errs atomic.Int64
	lats := make([][]time.Duration, n)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(addr)
			if err != nil {
				errs.Add(1)
				return
			}
			defer c.close()
			// Only answers with the wanted status count, as requests and
			// in the latencies: a fast refusal (a 429, a 503) is no
			// receipt, and would flatter both.
			l := make([]time.Duration, 0, 4096)
			defer func() { lats[w] = l }() // also when the connection fails
			for i := uint64(0); time.Now().Before(deadline); i++ {
				req := gen(w, i)
				t0 := time.Now()
				status, _, err := c.do(req)
				if err != nil || status != want {
					errs.Add(1)
					if err != nil {
						return
					}
					continue
				}
				l = append(l, time.Since(t0))
				reqs.Add(1)
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	el := time.Since(start)
	all := slices.Concat(lats...)
	slices.Sort(all)
	p := Phase{Clients: n, Requests: reqs.Load(), Errors: errs.Load(), PerSec: float64(reqs.Load()) / el.Seconds()}
	if len(all) > 0 {
		p.P50, p.P99 = all[len(all)/2], all[(len(all)*99+99)/100-1] // nearest rank
	}
	return p
}

// signRate is raw Ed25519 signing of a receipt-sized message on every core.
func signRate(d time.Duration, sign func(ed25519.PrivateKey, []byte) []byte) float64 {
	_, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 560)
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				sign(priv, msg)
				if i%64 == 0 {
					n.Add(64)
					if time.Now().After(deadline) {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

type schedHist struct {
	counts  []uint64
	buckets []float64
}

// schedLatency reads the Go runtime's histogram of how long goroutines
// waited to run: the cost of having more runnable work than cores.
func schedLatency() schedHist {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	return schedHist{counts: append([]uint64(nil), h.Counts...), buckets: h.Buckets}
}

func (h schedHist) p99since(before schedHist) time.Duration {
	var total uint64
	d := make([]uint64, len(h.counts))
	for i := range h.counts {
		d[i] = h.counts[i] - before.counts[i]
		total += d[i]
	}
	var acc uint64
	for i, c := range d {
		if acc += c; acc*100 >= total*99 {
			return time.Duration(h.buckets[i+1] * float64(time.Second))
		}
	}
	return 0
}
