package receipt_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/assent/assent/internal/receipt"
)

// FuzzVerify feeds arbitrary strings to the verifier: it must never panic and
// never accept anything our key did not sign.
func FuzzVerify(f *testing.F) {
	s, _, err := receipt.Open(filepath.Join(f.TempDir(), "k"), time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	good := s.SignReceipt(map[string]string{"jti": "1"})
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, jws string) {
		payload, _, err := s.Keys().Verify(jws, receipt.TypReceipt)
		if err == nil && jws != good {
			t.Fatalf("accepted a JWS we did not sign: %q (payload %q)", jws, payload)
		}
	})
}
