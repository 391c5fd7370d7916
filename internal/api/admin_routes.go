package api

import "github.com/labstack/echo/v4"

// adminRoutes registers the admin API used by the dashboard and automation.
// Every route carries requireRole, except signing in.
func (s *Server) adminRoutes(g *echo.Group) {
	owner, auditor := s.requireRole(RoleOwner), s.requireRole(RoleAuditor)

	g.POST("/session", s.login(newThrottle())) // the one anonymous route: signing in
	g.GET("/session", s.me, auditor)
	g.DELETE("/session", s.logout, auditor)
	g.GET("/whoami", s.whoami, auditor)

	g.GET("/users", s.listUsers, owner)
	g.POST("/users", s.createUser, owner)
	g.PUT("/users/:name", s.updateUser, owner)
	g.DELETE("/users/:name", s.deleteUser, owner)
	g.GET("/tokens", s.listTokens, owner)
	g.POST("/tokens", s.createToken, owner)
	g.DELETE("/tokens/:id", s.revokeToken, owner)

	g.GET("/sites", s.listSites, auditor)
	g.POST("/sites", s.createSite, owner)
	g.GET("/sites/:site", s.getSite, auditor)
	g.PUT("/sites/:site", s.updateSite, owner)
	g.POST("/sites/:site/publish", s.publishSite, owner)
	g.GET("/sites/:site/versions/:version", s.siteVersion, auditor)
	g.GET("/sites/:site/insights", s.siteInsights, auditor)
	g.GET("/consents", s.searchConsents, auditor)
}

func (s *Server) whoami(c echo.Context) error {
	p := c.Get(principalKey).(*principal)
	return c.JSON(200, map[string]string{"name": p.Name, "role": p.Role})
}
