package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

const testToken = "proof-test-token-0123456789abcdefghijklmnop"

func postDecision(t *testing.T, base, visitor string) map[string]any {
	t.Helper()
	var cfg struct{ Version string }
	getJSON(t, base+"/api/v1/sites/demo/config", "", &cfg)
	body := decisionBody(base, cfg.Version, visitor, "accept_all")
	res, err := http.Post(base+"/api/v1/consents", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 201 {
		t.Fatalf("POST: %d %v", res.StatusCode, out)
	}
	return out
}

func getJSON(t *testing.T, url, token string, v any) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	if v != nil {
		json.Unmarshal(b, v)
	}
	return b
}

// The whole proof story through the real server: receipts, an evidence
// pack, the offline verifier, a key rotation recorded in the log, and a
// restart that keeps the tree.
func TestEvidencePackRotationAndRestart(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": testToken}
	ts := startServerIn(t, data, env)
	firstVisitor := uuid.NewString()
	first := postDecision(t, ts.URL, firstVisitor)
	ts.stop()

	var out bytes.Buffer
	// A mistyped data directory gets no key that no server would use.
	typo := filepath.Join(t.TempDir(), "dta")
	if err := keysCommand([]string{"rotate", "--data", typo}, func(string) string { return "" }, &out); err == nil || out.Len() > 0 {
		t.Errorf("keys rotate in a directory with no database: %v, said %q; want a refusal", err, out.String())
	}
	if _, err := os.Stat(typo); err == nil {
		t.Errorf("keys rotate made %s", typo)
	}
	if err := keysCommand([]string{"rotate", "--data", data}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	ts = startServerIn(t, data, env)
	second := postDecision(t, ts.URL, uuid.NewString())

	var jwks struct{ Keys []struct{ Kid string } }
	getJSON(t, ts.URL+"/.well-known/jwks.json", "", &jwks)
	if len(jwks.Keys) != 2 {
		t.Fatalf("JWKS has %d keys after a rotation, want 2", len(jwks.Keys))
	}
	// Log: key_activated, receipt, key_activated, receipt.
	var p struct{ Index int64 }
	getJSON(t, ts.URL+"/api/v1/log/proof/inclusion?id="+second["id"].(string)+"&size=4", "", &p)
	if p.Index != 3 {
		t.Errorf("second receipt at log index %d, want 3 (after two key events and a receipt)", p.Index)
	}

	pack := getJSON(t, ts.URL+"/api/v1/admin/sites/demo/evidence", testToken, nil)
	path := filepath.Join(t.TempDir(), "pack.zip")
	os.WriteFile(path, pack, 0o600)
	out.Reset()
	if err := verifyPack([]string{path}, &out); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	for _, r := range []map[string]any{first, second} {
		if !strings.Contains(out.String(), "ok    "+r["id"].(string)) {
			t.Errorf("verifier output lacks receipt %s:\n%s", r["id"], out.String())
		}
	}
	if !strings.Contains(out.String(), "keys: those the pack carries") {
		t.Errorf("unpinned verification does not say whose keys it used:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "removed under signed tombstones: 0\n") {
		t.Errorf("verifier output does not account for removed receipts:\n%s", out.String())
	}
	// The rotation is proven in the pack: each key from where the log
	// activated it (indexes 0 and 2).
	for i, k := range []string{kidOf(t, first), kidOf(t, second)} {
		if want := fmt.Sprintf("%s from log index %d", k, 2*i); !strings.Contains(out.String(), want) {
			t.Errorf("verifier output lacks the activation %q:\n%s", want, out.String())
		}
	}
	// Against the server's published keys (both, old and new), saved first.
	dir := t.TempDir()
	jwksFile, keyFile := filepath.Join(dir, "jwks.json"), filepath.Join(dir, "log-key.txt")
	os.WriteFile(jwksFile, getJSON(t, ts.URL+"/.well-known/jwks.json", "", nil), 0o600)
	os.WriteFile(keyFile, getJSON(t, ts.URL+"/api/v1/log/key", "", nil), 0o600)
	out.Reset()
	if err := verifyPack([]string{"--jwks", jwksFile, "--log-key", keyFile, path}, &out); err != nil || !strings.Contains(out.String(), "keys: the trusted ones given") {
		t.Fatalf("verify against the server's keys: %v\n%s", err, out.String())
	}
	// A log key that is not the pack's: refused.
	os.WriteFile(keyFile, []byte("other.example/log+01234567+AcVUrl1a2dx6uHSFbnMAeT1uyCt8DfRu6fx9Hcbd2Tmu\n"), 0o600)
	out.Reset()
	if err := verifyPack([]string{"--jwks", jwksFile, "--log-key", keyFile, path}, &out); err == nil || !strings.Contains(out.String(), "not the trusted log key") {
		t.Errorf("verify against another log key: %v\n%s", err, out.String())
	}
	// Alter one character of the second receipt's signature, then re-zip:
	// the verifier must refuse the pack and name that receipt.
	os.WriteFile(path, alterPack(t, pack, second["receipt"].(string)), 0o600)
	out.Reset()
	if err := verifyPack([]string{path}, &out); err == nil || !strings.Contains(out.String(), "FAIL  "+second["id"].(string)) {
		t.Errorf("an altered pack: err %v, output:\n%s", err, out.String())
	}
	// An erasure: the range's pack says which receipt went, and why.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/admin/sites/demo/visitors/"+firstVisitor+"/erase", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("erase: %v %v", err, res)
	}
	os.WriteFile(path, getJSON(t, ts.URL+"/api/v1/admin/sites/demo/evidence", testToken, nil), 0o600)
	out.Reset()
	if err := verifyPack([]string{path}, &out); err != nil || !strings.Contains(out.String(), "removed under signed tombstones: 1: 1 by erasure on ") {
		t.Errorf("pack after an erasure: %v\n%s", err, out.String())
	}
}

// alterPack rewrites a pack with one character of the given JWS changed.
func alterPack(t *testing.T, pack []byte, jws string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
	if err != nil {
		t.Fatal(err)
	}
	altered := jws[:len(jws)-10] + string("AB"[(strings.IndexByte("AB", jws[len(jws)-10])+1)&1]) + jws[len(jws)-9:]
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		w, _ := zw.Create(f.Name)
		w.Write(bytes.ReplaceAll(b, []byte(jws), []byte(altered)))
	}
	zw.Close()
	return buf.Bytes()
}

var httpClient = &http.Client{}

func newGet(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, "GET", url, nil)
}

func newPost(ctx context.Context, url, body string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "text/plain")
	}
	return req, err
}

func decodeJSON(res *http.Response, v any) {
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(v)
}

// kidOf returns the kid in the header of a decision answer's receipt.
func kidOf(t *testing.T, r map[string]any) string {
	t.Helper()
	h, _, _ := strings.Cut(r["receipt"].(string), ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	var hdr struct{ Kid string }
	if err == nil {
		err = json.Unmarshal(b, &hdr)
	}
	if err != nil || hdr.Kid == "" {
		t.Fatalf("receipt header %q: %v", h, err)
	}
	return hdr.Kid
}
