package export_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"math/rand/v2"
	"runtime"
	"strconv"
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
		"configs/" + strings.Repeat("0", 64) + ".json": "{}",
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

// A pack made to exhaust memory with lines: receipts.ndjson holds more
// lines than any export does (each line would be kept with its verdict).
// The lines differ, so the file shrinks no more than a real one does. It is
// refused whole, without building a verdict per line.
func TestVerifyPackRefusesALineBomb(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.Create("receipts.ndjson")
	rng := rand.New(rand.NewPCG(1, 2))
	line := make([]byte, 0, 8)
	for range 1<<20 + 1<<16 {
		line = strconv.AppendUint(line[:0], rng.Uint64N(1<<20), 36)
		w.Write(append(line, '\n'))
	}
	z.Close()
	rep, alloc := verifyMeasured(t, buf.Bytes())
	if rep.OK || len(rep.Receipts) != 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), "more than 1048576 lines") {
		t.Errorf("bomb: ok %v, %d verdicts, problems %q; want refused whole", rep.OK, len(rep.Receipts), rep.Problems)
	}
	if alloc > 256<<20 {
		t.Errorf("verifying the bomb allocated %d MiB", alloc>>20)
	}
}

// verifyMeasured verifies pack and says how many bytes that allocated.
func verifyMeasured(t *testing.T, pack []byte) (*export.Report, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rep, err := export.VerifyPack(bytes.NewReader(pack), int64(len(pack)), nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return rep, after.TotalAlloc - before.TotalAlloc
}

// A pack made to exhaust memory by expanding: each file some 64 KiB of zip
// that inflate to 64 MiB. Every file is refused past 100 times its
// compressed size, so little is allocated. (The deflated zeros are made
// once and stored raw in each pack: deflating them is slow under -race.)
func TestVerifyPackRefusesAnExpansionBomb(t *testing.T) {
	const size = 64 << 20
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	fw.Write(make([]byte, size))
	fw.Close()
	crc := crc32.Update(0, crc32.IEEETable, make([]byte, size))
	for _, name := range []string{"jwks.json", "log-key.txt", "checkpoint.txt", "manifest.jws", "receipts.ndjson", "proofs.ndjson", "configs/" + strings.Repeat("0", 64) + ".json",
		"./receipts.ndjson"} { // not a pack's name: refused unread
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w, _ := z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(deflated.Len()), UncompressedSize64: size})
		w.Write(deflated.Bytes())
		z.Close()
		rep, alloc := verifyMeasured(t, buf.Bytes())
		if rep.OK {
			t.Errorf("%s: a bomb verified", name)
		}
		if alloc > 32<<20 {
			t.Errorf("%s: %d KiB of zip expanding to 64 MiB allocated %d MiB", name, buf.Len()>>10, alloc>>20)
		}
	}
}
