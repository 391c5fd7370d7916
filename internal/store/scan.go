package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// scanChunk is how many receipts one read transaction reads. Exports run in
// many short transactions so a slow download never holds one open (an open
// read transaction pins pages and stalls the file's growth for writers).
const scanChunk = 1000

// timeKey is the smallest UUIDv7 issued at t: its 48-bit millisecond prefix.
func timeKey(t time.Time) []byte {
	if t.Before(time.UnixMilli(0)) {
		t = time.UnixMilli(0) // UUIDv7 time starts at the Unix epoch
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.UnixMilli()))
	return b[2:]
}

// CountSite counts the site's receipts issued in [from, to), up to limit+1
// (enough to tell that there are more than limit), from the time index
// alone: receipts removed since they were indexed may still be counted.
func (s *Store) CountSite(site string, from, to time.Time, limit int) (int, error) {
	start := siteKey(site, string(timeKey(from)))
	end := siteKey(site, string(timeKey(to)))
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bBySite).Cursor()
		for k, _ := c.Seek(start); k != nil && string(k) < string(end) && n <= limit; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// ScanSite calls fn for each of the site's receipts issued in [from, to),
// in time order, in constant memory. fn runs outside any transaction; its
// error stops the scan and is returned.
func (s *Store) ScanSite(site string, from, to time.Time, fn func(*Receipt) error) error {
	start := siteKey(site, string(timeKey(from)))
	end := siteKey(site, string(timeKey(to)))
	buf := make([]*Receipt, 0, scanChunk)
	for {
		buf = buf[:0]
		var next []byte
		err := s.db.View(func(tx *bolt.Tx) error {
			c, receipts := tx.Bucket(bBySite).Cursor(), tx.Bucket(bReceipts)
			k, _ := c.Seek(start)
			for ; k != nil && string(k) < string(end) && len(buf) < scanChunk; k, _ = c.Next() {
				id := k[len(site)+1:]
				r, ok := decodeRecord(id, receipts.Get(id))
				if !ok {
					// A removal deletes the record and its index entry in
					// one commit, so this is a record deleted or damaged
					// by hand: an export must not go on as if complete.
					return fmt.Errorf("%w: site %s indexes receipt %x, which is not stored whole", ErrCorrupt, site, id)
				}
				buf = append(buf, r)
			}
			if k != nil && string(k) < string(end) {
				next = clone(k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range buf {
			if err := fn(r); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		start = next
	}
}

// RecentSite returns up to n of a site's receipts, newest first, made
// before the receipt with id before (the newest for uuid.Nil): a page of
// the consent log.
func (s *Store) RecentSite(site string, before uuid.UUID, n int) ([]*Receipt, error) {
	prefix := siteKey(site, "")
	start := siteKey(site, string(before[:]))
	if before == uuid.Nil {
		start = siteKey(site, "\xff") // past every UUIDv7 of the site
	}
	var out []*Receipt
	err := s.db.View(func(tx *bolt.Tx) error {
		c, receipts := tx.Bucket(bBySite).Cursor(), tx.Bucket(bReceipts)
		k, _ := c.Seek(start)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, _ = c.Prev() {
			id := k[len(prefix):]
			if r, ok := decodeRecord(id, receipts.Get(id)); ok {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}
