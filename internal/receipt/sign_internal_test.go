package receipt

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"
)

// TestVoiSignsLikeStdlib: the signer uses curve25519-voi for speed; RFC 8032
// signatures are deterministic, so it must produce exactly what
// crypto/ed25519 produces for the same key and message.
func TestVoiSignsLikeStdlib(t *testing.T) {
	s, _, err := Open(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		claims := map[string]any{"i": i, "pad": strings.Repeat("x", i*7)}
		jws := s.sign(s.hdrRcpt, claims)
		dot := strings.LastIndexByte(jws, '.')
		want := b64.EncodeToString(ed25519.Sign(s.priv, []byte(jws[:dot])))
		if jws[dot+1:] != want {
			t.Fatalf("message %d: signature %s, crypto/ed25519 gives %s", i, jws[dot+1:], want)
		}
	}
}
