package consent

import (
	"regexp"
	"time"
)

// Site is one website using Assent: who may post decisions for it, the draft
// config its owner edits, and every config version ever published.
type Site struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Origins         []string  `json:"origins"`
	Draft           Config    `json:"draft"`
	Current         string    `json:"current,omitempty"`
	Versions        []Version `json:"versions,omitempty"` // publications, oldest first
	RetentionMonths int       `json:"retention_months"`
	CreatedAt       time.Time `json:"created_at"`
	// Revision counts saves of the site's draft and settings, so that an
	// editor saving over a newer save is refused rather than undoing it.
	Revision int64 `json:"revision"`
}

// Version records one publication: the config that went live at
// PublishedAt, until the next one. An earlier config published again (a
// rollback) is listed again. (Sites published before 2026-12-02 list each
// config once, when it was first published.)
type Version struct {
	ID          string    `json:"id"`
	PublishedAt time.Time `json:"published_at"`
}

// DefaultRetentionMonths is how long a receipt is kept after its decision
// stops being in force.
const DefaultRetentionMonths = 24

var siteID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSiteID reports whether id may name a site.
func ValidSiteID(id string) bool { return siteID.MatchString(id) }

// Validate checks the site's own fields and its draft config.
func (s *Site) Validate() error {
	if !ValidSiteID(s.ID) {
		return Errorf(ECodeInvalid, "site id must match [a-z0-9][a-z0-9-]{0,62}")
	}
	if s.Draft.Site != s.ID {
		return Errorf(ECodeInvalid, "draft.site must be %q", s.ID)
	}
	for _, o := range s.Origins {
		if _, err := ParseOrigin(o); err != nil {
			return err
		}
	}
	if s.RetentionMonths < 1 || s.RetentionMonths > 120 {
		return Errorf(ECodeInvalid, "retention_months must be between 1 and 120")
	}
	return s.Draft.ValidateDraft() // a draft may hold texts not written yet; publishing checks them
}

// NewSite returns a site with the standard purposes and English texts, ready
// to publish.
func NewSite(id, name string, origins []string, now time.Time) *Site {
	return &Site{
		ID: id, Name: name, Origins: origins, Draft: DefaultConfig(id),
		RetentionMonths: DefaultRetentionMonths, CreatedAt: now.UTC(),
	}
}

// DefaultConfig is the config a new site starts with.
func DefaultConfig(site string) Config {
	return Config{
		Site: site,
		Purposes: []Purpose{
			{ID: Necessary, Required: true},
			{ID: Analytics, Cookies: []string{"_ga", "_gid"}},
			{ID: Advertising, Cookies: []string{"_fbp", "_gcl_au"}},
			{ID: Preferences},
		},
		DefaultLang: "en",
		Texts: map[string]Texts{"en": {
			Title:         "We value your privacy",
			Description:   "We use cookies to run this site and, with your permission, to measure its use, show relevant ads and remember your preferences. You can change your choice at any time.",
			AcceptAll:     "Accept all",
			RejectAll:     "Reject all",
			Customize:     "Customize",
			Save:          "Save choices",
			Close:         "Close",
			PrivacyPolicy: "Privacy policy",
			GPCNotice:     "Your browser's Global Privacy Control signal was honoured: advertising stays off.",
			Purposes: map[string]PurposeText{
				Necessary:   {Title: "Necessary", Description: "Needed for the site to work. Always on."},
				Analytics:   {Title: "Analytics", Description: "Anonymous statistics that help us improve the site."},
				Advertising: {Title: "Advertising", Description: "Personalised ads and measuring their effect."},
				Preferences: {Title: "Preferences", Description: "Remembers your settings, such as language."},
			},
		}},
		Look:         Look{Layout: "box", Position: "bottom-right", Background: "#ffffff", Text: "#1f2937", Accent: "#1d4ed8"},
		LifetimeDays: DefaultLifetimeDays,
	}
}
