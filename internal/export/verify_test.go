package export_test

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/assent/assent/internal/export"
)

// FuzzVerifyPack: an arbitrary archive never panics the verifier and is
// never reported as verified.
func FuzzVerifyPack(f *testing.F) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"receipts.ndjson": `{"id":"x","receipt":"a.b.c"}` + "\n", "proofs.ndjson": `{"id":"x","index":0,"leaf_hash":"","proof":[]}` + "\n",
		"jwks.json": `{"keys":[]}`, "checkpoint.txt": "o\n1\nAAAA\n\n— o x\n", "log-key.txt": "o+00000000+AA", "manifest.jws": "a.b.c",
		"configs/00.json": "{}",
	} {
		w, _ := z.Create(name)
		w.Write([]byte(body))
	}
	z.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := export.VerifyPack(bytes.NewReader(b), int64(len(b)), nil)
		if err == nil && rep.OK {
			t.Fatalf("an arbitrary archive verified: %+v", rep)
		}
	})
}
