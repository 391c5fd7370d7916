package export_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/export"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// benchN reads a receipt count from the environment (for a quick run), else def.
func benchN(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

// fill appends n really signed receipts from many goroutines.
func fill(tb testing.TB, db *storetest.DB, s *receipt.Signer, n int) (cfg consent.Config, version string) {
	cfg = consent.DefaultConfig("demo")
	site := consent.NewSite("demo", "Demo", []string{"https://shop.example"}, time.Now())
	db.PutSite(site)
	p, err := db.Publish("demo", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	base := time.Now().Add(-time.Duration(n) * time.Millisecond)
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				v := uuid.NewString()
				now := base.Add(time.Duration(i) * time.Millisecond)
				_, err := db.AppendReceipt("demo", v, func(idx uint64, prev uuid.UUID) *store.Receipt {
					id := uuid.Must(uuid.NewV7())
					ch := map[string]bool{"necessary": true, "analytics": i%2 == 0, "advertising": false, "preferences": true}
					c := consent.ReceiptClaims{JTI: id.String(), Iss: "https://consent.example", Sub: v, Iat: now.Unix(),
						Exp: now.Add(182 * 24 * time.Hour).Unix(), Site: "demo", Action: "custom", Choices: ch,
						Config: p.Version, Lang: "en", URL: "https://shop.example/", Log: idx}
					tok := c.Token(&cfg)
					return &store.Receipt{ID: id, Site: "demo", Visitor: v, Log: idx, IssuedAt: now, ExpiresAt: now.Add(182 * 24 * time.Hour),
						Action: "custom", Choices: []byte(`{"analytics":true}`), Config: p.Version,
						JWS: s.SignReceipt(&c), Token: s.SignToken(&tok)}
				})
				if err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return cfg, p.Version
}

// rssSampler records the peak anonymous (heap) and total resident memory
// while running; file-backed pages of the bbolt mmap are page cache, shared
// and reclaimable, and show in the total only.
type rssSampler struct {
	stop              chan struct{}
	done              chan struct{}
	peakAnon, peakAll int64
}

func sampleRSS() *rssSampler {
	r := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			anon, all := readRSS()
			r.peakAnon, r.peakAll = max(r.peakAnon, anon), max(r.peakAll, all)
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) Stop() { close(r.stop); <-r.done }

func readRSS() (anon, all int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "RssAnon":
			anon = kb << 10
		case "VmRSS":
			all = kb << 10
		}
	}
	return anon, all
}

// BenchmarkExportNDJSON streams a site's receipts (1,000,000 by default;
// ASSENT_BENCH_RECEIPTS to change) and reports receipts/s and peak memory
// of the last pass (-benchtime 1x: the first, cold one).
func BenchmarkExportNDJSON(b *testing.B) {
	n := benchN("ASSENT_BENCH_RECEIPTS", 1_000_000)
	db := storetest.Open(b)
	s, _, _ := receipt.Open(filepath.Join(b.TempDir(), "k"), time.Now())
	fill(b, db, s, n)
	runtime.GC()
	debug.FreeOSMemory()
	baseAnon, _ := readRSS()
	// b.Loop, not b.N: the database is filled once, not again for each
	// round the testing package makes (it starts with b.N = 1).
	for b.Loop() {
		rs := sampleRSS()
		start := time.Now()
		count := 0
		nd := export.NewNDJSON(io.Discard)
		err := db.ScanSite("demo", time.Unix(0, 0), time.Now().Add(time.Hour), func(r *store.Receipt) error {
			count++
			return nd.Write(r)
		})
		nd.Flush()
		el := time.Since(start)
		rs.Stop()
		if err != nil || count != n {
			b.Fatalf("exported %d of %d: %v", count, n, err)
		}
		b.ReportMetric(float64(count)/el.Seconds(), "receipts/s")
		b.ReportMetric(float64(rs.peakAnon)/(1<<20), "peak-anon-MiB")
		b.ReportMetric(float64(rs.peakAnon-baseAnon)/(1<<20), "anon-growth-MiB")
		b.ReportMetric(float64(rs.peakAll)/(1<<20), "peak-rss-MiB")
	}
}

var (
	packOnce sync.Once
	pack     []byte
)

// BenchmarkVerifyPack verifies a pack of 100,000 receipts
// (ASSENT_BENCH_PACK to change) and, in the same run, raw Ed25519
// verification on the same cores; it reports both rates and their ratio.
func BenchmarkVerifyPack(b *testing.B) {
	n := benchN("ASSENT_BENCH_PACK", 100_000)
	packOnce.Do(func() { pack = makePack(b, n) })
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rep, err := export.VerifyPack(bytes.NewReader(pack), int64(len(pack)), nil)
		el := time.Since(start)
		if err != nil || !rep.OK || len(rep.Receipts) != n {
			b.Fatalf("pack did not verify: %v %v", err, rep.Problems)
		}
		// The baselines run as long as the verification did, off the
		// clock: one by one with crypto/ed25519 (the goal's "raw
		// verification"), and in batches of 64 with curve25519-voi, as
		// the verifier itself checks signatures.
		b.StopTimer()
		raw, batch := rawVerifyRate(el), batchVerifyRate(el)
		b.StartTimer()
		b.ReportMetric(float64(n)/el.Seconds(), "receipts/s")
		b.ReportMetric(raw, "raw-verify/s")
		b.ReportMetric(float64(n)/el.Seconds()/raw, "ratio")
		b.ReportMetric(batch, "batch-verify/s")
		b.ReportMetric(float64(n)/el.Seconds()/batch, "ratio-to-batch")
	}
}

func makePack(b *testing.B, n int) []byte {
	db := storetest.Open(b)
	dir := b.TempDir()
	s, _, _ := receipt.Open(filepath.Join(dir, "k"), time.Now())
	fill(b, db, s, n)
	key, _ := ledger.OpenKey(filepath.Join(dir, "log.key"), "bench/log")
	lg, _ := ledger.Open(db, key, filepath.Join(dir, "cp"))
	signed, cp, err := lg.Sign()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = export.WritePack(&buf, export.Source{Issuer: "https://consent.example", Site: "demo",
		Each: func(fn func(*store.Receipt) error) error {
			return db.ScanSite("demo", time.Unix(0, 0), time.Now().Add(time.Hour), fn)
		},
		Checkpoint: signed, Tree: cp, Prove: lg.InclusionProof, JWKS: s.Keys().JWKS(), LogKey: key.VerifierKey(),
		Config: func(v string) ([]byte, error) { p, err := db.Config("demo", v); return p.Raw, err },
		Sign:   s.SignEvidence, Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "pack of %d receipts: %d MiB\n", n, buf.Len()>>20)
	return buf.Bytes()
}

// rawVerifyRate is Ed25519 verifications per second on every core, over
// d, one by one with crypto/ed25519.
func rawVerifyRate(d time.Duration) float64 {
	return verifyRate(d, func(pub ed25519.PublicKey, msg, sig []byte) int {
		for range 32 {
			ed25519.Verify(pub, msg, sig)
		}
		return 32
	})
}

// batchVerifyRate is like rawVerifyRate, verifying in batches of 64 with
// curve25519-voi, as the verifier does.
func batchVerifyRate(d time.Duration) float64 {
	return verifyRate(d, func(pub ed25519.PublicKey, msg, sig []byte) int {
		bv := voi.NewBatchVerifierWithCapacity(64)
		for range 64 {
			bv.Add(voi.PublicKey(pub), msg, sig)
		}
		if !bv.VerifyBatchOnly(nil) {
			panic("a valid batch failed")
		}
		return 64
	})
}

// verifyRate runs round (which returns how many signatures it checked) on
// every core until d has passed, and returns signatures per second.
func verifyRate(d time.Duration, round func(pub ed25519.PublicKey, msg, sig []byte) int) float64 {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 700)
	sig := ed25519.Sign(priv, msg)
	var count atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				count.Add(int64(round(pub, msg, sig)))
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}
