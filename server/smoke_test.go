package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestDemoPageServedOnFirstStart(t *testing.T) {
	ts := startServer(t)
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `src="/s/demo.js"`) {
		t.Fatalf("GET / = %d, want 200 with the demo snippet tag; body %.200s", res.StatusCode, body)
	}
	// Plain http on a local address: no HSTS, which would pin localhost
	// to https for a year.
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS %q over plain http", h)
	}
}

func TestDemoPageRunsSnippetInBrowser(t *testing.T) {
	ts := startServer(t)
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	hasAPI, err := chromedp.Run(ctx, chromedp.Poll[bool](`typeof window.assent === "object"`))
	if err != nil || !hasAPI {
		t.Fatalf("window.assent not defined on the demo page: %v", err)
	}
}

// TestMetricsServed: the running server exposes its Prometheus metrics to a
// loopback scraper, counting the decision just recorded and the commit
// that made it durable.
func TestMetricsServed(t *testing.T) {
	ts := startServer(t)
	postDecision(t, ts.URL, "0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d0e")
	// Made-up methods must not each become a series of their own.
	for _, m := range []string{"BREW", "WHEN"} {
		req, _ := http.NewRequest(m, ts.URL+"/api/v1/nothing", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), "BREW") || !strings.Contains(string(body), `method="other"`) {
		t.Errorf("made-up methods are labelled as themselves, not \"other\"")
	}
	for _, want := range []string{
		`assent_http_requests_total{code="201",method="POST",route="/api/v1/consents"} 1`,
		"assent_commit_batch_size_count",
		"assent_checkpoint_age_seconds",
	} {
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("GET /metrics = %d, want 200 with %s; body %.600s", res.StatusCode, want, body)
		}
	}
	// From loopback but by another name: a page whose name was rebound to
	// 127.0.0.1 in a browser on this machine reads nothing.
	req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	req.Host = "rebind.example:8080"
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /metrics by another host name: %d, want 401", res.StatusCode)
	}
}

// TestMetricsNeedAuthThroughAProxy: only a direct loopback connection reads
// /metrics without credentials; a forwarded request does not, whatever
// address it claims (here behind --trust-proxy, claiming loopback).
func TestMetricsNeedAuthThroughAProxy(t *testing.T) {
	ts := startServer(t, "--trust-proxy")
	req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	req.Header.Set("X-Forwarded-For", "127.0.0.1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("forwarded request claiming 127.0.0.1: got %d, want 401", res.StatusCode)
	}
}

// TestProxySettings: ASSENT_TRUST_PROXY reads as flags do, and a value that
// is neither true nor false is refused rather than taken as false (behind
// a proxy every visitor would share its address); --trusted-proxies takes
// ranges and single addresses, and implies --trust-proxy.
func TestProxySettings(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "TRUE": true, "true": true, "false": false, "0": false, "": false} {
		cfg, err := Load(nil, func(k string) string { return map[string]string{"ASSENT_TRUST_PROXY": v}[k] })
		if err != nil || cfg.TrustProxy != want {
			t.Errorf("ASSENT_TRUST_PROXY=%q: trust %v, %v; want %v", v, cfg != nil && cfg.TrustProxy, err, want)
		}
	}
	if _, err := Load(nil, func(k string) string { return map[string]string{"ASSENT_TRUST_PROXY": "yes"}[k] }); err == nil {
		t.Error(`ASSENT_TRUST_PROXY="yes" was accepted`)
	}
	cfg, err := Load([]string{"--trusted-proxies", "203.0.113.0/24, 2001:db8::1"}, func(string) string { return "" })
	if err != nil || !cfg.TrustProxy || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "2001:db8::1/128" {
		t.Errorf("--trusted-proxies: %+v, %v", cfg, err)
	}
	if _, err := Load([]string{"--trusted-proxies", "cdn.example"}, func(string) string { return "" }); err == nil {
		t.Error("--trusted-proxies took a host name")
	}
}

// TestConfigRefusesWhatItCannotHonour: values that would silently turn a
// safeguard off, or name the server wrongly, are refused at start; a
// public URL is kept as browsers write origins.
func TestConfigRefusesWhatItCannotHonour(t *testing.T) {
	none := func(string) string { return "" }
	for _, args := range [][]string{
		{"--rate-limit", "NaN"}, {"--rate-limit", "Inf"}, {"--site-rate-limit", "nan"}, {"--site-rate-limit", "+Inf"},
		{"--public-url", "https://user:pw@consent.example"}, {"--public-url", "https://consent.example/?a=1"},
		{"--public-url", "https://consent.example/#top"}, {"--public-url", "https://consent.example:99999"},
		{"--trust-proxy=false", "--trusted-proxies", "203.0.113.0/24"},
	} {
		if _, err := Load(args, none); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
	if cfg, err := Load(nil, func(k string) string { return map[string]string{"ASSENT_RATE_LIMIT": "nan"}[k] }); err == nil {
		t.Errorf("ASSENT_RATE_LIMIT=nan was accepted: %+v", cfg)
	}
	if cfg, err := Load([]string{"--public-url", "HTTPS://Consent.Example:8443/"}, none); err != nil || cfg.PublicURL != "https://consent.example:8443" {
		t.Errorf("public URL of %+v, %v; want https://consent.example:8443", cfg, err)
	}
	// The flag wins over the variables.
	env := func(k string) string { return map[string]string{"ASSENT_TRUSTED_PROXIES": "203.0.113.0/24"}[k] }
	if cfg, err := Load([]string{"--trust-proxy=false"}, env); err != nil || cfg.TrustProxy || len(cfg.TrustedProxies) > 0 {
		t.Errorf("--trust-proxy=false with ASSENT_TRUSTED_PROXIES: %+v, %v; want no proxy trusted", cfg, err)
	}
	if cfg, err := Load(nil, env); err != nil || !cfg.TrustProxy || len(cfg.TrustedProxies) != 1 {
		t.Errorf("ASSENT_TRUSTED_PROXIES alone: %+v, %v; want trusted", cfg, err)
	}
}
