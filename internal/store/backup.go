package store

import (
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w while the
// store keeps serving (one read transaction; writers are not blocked). It
// returns the number of bytes written and the log size the copy holds.
func (s *Store) Backup(w io.Writer) (n int64, logSize uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		logSize = getU64(tx.Bucket(bMeta).Get(keyLogSize))
		n, err = tx.WriteTo(w)
		return err
	})
	return n, logSize, err
}

// LogSizeOf reads the log size of a database file that is not open, e.g. a
// backup about to be restored.
func LogSizeOf(path string) (uint64, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var size uint64
	err = db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bMeta); b != nil {
			size = getU64(b.Get(keyLogSize))
		}
		return nil
	})
	return size, err
}
