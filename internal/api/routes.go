package api

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.Recover(), securityHeaders)

	e.GET("/", s.demoPage)
	e.GET("/demo/:file", s.demoAsset)
	e.GET("/healthz", s.healthz)
	e.GET("/s/:file", s.snippet)
	e.GET("/.well-known/jwks.json", s.jwks)
	s.dashboardRoutes(e) // the web UI (admin_dashboard.go)

	v1 := e.Group("/api/v1", middleware.BodyLimit("8K"))
	v1.OPTIONS("/consents", s.preflight)
	v1.POST("/consents", s.recordConsent, s.rateLimiter())
	v1.GET("/consents/:id", s.getConsent)
	v1.GET("/sites/:site/config", s.siteConfig)
	v1.GET("/sites/:site/visitors/:visitor/consent", s.visitorConsent)
	v1.GET("/log/checkpoint", s.logCheckpoint)
	v1.GET("/log/key", s.logKey)
	v1.GET("/log/proof/inclusion", s.logInclusion)
	v1.GET("/log/proof/consistency", s.logConsistency)

	admin := v1.Group("/admin")
	s.adminRoutes(admin) // dashboard: sessions, users, tokens, sites, insights (admin_routes.go)

	v1.Any("/*", notFound)
}
