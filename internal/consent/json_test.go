package consent_test

import (
	"encoding/json"
	"testing"

	"github.com/assent/assent/internal/consent"
)

// The hand-written appenders must produce encoding/json's exact bytes.
func FuzzClaimsJSON(f *testing.F) {
	f.Add("0190f3c4-7e1a-7b2c-9d4e-5f6a7b8c9d0e", "https://shop.example/a?b", "en", "analytics", int64(1763805600), uint64(7), true, "")
	f.Add("x\"\\<>&\u2028\x00\x1f\xff", "é\t\n\r\b\f", "", "", int64(-1), uint64(0), false, "p")
	f.Fuzz(func(t *testing.T, id, url, lang, purpose string, iat int64, log uint64, gpc bool, prev string) {
		r := consent.ReceiptClaims{JTI: id, Iss: url, Sub: id, Iat: iat, Exp: iat + 1, Site: lang, Action: purpose,
			Choices: map[string]bool{purpose: gpc, "necessary": true, url: !gpc}, Config: prev, Lang: lang, URL: url,
			GPC: gpc, Prev: prev, Log: log}
		want, _ := json.Marshal(&r)
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("receipt claims:\n got %s\nwant %s", got, want)
		}
		for _, granted := range [][]string{nil, {}, {purpose}, {"necessary", url}} {
			tok := consent.TokenClaims{JTI: id, Sub: url, Site: lang, Granted: granted, Config: prev, Iat: iat, Exp: int64(log)}
			want, _ := json.Marshal(&tok)
			if got := tok.AppendJSON(nil); string(got) != string(want) {
				t.Fatalf("token claims:\n got %s\nwant %s", got, want)
			}
		}
		var nilChoices consent.ReceiptClaims
		want, _ = json.Marshal(&nilChoices)
		if got := nilChoices.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("empty claims:\n got %s\nwant %s", got, want)
		}
	})
}
