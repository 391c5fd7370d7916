// Package durable writes files that must survive a crash: fsynced, and for
// signing keys whole or not at all (a half-written one would stop every
// later start).
package durable

import (
	"errors"
	"os"
	"path/filepath"
)

// Create makes path (mode 0600) holding b, failing if it exists, and
// returns once it is on disk under its name. The bytes are written and
// fsynced under a temporary name first and then linked to path, so a crash
// leaves either no file or the whole one: never an empty or cut-off one.
// A temporary file left by a crash is overwritten by the next try.
func Create(path string, b []byte) error {
	tmp := path + ".tmp"
	err := WriteFile(tmp, b)
	if err == nil {
		err = os.Link(tmp, path) // fails if path exists, as O_EXCL would
		if err != nil && !errors.Is(err, os.ErrExist) {
			// A file system without hard links (some network and FUSE
			// mounts): rename, which replaces, after a check, as this
			// package's callers never race each other for one name.
			if _, serr := os.Lstat(path); serr == nil {
				err = &os.PathError{Op: "create", Path: path, Err: os.ErrExist}
			} else {
				err = os.Rename(tmp, path)
			}
		}
	}
	os.Remove(tmp)
	if err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// WriteFile writes path (mode 0600, replacing what it held) and fsyncs it;
// its name is durable only once its directory is synced too (see Write).
func WriteFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Write is WriteFile, returning once the file is on disk under its name.
func Write(path string, b []byte) error {
	if err := WriteFile(path, b); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes the names in dir durable: a new file fsynced is not on
// disk under its name until its directory is.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
