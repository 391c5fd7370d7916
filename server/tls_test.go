package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServesTLS starts the server with --tls-cert/--tls-key and checks it
// answers over HTTPS, with an https public URL in what it signs, and that
// the commands that talk to it (healthcheck, a live backup) do too; a
// backup, which sends the admin token, only to the server's certificate.
// The certificate names the public host only, as a real one does: no
// 127.0.0.1.
func TestServesTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "consent.example.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"consent.example.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)

	const token = "tls-test-token-0123456789abcdefghijklmnop"
	env := map[string]string{"ASSENT_ADMIN_PASSWORD": "correct-horse-battery", "ASSENT_ADMIN_TOKEN": token}
	ts := startServerIn(t, t.TempDir(), env, "--tls-cert", certFile, "--tls-key", keyFile)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "consent.example.test"}}}
	res, err := c.Get(strings.Replace(ts.URL, "http://", "https://", 1) + "/healthz")
	if err != nil {
		t.Fatalf("https: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil || res.Header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("https /healthz at a loopback address: %d, TLS %v, HSTS %q; want 200 over TLS, no HSTS (it would hold every local port to https)", res.StatusCode, res.TLS != nil, res.Header.Get("Strict-Transport-Security"))
	}
	// By its name, browsers are told to come back only over https.
	req, _ := http.NewRequest("GET", strings.Replace(ts.URL, "http://", "https://", 1)+"/healthz", nil)
	req.Host = "consent.example.test"
	if res, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("https by the server's name: no HSTS")
	}
	if plain, err := http.Get(ts.URL + "/healthz"); err == nil && plain.StatusCode == 200 {
		t.Error("plain HTTP still answered on the TLS port")
	}
	if !strings.Contains(ts.Logs.String(), `"demo":"https://`) {
		t.Errorf("public URL is not https:\n%s", ts.Logs.String())
	}

	flags := []string{"--addr", strings.TrimPrefix(ts.URL, "http://"), "--tls-cert", certFile, "--tls-key", keyFile}
	getenv := func(k string) string { return env[k] }
	if err := healthcheck(flags, getenv); err != nil {
		t.Errorf("healthcheck over TLS: %v", err)
	}
	// With none of the server's flags, only its data directory (a
	// container's HEALTHCHECK has the image's environment only), the
	// check finds the server where it said it listens.
	if err := healthcheck(nil, func(k string) string { return map[string]string{"ASSENT_DATA": ts.Data}[k] }); err != nil {
		t.Errorf("healthcheck knowing only the data directory: %v", err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	var out strings.Builder
	if err := backupCommand(context.Background(), append([]string{backup, "--data", ts.Data}, flags...), getenv, &out); err != nil {
		t.Errorf("live backup over TLS: %v", err)
	}
	// Another certificate for the same name, unknown to the client, is
	// refused: the token is not sent to whoever answers on the port.
	other := filepath.Join(dir, "other.pem")
	key2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der2, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key2.PublicKey, key2)
	os.WriteFile(other, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der2}), 0o600)
	flags[3] = other
	out.Reset()
	if err := backupCommand(context.Background(), append([]string{filepath.Join(t.TempDir(), "b2.db"), "--data", ts.Data}, flags...), getenv, &out); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("live backup trusting another certificate: %v, want a certificate error", err)
	}
}

// TestBadCertificateStopsTheStart: a certificate that does not load is the
// start's only error, before it opens or changes anything.
func TestBadCertificateStopsTheStart(t *testing.T) {
	data := t.TempDir()
	missing := filepath.Join(t.TempDir(), "none.pem")
	err := run(context.Background(), []string{"--data", data, "--addr", "127.0.0.1:0", "--tls-cert", missing, "--tls-key", missing},
		func(string) string { return "" }, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Fatalf("start with a missing certificate: %v, want an error naming --tls-cert", err)
	}
	if left, _ := os.ReadDir(data); len(left) > 0 {
		t.Errorf("the failed start left %d files in the data directory, want none", len(left))
	}
}
