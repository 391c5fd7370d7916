package consent_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/assent/assent/internal/consent"
)

const (
	visitor = "6f1c2b8e-4a8d-4f7e-9d33-0c5a0e7c1a2b"
	version = "sha256:00a80ecdbd6983737b03baf184de14835ec326bfaae89f6b4caf48ea4ec713e2"
)

func body(fields string) string {
	base := map[string]string{
		"site": `"demo"`, "visitor": `"` + visitor + `"`, "action": `"custom"`,
		"choices": `{"analytics":true,"advertising":false,"preferences":true}`,
		"config":  `"` + version + `"`, "lang": `"en"`, "url": `"https://shop.example/p?q=1#x"`,
	}
	for _, kv := range strings.Split(fields, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if v == "-" {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
	}
	var parts []string
	for k, v := range base {
		parts = append(parts, `"`+k+`":`+v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func code(err error) string {
	var ce *consent.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return "other:" + err.Error()
	}
	return ""
}

// CleanURL records the page a decision was made on as origin and path, as
// a browser gives them: a bare % and a long path are kept (escaped, cut),
// not refused, for a refused decision would never be recorded.
func TestCleanURL(t *testing.T) {
	long := "https://shop.example/" + strings.Repeat("a", 3000)
	for _, c := range []struct{ in, want string }{
		{"https://Shop.Example/p?q=1#x", "https://shop.example/p"},
		{"https://user:pw@shop.example/p", "https://shop.example/p"},
		{"https://shop.example/sale-50%-off", "https://shop.example/sale-50%25-off"},
		{"https://shop.example/caf%C3%A9/100%", "https://shop.example/caf%C3%A9/100%25"},
		{"https://shop.example/%zz%4", "https://shop.example/%25zz%254"},
		{long, long[:2048]},
		{"https://shop.example/" + strings.Repeat("a", 2025) + "%C3%A9", "https://shop.example/" + strings.Repeat("a", 2025)},
		{"javascript:alert(1)", ""},
		{"https:///nohost", ""},
		{"/relative", ""},
	} {
		got, err := consent.CleanURL(c.in)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("CleanURL(%.60q) = %.60q, %v; want %.60q", c.in, got, err, c.want)
		}
	}
}

func TestDecodeAndCheckDecision(t *testing.T) {
	cfg := consent.DefaultConfig("demo")
	cases := []struct {
		name, fields, want string
	}{
		{"valid custom", "", ""},
		{"accept all", `action="accept_all";choices={"analytics":true,"advertising":true,"preferences":true}`, ""},
		{"reject all", `action="reject_all";choices={"analytics":false,"advertising":false,"preferences":false}`, ""},
		{"necessary may be sent true", `choices={"necessary":true,"analytics":true,"advertising":false,"preferences":true}`, ""},
		{"necessary refused", `choices={"necessary":false,"analytics":true,"advertising":false,"preferences":true}`, consent.ECodeInvalid},
		{"accept all with a false", `action="accept_all"`, consent.ECodeConflict},
		{"reject all with a true", `action="reject_all"`, consent.ECodeConflict},
		{"withdraw with a true", `action="withdraw"`, consent.ECodeConflict},
		{"gpc granting ads", `action="gpc";choices={"analytics":false,"advertising":true,"preferences":false}`, consent.ECodeConflict},
		{"gpc", `action="gpc";choices={"analytics":false,"advertising":false,"preferences":false}`, ""},
		{"unknown action", `action="maybe"`, consent.ECodeInvalid},
		{"unknown purpose", `choices={"analytics":true,"advertising":false,"preferences":true,"marketing":true}`, consent.ECodeUnknownPurp},
		{"missing purpose", `choices={"analytics":true,"advertising":false}`, consent.ECodeMissingPurp},
		{"choices not bool", `choices={"analytics":"yes"}`, consent.ECodeInvalid},
		{"choices missing", `choices=-`, consent.ECodeInvalid},
		{"bad visitor", `visitor="not-a-uuid"`, consent.ECodeInvalid},
		{"bad config", `config="md5:abc"`, consent.ECodeInvalid},
		{"lang not in config", `lang="de"`, consent.ECodeInvalid},
		{"bad lang", `lang="<script>"`, consent.ECodeInvalid},
		{"bad url", `url="javascript:alert(1)"`, consent.ECodeInvalid},
		{"bad site", `site="Demo!"`, consent.ECodeInvalid},
		{"unknown field", `ip="1.2.3.4"`, consent.ECodeUnknownField},
		{"number site", `site=5`, consent.ECodeInvalid},
	}
	for _, c := range cases {
		d, err := consent.DecodeDecision([]byte(body(c.fields)))
		if err == nil {
			_, err = d.Check(&cfg)
		}
		if got := code(err); got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}

func TestDecodeDecisionRejectsNonObjects(t *testing.T) {
	for _, b := range []string{"", "null", "[]", "{", body("") + "{}", body("") + " x", `"x"`} {
		if _, err := consent.DecodeDecision([]byte(b)); code(err) != consent.ECodeInvalid {
			t.Errorf("%q: got %v, want invalid_request", b, err)
		}
	}
}

func TestCheckFillsNecessaryAndStripsURL(t *testing.T) {
	cfg := consent.DefaultConfig("demo")
	d, err := consent.DecodeDecision([]byte(body(`visitor="6F1C2B8E-4A8D-4F7E-9D33-0C5A0E7C1A2B"`)))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := d.Check(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !ch["necessary"] || !ch["analytics"] || ch["advertising"] || len(ch) != 4 {
		t.Errorf("choices %v, want necessary and analytics true, 4 purposes", ch)
	}
	if d.URL != "https://shop.example/p" || d.Visitor != visitor {
		t.Errorf("url %q visitor %q, want query/fragment stripped and lower-case visitor", d.URL, d.Visitor)
	}
}

func TestOriginAllowed(t *testing.T) {
	// Internationalised hosts as an owner types them; browsers send the
	// ASCII (punycode) form.
	allowed := []string{"https://shop.example", "https://*.brand.example", "http://localhost:8080", "https://Bücher.example", "https://*.Ñandú.example:8443"}
	cases := []struct {
		origin string
		want   bool
	}{
		{"https://shop.example", true},
		{"https://shop.example:443", true},
		{"https://SHOP.example", true},
		{"http://shop.example", false},
		{"https://evil-shop.example", false},
		{"https://shop.example.evil", false},
		{"https://a.brand.example", true},
		{"https://a.b.brand.example", true},
		{"https://brand.example", false},
		{"https://xbrand.example", false},
		{"http://localhost:8080", true},
		{"http://localhost:8081", false},
		{"null", false},
		{"https://*.brand.example", false},
		{"https://shop.example/path", false},
		{"", false},
		{"https://xn--bcher-kva.example", true},
		{"https://www.xn--bcher-kva.example", false},
		{"https://shop.xn--and-6ma2c.example:8443", true},
		{"https://xn--and-6ma2c.example:8443", false},
		{"https://shop.xn--and-6ma2c.example", false},
	}
	for _, c := range cases {
		if got := consent.OriginAllowed(allowed, c.origin); got != c.want {
			t.Errorf("OriginAllowed(%q) = %v, want %v", c.origin, got, c.want)
		}
	}
}

// TestOriginWildcardsStandForOneSite: a wildcard over a public suffix, or
// over nothing, would let every site under it record decisions; a host
// ending in a dot is another origin to a browser.
func TestOriginWildcardsStandForOneSite(t *testing.T) {
	for _, s := range []string{"https://*.com", "https://*.co.uk", "https://*.github.io", "https://*.", "https://*.example.com.", "https://shop.example."} {
		if _, err := consent.ParseOrigin(s); err == nil {
			t.Errorf("ParseOrigin(%q) accepted", s)
		}
	}
	for _, s := range []string{"https://*.example.com", "https://*.shop.co.uk", "https://*.me.github.io", "https://*.Ñandú.example"} {
		if _, err := consent.ParseOrigin(s); err != nil {
			t.Errorf("ParseOrigin(%q): %v", s, err)
		}
	}
	if consent.OriginAllowed([]string{"https://*.example.com"}, "https://shop.example.com.") {
		t.Error("an origin ending in a dot was allowed")
	}
}

func TestTruncateIP(t *testing.T) {
	cases := map[string]string{
		"203.0.113.77":        "203.0.113.0/24",
		"::ffff:203.0.113.77": "203.0.113.0/24",
		"2001:db8:abcd:12::1": "2001:db8:abcd::/48",
		"not an ip":           "",
		"203.0.113.77%eth0":   "",
		"2001:db8::1%eth0":    "2001:db8::/48",
	}
	for in, want := range cases {
		if got := consent.TruncateIP(in); got != want {
			t.Errorf("TruncateIP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	mod := []struct {
		name string
		f    func(c *consent.Config)
		ok   bool
	}{
		{"default", func(c *consent.Config) {}, true},
		{"lifetime 13 months", func(c *consent.Config) { c.LifetimeDays = 396 }, false},
		{"lifetime zero", func(c *consent.Config) { c.LifetimeDays = 0 }, false},
		{"necessary not first", func(c *consent.Config) { c.Purposes[0], c.Purposes[1] = c.Purposes[1], c.Purposes[0] }, false},
		{"optional required", func(c *consent.Config) { c.Purposes[1].Required = true }, false},
		{"duplicate", func(c *consent.Config) { c.Purposes[2].ID = "analytics" }, false},
		{"bad id", func(c *consent.Config) { c.Purposes[3].ID = "Pref" }, false},
		{"renamed purpose", func(c *consent.Config) { rename(c, 3, "stats") }, true},
		{"id of a CSV export column", func(c *consent.Config) { rename(c, 3, "config") }, false},
		{"missing translation", func(c *consent.Config) {
			t := c.Texts["en"]
			t.Purposes = map[string]consent.PurposeText{"necessary": {Title: "N"}}
			c.Texts["de"] = t
		}, false},
		{"bad colour", func(c *consent.Config) { c.Look.Accent = "red" }, false},
		{"bad layout", func(c *consent.Config) { c.Look.Layout = "modal" }, false},
		{"policy not http", func(c *consent.Config) { c.PrivacyPolicyURL = "javascript:alert(1)" }, false},
		{"most purposes", func(c *consent.Config) { addPurposes(c, consent.MaxPurposes) }, true},
		{"too many purposes", func(c *consent.Config) { addPurposes(c, consent.MaxPurposes+1) }, false},
		{"longest language tag", func(c *consent.Config) { c.Texts["en-abcdefgh-abcdefgh-abcdefgh-abcde"] = c.Texts["en"] }, true},
		{"language tag too long", func(c *consent.Config) { c.Texts["en-abcdefgh-abcdefgh-abcdefgh-abcdef"] = c.Texts["en"] }, false},
	}
	for _, m := range mod {
		c := consent.DefaultConfig("demo")
		m.f(&c)
		if err := c.Validate(); (err == nil) != m.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", m.name, err, m.ok)
		}
	}
}

// addPurposes adds purposes, with texts, until c has n.
func addPurposes(c *consent.Config, n int) {
	for i := len(c.Purposes); i < n; i++ {
		id := fmt.Sprintf("extra-%d", i)
		c.Purposes = append(c.Purposes, consent.Purpose{ID: id})
		for _, t := range c.Texts {
			t.Purposes[id] = consent.PurposeText{Title: id}
		}
	}
}

// rename gives purpose i another id, its texts too.
func rename(c *consent.Config, i int, id string) {
	was := c.Purposes[i].ID
	c.Purposes[i].ID = id
	for lang, t := range c.Texts {
		t.Purposes[id] = t.Purposes[was]
		delete(t.Purposes, was)
		c.Texts[lang] = t
	}
}

func TestCanonicalIsStable(t *testing.T) {
	a, b := consent.DefaultConfig("demo"), consent.DefaultConfig("demo")
	if consent.VersionOf(a.Canonical()) != consent.VersionOf(b.Canonical()) {
		t.Fatal("equal configs hash differently")
	}
	b.Texts["en"] = consent.Texts{}
	if consent.VersionOf(a.Canonical()) == consent.VersionOf(b.Canonical()) {
		t.Fatal("different configs hash equally")
	}
}

// The banner's derived colours: text on the accent is whichever of black
// and white contrasts more, and a light background gets a dark variant.
func TestLookDerivedColours(t *testing.T) {
	for _, tc := range []struct {
		accent, background, on string
		light                  bool
	}{
		{"#1d4ed8", "#ffffff", "#fff", true},  // blue accent, white banner
		{"#fde047", "#111827", "#000", false}, // yellow accent, dark banner
		{"#757575", "#767676", "#fff", false}, // greys either side of the line: white 4.61 to black 4.56
		{"#767676", "#bbbbbb", "#000", true},  // and black 4.62 to white 4.54
		{"red", "", "#fff", false},            // not #rrggbb: luminance 0
	} {
		l := consent.Look{Accent: tc.accent, Background: tc.background}
		if got := l.OnAccent(); got != tc.on {
			t.Errorf("OnAccent(%s) = %s, want %s", tc.accent, got, tc.on)
		}
		if got := l.Light(); got != tc.light {
			t.Errorf("Light(%s) = %v, want %v", tc.background, got, tc.light)
		}
	}
}
