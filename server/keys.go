package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/assent/assent/internal/receipt"
)

// keysCommand is `assent keys rotate [--data DIR]`: a new receipt signing key
// for the next start. Old keys stay, so every receipt keeps verifying, and
// the next start records the rotation in the log.
func keysCommand(args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("usage: assent keys rotate [--data DIR]")
	}
	cfg, err := Load(args[1:], getenv)
	if err != nil {
		return err
	}
	// A mistyped --data would make a key no server ever uses, and say
	// it will be used.
	if _, err := os.Stat(filepath.Join(cfg.Data, "assent.db")); err != nil {
		return fmt.Errorf("no database in %s: is --data / ASSENT_DATA the server's data directory?", cfg.Data)
	}
	kid, err := receipt.Rotate(filepath.Join(cfg.Data, "keys"), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "new receipt signing key %s; restart the server to use it\n", kid)
	return nil
}
