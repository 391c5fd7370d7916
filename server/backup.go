package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/assent/assent/internal/durable"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/store"
)

// backupCommand is `assent backup FILE`: a consistent copy of the database.
// With the server stopped it reads the file directly; while the server runs
// (it holds the file's lock) it downloads GET /api/v1/admin/backup with
// ASSENT_ADMIN_TOKEN. Either way the copy is a single bbolt transaction.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) < 1 {
		return errors.New("usage: assent backup FILE [--data DIR] [--addr ADDR]")
	}
	dest := args[0]
	cfg, err := Load(args[1:], getenv)
	if err != nil {
		return err
	}
	tmp := dest + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// Stopped by a signal, it stops writing and removes the copy.
	w := ctxWriter{ctx, f}
	n, err := backupDirect(cfg, w)
	if errors.Is(err, errLocked) {
		n, err = backupLive(ctx, cfg, w)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if ctx.Err() != nil {
		return ctx.Err() // whatever the copy made of the writer's error
	}
	if err != nil {
		return err
	}
	size, err := store.LogSizeOf(tmp)
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup %s: %d bytes, log size %d\n", dest, n, size)
	return nil
}

var errLocked = errors.New("database in use")

func backupDirect(cfg *Config, w io.Writer) (int64, error) {
	path := filepath.Join(cfg.Data, "assent.db")
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	st, err := store.Open(path)
	if err != nil {
		return 0, errLocked // the running server holds the lock
	}
	defer st.Close()
	n, _, err := st.Backup(w)
	return n, err
}

// ctxWriter fails once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

func backupLive(ctx context.Context, cfg *Config, w io.Writer) (int64, error) {
	if cfg.AdminToken == "" {
		return 0, errors.New("the server is running: set ASSENT_ADMIN_TOKEN to back it up over its admin API")
	}
	c, base, err := localClient(cfg)
	if err != nil {
		return 0, err
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/admin/backup", nil)
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("backup over the admin API: %s", res.Status)
	}
	return io.Copy(w, res.Body)
}

// restoreCommand is `assent restore FILE`: with the server stopped, put a
// backup in place of the database. The backup is checked first, and the
// current database is kept beside it. A backup older than the last signed
// checkpoint would roll the signed log back, and one of another history
// (as long or longer) would not extend it; either needs --accept-rollback,
// which also sets the old checkpoint aside so signing can resume.
func restoreCommand(args []string, getenv func(string) string, out io.Writer) (err error) {
	accept := false
	if len(args) < 1 {
		return errors.New("usage: assent restore FILE [--data DIR] [--accept-rollback]")
	}
	src := args[0]
	rest := []string{}
	for _, a := range args[1:] {
		if a == "--accept-rollback" || a == "-accept-rollback" {
			accept = true
		} else {
			rest = append(rest, a)
		}
	}
	cfg, err := Load(rest, getenv)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(cfg.Data, "assent.db")
	_, err = os.Stat(dbPath)
	fresh := errors.Is(err, os.ErrNotExist) // a new machine: nothing to keep
	if fresh {
		if _, err := os.Stat(cfg.Data); errors.Is(err, os.ErrNotExist) {
			// A restore that fails leaves no empty data directory behind
			// to be mistaken for a restored one.
			defer func() {
				if err != nil {
					os.Remove(cfg.Data) // only if still empty
				}
			}()
		}
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return err
		}
	} else if st, err := store.Open(dbPath); err != nil {
		return errors.New("stop the server first: the database is in use")
	} else {
		st.Close()
	}
	// The backup is copied beside the database, checked there, and renamed
	// into place: one copy, on the data directory's own file system (not a
	// possibly small /tmp), and the database is never a half-copied file.
	tmp := fmt.Sprintf("%s.restoring-%d", dbPath, os.Getpid())
	defer os.Remove(tmp) // a no-op once renamed
	size, kid, fork, err := checkBackup(src, tmp, cfg.Data)
	if err != nil {
		return fmt.Errorf("backup %s: %w", src, err)
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	cpPath := filepath.Join(cfg.Data, "log-checkpoint")
	if signed, err := os.ReadFile(cpPath); err == nil {
		cp, err := ledger.ParseCheckpoint(string(signed))
		switch {
		case err == nil && uint64(cp.Size) > size:
			if !accept {
				return fmt.Errorf("the backup holds %d log entries but %d were already signed: %d would be missing; rerun with --accept-rollback if that is what you want",
					size, cp.Size, uint64(cp.Size)-size)
			}
			if _, err := setAside(cpPath, stamp); err != nil {
				return err
			}
			fmt.Fprintf(out, "set aside the checkpoint of size %d: log entries %d to %d are not in this backup\n", cp.Size, size, cp.Size-1)
		case fork != nil:
			// As long or longer, but another history (another server's
			// backup, or one from before an earlier rollback): the server
			// would refuse to sign on it.
			if !accept {
				return fmt.Errorf("the backup's log is not the one this server signed (%v); rerun with --accept-rollback to set the signed checkpoint aside and sign on the backup's", fork)
			}
			if _, err := setAside(cpPath, stamp); err != nil {
				return err
			}
			fmt.Fprintf(out, "set aside the checkpoint of size %d: the backup's log is another history\n", cp.Size)
		}
	}
	was, err := setAside(dbPath, stamp)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	if err := durable.SyncDir(cfg.Data); err != nil {
		return err
	}
	if fresh {
		fmt.Fprintf(out, "restored %s (log size %d) into %s\n", src, size, cfg.Data)
	} else {
		fmt.Fprintf(out, "restored %s (log size %d); the previous database is %s\n", src, size, was)
	}
	// The server refuses a database without the key its receipts were
	// signed with (see openSigner): say so now, not at the next start.
	if kid != "" && !hasKey(filepath.Join(cfg.Data, "keys"), kid) {
		fmt.Fprintf(out, "the server will not start yet: its receipts were signed with key %s, which is not in %s; copy keys/ from the same backup\n",
			kid, filepath.Join(cfg.Data, "keys"))
	}
	return nil
}

// setAside renames path to path.before-restore-STAMP, or with -2, -3, …
// after it when that is taken (two restores in one second): a copy set
// aside is never replaced. It returns the new name.
func setAside(path, stamp string) (string, error) {
	to := path + ".before-restore-" + stamp
	for i := 2; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, os.ErrNotExist) {
			break
		}
		to = fmt.Sprintf("%s.before-restore-%s-%d", path, stamp, i)
	}
	return to, os.Rename(path, to)
}

// hasKey reports whether the receipt key kid is among those in dir.
func hasKey(dir, kid string) bool {
	if pems, _ := filepath.Glob(filepath.Join(dir, "*.pem")); len(pems) == 0 {
		return false // receipt.Open would make one
	}
	s, _, err := receipt.Open(dir, time.Now())
	if err != nil {
		return false
	}
	_, ok := s.Keys()[kid]
	return ok
}

// checkBackup copies the backup to tmp, runs bbolt's consistency check on the
// copy, and returns its log size. The backup file itself is never written.
func checkBackup(src, tmp, data string) (size uint64, kid string, fork error, err error) {
	if err := copyFile(src, tmp); err != nil {
		return 0, "", nil, err
	}
	st, err := store.Open(tmp)
	if err != nil {
		return 0, "", nil, err
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		return 0, "", nil, err
	}
	k, err := st.Meta("receipt_kid")
	if err != nil {
		return 0, "", nil, err
	}
	// Does the backup's log extend the checkpoint this server last signed?
	// Checked as the server does at start, with its log key.
	keyPath, cpPath := filepath.Join(data, "keys", "log.key"), filepath.Join(data, "log-checkpoint")
	if _, err := os.Stat(keyPath); err == nil {
		if _, err := os.Stat(cpPath); err == nil {
			key, err := ledger.OpenKey(keyPath, "")
			if err != nil {
				return 0, "", nil, err
			}
			lg, err := ledger.Open(st, key, cpPath)
			if err != nil {
				return 0, "", nil, err
			}
			fork = lg.Broken()
		}
	}
	return st.LogSize(), string(k), fork, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
