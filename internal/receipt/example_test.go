package receipt_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/assent/assent/internal/receipt"
	jose "github.com/go-jose/go-jose/v4"
)

// granted is the README's example of a site backend checking the visitor's
// assent cookie with a stock JOSE library.
func granted(cookie string, jwks *jose.JSONWebKeySet, purpose string, now time.Time) bool {
	jws, err := jose.ParseSignedCompact(cookie, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || jws.Signatures[0].Protected.ExtraHeaders["typ"] != "consent-token+jwt" {
		return false
	}
	keys := jwks.Key(jws.Signatures[0].Protected.KeyID)
	if len(keys) != 1 {
		return false
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return false
	}
	var t struct {
		Granted []string `json:"granted"`
		Exp     int64    `json:"exp"`
	}
	return json.Unmarshal(payload, &t) == nil && now.Unix() < t.Exp && slices.Contains(t.Granted, purpose)
}

func Example_verifyCookie() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)
	now := time.Now()
	s, _, _ := receipt.Open(filepath.Join(dir, "k"), now)
	cookie := s.SignToken(map[string]any{"granted": []string{"necessary", "analytics"}, "exp": now.Add(time.Hour).Unix()})
	var jwks jose.JSONWebKeySet
	json.Unmarshal(s.Keys().JWKS(), &jwks)

	fmt.Println(granted(cookie, &jwks, "analytics", now))
	fmt.Println(granted(cookie, &jwks, "advertising", now))
	other, _, _ := receipt.Open(filepath.Join(dir, "other"), now)
	forged := other.SignToken(map[string]any{"granted": []string{"analytics"}, "exp": now.Add(time.Hour).Unix()})
	fmt.Println(granted(forged, &jwks, "analytics", now))                  // signed by a key not in the JWKS
	fmt.Println(granted(cookie, &jwks, "analytics", now.Add(2*time.Hour))) // expired
	// Output:
	// true
	// false
	// false
	// false
}
