// Package ledger is Assent's tamper-evident log: an append-only RFC 6962
// Merkle tree whose leaf i is the receipt with log claim i, and signed
// checkpoints of it in the C2SP tlog-checkpoint format. Tree hashing and
// proofs come from golang.org/x/mod/sumdb/tlog, signatures from its note
// package; this package decides what is signed and refuses rollbacks.
package ledger

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/assent/assent/internal/durable"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// LeafHash is the RFC 6962 leaf hash of a log entry: SHA-256(0x00 || data),
// where data is the receipt's JWS compact bytes.
func LeafHash(data []byte) tlog.Hash { return tlog.RecordHash(data) }

// Checkpoint is the unsigned body of a signed checkpoint.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Text renders the checkpoint body: origin, size, base64 root, one per line.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ErrCheckpoint is returned for a checkpoint that is malformed or whose
// signature does not verify with the log key.
var ErrCheckpoint = errors.New("ledger: checkpoint malformed or not signed by the log key")

// ParseCheckpoint parses a checkpoint body (extension lines are ignored).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, ErrCheckpoint
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	root, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || err2 != nil || size < 0 || len(root) != tlog.HashSize || lines[1] != strconv.FormatInt(size, 10) {
		return Checkpoint{}, ErrCheckpoint
	}
	c := Checkpoint{Origin: lines[0], Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// OpenCheckpoint verifies a signed checkpoint against the verifier key vkey
// and returns its body.
func OpenCheckpoint(signed []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: log key: %w", err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, ErrCheckpoint
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil || c.Origin != v.Name() {
		return Checkpoint{}, ErrCheckpoint
	}
	return c, nil
}

// Key is the log's signing key: a note signer whose name is the origin.
// It is separate from the receipt key, so either can rotate alone.
type Key struct {
	signer note.Signer
	vkey   string
}

// OpenKey loads the log key from path, creating it (mode 0600) for origin
// if the file does not exist.
func OpenKey(path, origin string) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, err
		}
		// Whole or not at all: an empty key file would stop every start.
		if err := durable.Create(path, []byte(skey+"\n"+vkey+"\n")); err != nil {
			return nil, err
		}
		b = []byte(skey + "\n" + vkey + "\n")
	} else if err != nil {
		return nil, err
	}
	skey, vkey, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("ledger: log key %s: %w", path, err)
	}
	return &Key{signer: s, vkey: strings.TrimSpace(vkey)}, nil
}

// Origin is the log's name, the first line of every checkpoint.
func (k *Key) Origin() string { return k.signer.Name() }

// VerifierKey is the public key in note format (name+hash+base64).
func (k *Key) VerifierKey() string { return k.vkey }

// Sign signs a checkpoint body as a note.
func (k *Key) Sign(c Checkpoint) ([]byte, error) {
	return note.Sign(&note.Note{Text: string(c.Text())}, k.signer)
}
