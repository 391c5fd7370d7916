// Package consent is Assent's domain: sites, purposes, decisions, receipt
// claims and validation. It performs no I/O and imports only the standard
// library, so every rule here is testable without a server or a database.
package consent

import "fmt"

// Error codes. The API maps each to an HTTP status in one table.
const (
	ECodeInvalid          = "invalid_request"   // malformed body or field
	ECodeUnknownField     = "unknown_field"     // body carries a field we do not know
	ECodeUnknownPurp      = "unknown_purpose"   // choices name a purpose the site lacks
	ECodeMissingPurp      = "missing_purpose"   // choices omit a purpose of the site
	ECodeUnknownConfig    = "unknown_config"    // config hash is not a published version
	ECodeConflict         = "action_mismatch"   // action disagrees with choices
	ECodeDecisionConflict = "decision_conflict" // a decision id sent again with other choices, or a decision delivered late
	ECodeNotFound         = "not_found"         // unknown site, receipt, route
	ECodeForbidden        = "origin_forbidden"  // Origin not allowed for the site
	ECodeTooLarge         = "body_too_large"    // over the body limit
	ECodeRateLimited      = "rate_limited"      // too many requests
	ECodeUnauthorized     = "unauthorized"      // no or bad credentials
	ECodeDenied           = "forbidden"         // authenticated but not allowed
	ECodeUnavailable      = "unavailable"       // store cannot accept writes now
	ECodeInternal         = "internal"          // a bug; details only in the log
)

// Error is the one error type that reaches API clients. Code is a stable
// snake_case identifier; Message is human text safe to show to anyone.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
