package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

// visitorConsent answers "what did this visitor decide?" and, with
// ?purpose=, "is this purpose granted?". It is the hot read path, so the
// answer is assembled from the stored state without decoding the JWS.
func (s *Server) visitorConsent(c echo.Context) error {
	siteID, visitor := c.Param("site"), strings.ToLower(c.Param("visitor")) // as receipts and tokens name it
	site, pub, err := s.Store.Current(siteID)
	if err != nil {
		return consent.Errorf(consent.ECodeNotFound, "unknown site %q", siteID)
	}
	s.allowOrigin(c, site) // before any refusal: the site's own pages can read why
	if !consent.ValidUUID(visitor) {
		return consent.Errorf(consent.ECodeInvalid, "visitor must be a UUID")
	}
	// Parsed strictly: URL.Query drops what it cannot parse, which turned
	// "?purpose=%zz" into a question about no purpose at all.
	q, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return consent.Errorf(consent.ECodeInvalid, "malformed query string")
	}
	purpose, hasPurpose := q["purpose"]
	if hasPurpose {
		if len(purpose) != 1 {
			return consent.Errorf(consent.ECodeInvalid, "give purpose once")
		}
		if err := requirePurpose(pub.Config, purpose[0]); err != nil {
			return err
		}
	}
	st, err := s.Store.Visitor(siteID, visitor, !hasPurpose)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// As the banner sees it: a decision made on an earlier config version
	// is asked again there, and is no decision here until it is.
	decided := st != nil && st.Action != consent.ActionWithdraw && s.Now().Before(st.ExpiresAt) && st.Config == consent.ShortVersion(pub.Version)
	b := make([]byte, 0, 512)
	if hasPurpose {
		b = append(b, `{"purpose":"`...)
		b = append(b, purpose[0]...)
		b = append(b, `","granted":`...)
		// A required purpose (necessary) needs no consent: granted
		// whatever the visitor decided, as the snippet's granted() says.
		b = strconv.AppendBool(b, required(pub.Config, purpose[0]) || decided && store.Granted(st.Choices, purpose[0]))
		b = append(b, `,"decided":`...)
		b = strconv.AppendBool(b, decided)
		if decided {
			b = append(b, `,"receipt_id":"`...)
			b = append(b, st.ReceiptID.String()...)
			b = append(b, '"')
		}
		b = append(b, '}')
	} else {
		b = append(b, `{"site":"`...)
		b = append(b, siteID...)
		b = append(b, `","visitor":"`...)
		b = append(b, visitor...)
		b = append(b, `","decided":`...)
		b = strconv.AppendBool(b, decided)
		if decided {
			b = append(b, `,"choices":`...)
			b = append(b, st.Choices...)
			b = append(b, `,"receipt_id":"`...)
			b = append(b, st.ReceiptID.String()...)
			b = append(b, `","token":"`...)
			b = append(b, st.Token...)
			b = append(b, `","issued_at":"`...)
			b = st.IssuedAt.AppendFormat(b, timeMillis)
			b = append(b, `","expires_at":"`...)
			b = st.ExpiresAt.AppendFormat(b, timeMillis)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONBlob(http.StatusOK, b)
}
