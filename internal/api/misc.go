package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

func (s *Server) jwks(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/jwk-set+json", s.Signer.Keys().JWKS())
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "log_size": s.Store.LogSize()})
}

// readyz says whether this instance should get traffic: its log must be
// signable (not rolled back or forked) and its store open.
func (s *Server) readyz(c echo.Context) error {
	if err := s.Ledger.Broken(); err != nil {
		// Anyone may ask; what exactly is wrong is for the operator's log.
		s.Log.Error("not ready: the log cannot be signed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "the log cannot be signed; see the server log"})
	}
	if err := s.Store.Failed(); err != nil {
		s.Log.Error("not ready: the database failed a commit", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "the database failed a write; restart the server"})
	}
	if _, err := s.Store.Meta("log_size"); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "database unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

var (
	hdrNosniff  = []string{"nosniff"}
	hdrReferrer = []string{"strict-origin-when-cross-origin"}
	hdrCSP      = []string{"default-src 'none'; frame-ancestors 'none'"}
	hdrHSTS     = []string{"max-age=31536000"}
)

// securityHeaders applies to every response; pages that render HTML set
// their own stricter CSP.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	// Served over https (itself, or behind a proxy that terminates TLS for
	// an https public URL): browsers are to come back only so, so that a
	// downgraded first visit cannot serve a false sign-in page. Not for
	// subdomains: they are not Assent's to decide. Nor for localhost,
	// where it would hold every port's plain-http server to https.
	https := strings.HasPrefix(s.PublicURL, "https://") && !loopbackName(strings.TrimPrefix(s.PublicURL, "https://"))
	return func(c echo.Context) error {
		h := c.Response().Header()
		// Shared, canonical values: no allocation per request. Capacity
		// equals length, so a handler's Add copies instead of writing into
		// the shared array.
		h["X-Content-Type-Options"] = hdrNosniff[:1:1]
		h["Referrer-Policy"] = hdrReferrer[:1:1]
		if https || c.Request().TLS != nil && !loopbackName(c.Request().Host) {
			h["Strict-Transport-Security"] = hdrHSTS[:1:1]
		}
		// Nothing but the pages (which set their own) should ever render or
		// be framed; a JSON error opened in a browser included.
		h["Content-Security-Policy"] = hdrCSP[:1:1]
		return next(c)
	}
}

// rateLimiter limits decision POSTs per client IP (a token bucket with a
// burst of twice the rate), IPv6 clients per /64, which one host gets whole
// and could otherwise rotate through. Client IPs come from the connection
// unless the server trusts a proxy's X-Forwarded-For.
func (s *Server) rateLimiter() echo.MiddlewareFunc {
	if s.RateLimit <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	retry := strconv.Itoa(max(1, int(1/s.RateLimit)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(s.RateLimit), Burst: max(1, int(2*s.RateLimit)),
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return clientKey(c.RealIP()), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			s.corsForSomeSite(c) // the body is unread: any site's origin may read why
			return consent.Errorf(consent.ECodeRateLimited, "too many decisions from this address; retry later")
		},
		ErrorHandler: func(c echo.Context, _ error) error {
			return consent.Errorf(consent.ECodeForbidden, "client address unknown")
		},
	})
}
