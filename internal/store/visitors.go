package store

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// The visitor index maps site|visitor to the latest receipt. Its keys are
// random, so each receipt rewrites one of its pages in the fsynced commit:
// the value is kept small (no token, which stays in the receipt record) so
// the bucket has few pages and a batch's writes often share them.

// VisitorState is a visitor's latest decision on a site.
type VisitorState struct {
	ReceiptID uuid.UUID
	IssuedAt  time.Time
	ExpiresAt time.Time
	Action    string
	Choices   []byte    // JSON object as signed
	Decision  uuid.UUID // the id the snippet gave the decision; uuid.Nil if none
	Token     string    // only from Visitor with withToken
	// Config is the short form (consent.ShortVersion) of the config version
	// the decision was made on: one made on an earlier version is asked
	// again by the banner, so it no longer answers a consent check either.
	Config string
}

func stateOf(r *Receipt) *VisitorState {
	return &VisitorState{ReceiptID: r.ID, IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt, Action: r.Action, Choices: r.Choices, Decision: r.Decision, Token: r.Token,
		Config: consent.ShortVersion(r.Config)}
}

// Visitor returns a visitor's latest state on a site, or ErrNotFound. The
// token is loaded only when withToken is set: answering "is this purpose
// granted?" does not need it.
func (s *Store) Visitor(site, visitor string, withToken bool) (*VisitorState, error) {
	key := siteKey(site, strings.ToLower(visitor))
	var st *VisitorState
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bVisitors).Get(key)
		if v == nil {
			return ErrNotFound
		}
		var ok bool
		if st, ok = decodeState(v); !ok {
			return ErrCorrupt
		}
		if withToken || st.Config == "" { // states written before Config was kept name it only in the record
			r, ok := decodeRecord(st.ReceiptID[:], tx.Bucket(bReceipts).Get(st.ReceiptID[:]))
			if !ok {
				return ErrCorrupt
			}
			st.Token, st.Config = r.Token, consent.ShortVersion(r.Config)
		}
		return nil
	})
	return st, err
}

// Index value: receipt id, issued, expires (ms), action and choices as
// length-prefixed strings, then the decision id (uuid.Nil if none) and the
// 8 bytes of the short config version. Values written before these end
// after the choices, or after the decision id. Small on purpose: more
// entries per page means fewer pages rewritten per batch. The token stays
// in the receipt record.
func encodeState(st *VisitorState) []byte {
	b := make([]byte, 0, 74+len(st.Action)+len(st.Choices))
	b = append(b, st.ReceiptID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(st.IssuedAt.UnixMilli()))
	b = binary.BigEndian.AppendUint64(b, uint64(st.ExpiresAt.UnixMilli()))
	for _, f := range []string{st.Action, string(st.Choices)} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	if c, err := hex.DecodeString(st.Config); err == nil && len(c) == 8 {
		b = append(b, st.Decision[:]...)
		return append(b, c...)
	}
	if st.Decision != uuid.Nil {
		b = append(b, st.Decision[:]...)
	}
	return b
}

func decodeState(b []byte) (*VisitorState, bool) {
	if len(b) < 32 {
		return nil, false
	}
	v := &VisitorState{}
	copy(v.ReceiptID[:], b)
	v.IssuedAt = time.UnixMilli(int64(binary.BigEndian.Uint64(b[16:]))).UTC()
	v.ExpiresAt = time.UnixMilli(int64(binary.BigEndian.Uint64(b[24:]))).UTC()
	f, rest, ok := readFields(b[32:], 2)
	if !ok || (len(rest) != 0 && len(rest) != 16 && len(rest) != 24) {
		return nil, false
	}
	v.Action, v.Choices = f[0], []byte(f[1])
	copy(v.Decision[:], rest)
	if len(rest) == 24 {
		v.Config = hex.EncodeToString(rest[16:])
	}
	return v, true
}
