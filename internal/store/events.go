package store

import (
	"bytes"
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
		return nil, cmp.Or(s.w.broken(), ErrUnavailable)
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

// EachEvent calls fn with every event made after the event with id after
// (all of them for the zero UUID), in the order they were made (their
// UUIDv7 ids), until fn returns false. jws is valid only during the call:
// tombstones can be large, and most callers keep few of them.
func (s *Store) EachEvent(after uuid.UUID, fn func(id uuid.UUID, log uint64, kind string, jws []byte) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		k, v := c.Seek(after[:])
		if len(k) == 16 && uuid.UUID(k) == after {
			k, v = c.Next()
		}
		for ; k != nil; k, v = c.Next() {
			if len(v) <= 8 || len(k) != 16 {
				return ErrCorrupt
			}
			i := bytes.IndexByte(v[8:], '\n')
			if i < 0 {
				return ErrCorrupt
			}
			if !fn(uuid.UUID(k), getU64(v[:8]), string(v[8:8+i]), v[8+i+1:]) {
				return nil
			}
		}
		return nil
	})
}

// Events returns the log's events of a kind, in log order. Meant for the
// few kinds (key activations): it holds them all.
func (s *Store) Events(kind string) ([]Event, error) {
	var out []Event
	err := s.EachEvent(uuid.UUID{}, func(id uuid.UUID, log uint64, k string, jws []byte) bool {
		if k == kind {
			out = append(out, Event{ID: id, Kind: k, JWS: string(jws), Log: log})
		}
		return true
	})
	slices.SortFunc(out, func(a, b Event) int { return cmp.Compare(a.Log, b.Log) })
	return out, err
}
