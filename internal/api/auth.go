package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

// Roles of admin API callers.
const (
	RoleOwner   = "owner"   // everything
	RoleAuditor = "auditor" // read, search, export, verify
)

// Dashboard sessions: an opaque random cookie, HttpOnly and SameSite=Strict,
// plus a per-session CSRF token the page sends back in a header on every
// state-changing request (SameSite alone does not cover old browsers or
// same-site subdomains).
const (
	sessionCookie = "assent_session"
	csrfHeader    = "X-CSRF-Token"
	sessionTTL    = 12 * time.Hour
	tokenPrefix   = "assent_" // makes leaked tokens easy to grep for
)

// principal is who an admin request acts as.
type principal struct {
	Name    string
	Role    string
	Account string // the person acting, or whose token acts; "" for the env token
	Session []byte // hash of the session secret; nil for bearer tokens
	CSRF    string
}

const principalKey = "assent.principal"

// requireRole admits admin requests from a caller holding one of roles.
// Anonymous: 401; authenticated without the role: 403.
func (s *Server) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, err := s.authenticate(c)
			if err != nil {
				return err
			}
			if p == nil {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="assent"`)
				return consent.Errorf(consent.ECodeUnauthorized, "sign in or send Authorization: Bearer <token>")
			}
			c.Response().Header().Set("Cache-Control", "no-store")
			for _, r := range roles {
				if p.Role == r || p.Role == RoleOwner {
					c.Set(principalKey, p)
					return next(c)
				}
			}
			return consent.Errorf(consent.ECodeDenied, "your role (%s) may not do this", p.Role)
		}
	}
}

// authenticate identifies the caller, or returns nil for anonymous. A bearer
// token is the env token or a stored API token; otherwise the session
// cookie, whose CSRF token must accompany every unsafe method. An expired or
// unknown session is anonymous (401), so the dashboard shows its login.
func (s *Server) authenticate(c echo.Context) (*principal, error) {
	if tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		return s.bearer(tok)
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	hash := hashSecret(ck.Value)
	sess, err := s.Store.Session(hash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.Now().Before(sess.ExpiresAt)) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	u, err := s.Store.User(sess.User)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !safeMethod(c.Request().Method) && !equalSecret(c.Request().Header.Get(csrfHeader), sess.CSRF) {
		return nil, consent.Errorf(consent.ECodeDenied, "missing or stale CSRF token; reload the page")
	}
	return &principal{Name: u.Name, Role: u.Role, Account: u.Name, Session: hash, CSRF: sess.CSRF}, nil
}

func (s *Server) bearer(tok string) (*principal, error) {
	if s.AdminToken != "" && equalSecret(tok, s.AdminToken) {
		return &principal{Name: "env-token", Role: RoleOwner, Account: envAccount(s.AdminToken)}, nil
	}
	if strings.HasPrefix(tok, tokenPrefix) {
		t, err := s.Store.TokenByHash(hashSecret(tok))
		if err == nil {
			return s.tokenPrincipal(t)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, consent.Errorf(consent.ECodeUnauthorized, "invalid or revoked token")
}

// tokenPrincipal is who a stored API token acts as: its own role, but never
// more than the person behind it holds now. Demoting that person demotes
// their tokens; removing the account stops them, as offboarding expects.
// (Tokens from before Account was recorded name their maker in CreatedBy.)
//
// A token the env token made (or a token made by one of those) lasts as
// long as that env token: rotating or unsetting ASSENT_ADMIN_TOKEN stops
// it, so a leaked env token leaves nothing behind once it is changed.
// (Those made before this was recorded last while any env token is set.)
func (s *Server) tokenPrincipal(t *store.APIToken) (*principal, error) {
	p := &principal{Name: "token:" + t.Name, Role: t.Role, Account: t.Person()}
	if strings.HasPrefix(p.Account, "env:") || p.Account == "" {
		if s.AdminToken == "" || (p.Account != "" && !equalSecret(p.Account, envAccount(s.AdminToken))) {
			return nil, consent.Errorf(consent.ECodeUnauthorized, "this token was made with an ASSENT_ADMIN_TOKEN that is no longer set; create a new token")
		}
		return p, nil
	}
	u, err := s.Store.User(p.Account)
	if errors.Is(err, store.ErrNotFound) {
		return nil, consent.Errorf(consent.ECodeUnauthorized, "this token's account (%s) was removed; create a new token", p.Account)
	} else if err != nil {
		return nil, err
	}
	if u.Role != RoleOwner {
		p.Role = u.Role
	}
	return p, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// newSecret returns 32 random bytes, base64url: sessions, CSRF and API tokens.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// envAccount names the env token in the tokens it makes: a fingerprint,
// which cannot be turned back into the token.
func envAccount(token string) string {
	return "env:" + hex.EncodeToString(hashSecret("assent env token\x00" + token)[:8])
}

// hashSecret is the lookup key of a high-entropy secret. A fast hash is
// right here: the secret is random, not a password, so it cannot be guessed
// from its hash.
func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// equalSecret compares secrets in constant time (hashing first so the length
// does not leak either).
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
