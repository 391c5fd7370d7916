package consent_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/assent/assent/internal/consent"
)

// FuzzDecision: any body either decodes to a decision whose fields are all
// well-formed, or fails with a *consent.Error. Never a panic.
func FuzzDecision(f *testing.F) {
	f.Add([]byte(body("")))
	f.Add([]byte(body(`action="accept_all"`)))
	f.Add([]byte(`{"choices":{"a":true,"a":false}}`))
	f.Add([]byte(`[]`))
	cfg := consent.DefaultConfig("demo")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := consent.DecodeDecision(b)
		var ce *consent.Error
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *consent.Error", err)
			}
			return
		}
		if !consent.ValidUUID(d.Visitor) || !consent.ValidSiteID(d.Site) {
			t.Fatalf("accepted malformed decision %+v", d)
		}
		ch, err := d.Check(&cfg)
		if err == nil && !ch[consent.Necessary] {
			t.Fatalf("necessary not granted in %v", ch)
		}
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("check error %v is not a *consent.Error", err)
		}
	})
}

// FuzzOrigin: matching never panics and never allows a malformed origin.
func FuzzOrigin(f *testing.F) {
	f.Add("https://*.brand.example", "https://a.brand.example")
	f.Add("http://localhost:8080", "http://localhost:8080")
	f.Add("https://shop.example", "https://shop.example.:443")
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		if consent.OriginAllowed([]string{pattern}, origin) {
			if _, err := consent.ParseOrigin(origin); err != nil {
				t.Fatalf("allowed unparseable origin %q", origin)
			}
		}
	})
}

// FuzzConfig: any JSON either fails validation with a *consent.Error or is a
// config whose canonical form is stable (hashing it twice agrees).
func FuzzConfig(f *testing.F) {
	c := consent.DefaultConfig("demo")
	f.Add(c.Canonical())
	f.Add([]byte(`{"site":"x","purposes":[{"id":"necessary","required":true}]}`))
	f.Add([]byte(`{"texts":{"en":{"purposes":{"necessary":{}}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg consent.Config
		if json.Unmarshal(b, &cfg) != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			var ce *consent.Error
			if !errors.As(err, &ce) {
				t.Fatalf("validation error %v is not a *consent.Error", err)
			}
			return
		}
		var again consent.Config
		if err := json.Unmarshal(cfg.Canonical(), &again); err != nil {
			t.Fatal(err)
		}
		if consent.VersionOf(again.Canonical()) != consent.VersionOf(cfg.Canonical()) {
			t.Fatal("canonical form is not stable")
		}
	})
}
