package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"strings"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// Receipt is a signed consent receipt as stored.
type Receipt struct {
	ID        uuid.UUID
	Site      string
	Visitor   string
	Log       uint64
	IssuedAt  time.Time
	ExpiresAt time.Time
	Action    string
	Choices   []byte // JSON object, purpose → bool, as signed
	Config    string // version of the config the visitor saw
	JWS       string
	Token     string
	IPPrefix  string // truncated client address, never the whole one

	// Decision is the id the snippet gave the decision (see
	// RecordDecision); kept with the visitor's latest state, not in the
	// record.
	Decision uuid.UUID

	Granted []string // purposes granted; counted in the insights, not stored

	// Computed by the request's goroutine, so the single writer only Puts.
	leafHash              tlog.Hash
	record, state         []byte
	bysiteKey, visitorKey []byte
}

func (r *Receipt) encode() {
	r.leafHash = tlog.RecordHash([]byte(r.JWS))
	r.record, r.state = encodeRecord(r), encodeState(stateOf(r))
	r.bysiteKey, r.visitorKey = siteKey(r.Site, string(r.ID[:])), siteKey(r.Site, r.Visitor)
}

// Build makes the receipt for a reserved log index, given the visitor's
// previous receipt (uuid.Nil if none). It runs between reserve and commit
// and must not fail.
type Build func(logIndex uint64, prev uuid.UUID) *Receipt

var stripeSeed = maphash.MakeSeed()

// AppendReceipt records a receipt durably and returns it once the commit
// holding it is fsynced. Decisions of one visitor are serialised so each
// receipt's prev names the one before it. Errors: ErrUnavailable.
func (s *Store) AppendReceipt(site, visitor string, build Build) (*Receipt, error) {
	r, _, err := s.RecordDecision(site, visitor, uuid.Nil, build)
	return r, err
}

// staleWindow bounds how much earlier a late decision may have been made.
// A post arrives late by seconds or minutes; a device clock that was ahead
// and then set right makes the next decision look earlier by as much as it
// was off, and past this window that decision is taken, not refused (nor
// its visitor asked again and again).
const staleWindow = 10 * time.Minute

// madeBefore reports whether decision a was made before b, by less than
// staleWindow, both named by the snippet with UUIDv7s (whose first 48 bits
// are the time it made them, in milliseconds). Other ids carry no time and
// are never earlier.
func madeBefore(a, b uuid.UUID) bool {
	if a.Version() != 7 || b.Version() != 7 {
		return false
	}
	ms := func(u uuid.UUID) int64 {
		return int64(binary.BigEndian.Uint16(u[0:2]))<<32 | int64(binary.BigEndian.Uint32(u[2:6]))
	}
	d := ms(b) - ms(a)
	return d > 0 && d < staleWindow.Milliseconds()
}

// LockVisitor holds back the visitor's decisions until unlock is called:
// an erasure reads the visitor's receipts and removes them under it, so
// none is recorded in between and left behind.
func (s *Store) LockVisitor(site, visitor string) (unlock func()) {
	stripe := &s.w.stripes[maphash.String(stripeSeed, site+"|"+strings.ToLower(visitor))%uint64(len(s.w.stripes))]
	stripe.Lock()
	return stripe.Unlock
}

// RecordDecision is AppendReceipt for a decision the snippet named. When
// the visitor's latest receipt records that same decision (a retry whose
// first answer was lost), it appends nothing and returns that receipt,
// token included, with replayed set. Only the latest is compared: the
// snippet retries only the visitor's latest decision. A decision made
// before the latest one (ErrStale) was delivered late, after the one that
// replaced it (a post the browser kept alive after the page gave up on it):
// recorded, it would undo the visitor's later choice.
func (s *Store) RecordDecision(site, visitor string, decision uuid.UUID, build Build) (rec *Receipt, replayed bool, err error) {
	defer s.LockVisitor(site, visitor)()
	// Once a commit failed, not even a replay: the receipt it would answer
	// with may be one whose commit failed (see writer.commit).
	if err := s.w.broken(); err != nil {
		return nil, false, err
	}
	// The visitor's latest state and, for a replay, its receipt, read in one
	// transaction: an erasure in between must not leave a state without
	// its receipt.
	var prev uuid.UUID
	var replay *Receipt
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bVisitors).Get(siteKey(site, strings.ToLower(visitor)))
		if v == nil {
			return nil
		}
		st, ok := decodeState(v)
		if !ok {
			return ErrCorrupt
		}
		if decision == uuid.Nil || st.Decision != decision {
			if madeBefore(decision, st.Decision) {
				return ErrStale
			}
			prev = st.ReceiptID
			return nil
		}
		if replay, ok = decodeRecord(st.ReceiptID[:], tx.Bucket(bReceipts).Get(st.ReceiptID[:])); !ok {
			return ErrCorrupt
		}
		return nil
	})
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return nil, false, ErrUnavailable
	} else if err != nil {
		return nil, false, err
	} else if replay != nil {
		return replay, true, nil
	}
	// Signing is CPU-bound: at most one signer per core, so the writer
	// finds a free core the moment its fsync returns instead of queueing
	// behind hundreds of runnable signers, and a reserved index is signed
	// at once rather than holding up the log behind it.
	s.w.cpu <- struct{}{}
	index, gen, ok := s.w.reserve()
	if !ok {
		<-s.w.cpu
		return nil, false, cmp.Or(s.w.broken(), ErrUnavailable)
	}
	func() {
		defer func() {
			<-s.w.cpu
			if recover() != nil {
				rec = nil // hand in an abandonment so the writer can rewind
			}
		}()
		rec = build(index, prev)
		rec.Decision = decision
		rec.encode()
	}()
	if err := s.w.submit(&pending{index: index, gen: gen, rec: rec}); err != nil {
		return nil, false, err
	}
	if rec == nil {
		return nil, false, ErrUnavailable
	}
	return rec, false, nil
}

func putReceipt(tx *bolt.Tx, index uint64, r *Receipt, tree bool) error {
	receipts, log := tx.Bucket(bReceipts), tx.Bucket(bLog)
	receipts.FillPercent, log.FillPercent = 1, 1 // append-only, time-ordered keys
	if err := receipts.Put(r.ID[:], r.record); err != nil {
		return err
	}
	if err := log.Put(putU64(index), r.ID[:]); err != nil {
		return err
	}
	if tree {
		if err := putLeaf(tx, index, r.leafHash); err != nil {
			return err
		}
	}
	bysite := tx.Bucket(bBySite)
	bysite.FillPercent = 0.9 // time-ordered within each site
	if err := bysite.Put(r.bysiteKey, nil); err != nil {
		return err
	}
	return tx.Bucket(bVisitors).Put(r.visitorKey, r.state)
}

// Record layout: site, visitor, action, choices, JWS, token, IP prefix, config as
// length-prefixed strings, then log index, issued and expiry times (ms).
func encodeRecord(r *Receipt) []byte {
	b := make([]byte, 0, 64+len(r.Choices)+len(r.JWS)+len(r.Token))
	for _, f := range []string{r.Site, r.Visitor, r.Action, string(r.Choices), r.JWS, r.Token, r.IPPrefix, r.Config} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = binary.BigEndian.AppendUint64(b, r.Log)
	b = binary.BigEndian.AppendUint64(b, uint64(r.IssuedAt.UnixMilli()))
	return binary.BigEndian.AppendUint64(b, uint64(r.ExpiresAt.UnixMilli()))
}

func decodeRecord(id []byte, b []byte) (*Receipt, bool) {
	r := &Receipt{}
	copy(r.ID[:], id)
	f, b, ok := readFields(b, 8)
	if !ok || len(b) != 24 {
		return nil, false
	}
	r.Site, r.Visitor, r.Action, r.Choices, r.JWS, r.Token, r.IPPrefix, r.Config = f[0], f[1], f[2], []byte(f[3]), f[4], f[5], f[6], f[7]
	r.Log = binary.BigEndian.Uint64(b)
	r.IssuedAt = time.UnixMilli(int64(binary.BigEndian.Uint64(b[8:]))).UTC()
	r.ExpiresAt = time.UnixMilli(int64(binary.BigEndian.Uint64(b[16:]))).UTC()
	return r, true
}

// Receipt returns a receipt by id, or ErrNotFound.
func (s *Store) Receipt(id uuid.UUID) (*Receipt, error) {
	var r *Receipt
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bReceipts).Get(id[:])
		if v == nil {
			return ErrNotFound
		}
		var ok bool
		if r, ok = decodeRecord(id[:], v); !ok {
			return ErrCorrupt
		}
		return nil
	})
	return r, err
}

// ReceiptAt returns the receipt at a log index, or ErrNotFound.
func (s *Store) ReceiptAt(index uint64) (*Receipt, error) {
	var id uuid.UUID
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bLog).Get(putU64(index))
		if len(v) != 16 {
			return ErrNotFound
		}
		copy(id[:], v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Receipt(id)
}

// Granted reports whether a choices object (as stored) grants purpose.
// Purpose ids are [a-z0-9_-] and choices are our own JSON, so a byte search
// is exact.
func Granted(choices []byte, purpose string) bool {
	return bytes.Contains(choices, []byte(`"`+purpose+`":true`))
}

// readFields reads n length-prefixed strings and returns the rest of b.
func readFields(b []byte, n int) ([]string, []byte, bool) {
	f := make([]string, n)
	for i := range f {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, nil, false
		}
		f[i] = string(b[k : k+int(l)])
		b = b[k+int(l):]
	}
	return f, b, true
}
