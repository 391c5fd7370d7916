package api

import (
	"fmt"
	"strings"

	"github.com/assent/assent/internal/consent"
)

// ECodeDarkPattern refuses a draft that would be unfair to visitors: nudge
// them into consent, or leave some unable to read it (see darkPatterns).
const ECodeDarkPattern = "dark_pattern"

// darkPatterns lists, in words an editor can act on, every way the draft
// would push visitors towards consent or keep them from reading it: a
// refusable purpose on by default, a reject path longer than the accept
// path, consent kept beyond 13 months, a language whose visitors would see
// untranslated text, or text too faint on its background. (Text on the
// accent is always black or white, whichever reads better: see
// consent.Look.OnAccent.) These are checked
// before structural validation so the editor gets these messages, not a
// field path. Texts not written yet are refused only when publishing: a
// saved draft may hold a translation half done.
func darkPatterns(cfg *consent.Config, publish bool) []string {
	var out []string
	for _, p := range cfg.Purposes {
		if p.Required && p.ID != consent.Necessary {
			out = append(out, fmt.Sprintf("%q is on by default and cannot be refused: only necessary may be always on", p.ID))
		}
	}
	if cfg.LifetimeDays > consent.MaxLifetimeDays {
		out = append(out, fmt.Sprintf("consent lifetime of %d days (about %d months) is over 13 months (%d days): ask visitors again sooner",
			cfg.LifetimeDays, (cfg.LifetimeDays*12+182)/365, consent.MaxLifetimeDays))
	}
	if c := cfg.Look.TextContrast(); c > 0 && c < 4.5 {
		out = append(out, fmt.Sprintf("look: the text colour has a contrast of %.1f:1 on the background; WCAG AA needs 4.5:1 for visitors with low vision to read it", c))
	}
	for lang, t := range cfg.Texts {
		if !publish {
			continue
		}
		if strings.TrimSpace(t.RejectAll) == "" && strings.TrimSpace(t.AcceptAll) != "" {
			out = append(out, fmt.Sprintf("%s: the first layer has no \"Reject all\" label, so refusing would take more clicks than accepting", lang))
		}
		out = append(out, missingTranslations(cfg, lang, &t)...)
	}
	return out
}

// missingTranslations names every text a visitor reading lang would miss.
func missingTranslations(cfg *consent.Config, lang string, t *consent.Texts) []string {
	var miss []string
	for _, f := range []struct{ name, v string }{{"title", t.Title}, {"description", t.Description},
		{"accept all", t.AcceptAll}, {"customize", t.Customize}, {"save", t.Save},
		{"close", t.Close}} { // the close button's accessible name: read out in English otherwise
		if strings.TrimSpace(f.v) == "" {
			miss = append(miss, f.name)
		}
	}
	// Without its text the link reads as its bare URL.
	if cfg.PrivacyPolicyURL != "" && strings.TrimSpace(t.PrivacyPolicy) == "" {
		miss = append(miss, "privacy policy")
	}
	for _, p := range cfg.Purposes {
		pt := t.Purposes[p.ID]
		if strings.TrimSpace(pt.Title) == "" {
			miss = append(miss, p.ID+" title")
		}
		if strings.TrimSpace(pt.Description) == "" {
			miss = append(miss, p.ID+" description")
		}
		// A visitor sending Global Privacy Control is told it was honoured.
		if p.ID == consent.Advertising && strings.TrimSpace(t.GPCNotice) == "" {
			miss = append(miss, "the Global Privacy Control notice")
		}
	}
	if len(miss) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s: missing translation for %s", lang, strings.Join(miss, ", "))}
}

// checkDraft returns a dark_pattern error listing every problem (one per
// line), or the first structural error: of a draft to be published, or
// (publish false) one being saved.
func checkDraft(cfg *consent.Config, publish bool) error {
	if p := darkPatterns(cfg, publish); len(p) > 0 {
		return consent.Errorf(ECodeDarkPattern, "%s", strings.Join(p, "\n"))
	}
	if publish {
		return cfg.Validate()
	}
	return cfg.ValidateDraft()
}
