package export_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/export"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
)

// packSetup is a site with ten signed receipts, its log, and a Source for
// a pack of all of them whose steps a test can interleave with a removal.
type packSetup struct {
	db       *storetest.DB
	lg       *ledger.Log
	signer   *receipt.Signer
	src      export.Source
	receipts []*store.Receipt
	from, to time.Time
	remove   func(*store.Receipt)
	// tombstone appends a tombstone of the site naming removed, signed
	// with the server's key, without removing anything: what whoever
	// holds the key could make.
	tombstone func(removed ...retention.Removed)
}

func newPackSetup(t *testing.T) *packSetup {
	db := storetest.Open(t)
	dir := t.TempDir()
	s, _, err := receipt.Open(filepath.Join(dir, "k"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, s, 10)
	key, _ := ledger.OpenKey(filepath.Join(dir, "log.key"), "test/log")
	lg, err := ledger.Open(db, key, filepath.Join(dir, "cp"))
	if err != nil {
		t.Fatal(err)
	}
	p := &packSetup{db: db, lg: lg, signer: s, from: time.Unix(0, 0).UTC(), to: time.Now().Add(time.Hour).Truncate(time.Second).UTC()}
	db.ScanSite("demo", p.from, p.to, func(r *store.Receipt) error { p.receipts = append(p.receipts, r); return nil })
	if len(p.receipts) != 10 {
		t.Fatalf("%d receipts, want 10", len(p.receipts))
	}
	rm := &retention.Remover{Store: db.Store, Signer: s, Issuer: "https://consent.example", Now: time.Now}
	p.remove = func(r *store.Receipt) {
		if _, _, err := rm.Remove("demo", retention.ReasonErasure, []*store.Receipt{r}); err != nil {
			t.Fatal(err)
		}
	}
	p.tombstone = func(removed ...retention.Removed) {
		_, err := db.RemoveReceipts(nil, func(i uint64) *store.Event {
			id := uuid.Must(uuid.NewV7())
			return &store.Event{ID: id, Kind: "tombstone", JWS: s.SignEvent(&retention.Tombstone{JTI: id.String(), Iss: "https://consent.example",
				Iat: time.Now().Unix(), Event: "tombstone", Reason: retention.ReasonErasure, Site: "demo", Log: i, Removed: removed})}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	p.src = export.Source{Issuer: "https://consent.example", Site: "demo",
		Query: map[string]string{"from": p.from.Format(time.RFC3339), "to": p.to.Format(time.RFC3339)},
		Each:  func(fn func(*store.Receipt) error) error { return db.ScanSite("demo", p.from, p.to, fn) },
		Prove: lg.InclusionProof, JWKS: s.Keys().JWKS(), LogKey: key.VerifierKey(),
		Config: func(v string) ([]byte, error) { c, err := db.Config("demo", v); return c.Raw, err },
		Sign:   s.SignEvidence, Now: time.Now(),
		Tombstones: func() ([]retention.Within, error) { return retention.InRange(db.Store, "demo", p.from, p.to) },
	}
	return p
}

func (p *packSetup) checkpoint(t *testing.T) {
	var err error
	if p.src.Checkpoint, p.src.Tree, err = p.lg.Sign(); err != nil {
		t.Fatal(err)
	}
}

func (p *packSetup) write(t *testing.T) (*export.Report, error) {
	var buf bytes.Buffer
	if _, err := export.WritePack(&buf, p.src); err != nil {
		return nil, err
	}
	rep, err := export.VerifyPack(bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep, nil
}

// A pack takes a checkpoint, reads the range's receipts, then the
// tombstones of the range. A receipt removed after the checkpoint but
// before its turn to be read would be in neither the pack nor a tombstone
// the checkpoint holds, and the pack would verify without it: WritePack
// refuses that pack. Removed before the checkpoint, the receipt is
// accounted for by its tombstone; removed after it was read, it is in the
// pack, as it was at the checkpoint.
func TestPackAccountsForARemovalWhileItIsWritten(t *testing.T) {
	t.Run("before the checkpoint", func(t *testing.T) {
		p := newPackSetup(t)
		p.remove(p.receipts[9])
		p.checkpoint(t)
		rep, err := p.write(t)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Receipts) != 9 || len(rep.Removals) != 1 || len(rep.Removals[0].Receipts) != 1 || rep.Removals[0].Receipts[0] != p.receipts[9].ID.String() {
			t.Errorf("ok %v, %d receipts, removals %+v, problems %q; want 9 verified and the tombstone", rep.OK, len(rep.Receipts), rep.Removals, rep.Problems)
		}
	})
	t.Run("after the checkpoint, before it is read", func(t *testing.T) {
		p := newPackSetup(t)
		p.checkpoint(t)
		each := p.src.Each
		p.src.Each = func(fn func(*store.Receipt) error) error {
			p.remove(p.receipts[9])
			return each(fn)
		}
		if _, err := p.write(t); !errors.Is(err, export.ErrRemovedMeanwhile) {
			t.Errorf("WritePack: %v, want ErrRemovedMeanwhile", err)
		}
	})
	t.Run("after it is read", func(t *testing.T) {
		p := newPackSetup(t)
		p.checkpoint(t)
		each := p.src.Each
		p.src.Each = func(fn func(*store.Receipt) error) error {
			return each(func(r *store.Receipt) error {
				err := fn(r)
				if r.ID == p.receipts[9].ID {
					p.remove(r)
				}
				return err
			})
		}
		rep, err := p.write(t)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Receipts) != 10 || len(rep.Removals) != 0 {
			t.Errorf("ok %v, %d receipts, removals %+v, problems %q; want all 10 and no tombstone (newer than the checkpoint)", rep.OK, len(rep.Receipts), rep.Removals, rep.Problems)
		}
	})
}

// Whoever holds the server's keys can sign any manifest; the verifier
// still refuses a pack whose receipts contradict it: receipts of another
// site, outside its range or of another visitor than it names, or one
// whose log entry a tombstone in the pack says was removed.
func TestVerifyPackRefusesReceiptsTheManifestContradicts(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		bad        int // receipts that must fail
		change     func(p *packSetup)
	}{
		{"another site", `a receipt of site "demo", in a pack of site "other"`, 10, func(p *packSetup) { p.src.Site = "other" }},
		{"outside the range", "outside the pack's range", 10, func(p *packSetup) {
			p.src.Query = map[string]string{"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}
		}},
		{"another visitor", "in a pack of visitor", 10, func(p *packSetup) {
			p.src.Query, p.src.Tombstones = map[string]string{"visitor": uuid.NewString()}, nil
		}},
		{"its log entry removed", "says the log entry at index", 1, func(p *packSetup) {
			r := p.receipts[3] // named by its index only: it stays
			p.tombstone(retention.Removed{ID: uuid.NewString(), Log: r.Log, IssuedAt: r.IssuedAt.UTC().Format(retention.TimeMillis)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPackSetup(t)
			tc.change(p)
			p.checkpoint(t)
			rep, err := p.write(t)
			if err != nil {
				t.Fatal(err)
			}
			hits := 0
			for _, v := range rep.Receipts {
				if strings.Contains(strings.Join(v.Problems, "\n"), tc.want) {
					hits++
				}
			}
			if rep.OK || rep.Failed != tc.bad || hits != tc.bad {
				t.Errorf("ok %v, %d failed, %d saying %q; want %d", rep.OK, rep.Failed, hits, tc.want, tc.bad)
			}
		})
	}
	// Unchanged, the same pack verifies.
	p := newPackSetup(t)
	p.checkpoint(t)
	if rep, err := p.write(t); err != nil || !rep.OK {
		t.Fatalf("the pack as made: %v %+v", err, rep)
	}
}

// Packs made before this version still verify: one whose range was given
// to the millisecond and named by its second (the dashboard asked up to
// 23:59:59.999, so the pack holds receipts of the second its range ends
// on), and a visitor's pack asked with the id in upper case.
func TestVerifyPackAcceptsPacksOfEarlierVersions(t *testing.T) {
	t.Run("range named by the second it ends in", func(t *testing.T) {
		p := newPackSetup(t)
		var last time.Time // read up to just after it, named by its second
		for _, r := range p.receipts {
			if r.IssuedAt.After(last) {
				last = r.IssuedAt
			}
		}
		p.src.Query["to"] = last.Truncate(time.Second).UTC().Format(time.RFC3339)
		p.checkpoint(t)
		rep, err := p.write(t)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Receipts) != 10 {
			t.Errorf("ok %v, %d receipts, problems %q %+v", rep.OK, len(rep.Receipts), rep.Problems, rep.Receipts)
		}
	})
	t.Run("visitor in upper case", func(t *testing.T) {
		p := newPackSetup(t)
		r := p.receipts[0] // its visitor's only receipt
		p.src.Query, p.src.Tombstones = map[string]string{"visitor": strings.ToUpper(r.Visitor)}, nil
		p.src.Each = func(fn func(*store.Receipt) error) error { return fn(r) }
		p.checkpoint(t)
		rep, err := p.write(t)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Receipts) != 1 {
			t.Errorf("ok %v, %d receipts, problems %q %+v", rep.OK, len(rep.Receipts), rep.Problems, rep.Receipts)
		}
	})
}

// A genuine pack with one more file: one an unzip tool would write over
// a verified file on some systems (letter case, "\" in a name), a second
// copy of one (whose limits are not those measured), or any other file.
// Each is refused before anything is read.
func TestVerifyPackRefusesFilesNoPackHolds(t *testing.T) {
	p := newPackSetup(t)
	p.checkpoint(t)
	var pack bytes.Buffer
	if _, err := export.WritePack(&pack, p.src); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pack.Bytes()), int64(pack.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var config string
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "configs/") {
			config = strings.TrimPrefix(f.Name, "configs/")
		}
	}
	with := func(extra string) []byte {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		for _, f := range zr.File {
			if err := z.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		if extra != "" {
			w, _ := z.Create(extra)
			w.Write([]byte(`{"id":"x"}` + "\n"))
		}
		z.Close()
		return buf.Bytes()
	}
	if rep, err := export.VerifyPack(bytes.NewReader(with("")), int64(len(with(""))), nil); err != nil || !rep.OK {
		t.Fatalf("the pack copied as is: %v %q", err, rep.Problems)
	}
	for _, extra := range []string{"RECEIPTS.NDJSON", `configs\` + config, "./receipts.ndjson", "receipts.ndjson", "notes.txt", "configs/"} {
		b := with(extra)
		rep, err := export.VerifyPack(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil || rep.OK || len(rep.Receipts) != 0 || !strings.Contains(strings.Join(rep.Problems, "\n"), "the pack was altered") {
			t.Errorf("with %q: %v, ok %v, %d receipts read, problems %q; want refused before reading", extra, err, rep.OK, len(rep.Receipts), rep.Problems)
		}
	}
}

// An event line given twice (here a tombstone's) is reported, as a receipt
// line given twice is: the manifest lists exactly the file's events.
func TestVerifyPackRefusesAnEventTwice(t *testing.T) {
	p := newPackSetup(t)
	p.tombstone(retention.Removed{ID: uuid.NewString(), Log: 99, IssuedAt: time.Now().UTC().Format(retention.TimeMillis)})
	p.checkpoint(t)
	var pack bytes.Buffer
	if _, err := export.WritePack(&pack, p.src); err != nil {
		t.Fatal(err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(pack.Bytes()), int64(pack.Len()))
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	doubled := false
	for _, f := range zr.File {
		if f.Name != "tombstones.ndjson" {
			z.Copy(f)
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		w, _ := z.Create(f.Name)
		w.Write(append(b, b...))
		doubled = len(b) > 0
	}
	z.Close()
	rep, err := export.VerifyPack(bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
	if !doubled || err != nil || rep.OK || !strings.Contains(strings.Join(rep.Problems, "\n"), "appears twice in tombstones.ndjson") {
		t.Errorf("tombstones given twice (doubled %v): %v, ok %v, problems %q", doubled, err, rep.OK, rep.Problems)
	}
}

// A removal builds its tombstone from the receipt's signed claims, not
// from the record's unsigned fields: a record edited in the database (here
// to name another receipt's log entry, which would poison that receipt's
// every pack) is refused, and nothing is signed.
func TestRemovalRefusesARecordThatDisagreesWithItsReceipt(t *testing.T) {
	p := newPackSetup(t)
	rm := &retention.Remover{Store: p.db.Store, Signer: p.signer, Issuer: "https://consent.example", Now: time.Now}
	before := p.db.LogSize()
	for name, edit := range map[string]func(r *store.Receipt){
		"log index": func(r *store.Receipt) { r.Log = p.receipts[5].Log },
		"expiry":    func(r *store.Receipt) { r.ExpiresAt = r.ExpiresAt.AddDate(-1, 0, 0) },
		"id":        func(r *store.Receipt) { r.ID = p.receipts[6].ID },
	} {
		rec := *p.receipts[3]
		edit(&rec)
		if _, _, err := rm.Remove("demo", retention.ReasonRetention, []*store.Receipt{&rec}); !errors.Is(err, retention.ErrAltered) {
			t.Errorf("%s edited: %v, want ErrAltered", name, err)
		}
	}
	if n := p.db.LogSize(); n != before {
		t.Errorf("the log grew from %d to %d: a tombstone was signed", before, n)
	}
	p.checkpoint(t)
	if rep, err := p.write(t); err != nil || !rep.OK || len(rep.Receipts) != 10 {
		t.Errorf("the pack after the refused removals: %v %+v", err, rep)
	}
}
