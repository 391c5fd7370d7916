package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/labstack/echo/v4"
)

// Roles of admin API callers.
const (
	RoleOwner   = "owner"   // everything
	RoleAuditor = "auditor" // read, search, export, verify
)

// principal is who an admin request acts as.
type principal struct {
	Name string
	Role string
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

// authenticate identifies the caller, or returns nil for anonymous.
func (s *Server) authenticate(c echo.Context) (*principal, error) {
	h := c.Request().Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return nil, nil
	}
	if s.AdminToken != "" && equalSecret(tok, s.AdminToken) {
		return &principal{Name: "env-token", Role: RoleOwner}, nil
	}
	return nil, consent.Errorf(consent.ECodeUnauthorized, "invalid token")
}

// equalSecret compares secrets in constant time (hashing first so the length
// does not leak either).
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
