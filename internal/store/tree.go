package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// The Merkle tree's stored hashes (tlog's layout: about two per leaf) live
// in their own bucket, written in the same commit as the receipts they
// cover, so the tree and the receipts can never disagree after a crash.

var bHashes = []byte("hashes") // tlog stored-hash index (8 bytes BE) → hash

// putLeaf stores the hashes that leaf n with hash h completes.
func putLeaf(tx *bolt.Tx, n uint64, h tlog.Hash) error {
	b := tx.Bucket(bHashes)
	b.FillPercent = 1 // append-only
	hashes, err := tlog.StoredHashesForRecordHash(int64(n), h, txHashReader{b})
	if err != nil {
		return err
	}
	at := tlog.StoredHashIndex(0, int64(n))
	for i, h := range hashes {
		if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(at+int64(i))), h[:]); err != nil {
			return err
		}
	}
	return nil
}

type txHashReader struct{ b *bolt.Bucket }

func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	var k [8]byte
	for i, idx := range indexes {
		binary.BigEndian.PutUint64(k[:], uint64(idx))
		v := r.b.Get(k[:])
		if len(v) != tlog.HashSize {
			return nil, ErrCorrupt
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// HashReader reads stored tree hashes, each call in its own short read
// transaction. Stored hashes never change once written.
func (s *Store) HashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		var out []tlog.Hash
		err := s.db.View(func(tx *bolt.Tx) error {
			var err error
			out, err = txHashReader{tx.Bucket(bHashes)}.ReadHashes(indexes)
			return err
		})
		return out, err
	})
}
