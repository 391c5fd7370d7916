package receipt

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/assent/assent/internal/durable"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Signer signs receipts and tokens with the newest key in its key directory
// and knows every older key, so the JWKS can verify every receipt ever
// issued. Keys are PKCS#8 PEM files, mode 0600, in a 0700 directory, named
// by creation time so lexical order is age order.
type Signer struct {
	dir     string
	kid     string
	priv    ed25519.PrivateKey
	keys    KeySet
	hdrRcpt string // base64url headers, computed once per key
	hdrTok  string
	hdrEvid string
	hdrEvt  string
}

// Open loads the keys in dir, creating the directory and a first key if
// there are none. created reports whether a key was generated.
func Open(dir string, now time.Time) (s *Signer, created bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, false, err
	}
	if len(names) == 0 {
		if _, err := newKeyFile(dir, now); err != nil {
			return nil, false, err
		}
		created = true
	}
	s, err = load(dir)
	return s, created, err
}

// Rotate creates a new signing key in dir and returns its kid. Running
// servers pick it up on restart; old keys stay for verification.
func Rotate(dir string, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	pub, err := newKeyFile(dir, now)
	if err != nil {
		return "", err
	}
	return Thumbprint(pub), nil
}

func newKeyFile(dir string, now time.Time) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%s.pem", now.UTC().Format("20060102T150405.000000000Z"), Thumbprint(pub)[:8]))
	// Whole or not at all: a cut-off key would stop every later start,
	// and the key signs receipts acknowledged as durable: so must it be.
	return pub, durable.Create(name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func load(dir string) (*Signer, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	s := &Signer{dir: dir, keys: KeySet{}}
	for _, n := range names {
		priv, err := readKey(n)
		if err != nil {
			return nil, fmt.Errorf("receipt: key %s: %w", filepath.Base(n), err)
		}
		pub := priv.Public().(ed25519.PublicKey)
		s.kid, s.priv = Thumbprint(pub), priv
		s.keys[s.kid] = pub
	}
	if s.priv == nil {
		return nil, errors.New("receipt: no signing key in " + dir)
	}
	s.hdrRcpt = encodedHeader(s.kid, TypReceipt)
	s.hdrTok = encodedHeader(s.kid, TypToken)
	s.hdrEvid = encodedHeader(s.kid, TypEvidence)
	s.hdrEvt = encodedHeader(s.kid, TypEvent)
	return s, nil
}

func readKey(name string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("mode %v is open to others; chmod 600 it", fi.Mode().Perm())
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || !strings.Contains(blk.Type, "PRIVATE KEY") {
		return nil, errors.New("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("not an Ed25519 key")
	}
	return priv, nil
}

// KID is the identifier of the signing key.
func (s *Signer) KID() string { return s.kid }

// Keys returns every known public key.
func (s *Signer) Keys() KeySet { return s.keys }

// SignReceipt signs receipt claims.
func (s *Signer) SignReceipt(claims any) string { return s.sign(s.hdrRcpt, claims) }

// SignToken signs consent-token claims.
func (s *Signer) SignToken(claims any) string { return s.sign(s.hdrTok, claims) }

// SignEvent signs a log event (key rotation, tombstone).
func (s *Signer) SignEvent(claims any) string { return s.sign(s.hdrEvt, claims) }

// SignEvidence signs an evidence pack's manifest.
func (s *Signer) SignEvidence(claims any) string { return s.sign(s.hdrEvid, claims) }

// jsonAppender is implemented by claims that marshal themselves without
// reflection (the consent claims: two per decision, on the request path).
type jsonAppender interface{ AppendJSON([]byte) []byte }

func (s *Signer) sign(hdr string, claims any) string {
	var payload []byte
	if a, ok := claims.(jsonAppender); ok {
		payload = a.AppendJSON(make([]byte, 0, 512))
	} else {
		var err error
		if payload, err = json.Marshal(claims); err != nil {
			panic("receipt: claims cannot be marshalled: " + err.Error()) // our own plain structs
		}
	}
	buf := make([]byte, 0, len(hdr)+1+b64.EncodedLen(len(payload))+1+86)
	buf = append(buf, hdr...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	// curve25519-voi signs twice as fast as crypto/ed25519 here (its
	// fixed-base multiplication uses larger tables), and two signatures per
	// decision are most of a receipt's CPU. Same RFC 8032 deterministic
	// signatures, byte for byte (TestVoiSignsLikeStdlib).
	sig := voi.Sign(voi.PrivateKey(s.priv), buf)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf)
}
