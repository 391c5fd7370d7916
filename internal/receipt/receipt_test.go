package receipt_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/receipt"
	jose "github.com/go-jose/go-jose/v4"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func openSigner(t *testing.T) (*receipt.Signer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	s, created, err := receipt.Open(dir, now)
	if err != nil || !created {
		t.Fatalf("Open = %v, created %v; want a new key", err, created)
	}
	return s, dir
}

// The signature, header and JWKS must satisfy an independent JOSE library,
// not just our own verifier.
func TestSignedReceiptVerifiesWithGoJose(t *testing.T) {
	s, _ := openSigner(t)
	claims := map[string]any{"jti": "x", "sub": "v", "choices": map[string]bool{"necessary": true}}
	jws := s.SignReceipt(claims)

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(s.Keys().JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(jws, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	h := obj.Signatures[0].Protected
	if h.KeyID != s.KID() || h.ExtraHeaders["typ"] != receipt.TypReceipt {
		t.Errorf("header kid %q typ %v, want %q %q", h.KeyID, h.ExtraHeaders["typ"], s.KID(), receipt.TypReceipt)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for kid %q, want 1", len(keys), h.KeyID)
	}
	payload, err := obj.Verify(keys[0])
	if err != nil {
		t.Fatalf("go-jose verify: %v", err)
	}
	var got map[string]any
	json.Unmarshal(payload, &got)
	if got["jti"] != "x" {
		t.Errorf("payload %s lacks the claims", payload)
	}
	tp, err := keys[0].Thumbprint(cryptoSHA256)
	if err != nil || base64.RawURLEncoding.EncodeToString(tp) != s.KID() {
		t.Errorf("kid %q is not the RFC 7638 thumbprint per go-jose (%v)", s.KID(), err)
	}
}

func TestVerifyRejects(t *testing.T) {
	s, _ := openSigner(t)
	good := s.SignReceipt(map[string]string{"a": "b"})
	parts := strings.Split(good, ".")
	hdr := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) }
	_, other, _ := ed25519.GenerateKey(nil)
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(other, []byte(parts[0]+"."+parts[1])))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"a":"c"}`)) + "." + parts[2]
	cases := []struct {
		name string
		jws  string
		typ  string
		want error
	}{
		{"good", good, receipt.TypReceipt, nil},
		{"wrong typ", good, receipt.TypToken, receipt.ErrType},
		{"alg none", hdr(`{"alg":"none","kid":"`+s.KID()+`","typ":"consent-receipt+jwt"}`) + "." + parts[1] + ".", receipt.TypReceipt, receipt.ErrAlgorithm},
		{"alg HS256", hdr(`{"alg":"HS256","kid":"`+s.KID()+`","typ":"consent-receipt+jwt"}`) + "." + parts[1] + "." + parts[2], receipt.TypReceipt, receipt.ErrAlgorithm},
		{"unknown kid", hdr(`{"alg":"EdDSA","kid":"nope","typ":"consent-receipt+jwt"}`) + "." + parts[1] + "." + parts[2], receipt.TypReceipt, receipt.ErrUnknownKey},
		{"crit header", hdr(`{"alg":"EdDSA","kid":"`+s.KID()+`","typ":"consent-receipt+jwt","crit":["x"]}`) + "." + parts[1] + "." + parts[2], receipt.TypReceipt, receipt.ErrMalformed},
		{"other key", forged, receipt.TypReceipt, receipt.ErrSignature},
		{"tampered payload", tampered, receipt.TypReceipt, receipt.ErrSignature},
		{"two parts", parts[0] + "." + parts[1], receipt.TypReceipt, receipt.ErrMalformed},
		{"four parts", good + ".x", receipt.TypReceipt, receipt.ErrMalformed},
		{"padded sig", good + "=", receipt.TypReceipt, receipt.ErrMalformed},
		// A line-wrapped copy is not the receipt stored: base64 decoders skip
		// line breaks, so it would verify and then not be found.
		{"line break in sig", good[:len(good)-20] + "\r\n" + good[len(good)-20:], receipt.TypReceipt, receipt.ErrMalformed},
		{"space in sig", good[:len(good)-20] + " " + good[len(good)-20:], receipt.TypReceipt, receipt.ErrMalformed},
		{"empty", "", receipt.TypReceipt, receipt.ErrMalformed},
	}
	v := receipt.NewVerifier(s.Keys()) // the fast path for known headers must agree
	for _, c := range cases {
		_, _, err := s.Keys().Verify(c.jws, c.typ)
		_, _, err2 := v.Verify(c.jws, c.typ)
		if !errors.Is(err, c.want) || !errors.Is(err2, c.want) {
			t.Errorf("%s: got %v and %v, want %v", c.name, err, err2, c.want)
		}
	}
}

func TestKeyFilePrivateAndReloaded(t *testing.T) {
	s, dir := openSigner(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	if len(files) != 1 {
		t.Fatalf("got %d key files, want 1", len(files))
	}
	fi, _ := os.Stat(files[0])
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := receipt.Open(dir, now)
	if err != nil || created || again.KID() != s.KID() {
		t.Fatalf("reopen: kid %q created %v err %v; want same key %q", again.KID(), created, err, s.KID())
	}
	os.Chmod(files[0], 0o644)
	if _, _, err := receipt.Open(dir, now); err == nil {
		t.Error("a key readable by others was accepted")
	}
}

func TestRotateKeepsOldKeysVerifiable(t *testing.T) {
	s, dir := openSigner(t)
	old := s.SignReceipt(map[string]int{"n": 1})
	kid, err := receipt.Rotate(dir, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := receipt.Open(dir, now)
	if err != nil || s2.KID() != kid || kid == s.KID() {
		t.Fatalf("after rotate signer kid %q (err %v), want new kid %q", s2.KID(), err, kid)
	}
	if _, _, err := s2.Keys().Verify(old, receipt.TypReceipt); err != nil {
		t.Errorf("old receipt no longer verifies: %v", err)
	}
	ks, err := receipt.ParseJWKS(s2.Keys().JWKS())
	if err != nil || len(ks) != 2 {
		t.Errorf("JWKS round trip: %d keys, %v; want 2", len(ks), err)
	}
}
