// Package receipt signs and verifies consent receipts and consent tokens:
// compact JWS with EdDSA (Ed25519), keys identified by RFC 7638 thumbprints
// and published as a JWKS. Signing uses the standard library only; tests
// check the output against an independent JOSE implementation.
package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// Media types in the JWS "typ" header.
const (
	TypReceipt  = "consent-receipt+jwt"
	TypToken    = "consent-token+jwt"
	TypEvidence = "assent-evidence+jwt" // an evidence pack's manifest
	TypEvent    = "assent-event+jwt"    // a log entry that is not a receipt
)

var b64 = base64.RawURLEncoding.Strict()

// unb64 decodes base64url, refusing any byte outside its alphabet: the
// decoder skips \r and \n, so a line-wrapped copy of a JWS would verify
// while differing from the one stored (and be reported as not stored).
func unb64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, ErrMalformed
		}
	}
	return b64.DecodeString(s)
}

// Thumbprint returns the RFC 7638 JWK thumbprint of an Ed25519 public key,
// used as its kid.
func Thumbprint(pub ed25519.PublicKey) string {
	jwk := `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(jwk))
	return b64.EncodeToString(sum[:])
}

type header struct {
	Alg  string `json:"alg"`
	Kid  string `json:"kid"`
	Typ  string `json:"typ"`
	Crit any    `json:"crit,omitempty"`
}

func encodedHeader(kid, typ string) string {
	h, _ := json.Marshal(header{Alg: "EdDSA", Kid: kid, Typ: typ})
	return b64.EncodeToString(h)
}

// KeySet holds public keys by kid, for verification.
type KeySet map[string]ed25519.PublicKey

// Verification errors.
var (
	ErrMalformed  = errors.New("receipt: malformed JWS")
	ErrAlgorithm  = errors.New("receipt: algorithm is not EdDSA")
	ErrUnknownKey = errors.New("receipt: signed by an unknown key")
	ErrType       = errors.New("receipt: unexpected typ")
	ErrSignature  = errors.New("receipt: signature does not verify")
)

// Verify checks a compact JWS signed with EdDSA by a key in ks and of media
// type typ, and returns its payload and kid. Anything but EdDSA (none, HMAC,
// RSA) is refused before any key is looked at.
func (ks KeySet) Verify(compact, typ string) (payload []byte, kid string, err error) {
	return ks.verify(compact, typ, nil)
}

// Verifier verifies many JWS against one key set. It recognises the exact
// headers Assent writes without decoding them, which matters when checking
// a pack of a hundred thousand receipts.
type Verifier struct {
	keys  KeySet
	known map[string][2]string // base64url header → kid, typ
}

// NewVerifier prepares a Verifier for ks.
func NewVerifier(ks KeySet) *Verifier {
	v := &Verifier{keys: ks, known: map[string][2]string{}}
	for kid := range ks {
		for _, typ := range []string{TypReceipt, TypToken, TypEvidence, TypEvent} {
			v.known[encodedHeader(kid, typ)] = [2]string{kid, typ}
		}
	}
	return v
}

// Verify is KeySet.Verify.
func (v *Verifier) Verify(compact, typ string) ([]byte, string, error) {
	return v.keys.verify(compact, typ, v.known)
}

// VerifyClaims is KeySet.VerifyClaims.
func (v *Verifier) VerifyClaims(compact, typ string, claims any) (string, error) {
	payload, kid, err := v.Verify(compact, typ)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(payload, claims); err != nil {
		return "", ErrMalformed
	}
	return kid, nil
}

func (ks KeySet) verify(compact, typ string, known map[string][2]string) (payload []byte, kid string, err error) {
	h64, rest, ok := strings.Cut(compact, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s64, ".") {
		return nil, "", ErrMalformed
	}
	if k, ok := known[h64]; ok {
		if k[1] != typ {
			return nil, "", ErrType
		}
		return ks.check(compact, h64, p64, s64, k[0])
	}
	hb, err := unb64(h64)
	if err != nil {
		return nil, "", ErrMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(hb))
	dec.DisallowUnknownFields()
	var h header
	if dec.Decode(&h) != nil || dec.More() {
		return nil, "", ErrMalformed
	}
	switch {
	case h.Alg != "EdDSA":
		return nil, "", ErrAlgorithm
	case h.Crit != nil:
		return nil, "", ErrMalformed
	case h.Typ != typ:
		return nil, "", ErrType
	}
	return ks.check(compact, h64, p64, s64, h.Kid)
}

func (ks KeySet) check(compact, h64, p64, s64, kid string) ([]byte, string, error) {
	p, err := ks.prepare(compact, h64, p64, s64, kid)
	if err != nil {
		return nil, "", err
	}
	if !ed25519.Verify(p.Pub, p.Msg, p.Sig) {
		return nil, "", ErrSignature
	}
	return p.Payload, kid, nil
}

// Prepared is a JWS whose every check but the signature itself has passed,
// for callers that verify signatures in batches.
type Prepared struct {
	Kid     string
	Pub     ed25519.PublicKey
	Msg     []byte // the signing input: header.payload
	Sig     []byte
	Payload []byte
}

func (ks KeySet) prepare(compact, h64, p64, s64, kid string) (*Prepared, error) {
	pub, ok := ks[kid]
	if !ok {
		return nil, ErrUnknownKey
	}
	sig, err := unb64(s64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, ErrMalformed
	}
	payload, err := unb64(p64)
	if err != nil {
		return nil, ErrMalformed
	}
	return &Prepared{Kid: kid, Pub: pub, Msg: []byte(compact[:len(h64)+1+len(p64)]), Sig: sig, Payload: payload}, nil
}

// Prepare runs every check of Verify except the signature: the caller must
// verify p.Sig over p.Msg with p.Pub before trusting p.Payload.
func (v *Verifier) Prepare(compact, typ string) (*Prepared, error) {
	h64, rest, ok := strings.Cut(compact, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s64, ".") {
		return nil, ErrMalformed
	}
	k, known := v.known[h64]
	if !known {
		// Not a header Assent writes: take the full path, signature included.
		payload, kid, err := v.Verify(compact, typ)
		if err != nil {
			return nil, err
		}
		return &Prepared{Kid: kid, Payload: payload}, nil
	}
	if k[1] != typ {
		return nil, ErrType
	}
	return v.keys.prepare(compact, h64, p64, s64, k[0])
}

// VerifyClaims verifies compact like Verify and decodes its payload into v.
func (ks KeySet) VerifyClaims(compact, typ string, v any) (kid string, err error) {
	payload, kid, err := ks.Verify(compact, typ)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return "", ErrMalformed
	}
	return kid, nil
}

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// JWKS returns the set as a JSON Web Key Set, keys sorted by kid.
func (ks KeySet) JWKS() []byte {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	set.Keys = []jwk{}
	for kid, pub := range ks {
		set.Keys = append(set.Keys, jwk{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(pub), Kid: kid, Alg: "EdDSA", Use: "sig"})
	}
	sortJWKs(set.Keys)
	b, _ := json.Marshal(set)
	return b
}

func sortJWKs(k []jwk) {
	for i := 1; i < len(k); i++ {
		for j := i; j > 0 && k[j].Kid < k[j-1].Kid; j-- {
			k[j], k[j-1] = k[j-1], k[j]
		}
	}
}

// ParseJWKS reads a JWKS, keeping the OKP/Ed25519 keys whose kid is their
// RFC 7638 thumbprint; other keys are an error, not silently dropped.
func ParseJWKS(b []byte) (KeySet, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, ErrMalformed
	}
	ks := KeySet{}
	for _, k := range set.Keys {
		x, err := b64.DecodeString(k.X)
		if k.Kty != "OKP" || k.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("receipt: JWKS holds a key that is not Ed25519")
		}
		if Thumbprint(x) != k.Kid {
			return nil, errors.New("receipt: JWKS kid is not the key's thumbprint")
		}
		ks[k.Kid] = x
	}
	return ks, nil
}
