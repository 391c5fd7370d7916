package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
)

// failWrites makes every later write to the database file fail, as a dying
// disk would: bbolt's descriptor is swapped for a read-only one on the same
// file, so pwrite fails (EBADF) while the mmap still reads. heal gives it
// a writable one again.
func failWrites(t *testing.T, path string) (heal func()) {
	t.Helper()
	swap := func(flag, fd int) {
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := syscall.Dup3(int(f.Fd()), fd, syscall.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, e := range fds {
		var fd int
		if target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); target == path {
			if _, err := fmt.Sscan(e.Name(), &fd); err == nil {
				swap(os.O_RDONLY, fd)
				return func() { swap(os.O_RDWR, fd) }
			}
		}
	}
	t.Fatalf("no descriptor of %s found", path)
	return nil
}

// TestFailedCommitStopsWrites: once bbolt's commit itself fails, the store
// takes no more writes, nor answers a retry with the receipt whose commit
// failed, until it is opened again; it never hands that receipt's log index
// to another. (A failed fsync may leave the "rolled back" transaction in
// what the mmap reads: etcd-io/bbolt#233.)
func TestFailedCommitStopsWrites(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.AppendReceipt("demo", "va", build("demo", "va")); err != nil {
		t.Fatal(err)
	}
	heal := failWrites(t, db.Path)
	decision := uuid.Must(uuid.NewV7())
	if _, _, err := db.RecordDecision("demo", "vb", decision, build("demo", "vb")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a write to a failing disk: %v, want ErrUnavailable", err)
	}
	// Which of its writes failed cannot be told from bbolt's error: the
	// disk working again changes nothing.
	heal()
	if db.Failed() == nil {
		t.Error("the store does not report the failed commit")
	}
	if _, _, err := db.RecordDecision("demo", "vb", decision, build("demo", "vb")); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("the decision retried: %v, want ErrUnavailable until a restart", err)
	}
	if _, err := db.AppendReceipt("demo", "vc", build("demo", "vc")); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("another decision: %v, want ErrUnavailable until a restart", err)
	}
	if _, err := db.RemoveReceipts(nil, func(uint64) *store.Event {
		return &store.Event{ID: uuid.Must(uuid.NewV7()), Kind: "tombstone", JWS: "tomb"}
	}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("an event: %v, want ErrUnavailable until a restart", err)
	}
	db.Reopen()
	if err := db.Failed(); err != nil {
		t.Errorf("after a restart: %v", err)
	}
	r, err := db.AppendReceipt("demo", "vc", build("demo", "vc"))
	if err != nil || r.Log != db.LogSize()-1 {
		t.Fatalf("after a restart: %v, log index %v of %d", err, r, db.LogSize())
	}
	if at, err := db.ReceiptAt(r.Log); err != nil || at.ID != r.ID {
		t.Errorf("log[%d] is %v (%v), want the receipt that claims it", r.Log, at, err)
	}
}
