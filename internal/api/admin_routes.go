package api

import "github.com/labstack/echo/v4"

// adminRoutes registers the admin API used by the dashboard and automation.
// Every route carries requireRole.
func (s *Server) adminRoutes(g *echo.Group) {
	g.GET("/whoami", s.whoami, s.requireRole(RoleAuditor))
}

func (s *Server) whoami(c echo.Context) error {
	p := c.Get(principalKey).(*principal)
	return c.JSON(200, map[string]string{"name": p.Name, "role": p.Role})
}
