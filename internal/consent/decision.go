package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
)

// Actions a visitor can take.
const (
	ActionAcceptAll = "accept_all"
	ActionRejectAll = "reject_all"
	ActionCustom    = "custom"
	ActionWithdraw  = "withdraw"
	ActionGPC       = "gpc"
)

// Decision is a visitor's choice as posted by the snippet.
type Decision struct {
	// ID names the decision, not the receipt: the snippet makes it when the
	// visitor decides and posts it again with every retry, so a decision
	// whose first answer was lost (the visitor navigated away) is not
	// recorded twice. Optional.
	ID      string          `json:"id,omitempty"`
	Site    string          `json:"site"`
	Visitor string          `json:"visitor"`
	Action  string          `json:"action"`
	Choices map[string]bool `json:"choices"`
	Config  string          `json:"config"`
	Lang    string          `json:"lang"`
	URL     string          `json:"url"`
}

// A decision names its config version in full, or by the short form the
// snippet carries (see ShortVersion).
var configVersion = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|[0-9a-f]{16})$`)

// ShortVersion is a config version's short form: the first 16 hex digits
// of its hash, as consent tokens and the snippet carry it. 64 bits tell a
// site's versions apart; the other 48 digits would cost every visitor's
// first load some 30 bytes, as hex does not compress.
func ShortVersion(v string) string {
	if len(v) >= len("sha256:")+16 {
		return v[len("sha256:") : len("sha256:")+16]
	}
	return v
}

// DecodeDecision parses and shape-checks a decision body. It returns *Error
// with code invalid_request or unknown_field; it never panics on any input.
func DecodeDecision(body []byte) (*Decision, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var d Decision
	if err := dec.Decode(&d); err != nil {
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, Errorf(ECodeUnknownField, "unknown field %s", f)
		}
		return nil, Errorf(ECodeInvalid, "body must be a JSON decision object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Errorf(ECodeInvalid, "body must hold exactly one JSON object")
	}
	return &d, d.checkShape()
}

func (d *Decision) checkShape() error {
	switch {
	case !ValidSiteID(d.Site):
		return Errorf(ECodeInvalid, "site is missing or malformed")
	case !ValidUUID(d.Visitor):
		return Errorf(ECodeInvalid, "visitor must be a UUID")
	case d.ID != "" && !ValidUUID(d.ID):
		return Errorf(ECodeInvalid, "id, when given, must be a UUID")
	case !validAction(d.Action):
		return Errorf(ECodeInvalid, "action must be one of accept_all, reject_all, custom, withdraw, gpc")
	case d.Choices == nil:
		return Errorf(ECodeInvalid, "choices is missing")
	case !configVersion.MatchString(d.Config):
		return Errorf(ECodeInvalid, "config must be sha256:<64 hex digits> or its first 16 digits")
	case !langTag.MatchString(d.Lang):
		return Errorf(ECodeInvalid, "lang must be a BCP 47 tag like en or pt-BR")
	}
	d.Visitor, d.ID = strings.ToLower(d.Visitor), strings.ToLower(d.ID)
	u, err := CleanURL(d.URL)
	if err != nil {
		return err
	}
	d.URL = u
	return nil
}

func validAction(a string) bool {
	switch a {
	case ActionAcceptAll, ActionRejectAll, ActionCustom, ActionWithdraw, ActionGPC:
		return true
	}
	return false
}

// Check validates the decision against the config version the visitor saw
// and returns the complete choices, necessary set to true. Error codes:
// unknown_purpose, missing_purpose, action_mismatch, invalid_request.
func (d *Decision) Check(cfg *Config) (map[string]bool, error) {
	if _, ok := cfg.Texts[d.Lang]; !ok {
		return nil, Errorf(ECodeInvalid, "lang %q is not a language of this config", d.Lang)
	}
	out := make(map[string]bool, len(cfg.Purposes))
	for _, p := range cfg.Purposes {
		v, ok := d.Choices[p.ID]
		switch {
		case p.Required:
			if ok && !v {
				return nil, Errorf(ECodeInvalid, "%s cannot be refused", p.ID)
			}
			v = true
		case !ok:
			return nil, Errorf(ECodeMissingPurp, "choices must include %q", p.ID)
		}
		out[p.ID] = v
	}
	for id := range d.Choices {
		if _, ok := out[id]; !ok {
			return nil, Errorf(ECodeUnknownPurp, "site %s has no purpose %q", d.Site, id)
		}
	}
	return out, d.checkAction(cfg, out)
}

func (d *Decision) checkAction(cfg *Config, choices map[string]bool) error {
	for _, p := range cfg.Purposes {
		if p.Required {
			continue
		}
		v := choices[p.ID]
		switch {
		case d.Action == ActionAcceptAll && !v:
			return Errorf(ECodeConflict, "accept_all must grant every purpose; %q is false", p.ID)
		case (d.Action == ActionRejectAll || d.Action == ActionWithdraw) && v:
			return Errorf(ECodeConflict, "%s must refuse every optional purpose; %q is true", d.Action, p.ID)
		case d.Action == ActionGPC && p.ID == Advertising && v:
			return Errorf(ECodeConflict, "gpc must refuse advertising")
		}
	}
	return nil
}

// maxURL is the most of a page's URL a receipt keeps.
const maxURL = 2048

// CleanURL keeps origin and path of an http(s) URL, dropping user info,
// query and fragment, which may carry personal data. Browsers give a path
// as it was written, so a % that starts no escape (/sale-50%-off) is taken
// as itself, and a long path is cut to maxURL: a real page's decision is
// recorded, not refused over the URL it was made on.
func CleanURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		u, err = url.Parse(escapeBarePercents(raw))
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", Errorf(ECodeInvalid, "url must be the page's http(s) URL")
	}
	clean := (&url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Path: u.Path, RawPath: u.RawPath}).String()
	if len(clean) > maxURL {
		clean = clean[:maxURL]
		if i := strings.LastIndexByte(clean, '%'); i >= maxURL-2 {
			clean = clean[:i] // not half an escape
		}
	}
	return clean, nil
}

// escapeBarePercents writes each % that starts no %XX escape as %25.
func escapeBarePercents(s string) string {
	hex := func(i int) bool { return i < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[i]) >= 0 }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !(hex(i+1) && hex(i+2)) {
			b.WriteString("%25")
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ValidUUID reports whether s is a UUID in canonical 8-4-4-4-12 hex form.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}
