package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// malformed returns the i-th hostile request: bodies that are not JSON, are
// too large, have the wrong shapes; paths, queries and headers from nowhere.
func malformed(rng *rand.Rand, base, version string) *http.Request {
	good := `{"site":"demo","visitor":"` + uuid.NewString() + `","action":"custom","choices":{"analytics":true,"advertising":false,"preferences":true},"config":"` + version + `","lang":"en","url":"` + base + `/"}`
	junk := make([]byte, rng.IntN(300))
	for i := range junk {
		junk[i] = byte(rng.IntN(256))
	}
	bodies := []string{
		"", "{", "null", "[]", `{"site":1}`, string(junk), strings.Repeat("a", 9000),
		strings.Replace(good, `"custom"`, `"accept_all"`, 1), strings.Replace(good, "demo", "nosuchsite", 1),
		strings.Replace(good, `"en"`, `"xx-\u0000"`, 1), strings.Replace(good, version, "sha256:"+strings.Repeat("f", 64), 1),
		strings.Replace(good, `"analytics":true`, `"analytics":true,"x":`+strings.Repeat("[", 5000), 1),
		`{"choices":{` + strings.Repeat(`"a":true,`, 500) + `"b":false}}`,
	}
	paths := []string{"/api/v1/consents", "/api/v1/consents/" + string(junk[:min(len(junk), 20)]),
		"/api/v1/sites/demo/visitors/" + uuid.NewString() + "/consent?purpose=" + fmt.Sprint(rng.IntN(1e6)),
		"/api/v1/log/proof/inclusion?id=x&size=-1", "/api/v1/log/proof/consistency?from=99999999999999999999&to=1",
		"/api/v1/admin/sites/demo/receipts?from=%ZZ", "/s/" + strings.Repeat("x", 300) + ".js", "/api/v1/%2e%2e/%2e%2e/etc/passwd",
		"/api/v1/admin/verify", "/api/v1/sites/../config"}
	method := []string{"POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"}[rng.IntN(6)]
	path := paths[rng.IntN(len(paths))]
	if rng.IntN(10) < 4 { // most abuse targets the one public write
		method, path = "POST", "/api/v1/consents"
	}
	req, err := http.NewRequest(method, base+path, strings.NewReader(bodies[rng.IntN(len(bodies))]))
	if err != nil {
		req, _ = http.NewRequest("GET", base+"/api/v1/nothing", nil)
	}
	for _, h := range [][2]string{{"Origin", "https://evil.example"}, {"Content-Type", "multipart/form-data; boundary=x"},
		{"Authorization", "Bearer " + fmt.Sprintf("%x", junk[:min(len(junk), 40)])}, {"Cookie", "assent_session=" + uuid.NewString()},
		{"X-CSRF-Token", "x"}, {"Accept-Encoding", "br;q=abc, *"}, {"If-None-Match", strings.Repeat(`"x",`, 100)}} {
		if rng.IntN(3) == 0 {
			req.Header.Set(h[0], h[1])
		}
	}
	return req
}

// Raw protocol junk that never reaches a handler: bad request lines,
// oversized headers, a client that stops mid-body.
func rawJunk(rng *rand.Rand, addr string) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	switch rng.IntN(4) {
	case 0:
		fmt.Fprintf(c, "GARBAGE / HTTP/9.9\r\n\r\n")
	case 1:
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
	case 2:
		fmt.Fprintf(c, "POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"site\":")
		return // hang up mid-body
	case 3:
		fmt.Fprintf(c, "POST /api/v1/consents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
	}
	bufio.NewReader(c).ReadString('\n')
}

// TestMalformedTraffic sends 10,000 mixed malformed requests to the real
// server: no 5xx, no goroutine left behind, memory back to its baseline.
func TestMalformedTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	ts := startServer(t, "--rate-limit", "0")
	var cfg struct{ Version string }
	getJSON(t, ts.URL+"/api/v1/sites/demo/config", "", &cfg)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	settle := func() (int, uint64) {
		client.CloseIdleConnections()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapInuse
	}
	// Warm up every path once so lazily built state is in the baseline.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		if res, err := client.Do(malformed(rng, ts.URL, cfg.Version)); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	g0, h0 := settle()

	statuses := map[int]int{}
	for i := range 10_000 {
		if i%50 == 0 {
			rawJunk(rng, strings.TrimPrefix(ts.URL, "http://"))
		}
		res, err := client.Do(malformed(rng, ts.URL, cfg.Version))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		statuses[res.StatusCode]++
		if res.StatusCode >= 500 {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, body)
		}
		if res.StatusCode >= 400 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && !bytes.Contains(body, []byte(`"error":{"code":`)) {
			t.Fatalf("request %d: %d without the error shape: %s", i, res.StatusCode, body)
		}
	}
	t.Logf("statuses: %v", statuses)

	// Connections close on their own timeouts; poll until they have.
	deadline := time.Now().Add(30 * time.Second)
	g1, h1 := settle()
	for (g1 > g0+5 || h1 > h0+8<<20) && time.Now().Before(deadline) {
		runtime.Gosched()
		g1, h1 = settle()
	}
	if g1 > g0+5 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines %d after, %d before: a leak\n%s", g1, g0, buf[:runtime.Stack(buf, true)])
	}
	if h1 > h0+8<<20 {
		t.Errorf("heap in use %d MiB after, %d MiB before", h1>>20, h0>>20)
	}
}

// TestHeaderLimit: the request line and headers may take 16 KiB, as the
// README says, and a request over that gets 431.
func TestHeaderLimit(t *testing.T) {
	ts := startServer(t)
	get := func(n int) int {
		req, _ := http.NewRequest("GET", ts.URL+"/healthz", nil)
		req.Header.Set("X-Big", strings.Repeat("a", n))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := get(15 << 10); s != 200 {
		t.Errorf("15 KiB header: %d, want 200", s)
	}
	if s := get(16<<10 + 100); s != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header: %d, want 431", s)
	}
}
