package ledger

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/assent/assent/internal/durable"
	"golang.org/x/mod/sumdb/tlog"
)

// Tree is the stored Merkle tree the log signs: its size and hashes.
type Tree interface {
	LogSize() uint64
	HashReader() tlog.HashReader
}

// Errors from signing and proving.
var (
	ErrRollback     = errors.New("ledger: the log is smaller than the last signed checkpoint (database rolled back?)")
	ErrInconsistent = errors.New("ledger: the log is not consistent with the last signed checkpoint")
	ErrRange        = errors.New("ledger: index or size out of range")
)

// Log signs checkpoints of a Tree. The last signed checkpoint is kept in a
// file beside the database (written atomically, fsynced), so restoring an
// older database cannot silently roll the signed log back: Log refuses to
// sign anything smaller than, or inconsistent with, what it signed before.
type Log struct {
	tree  Tree
	key   *Key
	state string

	mu       sync.Mutex
	signed   []byte
	cp       Checkpoint
	signedAt time.Time
	broken   error // ErrRollback or ErrInconsistent found at open
}

// Open loads the last signed checkpoint from statePath, if any, and checks
// the tree against it.
func Open(tree Tree, key *Key, statePath string) (*Log, error) {
	l := &Log{tree: tree, key: key, state: statePath}
	b, err := os.ReadFile(statePath)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	} else if err != nil {
		return nil, err
	}
	cp, err := OpenCheckpoint(b, key.VerifierKey())
	if err != nil {
		return nil, fmt.Errorf("ledger: %s: %w", statePath, err)
	}
	l.signed, l.cp = b, cp
	if fi, err := os.Stat(statePath); err == nil {
		l.signedAt = fi.ModTime()
	}
	l.broken = l.consistent(int64(tree.LogSize()))
	return l, nil
}

// Broken reports why the log refuses to sign, or nil.
func (l *Log) Broken() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.broken
}

// Latest returns the last signed checkpoint (nil before the first).
func (l *Log) Latest() ([]byte, Checkpoint) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.signed, l.cp
}

// Sign signs a checkpoint of the tree as it is now, unless it equals the
// last one. It refuses (ErrRollback, ErrInconsistent) to sign a tree that
// does not extend the last signed one.
func (l *Log) Sign() ([]byte, Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return nil, Checkpoint{}, l.broken
	}
	size := int64(l.tree.LogSize())
	if l.signed != nil && size == l.cp.Size {
		l.signedAt = time.Now() // re-signing the same tree would change nothing
		return l.signed, l.cp, nil
	}
	if err := l.consistent(size); err != nil {
		return nil, Checkpoint{}, err
	}
	root, err := l.root(size)
	if err != nil {
		return nil, Checkpoint{}, err
	}
	cp := Checkpoint{Origin: l.key.Origin(), Size: size, Root: root}
	signed, err := l.key.Sign(cp)
	if err != nil {
		return nil, Checkpoint{}, err
	}
	if err := writeAtomic(l.state, signed); err != nil {
		return nil, Checkpoint{}, err
	}
	l.signed, l.cp, l.signedAt = signed, cp, time.Now()
	return signed, cp, nil
}

// consistent checks that a tree of size extends the last signed checkpoint.
func (l *Log) consistent(size int64) error {
	if l.signed == nil {
		return nil
	}
	if size < l.cp.Size {
		return ErrRollback
	}
	root, err := l.root(size)
	if err != nil {
		return err
	}
	if l.cp.Size == 0 {
		return nil
	}
	p, err := tlog.ProveTree(size, l.cp.Size, l.tree.HashReader())
	if err != nil || tlog.CheckTree(p, size, root, l.cp.Size, l.cp.Root) != nil {
		return ErrInconsistent
	}
	return nil
}

func (l *Log) root(size int64) (tlog.Hash, error) {
	if size == 0 {
		return tlog.Hash(sha256.Sum256(nil)), nil // RFC 6962: the empty tree's hash
	}
	return tlog.TreeHash(size, l.tree.HashReader())
}

// Run signs a new checkpoint every interval while the log grows, until ctx
// ends. Errors go to report: each new one, and the same one again at most
// once a minute.
func (l *Log) Run(ctx context.Context, every time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	var f repeats
	for {
		if _, _, err := l.Sign(); f.pass(err, time.Now()) {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// repeats lets an error through when it is new, and the same one again only
// after a quiet minute: a log that cannot be signed (rolled back) fails on
// every tick, and one line every 2 s would bury the rest of the log.
type repeats struct {
	last string
	at   time.Time
}

func (r *repeats) pass(err error, now time.Time) bool {
	if err == nil {
		r.last = ""
		return false
	}
	if err.Error() == r.last && now.Sub(r.at) < time.Minute {
		return false
	}
	r.last, r.at = err.Error(), now
	return true
}

// InclusionProof proves leaf index is in the tree of the given size.
func (l *Log) InclusionProof(index, size int64) (tlog.RecordProof, error) {
	if index < 0 || size <= index || size > int64(l.tree.LogSize()) {
		return nil, ErrRange
	}
	return tlog.ProveRecord(size, index, l.tree.HashReader())
}

// ConsistencyProof proves the tree of size from is a prefix of size to.
func (l *Log) ConsistencyProof(from, to int64) (tlog.TreeProof, error) {
	if from < 1 || to < from || to > int64(l.tree.LogSize()) {
		return nil, ErrRange
	}
	return tlog.ProveTree(to, from, l.tree.HashReader())
}

// writeAtomic replaces path with b durably: temp file, fsync, rename, fsync
// of the directory.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := durable.WriteFile(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(path))
}

// Fresh is when the log last confirmed its checkpoint covers the whole tree
// (signing anew, or finding nothing new to sign); zero before that.
func (l *Log) Fresh() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.signedAt
}

// VerifierKey is the log's public key in note format.
func (l *Log) VerifierKey() string { return l.key.VerifierKey() }
