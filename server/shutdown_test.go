package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// TestGracefulShutdownKeepsAcknowledgedWrites stops the server (as SIGTERM
// does) while decisions are in flight: every one that got a 201 is there
// after the restart.
func TestGracefulShutdownKeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}
	ts := startServerIn(t, data, env, "--rate-limit", "0")
	var cfg struct{ Version string }
	getJSON(t, ts.URL+"/api/v1/sites/demo/config", "", &cfg)

	var mu sync.Mutex
	var acked []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				body := decisionBody(ts.URL, cfg.Version, uuid.NewString(), "reject_all")
				res, err := http.Post(ts.URL+"/api/v1/consents", "text/plain", strings.NewReader(body))
				if err != nil {
					return // the server has stopped listening
				}
				var out struct{ ID string }
				json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if res.StatusCode == 201 {
					mu.Lock()
					acked = append(acked, out.ID)
					mu.Unlock()
					select {
					case started <- struct{}{}:
					default:
					}
				}
			}
		}()
	}
	for range 32 { // stop once decisions are flowing
		<-started
	}
	ts.stop()
	cancel()
	wg.Wait()

	ts = startServerIn(t, data, env)
	for _, id := range acked {
		var got struct{ Receipt string }
		if code := getStatus(t, ts.URL+"/api/v1/consents/"+id, &got); code != 200 || got.Receipt == "" {
			t.Fatalf("acknowledged receipt %s lost in a graceful shutdown (%d)", id, code)
		}
	}
	t.Logf("%d acknowledged receipts all present after shutdown", len(acked))
}

func getStatus(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(v)
	return res.StatusCode
}
