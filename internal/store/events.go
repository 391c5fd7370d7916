package store

import (
	"cmp"
	"slices"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// Events are log entries that are not receipts: key rotations, and the
// tombstones of receipts removed by retention or erasure. Being leaves of
// the same tree, an authorised change is distinguishable from tampering.

var bEvents = []byte("events") // event UUIDv7 → log index, kind, JWS

// Event is a signed log entry about the log itself.
type Event struct {
	ID   uuid.UUID
	Kind string
	JWS  string
	Log  uint64

	leafHash tlog.Hash
}

// AppendEvent appends an event, built once its log index is known, and
// returns when it is durable. Errors: ErrUnavailable.
func (s *Store) AppendEvent(build func(logIndex uint64) *Event) (*Event, error) {
	return s.appendEvent(nil, build)
}

// RemoveReceipts deletes receipts and appends the event recording their
// removal (a tombstone) in one transaction: either both happen or neither.
// The tree keeps their leaf hashes, so every other receipt still proves
// its inclusion. Ids already gone are skipped.
func (s *Store) RemoveReceipts(ids []uuid.UUID, build func(logIndex uint64) *Event) (*Event, error) {
	return s.appendEvent(ids, build)
}

func (s *Store) appendEvent(remove []uuid.UUID, build func(logIndex uint64) *Event) (*Event, error) {
	index, gen, ok := s.w.reserve()
	if !ok {
		return nil, ErrUnavailable
	}
	var ev *Event
	func() {
		defer func() {
			if recover() != nil {
				ev = nil
			}
		}()
		ev = build(index)
		ev.Log, ev.leafHash = index, tlog.RecordHash([]byte(ev.JWS))
	}()
	if err := s.w.submit(&pending{index: index, gen: gen, ev: ev, remove: remove}); err != nil {
		return nil, err
	}
	if ev == nil {
		return nil, ErrUnavailable
	}
	return ev, nil
}

func removeReceipt(tx *bolt.Tx, id uuid.UUID) error {
	receipts := tx.Bucket(bReceipts)
	r, ok := decodeRecord(id[:], receipts.Get(id[:]))
	if !ok {
		return nil // already removed
	}
	if err := receipts.Delete(id[:]); err != nil {
		return err
	}
	if err := tx.Bucket(bBySite).Delete(siteKey(r.Site, string(id[:]))); err != nil {
		return err
	}
	visitors := tx.Bucket(bVisitors)
	vk := siteKey(r.Site, r.Visitor)
	if v := visitors.Get(vk); len(v) >= 16 && uuid.UUID(v[:16]) == id {
		return visitors.Delete(vk) // the visitor's latest decision is gone: undecided
	}
	return nil
}

func putEvent(tx *bolt.Tx, index uint64, ev *Event) error {
	v := append(append(append(putU64(index), ev.Kind...), '\n'), ev.JWS...)
	if err := tx.Bucket(bEvents).Put(ev.ID[:], v); err != nil {
		return err
	}
	if err := tx.Bucket(bLog).Put(putU64(index), ev.ID[:]); err != nil {
		return err
	}
	return putLeaf(tx, index, ev.leafHash)
}

// Entry is any leaf of the log: a receipt or an event.
type Entry struct {
	ID      uuid.UUID
	Log     uint64
	Kind    string // "receipt" or the event's kind
	JWS     string
	Receipt *Receipt // set for receipts
}

// EntryAt returns the log entry at index, or ErrNotFound.
func (s *Store) EntryAt(index uint64) (*Entry, error) {
	var e *Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bLog).Get(putU64(index))
		if len(id) != 16 {
			return ErrNotFound
		}
		var err error
		e, err = entry(tx, id)
		return err
	})
	return e, err
}

// EntryByID returns a receipt or event by id, or ErrNotFound.
func (s *Store) EntryByID(id uuid.UUID) (*Entry, error) {
	var e *Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		e, err = entry(tx, id[:])
		return err
	})
	return e, err
}

func entry(tx *bolt.Tx, id []byte) (*Entry, error) {
	e := &Entry{}
	copy(e.ID[:], id)
	if v := tx.Bucket(bReceipts).Get(id); v != nil {
		r, ok := decodeRecord(id, v)
		if !ok {
			return nil, ErrCorrupt
		}
		e.Kind, e.JWS, e.Receipt, e.Log = "receipt", r.JWS, r, r.Log
		return e, nil
	}
	if v := tx.Bucket(bEvents).Get(id); len(v) > 8 {
		kind, jws, ok := cutByte(v[8:], '\n')
		if !ok {
			return nil, ErrCorrupt
		}
		e.Kind, e.JWS, e.Log = kind, jws, getU64(v[:8])
		return e, nil
	}
	return nil, ErrNotFound
}

func cutByte(b []byte, sep byte) (string, string, bool) {
	for i, c := range b {
		if c == sep {
			return string(b[:i]), string(b[i+1:]), true
		}
	}
	return "", "", false
}

// Events returns the log's events of a kind, in log order. Events are few
// (a key activation per rotation, a tombstone per retention pass or
// erasure), so they are read in one pass.
func (s *Store) Events(kind string) ([]Event, error) {
	var out []Event
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(id, v []byte) error {
			if len(v) <= 8 || len(id) != 16 {
				return ErrCorrupt
			}
			k, jws, ok := cutByte(v[8:], '\n')
			if !ok {
				return ErrCorrupt
			}
			if k == kind {
				out = append(out, Event{ID: uuid.UUID(id), Kind: k, JWS: jws, Log: getU64(v[:8])})
			}
			return nil
		})
	})
	// Keyed by UUIDv7, so by time; the log index is the order that counts.
	slices.SortFunc(out, func(a, b Event) int { return cmp.Compare(a.Log, b.Log) })
	return out, err
}
