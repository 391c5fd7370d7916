package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/mod/sumdb/tlog"
)

// The tamper-evident log's public endpoints: anyone may check that a receipt
// is in the log, and that the log only ever grew.

func (s *Server) logCheckpoint(c echo.Context) error {
	signed, _ := s.Ledger.Latest()
	if signed == nil {
		var err error
		if signed, _, err = s.Ledger.Sign(); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", signed)
}

func (s *Server) logKey(c echo.Context) error {
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.String(http.StatusOK, s.Ledger.VerifierKey()+"\n")
}

type inclusionProof struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leaf_hash"`
	Proof    []string `json:"proof"`
}

// logInclusion proves a receipt is in the tree of ?size= (default: the
// latest signed checkpoint).
func (s *Server) logInclusion(c echo.Context) error {
	id, err := uuid.Parse(c.QueryParam("id"))
	if err != nil {
		return consent.Errorf(consent.ECodeInvalid, "id must be a receipt UUID")
	}
	_, cp := s.Ledger.Latest()
	size := cp.Size
	if q := c.QueryParam("size"); q != "" {
		if size, err = strconv.ParseInt(q, 10, 64); err != nil {
			return consent.Errorf(consent.ECodeInvalid, "size must be a tree size")
		}
	}
	rec, err := s.Store.EntryByID(id)
	if errors.Is(err, store.ErrNotFound) {
		return consent.Errorf(consent.ECodeNotFound, "no receipt or log event %s", id)
	} else if err != nil {
		return err
	}
	p, err := s.Ledger.InclusionProof(int64(rec.Log), size)
	if errors.Is(err, ledger.ErrRange) {
		return consent.Errorf(consent.ECodeInvalid, "receipt %d is not in a tree of size %d (log size %d)", rec.Log, size, s.Store.LogSize())
	} else if err != nil {
		return err
	}
	leaf := ledger.LeafHash([]byte(rec.JWS))
	return c.JSON(http.StatusOK, inclusionProof{Index: int64(rec.Log), Size: size, LeafHash: b64Hash(leaf), Proof: b64Hashes(p)})
}

type consistencyProof struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof"`
}

func (s *Server) logConsistency(c echo.Context) error {
	from, err1 := strconv.ParseInt(c.QueryParam("from"), 10, 64)
	to, err2 := strconv.ParseInt(c.QueryParam("to"), 10, 64)
	if err1 != nil || err2 != nil {
		return consent.Errorf(consent.ECodeInvalid, "from and to must be tree sizes")
	}
	p, err := s.Ledger.ConsistencyProof(from, to)
	if errors.Is(err, ledger.ErrRange) {
		return consent.Errorf(consent.ECodeInvalid, "need 1 ≤ from ≤ to ≤ %d", s.Store.LogSize())
	} else if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, consistencyProof{From: from, To: to, Proof: b64Hashes(p)})
}

func b64Hash(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }

func b64Hashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = b64Hash(h)
	}
	return out
}
