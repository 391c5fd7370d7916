// Package retention removes receipts that are no longer needed: by a
// background job once a decision has been out of force for the site's
// retention period, and by erasure requests for one visitor. Each removal
// appends a signed tombstone to the log in the same commit, so an
// authorised deletion is distinguishable from tampering and every remaining
// receipt still proves its inclusion.
package retention

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

// Reasons recorded in tombstones.
const (
	ReasonRetention = "retention"
	ReasonErasure   = "erasure"
)

// chunk bounds how many receipts one tombstone (and one commit) removes.
const chunk = 500

// Removed names one removed receipt in a tombstone. No visitor id: a
// tombstone must not keep what an erasure removed. IssuedAt (RFC 3339,
// milliseconds, as in exports) places it in an evidence pack's time range;
// unset in tombstones made before it was added.
type Removed struct {
	ID       string `json:"id"`
	Log      uint64 `json:"log"`
	LeafHash string `json:"leaf_hash"`
	IssuedAt string `json:"issued_at,omitempty"`
}

// TimeMillis is the layout of Removed.IssuedAt.
const TimeMillis = "2006-01-02T15:04:05.000Z07:00"

// Tombstone is the signed claims of a removal event.
type Tombstone struct {
	JTI     string    `json:"jti"`
	Iss     string    `json:"iss"`
	Iat     int64     `json:"iat"`
	Event   string    `json:"event"` // "tombstone"
	Reason  string    `json:"reason"`
	Site    string    `json:"site"`
	Log     uint64    `json:"log"`
	Removed []Removed `json:"removed"`
}

// Remover deletes receipts with tombstones.
type Remover struct {
	Store  *store.Store
	Signer *receipt.Signer
	Issuer string
	Now    func() time.Time
	Log    *slog.Logger

	// mu makes removals one at a time: each names only receipts still
	// stored, so a retention run and an erasure at once never both name
	// one (and every count of removed receipts holds).
	mu sync.Mutex
}

// Remove deletes those of the receipts still stored and appends their
// tombstone; it returns the tombstone event (its JWS is the signed
// confirmation) and how many it removed. With none left to remove it
// returns store.ErrNotFound.
func (r *Remover) Remove(site, reason string, recs []*store.Receipt) (*store.Event, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []uuid.UUID
	var removed []Removed
	for _, rec := range recs {
		if _, err := r.Store.Receipt(rec.ID); errors.Is(err, store.ErrNotFound) {
			continue // removed since it was read
		} else if err != nil {
			return nil, 0, err
		}
		if err := r.matchesClaims(site, rec); err != nil {
			return nil, 0, err
		}
		ids = append(ids, rec.ID)
		h := ledger.LeafHash([]byte(rec.JWS))
		removed = append(removed, Removed{ID: rec.ID.String(), Log: rec.Log, LeafHash: b64(h[:]), IssuedAt: rec.IssuedAt.UTC().Format(TimeMillis)})
	}
	if len(ids) == 0 {
		return nil, 0, store.ErrNotFound
	}
	now := r.Now()
	ev, err := r.Store.RemoveReceipts(ids, func(i uint64) *store.Event {
		id := uuid.Must(uuid.NewV7())
		t := Tombstone{JTI: id.String(), Iss: r.Issuer, Iat: now.Unix(), Event: "tombstone", Reason: reason,
			Site: site, Log: i, Removed: removed}
		return &store.Event{ID: id, Kind: "tombstone", JWS: r.Signer.SignEvent(&t)}
	})
	return ev, len(ids), err
}

// ErrAltered refuses a removal whose record disagrees with its receipt.
var ErrAltered = errors.New("retention: a stored record disagrees with its signed receipt; the database was altered")

// matchesClaims checks what a tombstone would say of rec (its id, log
// index, issue and expiry, and so whether retention may take it) against
// the receipt's signed claims: the record's fields are not signed, and a
// tombstone built from an edited one would be a genuine signature on a
// false statement (naming another receipt's log entry, say).
func (r *Remover) matchesClaims(site string, rec *store.Receipt) error {
	var c struct {
		JTI  string `json:"jti"`
		Site string `json:"site"`
		Log  uint64 `json:"log"`
		Iat  int64  `json:"iat"`
		Exp  int64  `json:"exp"`
	}
	if _, err := r.Signer.Keys().VerifyClaims(rec.JWS, receipt.TypReceipt, &c); err != nil {
		return fmt.Errorf("%w: receipt %s: %v", ErrAltered, rec.ID, err)
	}
	if c.JTI != rec.ID.String() || c.Site != site || rec.Site != site || c.Log != rec.Log || c.Iat != rec.IssuedAt.Unix() || c.Exp != rec.ExpiresAt.Unix() {
		return fmt.Errorf("%w: receipt %s", ErrAltered, rec.ID)
	}
	return nil
}

// RunOnce removes, on every site, the receipts whose decision expired more
// than the site's retention period ago. A decision superseded earlier is
// kept until its own expiry plus retention: it is evidence for that span;
// but it goes with any later receipt of its visitor that goes (see
// earlier). It stops between batches once ctx is done (a shutdown must not
// wait for a long first run); what it removed by then is committed, and
// the next run goes on from there.
func (r *Remover) RunOnce(ctx context.Context) (int, error) {
	now, total := r.Now(), 0
	for _, site := range r.Store.Sites() {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		cutoff := now.AddDate(0, -site.RetentionMonths, 0)
		var batch []*store.Receipt
		taken := map[uuid.UUID]bool{}
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, n, err := r.Remove(site.ID, ReasonRetention, batch)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			total += n
			batch = batch[:0]
			clear(taken) // removed now: a later walk stops at them anyway
			return nil
		}
		// Expiry is at most 13 months after issue, so candidates were
		// issued before the cutoff.
		err := r.Store.ScanSite(site.ID, time.Unix(0, 0), cutoff, func(rec *store.Receipt) error {
			if !rec.ExpiresAt.Before(cutoff) || taken[rec.ID] {
				return nil
			}
			earlier, err := r.earlier(rec, taken)
			if err != nil {
				return err
			}
			for _, e := range append(earlier, rec) {
				taken[e.ID] = true
				batch = append(batch, e)
			}
			if len(batch) >= chunk {
				if err := flush(); err != nil {
					return err
				}
				return ctx.Err()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// earlier returns the receipts before rec in its visitor's chain (prev,
// its prev, …) that are still stored and not yet taken. They were
// superseded before rec was made, so they are out of force for at least as
// long. Their own expiry can be later (the site shortened its consent
// lifetime in between), but kept, they would sit beyond a hole in the
// chain, where an erasure, which follows it from the latest receipt, would
// not find them.
func (r *Remover) earlier(rec *store.Receipt, taken map[uuid.UUID]bool) ([]*store.Receipt, error) {
	var out []*store.Receipt
	for {
		// Read, not verified: Remove verifies every receipt it is given
		// (and refuses the batch for one that fails) before it signs.
		var claims struct{ Prev string }
		_, p, _ := strings.Cut(rec.JWS, ".")
		p, _, _ = strings.Cut(p, ".")
		payload, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || json.Unmarshal(payload, &claims) != nil {
			return out, nil // unreadable: the chain is not followed further
		}
		prev, err := uuid.Parse(claims.Prev)
		if err != nil || taken[prev] {
			return out, nil
		}
		if rec, err = r.Store.Receipt(prev); errors.Is(err, store.ErrNotFound) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// Run applies retention every interval until ctx ends.
func (r *Remover) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := r.RunOnce(ctx)
		if n > 0 {
			r.Log.Info("retention removed expired receipts", "removed", n)
		}
		if ctx.Err() != nil {
			return // stopping: the rest is for the next start
		} else if err != nil {
			r.Log.Error("retention run failed", "err", err, "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
