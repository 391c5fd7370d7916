package api

import (
	"fmt"
	"strings"

	"github.com/assent/assent/internal/consent"
)

// ECodeDarkPattern refuses a draft that would nudge visitors into consent.
const ECodeDarkPattern = "dark_pattern"

// darkPatterns lists, in words an editor can act on, every way the draft
// would push visitors towards consent: a refusable purpose on by default, a
// reject path longer than the accept path, consent kept beyond 13 months, or
// a language whose visitors would see untranslated text. These are checked
// before structural validation so the editor gets these messages, not a
// field path.
func darkPatterns(cfg *consent.Config) []string {
	var out []string
	for _, p := range cfg.Purposes {
		if p.Required && p.ID != consent.Necessary {
			out = append(out, fmt.Sprintf("%q is on by default and cannot be refused: only necessary may be always on", p.ID))
		}
	}
	if cfg.LifetimeDays > consent.MaxLifetimeDays {
		out = append(out, fmt.Sprintf("consent lifetime of %d days is over 13 months (%d days): ask visitors again sooner", cfg.LifetimeDays, consent.MaxLifetimeDays))
	}
	for lang, t := range cfg.Texts {
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
		{"accept all", t.AcceptAll}, {"customize", t.Customize}, {"save", t.Save}} {
		if strings.TrimSpace(f.v) == "" {
			miss = append(miss, f.name)
		}
	}
	for _, p := range cfg.Purposes {
		pt := t.Purposes[p.ID]
		if strings.TrimSpace(pt.Title) == "" {
			miss = append(miss, p.ID+" title")
		}
		if strings.TrimSpace(pt.Description) == "" {
			miss = append(miss, p.ID+" description")
		}
	}
	if len(miss) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s: missing translation for %s", lang, strings.Join(miss, ", "))}
}

// checkDraft returns a dark_pattern error listing every problem (one per
// line), or the first structural error.
func checkDraft(cfg *consent.Config) error {
	if p := darkPatterns(cfg); len(p) > 0 {
		return consent.Errorf(ECodeDarkPattern, "%s", strings.Join(p, "\n"))
	}
	return cfg.Validate()
}
