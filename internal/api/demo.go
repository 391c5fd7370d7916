package api

import (
	"embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// The demo page shows a newcomer the banner at once: a fake shop that embeds
// the demo site's snippet and two tags blocked until their purpose is granted.
//
//go:embed demo
var demoFiles embed.FS

const demoCSP = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (s *Server) demoPage(c echo.Context) error {
	b, err := demoFiles.ReadFile("demo/index.html")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", demoCSP)
	return c.HTMLBlob(http.StatusOK, b)
}

func (s *Server) demoAsset(c echo.Context) error {
	name := c.Param("file")
	b, err := demoFiles.ReadFile("demo/" + name)
	if err != nil || name == "index.html" {
		return echo.ErrNotFound
	}
	ct := "text/javascript; charset=utf-8"
	if len(name) > 4 && name[len(name)-4:] == ".css" {
		ct = "text/css; charset=utf-8"
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, ct, b)
}
