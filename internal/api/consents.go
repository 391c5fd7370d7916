package api

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

const timeMillis = "2006-01-02T15:04:05.000Z07:00"

// recordConsent turns a visitor's decision into a signed receipt and answers
// 201 only once the receipt is fsynced.
func (s *Server) recordConsent(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or a broken connection
	}
	d, err := consent.DecodeDecision(body)
	if err != nil {
		// The banner must be able to read why: it drops a decision refused
		// as malformed instead of posting it again on every page.
		s.corsForSomeSite(c)
		return err
	}
	// One decision per visitor at a time: the snippet never sends two at
	// once, and a flood for one visitor must not queue for its lock while
	// holding the admission slots below that everyone else needs.
	key := d.Site + "|" + d.Visitor
	if _, busy := s.inflight.LoadOrStore(key, struct{}{}); busy {
		c.Response().Header().Set("Retry-After", "1")
		if site, err := s.Store.Site(d.Site); err == nil {
			s.allowOrigin(c, site) // so the banner reads the 429, not a CORS failure
		}
		return consent.Errorf(consent.ECodeRateLimited, "a decision for this visitor is already being recorded; retry")
	}
	defer s.inflight.Delete(key)
	// Decisions are CPU-bound (two signatures each). Past a few per core,
	// running more at once only lengthens every one of them; waiting here,
	// in arrival order, keeps the tail latency near the median and leaves a
	// core free for the commit the waiting ones depend on.
	s.admit <- struct{}{}
	released := false
	release := func() {
		if !released {
			released = true
			<-s.admit
		}
	}
	defer release()
	site, err := s.Store.Site(d.Site)
	if err != nil {
		s.corsForSomeSite(c)
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", d.Site)
	}
	if !s.allowOrigin(c, site) {
		return consent.Errorf(consent.ECodeForbidden, "origin not allowed for site %q", d.Site)
	}
	if err := s.allowSite(c, site.ID); err != nil {
		return err
	}
	pub, err := s.Store.Config(d.Site, d.Config)
	if err != nil {
		return consent.Errorf(consent.ECodeUnknownConfig, "config %s is not a published version of site %q", d.Config, d.Site)
	}
	d.Config = pub.Version // the receipt names it in full
	choices, err := d.Check(pub.Config)
	if err != nil {
		return err
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	in := issue{d: d, cfg: pub.Config, choices: choices, now: now,
		gpc: c.Request().Header.Get("Sec-GPC") == "1", ip: consent.TruncateIP(c.RealIP())}
	var decision uuid.UUID
	if d.ID != "" {
		decision = uuid.MustParse(d.ID) // checked by DecodeDecision
	}
	rec, replayed, err := s.Store.RecordDecision(d.Site, d.Visitor, decision, in.build(s.Signer, s.PublicURL, release))
	if errors.Is(err, store.ErrStale) {
		return consent.Errorf(consent.ECodeDecisionConflict, "decision %s was made before the visitor's latest, which is recorded", d.ID)
	} else if err != nil {
		return err
	}
	status := http.StatusCreated
	if replayed {
		// The same decision again: its receipt, unless the id came back
		// with other choices, which no retry does.
		if rec.Action != d.Action || !bytes.Equal(rec.Choices, mustJSON(choices)) {
			return consent.Errorf(consent.ECodeDecisionConflict, "decision %s was recorded with other choices", d.ID)
		}
		status = http.StatusOK
	}
	// Every field is a UUID, base64url or a timestamp: no escaping needed.
	b := make([]byte, 0, 160+len(rec.JWS)+len(rec.Token))
	b = append(append(b, `{"id":"`...), rec.ID.String()...)
	b = append(append(b, `","receipt":"`...), rec.JWS...)
	b = append(append(b, `","token":"`...), rec.Token...)
	b = rec.IssuedAt.AppendFormat(append(b, `","issued_at":"`...), timeMillis)
	b = rec.ExpiresAt.AppendFormat(append(b, `","expires_at":"`...), timeMillis)
	// Seconds the token has left, by this server's clock: what the banner
	// gives its cookie, whatever the visitor's clock says (and for a retried
	// decision, less than its whole lifetime).
	b = strconv.AppendInt(append(b, `","max_age":`...), max(0, int64(rec.ExpiresAt.Sub(s.Now())/time.Second)), 10)
	return c.JSONBlob(status, append(b, '}'))
}

type issue struct {
	d       *consent.Decision
	cfg     *consent.Config
	choices map[string]bool
	now     time.Time
	gpc     bool
	ip      string
}

// build returns the store callback that signs the receipt once its log index
// and the visitor's previous receipt are known.
func (in *issue) build(signer *receipt.Signer, issuer string, signed func()) store.Build {
	return func(logIndex uint64, prev uuid.UUID) *store.Receipt {
		defer signed() // the CPU work is done; waiting for the commit is not
		id := newID(in.now)
		exp := in.now.AddDate(0, 0, in.cfg.LifetimeDays)
		claims := consent.ReceiptClaims{JTI: id.String(), Iss: issuer, Sub: in.d.Visitor,
			Iat: in.now.Unix(), Exp: exp.Unix(), Site: in.d.Site, Action: in.d.Action, Choices: in.choices,
			Config: in.d.Config, Lang: in.d.Lang, URL: in.d.URL, GPC: in.gpc, Log: logIndex}
		if prev != uuid.Nil {
			claims.Prev = prev.String()
		}
		choices := mustJSON(in.choices)
		token := claims.Token(in.cfg)
		return &store.Receipt{ID: id, Site: in.d.Site, Visitor: in.d.Visitor, Log: logIndex,
			IssuedAt: in.now, ExpiresAt: exp, Action: in.d.Action, Choices: choices, Config: in.d.Config,
			JWS: signer.SignReceipt(&claims), Token: signer.SignToken(&token), IPPrefix: in.ip, Granted: token.Granted}
	}
}

// mustJSON encodes choices as receipts store them.
func mustJSON(choices map[string]bool) []byte {
	b, _ := json.Marshal(choices) // map[string]bool cannot fail
	return b
}

// newID returns a UUIDv7 whose timestamp is now (the injected clock), so
// receipt keys sort by issue time even under a test clock.
func newID(now time.Time) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(id[:6], ms[2:])
	return id
}

type consentView struct {
	ID      string          `json:"id"`
	Receipt string          `json:"receipt"`
	Claims  json.RawMessage `json:"claims"`
}

// receiptParam loads the receipt named by the :id path parameter. Errors:
// invalid_request, not_found.
func (s *Server) receiptParam(c echo.Context) (*store.Receipt, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return nil, consent.Errorf(consent.ECodeInvalid, "receipt id must be a UUID")
	}
	rec, err := s.Store.Receipt(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, consent.Errorf(consent.ECodeNotFound, "no receipt %s", id)
	}
	return rec, err
}

func (s *Server) getConsent(c echo.Context) error {
	rec, err := s.receiptParam(c)
	if err != nil {
		return err
	}
	id := rec.ID
	payload, _, err := s.Signer.Keys().Verify(rec.JWS, receipt.TypReceipt)
	if err != nil {
		return err // our own stored receipt failed to verify: a 500 worth logging
	}
	// A receipt never changes, but an erasure or retention removes it: a
	// browser must ask again rather than show it for an hour after.
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return c.JSON(http.StatusOK, consentView{ID: id.String(), Receipt: rec.JWS, Claims: payload})
}

// allowOrigin reflects the request's Origin in CORS headers when the site
// allows it. Requests without Origin (servers, curl) are allowed: only
// browsers send it, and it is what stops other sites posting for this one.
func (s *Server) allowOrigin(c echo.Context, site *consent.Site) bool {
	origin := c.Request().Header.Get("Origin")
	h := c.Response().Header()
	h.Add("Vary", "Origin")
	if origin == "" {
		return true
	}
	if !consent.OriginAllowed(site.Origins, origin) {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	return true
}

// preflight answers CORS preflights for decision POSTs from an origin that
// some site allows; the POST itself is checked against its own site. The
// snippet posts text/plain to avoid the preflight round trip altogether.
func (s *Server) preflight(c echo.Context) error {
	if s.corsForSomeSite(c) {
		h := c.Response().Header()
		h.Set("Access-Control-Allow-Methods", "POST")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "86400")
		return c.NoContent(http.StatusNoContent)
	}
	return consent.Errorf(consent.ECodeForbidden, "origin not allowed")
}

// corsForSomeSite lets the request's origin read the answer if some site
// allows that origin, for answers that name no site's data.
func (s *Server) corsForSomeSite(c echo.Context) bool {
	origin := c.Request().Header.Get("Origin")
	c.Response().Header().Add("Vary", "Origin")
	for _, site := range s.Store.Sites() {
		if origin != "" && consent.OriginAllowed(site.Origins, origin) {
			c.Response().Header().Set("Access-Control-Allow-Origin", origin)
			return true
		}
	}
	return false
}

// required reports whether the config's purpose p cannot be refused.
func required(cfg *consent.Config, p string) bool {
	for _, q := range cfg.Purposes {
		if q.ID == p {
			return q.Required
		}
	}
	return false
}

func requirePurpose(cfg *consent.Config, p string) error {
	if !consent.ValidPurposeID(p) {
		return consent.Errorf(consent.ECodeInvalid, "purpose must match [a-z][a-z0-9_-]{0,31}")
	}
	for _, q := range cfg.Purposes {
		if q.ID == p {
			return nil
		}
	}
	return consent.Errorf(consent.ECodeUnknownPurp, "site has no purpose %q", strings.ToLower(p))
}
