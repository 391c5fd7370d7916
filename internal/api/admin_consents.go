package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// maxChain bounds how many of a visitor's receipts one search returns;
// maxWalk how far a chain is followed at all (also by erasure).
const (
	maxChain = 100
	maxWalk  = 100000
)

type logEntry struct {
	ID        string          `json:"id"`
	Receipt   string          `json:"receipt"`
	Claims    json.RawMessage `json:"claims"`
	Verified  bool            `json:"verified"`
	KID       string          `json:"kid,omitempty"`
	Problem   string          `json:"problem,omitempty"` // why verification failed
	IssuedAt  string          `json:"issued_at"`
	ExpiresAt string          `json:"expires_at"`
}

type logResult struct {
	Query    string                     `json:"query"`
	Match    string                     `json:"match"` // receipt or visitor
	Site     string                     `json:"site"`
	Visitor  string                     `json:"visitor"`
	Receipts []logEntry                 `json:"receipts"`      // the visitor's chain, newest first, at most maxChain
	Total    int                        `json:"total"`         // receipts in the whole chain
	Gap      bool                       `json:"gap,omitempty"` // the last receipt is the one searched for, older than the others
	Configs  map[string]json.RawMessage `json:"configs"`       // every config version the chain names, as served
}

// searchConsents finds a receipt by id or a visitor by id (in ?site= or any
// site) and returns the visitor's whole chain, each receipt verified
// against the server's keys, with the config versions they were given
// under. Errors: invalid_request (not a UUID), not_found.
func (s *Server) searchConsents(c echo.Context) error {
	q := strings.ToLower(strings.TrimSpace(c.QueryParam("q")))
	id, err := uuid.Parse(q)
	if err != nil || len(q) != 36 {
		return consent.Errorf(consent.ECodeInvalid, "search by a receipt id or a visitor id (both are UUIDs)")
	}
	res := &logResult{Query: q, Configs: map[string]json.RawMessage{}}
	var head uuid.UUID
	if rec, err := s.Store.Receipt(id); err == nil {
		res.Match, res.Site, res.Visitor = "receipt", rec.Site, rec.Visitor
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	} else if res.Site, head = s.findVisitor(q, c.QueryParam("site")); head == uuid.Nil {
		return consent.Errorf(consent.ECodeNotFound, "no receipt or visitor %s", q)
	} else {
		res.Match, res.Visitor = "visitor", q
	}
	if head == uuid.Nil {
		st, err := s.Store.Visitor(res.Site, res.Visitor, false)
		if err != nil {
			return err
		}
		head = st.ReceiptID
	}
	if err := s.chain(res, head); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// findVisitor returns the site and latest receipt of a visitor id.
func (s *Server) findVisitor(visitor, site string) (string, uuid.UUID) {
	for _, st := range s.Store.Sites() {
		if site != "" && st.ID != site {
			continue
		}
		if v, err := s.Store.Visitor(st.ID, visitor, false); err == nil {
			return st.ID, v.ReceiptID
		}
	}
	return "", uuid.Nil
}

// chain follows prev links from head, verifying each receipt. A receipt
// searched for that is older than the receipts shown is shown too, last,
// after a gap: never another receipt in its place.
func (s *Server) chain(res *logResult, head uuid.UUID) error {
	keys := s.Signer.Keys()
	id, found := head, false
	for id != uuid.Nil && len(res.Receipts) < maxChain {
		rec, err := s.Store.Receipt(id)
		if errors.Is(err, store.ErrNotFound) && len(res.Receipts) > 0 {
			id = uuid.Nil // older ones were removed by retention: the chain ends here
			break
		} else if err != nil {
			return err
		}
		e, prev := s.logEntry(res, keys, rec)
		res.Receipts = append(res.Receipts, e)
		found = found || e.ID == res.Query
		id = prev
	}
	// Past the shown receipts only count (as erasure would find them), so
	// an owner erasing a visitor is told exactly how many receipts go.
	res.Total = len(res.Receipts)
	for ; id != uuid.Nil && res.Total < maxWalk; res.Total++ {
		rec, err := s.Store.Receipt(id)
		if errors.Is(err, store.ErrNotFound) {
			break // removed by retention: the chain ends here
		} else if err != nil {
			return err
		}
		id = prevOf(rec.JWS)
	}
	if res.Match == "receipt" && !found {
		rec, err := s.Store.Receipt(uuid.MustParse(res.Query))
		if err != nil {
			return err
		}
		e, _ := s.logEntry(res, keys, rec)
		res.Receipts, res.Gap = append(res.Receipts, e), true
	}
	return nil
}

// logEntry verifies a stored receipt for the log, adds the config version
// it names to res, and returns its prev claim (nil when unverified).
func (s *Server) logEntry(res *logResult, keys receipt.KeySet, rec *store.Receipt) (logEntry, uuid.UUID) {
	e := logEntry{ID: rec.ID.String(), Receipt: rec.JWS, IssuedAt: rec.IssuedAt.Format(timeMillis),
		ExpiresAt: rec.ExpiresAt.Format(timeMillis)}
	var claims consent.ReceiptClaims
	payload, kid, err := keys.Verify(rec.JWS, receipt.TypReceipt)
	switch {
	case err != nil:
		e.Problem = err.Error()
	case json.Unmarshal(payload, &claims) != nil || claims.JTI != e.ID:
		e.Problem = "the signed claims do not name this receipt"
	default:
		e.Verified, e.KID, e.Claims = true, kid, payload
	}
	if e.Claims == nil {
		_, p, _ := strings.Cut(rec.JWS, ".")
		p, _, _ = strings.Cut(p, ".")
		e.Claims, _ = json.Marshal(map[string]string{"unverified_payload": p})
	}
	if pub, err := s.Store.Config(rec.Site, claims.Config); err == nil {
		res.Configs[claims.Config] = served(pub)
	}
	prev, _ := uuid.Parse(claims.Prev)
	return e, prev
}

// prevOf reads the prev claim of a stored receipt without verifying it (the
// shown part of the chain is verified; this only counts).
func prevOf(jws string) uuid.UUID {
	_, p, _ := strings.Cut(jws, ".")
	p, _, _ = strings.Cut(p, ".")
	payload, err := base64.RawURLEncoding.DecodeString(p)
	var claims struct{ Prev string }
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return uuid.Nil
	}
	id, _ := uuid.Parse(claims.Prev)
	return id
}

// recentEntry is one line of the consent log's list of recent decisions.
type recentEntry struct {
	ID       string          `json:"id"`
	IssuedAt string          `json:"issued_at"`
	Visitor  string          `json:"visitor"`
	Action   string          `json:"action"`
	Choices  json.RawMessage `json:"choices"`
}

// recentConsents lists a site's latest receipts, newest first, a page at a
// time (?before= the next of the page before; ?limit= up to 100), so the
// consent log can be browsed, not only searched.
func (s *Server) recentConsents(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	before, err := uuidParam(c, "before", "a receipt id")
	if err != nil {
		return err
	}
	n := 25
	if q := c.QueryParam("limit"); q != "" {
		if n, err = strconv.Atoi(q); err != nil || n < 1 || n > 100 {
			return consent.Errorf(consent.ECodeInvalid, "limit must be 1 to 100")
		}
	}
	recs, err := s.Store.RecentSite(site.ID, before, n+1)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(recs) > n {
		recs = recs[:n]
		out["next"] = recs[n-1].ID.String()
	}
	list := make([]recentEntry, len(recs))
	for i, r := range recs {
		list[i] = recentEntry{ID: r.ID.String(), IssuedAt: r.IssuedAt.Format(timeMillis), Visitor: r.Visitor, Action: r.Action, Choices: r.Choices}
	}
	out["receipts"] = list
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
