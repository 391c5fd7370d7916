package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// TestVisitorStateKeepsItsOldLayout: values written before decision ids
// (ending after the choices) still decode, and a state without a decision
// id is written in that same layout.
func TestVisitorStateKeepsItsOldLayout(t *testing.T) {
	now := time.UnixMilli(1795341660000).UTC()
	st := &VisitorState{ReceiptID: uuid.New(), IssuedAt: now, ExpiresAt: now.Add(time.Hour), Action: "custom", Choices: []byte(`{"a":true}`)}
	old := encodeState(st)
	if want := 32 + 1 + len(st.Action) + 1 + len(st.Choices); len(old) != want {
		t.Fatalf("a state without a decision id takes %d bytes, want the old %d", len(old), want)
	}
	st.Decision = uuid.New()
	for _, b := range [][]byte{old, encodeState(st)} {
		got, ok := decodeState(b)
		if !ok || got.ReceiptID != st.ReceiptID || !got.IssuedAt.Equal(now) || got.Action != "custom" || !bytes.Equal(got.Choices, st.Choices) {
			t.Fatalf("decoded %+v (ok %v), want %+v", got, ok, st)
		}
		if want := map[bool]uuid.UUID{true: uuid.Nil, false: st.Decision}[len(b) == len(old)]; got.Decision != want {
			t.Errorf("decision %v, want %v", got.Decision, want)
		}
	}
	if _, ok := decodeState(append(old, 1, 2, 3)); ok {
		t.Error("a value with 3 stray bytes decoded")
	}
}

// TestVisitorStateNamesItsConfig: the state carries the short version of
// the config decided on, and states written before it was kept (without
// it) take it from the receipt record.
func TestVisitorStateNamesItsConfig(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "assent.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.UnixMilli(1795341660000).UTC()
	version := "sha256:" + strings.Repeat("ab", 32)
	if _, err := s.AppendReceipt("demo", "v1", func(i uint64, _ uuid.UUID) *Receipt {
		return &Receipt{ID: uuid.Must(uuid.NewV7()), Site: "demo", Visitor: "v1", Log: i, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
			Action: "custom", Choices: []byte(`{"a":true}`), Config: version, JWS: "jws", Token: "tok", Decision: uuid.New()}
	}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Visitor("demo", "v1", false)
	if err != nil || st.Config != "abababababababab" {
		t.Fatalf("state %+v, %v: want config abababababababab", st, err)
	}
	round, ok := decodeState(encodeState(st))
	if !ok || round.Config != st.Config || round.Decision != st.Decision || round.ReceiptID != st.ReceiptID {
		t.Errorf("round trip: %+v, want %+v", round, st)
	}
	for _, d := range []uuid.UUID{st.Decision, uuid.Nil} { // the layouts of before
		old := *st
		old.Config, old.Decision = "", d
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bVisitors).Put(siteKey("demo", "v1"), encodeState(&old)) }); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Visitor("demo", "v1", false); err != nil || got.Config != "abababababababab" || got.Decision != d {
			t.Errorf("a state written before configs were kept: %+v, %v; want the record's config", got, err)
		}
	}
}

// TestScanSiteRefusesAnIndexedReceiptThatIsGone: a removal deletes a
// record with its index entry, so an entry without its record means the
// database was altered by hand; a scan (an export) says so rather than go
// on as if complete.
func TestScanSiteRefusesAnIndexedReceiptThatIsGone(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "assent.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	var ids []uuid.UUID
	for i := range 3 {
		r, err := s.AppendReceipt("demo", uuid.NewString(), func(l uint64, _ uuid.UUID) *Receipt {
			return &Receipt{ID: uuid.Must(uuid.NewV7()), Site: "demo", Log: l, IssuedAt: now.Add(time.Duration(i) * time.Millisecond),
				ExpiresAt: now.Add(time.Hour), Action: "custom", Choices: []byte(`{}`), JWS: "jws", Token: "tok"}
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	scan := func() (n int, err error) {
		err = s.ScanSite("demo", time.Unix(0, 0), now.Add(time.Hour), func(*Receipt) error { n++; return nil })
		return n, err
	}
	if n, err := scan(); n != 3 || err != nil {
		t.Fatalf("scan: %d, %v", n, err)
	}
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bReceipts).Delete(ids[1][:]) })
	if _, err := scan(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("scan with a record deleted by hand: %v, want ErrCorrupt", err)
	}
}
