package api

import (
	"net/http"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/retention"
	"github.com/google/uuid"
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

// A page of events holds at most this many, and stops after this many
// bytes of them: one retention pass on a busy site is a tombstone of
// megabytes.
const (
	eventsPage      = 100
	eventsPageBytes = 4 << 20
)

// logEvents lists the log's events that concern a site, in the order they
// were made, a page at a time (?after= the last id of the page before):
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
	after, err := uuidParam(c, "after", "an event id")
	if err != nil {
		return err
	}
	out, size, more := []eventView{}, 0, false
	err = s.Store.EachEvent(after, func(id uuid.UUID, log uint64, kind string, jws []byte) bool {
		if kind == "tombstone" && retention.SiteOf(jws) != site.ID {
			return true
		}
		if len(out) == eventsPage || len(out) > 0 && size+len(jws) > eventsPageBytes {
			more = true
			return false
		}
		size += len(jws)
		out = append(out, eventView{ID: id.String(), Log: log, Kind: kind, Event: string(jws)})
		return true
	})
	if err != nil {
		return err
	}
	res := map[string]any{"events": out}
	if more {
		res["next"] = out[len(out)-1].ID
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, res)
}

// uuidParam reads an optional UUID query parameter (uuid.Nil when absent),
// naming what it must be when it is not one.
func uuidParam(c echo.Context, name, what string) (uuid.UUID, error) {
	q := c.QueryParam(name)
	if q == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(q)
	if err != nil {
		return uuid.Nil, consent.Errorf(consent.ECodeInvalid, "%s must be %s", name, what)
	}
	return id, nil
}
