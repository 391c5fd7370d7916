// Package storetest opens real stores in temporary directories for tests.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/assent/assent/internal/store"
)

// DB is a store in a test's temporary directory.
type DB struct {
	*store.Store
	Path string
	t    testing.TB
}

// Open opens a store in t.TempDir(). At cleanup it closes the store, opens
// the file again and fails the test if bbolt's consistency check finds a
// problem.
func Open(t testing.TB) *DB {
	t.Helper()
	d := &DB{Path: filepath.Join(t.TempDir(), "assent.db"), t: t}
	d.open()
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		d.open()
		defer d.Close()
		if err := d.Check(); err != nil {
			t.Errorf("tx.Check: %v", err)
		}
	})
	return d
}

// Reopen closes the store and opens the same file again, to prove that what
// was acknowledged is on disk.
func (d *DB) Reopen() {
	d.t.Helper()
	if err := d.Close(); err != nil {
		d.t.Fatal(err)
	}
	d.open()
}

func (d *DB) open() {
	d.t.Helper()
	s, err := store.Open(d.Path)
	if err != nil {
		d.t.Fatal(err)
	}
	d.Store = s
}
