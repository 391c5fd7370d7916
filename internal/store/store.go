// Package store keeps Assent's data in bbolt: sites, published configs,
// receipts, the visitor index and the log order. It is the only package that
// imports bbolt. Receipt writes go through a single writer goroutine that
// commits whatever is queued in one transaction (one fsync), in log order.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names.
var (
	bSites    = []byte("sites")    // site id → consent.Site JSON
	bConfigs  = []byte("configs")  // site|version → canonical config bytes
	bReceipts = []byte("receipts") // receipt UUIDv7 → record
	bBySite   = []byte("bysite")   // site|UUIDv7 → "" (time-ordered per site)
	bVisitors = []byte("visitors") // site|visitor → visitor state
	bLog      = []byte("log")      // log index (8 bytes BE) → receipt UUIDv7
	bMeta     = []byte("meta")     // small named values
	bUsers    = []byte("users")    // username → user JSON
)

var keyLogSize = []byte("log_size")

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrSiteChanged is returned when a site was saved by someone else after the
// revision being saved over was read.
var ErrSiteChanged = errors.New("store: site changed meanwhile")

// ErrCorrupt is returned when a stored record cannot be decoded.
var ErrCorrupt = errors.New("store: corrupt record")

// ErrUnavailable is returned for writes the store cannot take: it is closing,
// or a commit failed and the batch was rolled back. Nothing was acknowledged.
var ErrUnavailable = errors.New("store: unavailable")

// Failed returns why the store takes no more writes until a restart (a
// commit failed in bbolt itself), or nil.
func (s *Store) Failed() error { return s.w.broken() }

// ErrStale is returned for a decision made before the visitor's latest
// recorded one: one delivered late, after the decision that replaced it.
var ErrStale = errors.New("store: a later decision of the visitor is recorded")

// Store is Assent's database.
type Store struct {
	db *bolt.DB

	sitesMu sync.RWMutex
	sites   map[string]*siteEntry

	w writer

	noTree   bool // benchmarks only: skip tree hashes to measure their cost
	onCommit func(int, time.Duration)
}

// Options tune a store.
type Options struct {
	// OnCommit, if set, is called after each receipt commit with the number
	// of log entries it made durable and how long the commit took.
	OnCommit func(entries int, took time.Duration)
}

// Open opens or creates the database at path and starts its writer.
func Open(path string) (*Store, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         time.Second, // another process holds the file: fail, don't hang
		FreelistType:    bolt.FreelistMapType,
		NoFreelistSync:  true, // rebuilt on open; halves the pages each commit writes
		InitialMmapSize: 1 << 30,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, sites: map[string]*siteEntry{}, onCommit: o.OnCommit}
	var size uint64
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bSites, bConfigs, bReceipts, bBySite, bVisitors, bLog, bMeta, bUsers, bStats, bHashes, bEvents, bSessions, bTokens} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		size = getU64(tx.Bucket(bMeta).Get(keyLogSize))
		return s.loadSites(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init: %w", err)
	}
	s.w.start(s, size)
	return s, nil
}

// Close waits for acknowledged-to-be writes to commit, then closes the file.
func (s *Store) Close() error {
	s.w.stop()
	return s.db.Close()
}

// Check runs bbolt's consistency check and returns every problem found.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// LogSize is the number of receipts committed to the log.
func (s *Store) LogSize() uint64 { return s.w.committedSize() }

// Meta reads a small named value; nil if unset.
func (s *Store) Meta(key string) ([]byte, error) {
	var v []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v = clone(tx.Bucket(bMeta).Get([]byte(key)))
		return nil
	})
	return v, err
}

// PutMeta writes a small named value durably.
func (s *Store) PutMeta(key string, value []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte(key), value) })
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func putU64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func siteKey(site, rest string) []byte {
	k := make([]byte, 0, len(site)+1+len(rest))
	return append(append(append(k, site...), '|'), rest...)
}
