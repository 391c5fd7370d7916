package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// A backup taken while receipts are being written restores into a server
// whose receipts and log verify; restoring over a newer log needs consent.
func TestBackupUnderLoadRestores(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": testToken}
	ts := startServerIn(t, data, env, "--rate-limit", "0")
	postDecision(t, ts.URL, uuid.NewString())

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				postDecisionCtx(ctx, ts.URL)
			}
		}()
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := backupCommand(context.Background(), []string{backup, "--addr", strings.TrimPrefix(ts.URL, "http://"), "--data", data}, getenv, &out)
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatalf("live backup: %v", err)
	}
	t.Log(out.String())
	ts.stop()

	// Restored without its keys, the database is said not to be startable.
	bare := t.TempDir()
	if err := restoreCommand([]string{backup, "--data", bare}, getenv, &out); err != nil || !strings.Contains(out.String(), "copy keys/ from the same backup") {
		t.Errorf("restore without the keys: %v; said %q, want the missing key named", err, out.String())
	}
	out.Reset()

	// Restore into a fresh directory that has the keys.
	fresh := t.TempDir()
	if err := exec.Command("cp", "-a", filepath.Join(data, "keys"), fresh).Run(); err != nil {
		t.Fatal(err)
	}
	// The check happens beside the database, not in a /tmp that may be too
	// small: with no usable temp directory at all, restore still works.
	tmpdir := os.Getenv("TMPDIR")
	os.Setenv("TMPDIR", filepath.Join(fresh, "no-such-dir"))
	err = restoreCommand([]string{backup, "--data", fresh}, getenv, &out)
	os.Setenv("TMPDIR", tmpdir)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(fresh, "*restoring*")); len(left) > 0 {
		t.Errorf("restore left %v behind", left)
	}
	// Nothing was there to set aside: no empty database made and kept.
	if set, _ := filepath.Glob(filepath.Join(fresh, "assent.db.before-restore-*")); len(set) > 0 || !strings.Contains(out.String(), "into "+fresh) || strings.Contains(out.String(), "copy keys/") {
		t.Errorf("restore into a fresh directory: set aside %v; said %q", set, out.String())
	}
	ts2 := startServerIn(t, fresh, env)
	pack := getJSON(t, ts2.URL+"/api/v1/admin/sites/demo/evidence", testToken, nil)
	path := filepath.Join(t.TempDir(), "pack.zip")
	os.WriteFile(path, pack, 0o600)
	out.Reset()
	if err := verifyPack([]string{path}, &out); err != nil {
		t.Fatalf("restored server's pack: %v\n%s", err, out.String())
	}
	ts2.stop()

	// Over the original data, whose signed log is ahead of the backup.
	err = restoreCommand([]string{backup, "--data", data}, getenv, &out)
	if err == nil || !strings.Contains(err.Error(), "--accept-rollback") {
		t.Fatalf("restore behind the signed log: %v, want a refusal naming --accept-rollback", err)
	}
	if left, _ := filepath.Glob(filepath.Join(data, "*restoring*")); len(left) > 0 {
		t.Errorf("a refused restore left %v behind", left)
	}
	if err := restoreCommand([]string{backup, "--data", data, "--accept-rollback"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	ts3 := startServerIn(t, data, env)
	var ready struct{ Status string }
	if getJSON(t, ts3.URL+"/readyz", "", &ready); ready.Status != "ready" {
		t.Errorf("after an accepted rollback: %v", ready)
	}
}

func postDecisionCtx(ctx context.Context, base string) {
	var cfg struct{ Version string }
	req, _ := newGet(ctx, base+"/api/v1/sites/demo/config")
	if res, err := httpClient.Do(req); err == nil {
		decodeJSON(res, &cfg)
	}
	body := decisionBody(base, cfg.Version, uuid.NewString(), "accept_all")
	req, _ = newPost(ctx, base+"/api/v1/consents", body)
	if res, err := httpClient.Do(req); err == nil {
		res.Body.Close()
	}
}

// TestReadyzRefusesARolledBackDatabase: an old copy of the database put back
// by hand (not through restore) is caught by the signed checkpoint kept
// outside it: the server is not ready, and says why only in its log.
func TestReadyzRefusesARolledBackDatabase(t *testing.T) {
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": testToken}
	data := t.TempDir()
	ts := startServerIn(t, data, env)
	postDecision(t, ts.URL, "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d01")
	ts.stop() // signs a last checkpoint
	old, err := os.ReadFile(filepath.Join(data, "assent.db"))
	if err != nil {
		t.Fatal(err)
	}
	ts = startServerIn(t, data, env)
	postDecision(t, ts.URL, "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d02")
	ts.stop()
	if err := os.WriteFile(filepath.Join(data, "assent.db"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	ts = startServerIn(t, data, env)
	res, err := http.Get(ts.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "ledger") || !strings.Contains(ts.Logs.String(), "rolled back") {
		t.Errorf("readyz over a rolled-back database: %d %s; want 503 without the error, which goes to the log", res.StatusCode, body)
	}
	// A container's HEALTHCHECK sees it too.
	if err := healthcheck(nil, func(k string) string { return map[string]string{"ASSENT_DATA": data}[k] }); err == nil || !strings.Contains(err.Error(), "the log cannot be signed") {
		t.Errorf("healthcheck over a rolled-back database: %v, want the reason it is not ready", err)
	}
	// An evidence pack needs a fresh checkpoint, which the log refuses.
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/admin/sites/demo/evidence", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err = httpClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"unavailable"`) {
		t.Errorf("evidence pack over a rolled-back database: %d %s; want 503 unavailable", res.StatusCode, body)
	}
}

// TestRefusesADatabaseWithoutItsKeys: a database restored without keys/
// (or next to another server's keys) is refused at start with what to do,
// and no new key is made: one would sign on, and nothing signed before
// could be verified, looked up or erased.
func TestRefusesADatabaseWithoutItsKeys(t *testing.T) {
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}
	data := t.TempDir()
	ts := startServerIn(t, data, env)
	ts.stop()
	keys := filepath.Join(data, "keys")
	pems, _ := filepath.Glob(filepath.Join(keys, "*.pem"))
	if len(pems) != 1 {
		t.Fatalf("%d receipt keys after first start, want 1", len(pems))
	}
	own, _ := os.ReadFile(pems[0])
	other := t.TempDir() // another server's key
	startServerIn(t, other, env).stop()
	foreign, _ := filepath.Glob(filepath.Join(other, "keys", "*.pem"))
	for _, c := range []struct {
		name string
		put  func() error
	}{
		{"no key", func() error { return os.Remove(pems[0]) }},
		{"another server's key", func() error {
			b, err := os.ReadFile(foreign[0])
			if err == nil {
				err = os.WriteFile(filepath.Join(keys, filepath.Base(foreign[0])), b, 0o600)
			}
			return err
		}},
	} {
		if err := c.put(); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load([]string{"--data", data}, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := open(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
		if err == nil {
			a.close()
			t.Errorf("%s: the server started", c.name)
		} else if !strings.Contains(err.Error(), "restore that folder from the same backup") {
			t.Errorf("%s: refused with %q, want what to do", c.name, err)
		}
		if now, _ := filepath.Glob(filepath.Join(keys, "*.pem")); c.name == "no key" && len(now) != 0 {
			t.Errorf("%s: a key was made: %v", c.name, now)
		}
	}
	// With its own key back, it starts.
	if err := os.WriteFile(pems[0], own, 0o600); err != nil {
		t.Fatal(err)
	}
	startServerIn(t, data, env).stop()
}

// TestRestoreRefusesAnotherHistory: a backup whose log is as long as the
// one this server signed, or longer, but another history (here another
// server's) would leave the server unable to sign: restore refuses it
// unless --accept-rollback, which sets the signed checkpoint aside.
func TestRestoreRefusesAnotherHistory(t *testing.T) {
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": testToken}
	getenv := func(k string) string { return env[k] }
	ours, theirs := t.TempDir(), t.TempDir()
	ts := startServerIn(t, ours, env)
	postDecision(t, ts.URL, "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d11")
	ts.stop()
	ts = startServerIn(t, theirs, env)
	for _, v := range []string{"0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d21", "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d22", "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d23"} {
		postDecision(t, ts.URL, v)
	}
	ts.stop()
	backup := filepath.Join(t.TempDir(), "theirs.db")
	var out bytes.Buffer
	if err := backupCommand(context.Background(), []string{backup, "--data", theirs}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	err := restoreCommand([]string{backup, "--data", ours}, getenv, &out)
	if err == nil || !strings.Contains(err.Error(), "not the one this server signed") || !strings.Contains(err.Error(), "--accept-rollback") {
		t.Fatalf("restore of another history: %v, want a refusal naming --accept-rollback", err)
	}
	if err := restoreCommand([]string{backup, "--data", ours, "--accept-rollback"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	// With their receipt key (which the restore asked for), it signs on.
	pems, _ := filepath.Glob(filepath.Join(theirs, "keys", "*.pem"))
	if b, err := os.ReadFile(pems[0]); err != nil || os.WriteFile(filepath.Join(ours, "keys", filepath.Base(pems[0])), b, 0o600) != nil {
		t.Fatal(err)
	}
	ts = startServerIn(t, ours, env)
	var ready struct{ Status string }
	if getJSON(t, ts.URL+"/readyz", "", &ready); ready.Status != "ready" {
		t.Errorf("after accepting another history: %v", ready)
	}
}

// TestFailedRestoreLeavesNoDataDir: a backup that does not check out makes
// no data directory, which a server start would otherwise take as restored;
// a directory that was there before is left as it was.
func TestFailedRestoreLeavesNoDataDir(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(bad, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	data := filepath.Join(t.TempDir(), "data")
	if err := restoreCommand([]string{bad, "--data", data}, getenv, io.Discard); err == nil {
		t.Fatal("a file that is no database was restored")
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed restore left %s behind (%v)", data, err)
	}
	existing := t.TempDir()
	if err := restoreCommand([]string{bad, "--data", existing}, getenv, io.Discard); err == nil {
		t.Fatal("a file that is no database was restored")
	}
	if left, err := os.ReadDir(existing); err != nil || len(left) != 0 {
		t.Errorf("the directory that was there: %v, %v; want it kept, empty", left, err)
	}
}

// TestInterruptedBackupLeavesNothing: a backup stopped by a signal (its
// context done) stops writing and leaves neither the copy nor its
// temporary file.
func TestInterruptedBackupLeavesNothing(t *testing.T) {
	data := t.TempDir()
	startServerIn(t, data, map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery"}).stop()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dest := filepath.Join(t.TempDir(), "backup.db")
	getenv := func(k string) string { return map[string]string{"ASSENT_DATA": data}[k] }
	if err := backupCommand(ctx, []string{dest}, getenv, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted backup: %v, want context.Canceled", err)
	}
	if left, _ := filepath.Glob(dest + "*"); len(left) > 0 {
		t.Errorf("the interrupted backup left %v", left)
	}
}

// TestSetAsideNeverReplaces: two restores in one second each keep the
// database they replaced.
func TestSetAsideNeverReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "assent.db")
	var names []string
	for _, content := range []string{"first", "second"} {
		os.WriteFile(path, []byte(content), 0o600)
		name, err := setAside(path, "20261202T185041Z")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	for i, want := range []string{"first", "second"} {
		if b, err := os.ReadFile(names[i]); err != nil || string(b) != want {
			t.Errorf("%s holds %q (%v), want %q", names[i], b, err, want)
		}
	}
}
