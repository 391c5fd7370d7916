package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

// TestReadLineFastPath: a line as NDJSON.Write makes it is what the
// verifier's one-Unmarshal reading writes back (else every pack would take
// the slow path), and a line that is not is still read key by key, which
// refuses duplicates and unknown fields.
func TestReadLineFastPath(t *testing.T) {
	var buf bytes.Buffer
	nd := NewNDJSON(&buf)
	r := &store.Receipt{ID: uuid.Must(uuid.NewV7()), Site: "demo", Visitor: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", IssuedAt: time.Date(2026, 12, 2, 19, 0, 0, 5e6, time.UTC),
		Action: "accept_all", Config: "sha256:0123", Log: 42, JWS: "aGVhZA.cGF5bG9hZA.c2ln"}
	if err := nd.Write(r); err != nil {
		t.Fatal(err)
	}
	nd.Flush()
	line := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	var f lineFields
	if err := json.Unmarshal(line, &f); err != nil || !bytes.Equal(f.appendTo(nil), line) {
		t.Fatalf("written %s, read back as %s (%v): the fast path would never be taken", line, f.appendTo(nil), err)
	}
	id, jws, p, err := readLine(line)
	if err != nil || id != r.ID.String() || jws != r.JWS || *p.Site != "demo" || *p.Log != 42 || *p.IssuedAt != "2026-12-02T19:00:00.005Z" {
		t.Errorf("readLine: %s %s %+v %v", id, jws, p, err)
	}
	for _, bad := range []string{
		strings.Replace(string(line), `"site":"demo"`, `"site":"demo","site":"other"`, 1),
		strings.Replace(string(line), `"site":"demo"`, `"site":"demo","extra":"x"`, 1),
		strings.Replace(string(line), `"log":42`, `"log":"42"`, 1),
	} {
		if _, _, _, err := readLine([]byte(bad)); err == nil {
			t.Errorf("readLine(%s) accepted", bad)
		}
	}
}
