package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/export"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// timeRange reads ?from= and ?to= (RFC 3339; default: everything until now).
func (s *Server) timeRange(c echo.Context) (from, to time.Time, err error) {
	to = s.Now().Add(time.Second)
	if q := c.QueryParam("from"); q != "" {
		if from, err = time.Parse(time.RFC3339, q); err != nil {
			return from, to, consent.Errorf(consent.ECodeInvalid, "from must be an RFC 3339 time like 2026-11-01T00:00:00Z")
		}
	}
	if q := c.QueryParam("to"); q != "" {
		if to, err = time.Parse(time.RFC3339, q); err != nil {
			return from, to, consent.Errorf(consent.ECodeInvalid, "to must be an RFC 3339 time like 2026-12-01T00:00:00Z")
		}
	}
	if !from.Before(to) {
		return from, to, consent.Errorf(consent.ECodeInvalid, "from must be before to")
	}
	return from, to, nil
}

func (s *Server) adminSite(c echo.Context) (*consent.Site, error) {
	site, err := s.Store.Site(c.Param("site"))
	if err != nil {
		return nil, consent.Errorf(consent.ECodeNotFound, "unknown site %q", c.Param("site"))
	}
	return site, nil
}

// exportReceipts streams a site's receipts of a time range as NDJSON or
// CSV, in time order and constant memory.
func (s *Server) exportReceipts(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	from, to, err := s.timeRange(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "ndjson"
	}
	var write func(*store.Receipt) error
	var flush func() error
	w := &deadlineWriter{w: c.Response(), rc: http.NewResponseController(c.Response())}
	switch format {
	case "ndjson":
		nd := export.NewNDJSON(w)
		write, flush = nd.Write, nd.Flush
		c.Response().Header().Set(echo.HeaderContentType, "application/x-ndjson")
	case "csv":
		cw, _ := export.NewCSV(w, s.purposesOf(site))
		write, flush = func(r *store.Receipt) error { return cw.Write(r) }, cw.Flush
		c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	default:
		return consent.Errorf(consent.ECodeInvalid, "format must be ndjson or csv")
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+site.ID+`-receipts.`+format+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	if err := s.Store.ScanSite(site.ID, from, to, write); err != nil {
		return s.abort(c, err)
	}
	if err := flush(); err != nil {
		return s.abort(c, err)
	}
	return nil
}

// abort ends a stream that failed after its headers went out: the client
// sees a truncated body, never a success that lies.
func (s *Server) abort(c echo.Context, err error) error {
	s.Log.Warn("export aborted", "path", c.Path(), "err", err)
	panic(http.ErrAbortHandler)
}

// deadlineWriter extends the write deadline as a long download progresses,
// so the server's WriteTimeout limits stalls, not export size.
type deadlineWriter struct {
	w  io.Writer
	rc *http.ResponseController
	n  int
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if d.n += len(b); d.n > 4<<20 {
		d.n = 0
		d.rc.SetWriteDeadline(time.Now().Add(60 * time.Second))
	}
	return d.w.Write(b)
}

// purposesOf lists every purpose any published version of the site had,
// current ones first: the CSV's columns.
func (s *Server) purposesOf(site *consent.Site) []string {
	var out []string
	add := func(ids []string) {
		for _, id := range ids {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(site.Draft.PurposeIDs())
	if _, pub, err := s.Store.Current(site.ID); err == nil {
		add(pub.Config.PurposeIDs())
	}
	for i := len(site.Versions) - 1; i >= 0; i-- {
		if p, err := s.Store.Config(site.ID, site.Versions[i].ID); err == nil {
			add(p.Config.PurposeIDs())
		}
	}
	return out
}

// evidencePack builds a zip proving the receipts of a range or a visitor.
func (s *Server) evidencePack(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	src := export.Source{Issuer: s.PublicURL, Site: site.ID, JWKS: s.Signer.Keys().JWKS(), LogKey: s.Ledger.VerifierKey(),
		Prove: s.Ledger.InclusionProof, Sign: s.Signer.SignEvidence, Now: s.Now()}
	name := site.ID + "-evidence"
	// Lower case, as receipts name the visitor (sub), which the verifier
	// holds the manifest's query to.
	if v := strings.ToLower(c.QueryParam("visitor")); v != "" {
		if !consent.ValidUUID(v) {
			return consent.Errorf(consent.ECodeInvalid, "visitor must be a UUID")
		}
		chain, err := s.visitorChain(site.ID, v)
		if err != nil {
			return err
		}
		src.Query = map[string]string{"visitor": v}
		src.Each = func(fn func(*store.Receipt) error) error {
			for _, r := range chain {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
		name += "-visitor-" + v[:8]
	} else {
		from, to, err := s.timeRange(c)
		if err != nil {
			return err
		}
		// The manifest names the range in whole seconds, as receipts name
		// their times (iat), and the verifier holds each receipt to it: so
		// the pack is of the whole seconds the range touches.
		if from = from.Truncate(time.Second); to.Truncate(time.Second).Before(to) {
			to = to.Truncate(time.Second).Add(time.Second)
		}
		if end := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC); to.After(end) {
			to = end // RFC 3339 ends there, and no receipt comes near it
		}
		// Refused before the download starts, not cut off in it: a pack
		// the verifier would refuse, and built with its manifest in memory.
		if n, err := s.Store.CountSite(site.ID, from, to, export.MaxReceipts); err != nil {
			return err
		} else if n > export.MaxReceipts {
			return consent.Errorf(consent.ECodeInvalid, "an evidence pack holds at most %d receipts; this range holds more: narrow from and to", export.MaxReceipts)
		} else if n == 0 {
			// A pack of nothing proves nothing, and would not verify. Where
			// the range's receipts were removed, the message says so.
			gone := ""
			if ts, err := retention.InRange(s.Store, site.ID, from, to); err == nil && len(ts) > 0 {
				gone = fmt.Sprintf(": the range's receipts were removed under %d tombstone(s), listed by GET /api/v1/admin/sites/%s/events", len(ts), site.ID)
			}
			return consent.Errorf(consent.ECodeNotFound, "no receipts from %s to %s%s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), gone)
		}
		src.Query = map[string]string{"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339)}
		src.Each = func(fn func(*store.Receipt) error) error { return s.Store.ScanSite(site.ID, from, to, fn) }
		// The receipts of the range that are gone, under signed tombstones:
		// read after the receipts (see export.Source).
		src.Tombstones = func() ([]retention.Within, error) { return retention.InRange(s.Store, site.ID, from, to) }
	}
	// A fresh checkpoint, so the pack covers everything acknowledged so far.
	if src.Checkpoint, src.Tree, err = s.Ledger.Sign(); err != nil {
		return err
	}
	if src.KeyActivations, err = s.Store.Events("key_activated"); err != nil {
		return err
	}
	src.Config = func(v string) ([]byte, error) {
		p, err := s.Store.Config(site.ID, v)
		if err != nil {
			return nil, err
		}
		return p.Raw, nil
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.zip"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	// The headers go out now: the zip writer holds its first 4 KiB, and a
	// pack that fails before they are sent (see export.ErrRemovedMeanwhile)
	// would close the connection with no response at all; after them, the
	// client sees a download cut off, and says so.
	c.Response().Flush()
	w := &deadlineWriter{w: c.Response(), rc: http.NewResponseController(c.Response())}
	if _, err := export.WritePack(w, src); err != nil {
		return s.abort(c, err)
	}
	return nil
}

// visitorChain returns a visitor's receipts on a site, oldest first, by
// following prev from the latest.
func (s *Server) visitorChain(site, visitor string) ([]*store.Receipt, error) {
	st, err := s.Store.Visitor(site, visitor, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil, consent.Errorf(consent.ECodeNotFound, "no receipts for visitor %s", visitor)
	} else if err != nil {
		return nil, err
	}
	var chain []*store.Receipt
	for id := st.ReceiptID; id != uuid.Nil && len(chain) < maxWalk; {
		r, err := s.Store.Receipt(id)
		if errors.Is(err, store.ErrNotFound) {
			break // removed by retention: the chain ends here
		} else if err != nil {
			return nil, err
		}
		chain = append(chain, r)
		var claims struct{ Prev string }
		payload, _, err := s.Signer.Keys().Verify(r.JWS, "consent-receipt+jwt")
		if err == nil {
			err = json.Unmarshal(payload, &claims)
		}
		if err != nil {
			// A stored receipt that does not verify: stop rather than act
			// on part of the chain (an erasure would miss the rest).
			return nil, fmt.Errorf("receipt %s: %w", r.ID, err)
		}
		id, _ = uuid.Parse(claims.Prev)
	}
	slices.Reverse(chain)
	return chain, nil
}

// verifyUpload checks an uploaded evidence pack (multipart field "pack") or
// one pasted receipt (JSON {"receipt":"<JWS>"}) and returns the verdict.
func (s *Server) verifyUpload(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); len(ct) >= 16 && ct[:16] == "application/json" {
		var in struct {
			Receipt string `json:"receipt"`
		}
		// A receipt is about a kilobyte; the route's limit is sized for packs.
		if err := json.NewDecoder(io.LimitReader(c.Request().Body, 64<<10)).Decode(&in); err != nil || in.Receipt == "" {
			return consent.Errorf(consent.ECodeInvalid, `send {"receipt":"<JWS>"}`)
		}
		return c.JSON(http.StatusOK, s.verifyOne(in.Receipt))
	}
	// A large pack takes memory and every core for a while: one at a time.
	if !s.verifying.TryLock() {
		c.Response().Header().Set("Retry-After", "5")
		return consent.Errorf(consent.ECodeUnavailable, "another evidence pack is being verified; retry shortly")
	}
	defer s.verifying.Unlock()
	// The server's read timeout is for small requests; a pack of hundreds
	// of megabytes takes longer to arrive than that.
	http.NewResponseController(c.Response()).SetReadDeadline(time.Now().Add(15 * time.Minute))
	fh, err := c.FormFile("pack")
	if err != nil {
		return consent.Errorf(consent.ECodeInvalid, `send an evidence pack as multipart field "pack", or JSON {"receipt":"<JWS>"}`)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	// The upload is read in place (a large one sits in a temporary file),
	// never copied whole into memory; and checked against this server's own
	// keys, not those the pack carries (see export.Trust).
	rep, err := export.VerifyPack(f, fh.Size, &export.Trust{Keys: s.Signer.Keys(), LogKey: s.Ledger.VerifierKey()})
	if err != nil {
		return consent.Errorf(consent.ECodeInvalid, "%v", err)
	}
	return c.JSON(http.StatusOK, rep)
}

type oneVerdict struct {
	OK     bool            `json:"ok"`
	Kid    string          `json:"kid,omitempty"`
	Claims json.RawMessage `json:"claims,omitempty"`
	Stored bool            `json:"stored"` // this exact receipt is in our database
	Error  string          `json:"error,omitempty"`
}

func (s *Server) verifyOne(jws string) oneVerdict {
	payload, kid, err := s.Signer.Keys().Verify(jws, "consent-receipt+jwt")
	if err != nil {
		return oneVerdict{Error: err.Error()}
	}
	v := oneVerdict{OK: true, Kid: kid, Claims: payload}
	var claims struct{ JTI string }
	if json.Unmarshal(payload, &claims) == nil {
		if id, err := uuid.Parse(claims.JTI); err == nil {
			if r, err := s.Store.Receipt(id); err == nil && r.JWS == jws {
				v.Stored = true
			}
		}
	}
	return v
}

// standardView renders a receipt as a Kantara Consent Receipt v1.1
// (?format=kantara, the default) or an ISO/IEC TS 27560-style DPV record
// (?format=dpv).
func (s *Server) standardView(c echo.Context) error {
	rec, err := s.receiptParam(c)
	if err != nil {
		return err
	}
	var claims consent.ReceiptClaims
	if _, err := s.Signer.Keys().VerifyClaims(rec.JWS, "consent-receipt+jwt", &claims); err != nil {
		return err
	}
	pub, err := s.Store.Config(rec.Site, rec.Config)
	if err != nil {
		return err
	}
	site, _ := s.Store.Site(rec.Site)
	ctl := export.Controller{Name: site.Name, PolicyURL: pub.Config.PrivacyPolicyURL}
	if len(site.Origins) > 0 {
		ctl.URL = site.Origins[0]
	}
	switch c.QueryParam("format") {
	case "", "kantara":
		return c.JSON(http.StatusOK, export.Kantara(&claims, pub.Config, ctl))
	case "dpv":
		c.Response().Header().Set(echo.HeaderContentType, "application/ld+json")
		return c.JSON(http.StatusOK, export.DPV(&claims, pub.Config, ctl))
	}
	return consent.Errorf(consent.ECodeInvalid, "format must be kantara or dpv")
}

// backup streams a consistent copy of the database (owner only): one read
// transaction, so receipts keep being written while it downloads.
func (s *Server) backup(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="assent-`+s.Now().UTC().Format("20060102T150405Z")+`.db"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := &deadlineWriter{w: c.Response(), rc: http.NewResponseController(c.Response())}
	if _, _, err := s.Store.Backup(w); err != nil {
		return s.abort(c, err)
	}
	return nil
}
