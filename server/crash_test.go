package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

var crashKills = flag.Int("crash.kills", 20, "how many times the crash test kills the server (CI runs the default)")

// TestCrashSafety starts the real server binary, drives concurrent decision
// POSTs, kill -9s it at random moments, restarts it, and checks that every
// receipt that got a 201 is there and verifies, that the log never shrank,
// and that bbolt's consistency check is clean. -crash.kills=200 for a long run.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "assent")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)

	acked := map[string]string{} // receipt id → JWS
	var mu sync.Mutex
	var lastSize int64
	for kill := 0; kill < *crashKills; kill++ {
		srv := startBinary(t, bin, data)
		size := srv.logSize(t)
		if size < lastSize {
			t.Fatalf("kill %d: log size went back from %d to %d", kill, lastSize, size)
		}
		mu.Lock()
		if int64(len(acked)) > size {
			t.Fatalf("kill %d: %d receipts acknowledged but the log holds %d", kill, len(acked), size)
		}
		mu.Unlock()
		lastSize = size

		// Kill after a random number of acknowledgements, with 16 more in flight.
		ctx, cancel := context.WithCancel(context.Background())
		killAt := make(chan struct{})
		var n, target = 0, 5 + rng.IntN(200)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if id, jws, ok := srv.post(ctx); ok {
						mu.Lock()
						acked[id] = jws
						if n++; n == target {
							close(killAt)
						}
						mu.Unlock()
					}
				}
			}()
		}
		select {
		case <-killAt:
		case <-time.After(time.Minute):
			t.Fatalf("kill %d: no progress in a minute", kill)
		}
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		cancel()
		wg.Wait()
	}

	srv := startBinary(t, bin, data)
	size := srv.logSize(t)
	keys := srv.keys(t)
	lost := 0
	for id, jws := range acked {
		var got struct{ Receipt string }
		if code := srv.get(t, "/api/v1/consents/"+id, &got); code != 200 || got.Receipt != jws {
			lost++
			continue
		}
		if _, _, err := keys.Verify(jws, receipt.TypReceipt); err != nil {
			t.Errorf("receipt %s does not verify: %v", id, err)
		}
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	st, err := store.Open(filepath.Join(data, "assent.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Errorf("bbolt check: %v", err)
	}
	t.Logf("crash test: %d kills survived, %d receipts acknowledged, %d lost, log size %d", *crashKills, len(acked), lost, size)
	if lost > 0 {
		t.Fatalf("%d acknowledged receipts lost", lost)
	}
	if len(acked) == 0 {
		t.Fatal("no receipt was acknowledged: the test tested nothing")
	}
}

type binServer struct {
	cmd     *exec.Cmd
	url     string
	version string
	client  *http.Client
}

func startBinary(t *testing.T, bin, data string) *binServer {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data", data, "--rate-limit", "0")
	cmd.Env = append(os.Environ(), "ASSENT_ADMIN_PASSWORD=correct-horse-battery")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &binServer{cmd: cmd, client: &http.Client{Timeout: 10 * time.Second}}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var line struct{ Msg, Demo string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "assent is running" {
			s.url = strings.TrimSuffix(line.Demo, "/")
			break
		}
	}
	if s.url == "" {
		cmd.Process.Kill()
		t.Fatal("server did not start")
	}
	go io.Copy(io.Discard, out)
	var cfg struct{ Version string }
	s.get(t, "/api/v1/sites/demo/config", &cfg)
	s.version = cfg.Version
	return s
}

func (s *binServer) get(t *testing.T, path string, v any) int {
	t.Helper()
	res, err := s.client.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(v)
	return res.StatusCode
}

func (s *binServer) logSize(t *testing.T) int64 {
	var h struct {
		LogSize int64 `json:"log_size"`
	}
	s.get(t, "/healthz", &h)
	return h.LogSize
}

func (s *binServer) keys(t *testing.T) receipt.KeySet {
	res, err := s.client.Get(s.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	ks, err := receipt.ParseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// post records one decision; ok only for a 201 with a receipt.
func (s *binServer) post(ctx context.Context) (id, jws string, ok bool) {
	body := decisionBody(s.url, s.version, uuid.NewString(), "reject_all")
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/api/v1/consents", strings.NewReader(body))
	res, err := s.client.Do(req)
	if err != nil {
		return "", "", false
	}
	defer res.Body.Close()
	var out struct{ ID, Receipt string }
	if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&out) != nil || out.Receipt == "" {
		return "", "", false
	}
	return out.ID, out.Receipt, true
}
