package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
)

// Config is the public banner configuration of a site: exactly what the
// snippet shows a visitor. A published Config is immutable and addressed by
// its Version, so a receipt can always show what the visitor saw.
type Config struct {
	Site             string           `json:"site"`
	Purposes         []Purpose        `json:"purposes"`
	DefaultLang      string           `json:"default_lang"`
	Texts            map[string]Texts `json:"texts"`
	Look             Look             `json:"look"`
	LifetimeDays     int              `json:"lifetime_days"`
	PrivacyPolicyURL string           `json:"privacy_policy_url,omitempty"`
}

// Purpose is one consent category of a site.
type Purpose struct {
	ID       string   `json:"id"`
	Required bool     `json:"required,omitempty"` // only necessary; cannot be refused
	Cookies  []string `json:"cookies,omitempty"`  // first-party cookies cleared on withdrawal
}

// Texts are the banner's words in one language.
type Texts struct {
	Title         string                 `json:"title"`
	Description   string                 `json:"description"`
	AcceptAll     string                 `json:"accept_all"`
	RejectAll     string                 `json:"reject_all"`
	Customize     string                 `json:"customize"`
	Save          string                 `json:"save"`
	Close         string                 `json:"close"`
	PrivacyPolicy string                 `json:"privacy_policy"`
	GPCNotice     string                 `json:"gpc_notice"`
	Purposes      map[string]PurposeText `json:"purposes"`
}

// PurposeText names and explains a purpose in one language.
type PurposeText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Look is the banner's appearance.
type Look struct {
	Layout     string `json:"layout"`   // box or bar
	Position   string `json:"position"` // bottom, top, bottom-left, bottom-right
	Background string `json:"background"`
	Text       string `json:"text"`
	Accent     string `json:"accent"`
}

// OnAccent is the colour of text on the accent: black or white, whichever
// contrasts more with it (the two meet at a relative luminance of 0.179).
// The server works out the banner's derived colours, so the snippet, on a
// byte budget, need not.
func (l Look) OnAccent() string {
	if luminance(l.Accent) > 0.179 {
		return "#000"
	}
	return "#fff"
}

// Light reports a light background: the banner then turns dark for
// visitors who prefer a dark colour scheme.
func (l Look) Light() bool { return luminance(l.Background) > 0.4 }

// TextContrast is the WCAG 2 contrast ratio of the banner's text on its
// background (1 to 21), or 0 when either is not #rrggbb.
func (l Look) TextContrast() float64 {
	if !hexColor.MatchString(l.Text) || !hexColor.MatchString(l.Background) {
		return 0
	}
	a, b := luminance(l.Text), luminance(l.Background)
	return (max(a, b) + 0.05) / (min(a, b) + 0.05)
}

// luminance is WCAG 2's relative luminance of a #rrggbb colour (0 for
// anything else; a published look has been validated).
func luminance(color string) float64 {
	if !hexColor.MatchString(color) {
		return 0
	}
	y := 0.0
	for i, k := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(color[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		y += k * c
	}
	return y
}

// Lifetime limits in days: 6 months by default, never beyond 13 months.
const (
	DefaultLifetimeDays = 182
	MaxLifetimeDays     = 395
)

var (
	langTag   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	hexColor  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	layouts   = []string{"box", "bar"}
	positions = []string{"bottom", "top", "bottom-left", "bottom-right"}
)

// MaxPurposes bounds a config's purposes, necessary included.
const MaxPurposes = 16

// Validate checks c for structural errors. It returns *Error with code
// invalid_request naming the first problem found.
func (c *Config) Validate() error { return c.validate(false) }

// ValidateDraft is Validate for a draft being edited: texts may still be
// empty (a translation half done); everything else must hold.
func (c *Config) ValidateDraft() error { return c.validate(true) }

func (c *Config) validate(draft bool) error {
	if len(c.Purposes) == 0 || c.Purposes[0].ID != Necessary || !c.Purposes[0].Required {
		return Errorf(ECodeInvalid, "the first purpose must be %q, required", Necessary)
	}
	// The banner keeps a decision in its cookie until it is recorded, and
	// a browser drops a cookie over 4 KiB, leaving the decision before it
	// in force: these bounds keep the largest decision under (see
	// TestSnippetLargestDecisionFitsTheCookie).
	if len(c.Purposes) > MaxPurposes {
		return Errorf(ECodeInvalid, "at most %d purposes", MaxPurposes)
	}
	seen := map[string]bool{}
	for _, p := range c.Purposes {
		if !ValidPurposeID(p.ID) {
			return Errorf(ECodeInvalid, "purpose id %q must match [a-z][a-z0-9_-]{0,31}", p.ID)
		}
		if seen[p.ID] {
			return Errorf(ECodeInvalid, "purpose %q appears twice", p.ID)
		}
		// The CSV export has a column per purpose beside these.
		if slices.Contains([]string{"id", "issued_at", "visitor", "action", "config", "receipt"}, p.ID) {
			return Errorf(ECodeInvalid, "purpose id %q is taken by a column of the CSV export; choose another", p.ID)
		}
		seen[p.ID] = true
		if p.Required && p.ID != Necessary {
			return Errorf(ECodeInvalid, "only %q can be required; %q must be refusable", Necessary, p.ID)
		}
	}
	if c.LifetimeDays < 1 || c.LifetimeDays > MaxLifetimeDays {
		return Errorf(ECodeInvalid, "lifetime_days must be between 1 and %d (13 months)", MaxLifetimeDays)
	}
	if _, ok := c.Texts[c.DefaultLang]; !ok {
		return Errorf(ECodeInvalid, "default_lang %q has no texts", c.DefaultLang)
	}
	for lang, t := range c.Texts {
		if err := c.validateTexts(lang, &t, draft); err != nil {
			return err
		}
	}
	if err := c.Look.validate(); err != nil {
		return err
	}
	if c.PrivacyPolicyURL != "" {
		u, err := url.Parse(c.PrivacyPolicyURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Errorf(ECodeInvalid, "privacy_policy_url must be an http(s) URL")
		}
	}
	return nil
}

func (c *Config) validateTexts(lang string, t *Texts, draft bool) error {
	if !langTag.MatchString(lang) || len(lang) > 35 {
		return Errorf(ECodeInvalid, "language %q is not a BCP 47 tag like en or pt-BR, of at most 35 characters", lang)
	}
	for name, s := range map[string]string{"title": t.Title, "description": t.Description,
		"accept_all": t.AcceptAll, "reject_all": t.RejectAll, "customize": t.Customize, "save": t.Save} {
		if s == "" && !draft {
			return Errorf(ECodeInvalid, "texts.%s.%s is missing", lang, name)
		}
	}
	for _, p := range c.Purposes {
		if t.Purposes[p.ID].Title == "" && !draft {
			return Errorf(ECodeInvalid, "texts.%s.purposes.%s.title is missing", lang, p.ID)
		}
	}
	for id := range t.Purposes {
		if !slices.ContainsFunc(c.Purposes, func(p Purpose) bool { return p.ID == id }) {
			return Errorf(ECodeInvalid, "texts.%s.purposes names unknown purpose %q", lang, id)
		}
	}
	return nil
}

func (l *Look) validate() error {
	if !slices.Contains(layouts, l.Layout) {
		return Errorf(ECodeInvalid, "look.layout must be box or bar")
	}
	if !slices.Contains(positions, l.Position) {
		return Errorf(ECodeInvalid, "look.position must be one of bottom, top, bottom-left, bottom-right")
	}
	for _, c := range []string{l.Background, l.Text, l.Accent} {
		if !hexColor.MatchString(c) {
			return Errorf(ECodeInvalid, "look colours must be #rrggbb, got %q", c)
		}
	}
	return nil
}

// Canonical returns the bytes that are hashed and stored when c is published.
// encoding/json emits struct fields in declaration order and map keys sorted,
// so equal configs always give equal bytes.
func (c *Config) Canonical() []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic("consent: config cannot be marshalled: " + err.Error()) // only plain types inside
	}
	return b
}

// VersionOf returns the version identifier of canonical config bytes.
func VersionOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// PurposeIDs lists the site's purpose identifiers in order.
func (c *Config) PurposeIDs() []string {
	ids := make([]string, len(c.Purposes))
	for i, p := range c.Purposes {
		ids[i] = p.ID
	}
	return ids
}
