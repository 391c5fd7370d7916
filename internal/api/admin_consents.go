package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// maxChain bounds how many of a visitor's receipts one search returns.
const maxChain = 100

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
	Receipts []logEntry                 `json:"receipts"` // the visitor's chain, newest first
	Configs  map[string]json.RawMessage `json:"configs"`  // every config version the chain names, as served
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

// chain follows prev links from head, verifying each receipt.
func (s *Server) chain(res *logResult, head uuid.UUID) error {
	keys := s.Signer.Keys()
	for id := head; id != uuid.Nil && len(res.Receipts) < maxChain; {
		rec, err := s.Store.Receipt(id)
		if err != nil {
			return err
		}
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
		res.Receipts = append(res.Receipts, e)
		id, _ = uuid.Parse(claims.Prev)
	}
	return nil
}
