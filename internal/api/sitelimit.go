package api

import (
	"strconv"
	"sync"

	"github.com/assent/assent/internal/consent"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// siteLimits caps decisions per second per site, so one flooded site (a bot
// cycling through addresses) cannot take the whole server's write capacity.
// Only existing sites get a limiter, so the map stays as small as the site
// list.
type siteLimits struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

// allowSite reports whether a decision for site may proceed; when not, it
// sets Retry-After and returns the rate_limited error.
func (s *Server) allowSite(c echo.Context, site string) error {
	if s.SiteRateLimit <= 0 {
		return nil
	}
	s.siteLimits.mu.Lock()
	if s.siteLimits.m == nil {
		s.siteLimits.m = map[string]*rate.Limiter{}
	}
	l := s.siteLimits.m[site]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.SiteRateLimit), max(1, int(2*s.SiteRateLimit)))
		s.siteLimits.m[site] = l
	}
	s.siteLimits.mu.Unlock()
	if l.Allow() {
		return nil
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(1/s.SiteRateLimit))))
	return consent.Errorf(consent.ECodeRateLimited, "too many decisions for site %q; retry later", site)
}
