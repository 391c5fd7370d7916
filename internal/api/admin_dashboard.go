package api

import "github.com/labstack/echo/v4"

// dashboardRoutes serves the dashboard UI.
func (s *Server) dashboardRoutes(e *echo.Echo) {}
