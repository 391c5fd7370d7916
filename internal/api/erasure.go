package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

type erased struct {
	Erased       int    `json:"erased"`
	Log          uint64 `json:"log"`
	Confirmation string `json:"confirmation"` // the tombstone: a JWS (typ assent-event+jwt)
}

// eraseVisitor removes every receipt of one visitor on a site (a data
// subject's erasure request, handled by an owner) and returns the signed
// tombstone as confirmation. The log keeps the receipts' leaf hashes only.
func (s *Server) eraseVisitor(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	v := strings.ToLower(c.Param("visitor")) // as receipts name it (sub)
	if !consent.ValidUUID(v) {
		return consent.Errorf(consent.ECodeInvalid, "visitor must be a UUID")
	}
	// No decision of the visitor's is recorded between reading the chain and
	// removing it: it would outlive the erasure.
	unlock := s.Store.LockVisitor(site.ID, v)
	defer unlock()
	chain, err := s.visitorChain(site.ID, v)
	if err != nil {
		return err
	}
	ev, n, err := s.Remover.Remove(site.ID, retention.ReasonErasure, chain)
	if errors.Is(err, store.ErrNotFound) {
		return consent.Errorf(consent.ECodeNotFound, "no receipts for visitor %s: removed meanwhile", v)
	} else if err != nil {
		return err
	}
	s.Log.Info("visitor erased", "site", site.ID, "receipts", n, "log", ev.Log)
	return c.JSON(http.StatusOK, erased{Erased: n, Log: ev.Log, Confirmation: ev.JWS})
}
