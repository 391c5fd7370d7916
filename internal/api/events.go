package api

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
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
		if kind == "tombstone" && eventSite(jws) != site.ID {
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

// eventSite reads the site claim of a tombstone we signed (not verified
// again: it comes from our own store). The claims name the site before
// the removed receipts, so only the start of a large one is decoded.
func eventSite(jws []byte) string {
	_, rest, ok := bytes.Cut(jws, []byte("."))
	payload, _, ok2 := bytes.Cut(rest, []byte("."))
	if !ok || !ok2 {
		return ""
	}
	d := json.NewDecoder(base64.NewDecoder(base64.RawURLEncoding, bytes.NewReader(payload)))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return ""
		}
		if k == "site" {
			var site string
			if d.Decode(&site) != nil {
				return ""
			}
			return site
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil && err != io.EOF {
			return ""
		}
	}
	return ""
}

// rangeTombstones returns the site's tombstones (as the store holds them)
// that removed receipts issued in [from, to), in log order: what an
// evidence pack of that range must account for. A tombstone made before
// they named each receipt's time cannot be placed, and is left out; the
// events endpoint lists it.
func (s *Server) rangeTombstones(site string, from, to time.Time) ([]store.Event, error) {
	var out []store.Event
	err := s.Store.EachEvent(uuid.Nil, func(id uuid.UUID, log uint64, kind string, jws []byte) bool {
		if kind != "tombstone" || eventSite(jws) != site {
			return true
		}
		_, rest, _ := bytes.Cut(jws, []byte("."))
		payload, _, _ := bytes.Cut(rest, []byte("."))
		var t retention.Tombstone
		if json.NewDecoder(base64.NewDecoder(base64.RawURLEncoding, bytes.NewReader(payload))).Decode(&t) != nil {
			return true
		}
		for _, r := range t.Removed {
			if at, err := time.Parse(time.RFC3339Nano, r.IssuedAt); err == nil && !at.Before(from) && at.Before(to) {
				out = append(out, store.Event{ID: id, Kind: kind, JWS: string(jws), Log: log})
				break
			}
		}
		return true
	})
	slices.SortFunc(out, func(a, b store.Event) int { return cmp.Compare(a.Log, b.Log) })
	return out, err
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
