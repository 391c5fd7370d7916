package ledger_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

func fill(t *testing.T, db *storetest.DB, n int, tag string) []string {
	t.Helper()
	var jws []string
	for i := range n {
		r, err := db.AppendReceipt("demo", uuid.NewString(), func(idx uint64, _ uuid.UUID) *store.Receipt {
			return &store.Receipt{ID: uuid.Must(uuid.NewV7()), Site: "demo", Visitor: "v", Log: idx,
				IssuedAt: time.Now(), ExpiresAt: time.Now(), Action: "custom", Choices: []byte("{}"),
				JWS: fmt.Sprintf("%s-receipt-%d", tag, i)}
		})
		if err != nil {
			t.Fatal(err)
		}
		jws = append(jws, r.JWS)
	}
	return jws
}

func openLog(t *testing.T, db *storetest.DB, dir string) *ledger.Log {
	t.Helper()
	key, err := ledger.OpenKey(filepath.Join(dir, "log.key"), "consent.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(db, key, filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func hashes(p []tlog.Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i][:]
	}
	return out
}

// Our proofs must verify with an independent RFC 6962 implementation.
func TestProofsVerifyWithTransparencyDev(t *testing.T) {
	db, dir := storetest.Open(t), t.TempDir()
	jws := fill(t, db, 37, "a")
	l := openLog(t, db, dir)
	_, cp17, err := signAt(t, l, db, jws, 17)
	if err != nil {
		t.Fatal(err)
	}
	signed, cp, err := l.Sign()
	if err != nil || cp.Size != 37 {
		t.Fatalf("sign: %v size %d", err, cp.Size)
	}
	key, _ := ledger.OpenKey(filepath.Join(dir, "log.key"), "")
	if got, err := ledger.OpenCheckpoint(signed, key.VerifierKey()); err != nil || got != cp {
		t.Fatalf("checkpoint does not open with the log key: %v", err)
	}
	for _, i := range []int{0, 1, 16, 31, 36} {
		p, err := l.InclusionProof(int64(i), cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		leaf := rfc6962.DefaultHasher.HashLeaf([]byte(jws[i]))
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(cp.Size), leaf, hashes(p), cp.Root[:]); err != nil {
			t.Errorf("leaf %d: %v", i, err)
		}
		if ledger.LeafHash([]byte(jws[i])) != tlog.Hash(leaf) {
			t.Errorf("leaf hash %d differs from RFC 6962", i)
		}
	}
	cons, err := l.ConsistencyProof(cp17.Size, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 17, 37, hashes(cons), cp17.Root[:], cp.Root[:]); err != nil {
		t.Errorf("consistency 17→37: %v", err)
	}
}

// signAt signs a checkpoint of the first n leaves, using a second store that
// holds just those, as the log would have at that time.
func signAt(t *testing.T, l *ledger.Log, _ *storetest.DB, jws []string, n int) ([]byte, ledger.Checkpoint, error) {
	t.Helper()
	small := storetest.Open(t)
	for _, j := range jws[:n] {
		if _, err := small.AppendReceipt("demo", uuid.NewString(), func(idx uint64, _ uuid.UUID) *store.Receipt {
			return &store.Receipt{ID: uuid.Must(uuid.NewV7()), Site: "demo", Visitor: "v", Choices: []byte("{}"), JWS: j}
		}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	sl := openLog(t, small, dir)
	return sl.Sign()
}

func TestRestartKeepsTreeAndRefusesRollback(t *testing.T) {
	db, dir := storetest.Open(t), t.TempDir()
	fill(t, db, 10, "a")
	l := openLog(t, db, dir)
	_, cp, err := l.Sign()
	if err != nil {
		t.Fatal(err)
	}
	db.Reopen()
	fill(t, db, 5, "b")
	l2 := openLog(t, db, dir)
	if _, old := l2.Latest(); old != cp {
		t.Fatalf("restart lost the last checkpoint: %+v", old)
	}
	if _, cp2, err := l2.Sign(); err != nil || cp2.Size != 15 {
		t.Fatalf("sign after restart: %v, size %d", err, cp2.Size)
	}

	// A smaller database (an old backup) with the same checkpoint file.
	smaller := storetest.Open(t)
	fill(t, smaller, 3, "a")
	l3 := openLog(t, smaller, dir)
	if _, _, err := l3.Sign(); !errors.Is(err, ledger.ErrRollback) {
		t.Errorf("rolled-back log: got %v, want ErrRollback", err)
	}
	// A different database as large as the checkpoint: inconsistent.
	other := storetest.Open(t)
	fill(t, other, 20, "x")
	l4 := openLog(t, other, dir)
	if _, _, err := l4.Sign(); !errors.Is(err, ledger.ErrInconsistent) {
		t.Errorf("forked log: got %v, want ErrInconsistent", err)
	}
}

func TestOpenCheckpointRejectsForgeries(t *testing.T) {
	db, dir := storetest.Open(t), t.TempDir()
	fill(t, db, 4, "a")
	l := openLog(t, db, dir)
	signed, _, _ := l.Sign()
	key, _ := ledger.OpenKey(filepath.Join(dir, "log.key"), "")
	otherKey, _ := ledger.OpenKey(filepath.Join(t.TempDir(), "k"), "consent.example/log")
	forged := strings.Replace(string(signed), "\n4\n", "\n5\n", 1)
	for name, b := range map[string]string{"edited size": forged, "empty": "", "garbage": "x\n\n— y"} {
		if _, err := ledger.OpenCheckpoint([]byte(b), key.VerifierKey()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ledger.OpenCheckpoint(signed, otherKey.VerifierKey()); err == nil {
		t.Error("accepted a checkpoint signed by another key")
	}
}
