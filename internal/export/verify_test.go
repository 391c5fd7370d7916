package export_test

import (
	"archive/zip"
	"bytes"
	"runtime"
	"strings"
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

// A pack made to exhaust memory: a few kilobytes of zip whose
// receipts.ndjson expands to more lines than any export holds (each line
// would be kept with its verdict). It is refused whole, without building a
// verdict per line.
func TestVerifyPackRefusesALineBomb(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("receipts.ndjson")
	line := bytes.Repeat([]byte("{}\n"), 1<<16)
	for range 1<<4 + 1 { // 2^20 + 2^16 lines
		w.Write(line)
	}
	z.Close()
	if buf.Len() > 64<<10 {
		t.Fatalf("the bomb is %d bytes; it should be small", buf.Len())
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rep, err := export.VerifyPack(bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || len(rep.Receipts) != 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), "more than 1048576 lines") {
		t.Errorf("bomb: ok %v, %d verdicts, problems %q; want refused whole", rep.OK, len(rep.Receipts), rep.Problems)
	}
	// Checked line by line it allocated 1.1 GiB here; refused, 130 MiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("verifying the bomb allocated %d MiB", alloc>>20)
	}
}
