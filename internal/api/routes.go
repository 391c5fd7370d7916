package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// getHead: the public, cacheable resources answer HEAD too, as CDNs and
// uptime checks expect; net/http drops the body and keeps its length.
var getHead = []string{http.MethodGet, http.MethodHead}

func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.Recover(), s.securityHeaders)
	if s.Metrics != nil {
		e.Use(s.Metrics.middleware)
		e.GET("/metrics", s.metricsHandler())
	}

	e.GET("/", s.demoPage)
	e.Match(getHead, "/demo/:file", s.demoAsset)
	e.Match(getHead, "/healthz", s.healthz)
	e.Match(getHead, "/readyz", s.readyz)
	e.Match(getHead, "/s/:file", s.snippet)
	e.Match(getHead, "/s/t/:file", s.snippetTags)
	e.Match(getHead, "/.well-known/jwks.json", s.jwks)
	s.dashboardRoutes(e) // the web UI (admin_dashboard.go)

	v1 := e.Group("/api/v1")
	v1.OPTIONS("/consents", s.preflight)
	v1.POST("/consents", s.recordConsent, middleware.BodyLimit("8KiB"), s.rateLimiter())
	v1.GET("/consents/:id", s.getConsent)
	v1.Match(getHead, "/sites/:site/config", s.siteConfig)
	v1.GET("/sites/:site/visitors/:visitor/consent", s.visitorConsent)
	v1.GET("/log/checkpoint", s.logCheckpoint)
	v1.GET("/log/key", s.logKey)
	v1.GET("/log/proof/inclusion", s.logInclusion)
	v1.GET("/log/proof/consistency", s.logConsistency)

	auditor := s.requireRole(RoleAuditor)
	admin := v1.Group("/admin", middleware.BodyLimit("1MiB"))
	s.adminRoutes(admin) // dashboard: sessions, users, tokens, sites, insights (admin_routes.go)
	admin.GET("/sites/:site/receipts", s.exportReceipts, auditor)
	admin.GET("/sites/:site/evidence", s.evidencePack, auditor)
	admin.GET("/sites/:site/events", s.logEvents, auditor)
	admin.GET("/sites/:site/recent", s.recentConsents, auditor)
	admin.GET("/consents/:id/view", s.standardView, auditor)
	admin.GET("/backup", s.backup, s.requireRole(RoleOwner))
	admin.POST("/sites/:site/visitors/:visitor/erase", s.eraseVisitor, s.requireRole(RoleOwner))
	v1.POST("/admin/verify", s.verifyUpload, middleware.BodyLimit("512MiB"), auditor)

	v1.Any("/*", notFound)
	// A group with middleware answers its own unknown paths (Echo's 404):
	// the admin routes get 405 like the rest.
	admin.RouteNotFound("", notFound)
	admin.RouteNotFound("/*", notFound)
}
