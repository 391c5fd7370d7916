package api

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// eventView is one event leaf of the log: the signed event (a JWS, typ
// assent-event+jwt) and where it is. Its inclusion proof comes from
// /api/v1/log/proof/inclusion?id=, like a receipt's.
type eventView struct {
	ID    string `json:"id"`
	Log   uint64 `json:"log"`
	Kind  string `json:"kind"`
	Event string `json:"event"`
}

// logEvents lists the log's events that concern a site, in log order:
// every receipt key activation, and the site's tombstones (receipts
// removed by retention or an erasure, each by id, index and leaf hash, no
// visitor id). With the receipts export, an auditor can account for the
// site's gaps in the log: a receipt that is gone was either removed under
// a signed tombstone, or tampered with.
func (s *Server) logEvents(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	keys, err := s.Store.Events("key_activated")
	if err != nil {
		return err
	}
	tombs, err := s.Store.Events("tombstone")
	if err != nil {
		return err
	}
	out := []eventView{}
	for _, e := range keys {
		out = append(out, eventView{ID: e.ID.String(), Log: e.Log, Kind: e.Kind, Event: e.JWS})
	}
	for _, e := range tombs {
		if eventSite(e.JWS) == site.ID {
			out = append(out, eventView{ID: e.ID.String(), Log: e.Log, Kind: e.Kind, Event: e.JWS})
		}
	}
	slices.SortFunc(out, func(a, b eventView) int { return cmp.Compare(a.Log, b.Log) })
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"events": out})
}

// eventSite reads the site claim of an event we signed (not verified
// again: it comes from our own store).
func eventSite(jws string) string {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct{ Site string }
	if err != nil || json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Site
}
