package durable

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.key")
	// What a crash during an earlier try left: only the temporary file.
	if err := os.WriteFile(path+".tmp", []byte("cut"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Create(path, []byte("whole\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "whole\n" {
		t.Errorf("created %q, %v", b, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	// Never replaces a file that is there.
	if err := Create(path, []byte("other\n")); !errors.Is(err, os.ErrExist) {
		t.Errorf("over an existing file: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "whole\n" {
		t.Errorf("the existing file now holds %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
