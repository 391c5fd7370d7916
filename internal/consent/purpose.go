package consent

import "regexp"

// The purposes every site has. Necessary is always granted.
const (
	Necessary   = "necessary"
	Analytics   = "analytics"
	Advertising = "advertising"
	Preferences = "preferences"
)

var purposeID = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ValidPurposeID reports whether id is a well-formed purpose identifier.
func ValidPurposeID(id string) bool { return purposeID.MatchString(id) }

// ConsentModeSignals maps a purpose to the Google Consent Mode v2 signals it
// drives. security_storage is always granted and so belongs to no purpose.
var consentModeSignals = map[string][]string{
	Analytics:   {"analytics_storage"},
	Advertising: {"ad_storage", "ad_user_data", "ad_personalization"},
	Preferences: {"functionality_storage", "personalization_storage"},
}

// ConsentModeSignals returns the Consent Mode v2 signals purpose drives.
func ConsentModeSignals(purpose string) []string {
	return append([]string(nil), consentModeSignals[purpose]...)
}
