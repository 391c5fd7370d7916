package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/internal/store/storetest"
	"github.com/google/uuid"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func build(site, visitor string) store.Build {
	return func(i uint64, prev uuid.UUID) *store.Receipt {
		id := uuid.Must(uuid.NewV7())
		return &store.Receipt{ID: id, Site: site, Visitor: visitor, Log: i, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
			Action: "custom", Choices: []byte(`{"analytics":true,"necessary":true}`),
			JWS: fmt.Sprintf("jws-%d-prev-%s", i, prev), Token: "tok", IPPrefix: "203.0.113.0/24"}
	}
}

func TestAppendConcurrentIsGapFreeAndDurable(t *testing.T) {
	db := storetest.Open(t)
	const n = 300
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := db.AppendReceipt("demo", uuid.NewString(), build("demo", ""))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.ID
		}()
	}
	wg.Wait()
	if got := db.LogSize(); got != n {
		t.Fatalf("log size %d, want %d", got, n)
	}
	db.Reopen()
	if got := db.LogSize(); got != n {
		t.Fatalf("after reopen log size %d, want %d", got, n)
	}
	seen := map[uuid.UUID]bool{}
	for i := range uint64(n) {
		r, err := db.ReceiptAt(i)
		if err != nil || r.Log != i {
			t.Fatalf("log[%d]: %v (log claim %v)", i, err, r)
		}
		seen[r.ID] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("acknowledged receipt %s missing from the log", id)
		}
	}
}

func TestPrevChainsOneVisitorsReceipts(t *testing.T) {
	db := storetest.Open(t)
	v := uuid.NewString()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := build("demo", v)
			if _, err := db.AppendReceipt("demo", v, func(i uint64, prev uuid.UUID) *store.Receipt {
				r := b(i, prev)
				r.Token = prev.String() // remember prev to check the chain
				return r
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st, err := db.Visitor("demo", v, true)
	if err != nil {
		t.Fatal(err)
	}
	// Walk back from the latest: each prev must be the receipt before it, 20 in all.
	n, id := 0, st.ReceiptID
	for id != uuid.Nil {
		r, err := db.Receipt(id)
		if err != nil {
			t.Fatalf("chain broken at %s: %v", id, err)
		}
		n++
		id = uuid.MustParse(r.Token)
	}
	if n != 20 {
		t.Errorf("chain has %d receipts, want 20 (concurrent decisions forked it)", n)
	}
}

func TestPanicInBuildRewindsWithoutGap(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.AppendReceipt("demo", "a", build("demo", "a")); err != nil {
		t.Fatal(err)
	}
	_, err := db.AppendReceipt("demo", "b", func(uint64, uuid.UUID) *store.Receipt { panic("boom") })
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	r, err := db.AppendReceipt("demo", "c", build("demo", "c"))
	if err != nil || r.Log != 1 {
		t.Fatalf("next receipt log %v err %v, want index 1 reused", r, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	w, err := db.AppendReceipt("demo", "v1", build("demo", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	db.Reopen()
	r, err := db.Receipt(w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.JWS != w.JWS || r.Site != "demo" || r.Visitor != "v1" || !r.IssuedAt.Equal(t0) || r.IPPrefix != w.IPPrefix || string(r.Choices) != string(w.Choices) {
		t.Errorf("got %+v, want %+v", r, w)
	}
	st, err := db.Visitor("demo", "V1", true)
	if err != nil || st.ReceiptID != w.ID || st.Token != "tok" || !st.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("visitor state %+v, %v", st, err)
	}
	if !store.Granted(st.Choices, "analytics") || store.Granted(st.Choices, "advertising") {
		t.Errorf("Granted disagrees with %s", st.Choices)
	}
	if _, err := db.Receipt(uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown receipt: %v, want ErrNotFound", err)
	}
}

func TestPublishKeepsEveryVersion(t *testing.T) {
	db := storetest.Open(t)
	site := consent.NewSite("shop", "Shop", []string{"https://shop.example"}, t0)
	if err := db.PutSite(site); err != nil {
		t.Fatal(err)
	}
	p1, err := db.Publish("shop", t0)
	if err != nil {
		t.Fatal(err)
	}
	site.Draft.Texts["en"] = func() consent.Texts { x := site.Draft.Texts["en"]; x.Title = "Cookies?"; return x }()
	if err := db.PutSite(site); err != nil {
		t.Fatal(err)
	}
	p2, _ := db.Publish("shop", t0.Add(time.Hour))
	again, _ := db.Publish("shop", t0.Add(2*time.Hour))
	db.Reopen()
	s, _ := db.Site("shop")
	if p1.Version == p2.Version || again.Version != p2.Version || len(s.Versions) != 2 || s.Current != p2.Version {
		t.Fatalf("versions %v current %s; want two distinct, current the second", s.Versions, s.Current)
	}
	old, err := db.Config("shop", p1.Version)
	if err != nil || consent.VersionOf(old.Raw) != p1.Version || old.Config.Texts["en"].Title == "Cookies?" {
		t.Errorf("old version not kept intact: %v", err)
	}
	// Back to the first version (a rollback): a publication of its own,
	// so which banner was live when can be told.
	s.Draft = *old.Config
	if err := db.PutSite(s); err != nil {
		t.Fatal(err)
	}
	if back, err := db.Publish("shop", t0.Add(3*time.Hour)); err != nil || back.Version != p1.Version {
		t.Fatalf("rollback: %v, %v", back, err)
	}
	s, _ = db.Site("shop")
	want := []consent.Version{{ID: p1.Version, PublishedAt: t0}, {ID: p2.Version, PublishedAt: t0.Add(time.Hour)}, {ID: p1.Version, PublishedAt: t0.Add(3 * time.Hour)}}
	if !slices.Equal(s.Versions, want) || s.Current != p1.Version {
		t.Errorf("after a rollback: versions %v, current %s; want %v", s.Versions, s.Current, want)
	}
	bad := *site
	bad.Origins = []string{"not an origin"}
	if err := db.PutSite(&bad); err == nil {
		t.Error("PutSite accepted an invalid origin")
	}
}

// Two editors who read the same revision: the second save is refused, not
// saved over the first; re-reading lets it through.
func TestPutSiteRefusesAStaleRevision(t *testing.T) {
	db := storetest.Open(t)
	if err := db.PutSite(consent.NewSite("shop", "Shop", []string{"https://shop.example"}, t0)); err != nil {
		t.Fatal(err)
	}
	a, _ := db.Site("shop")
	b, _ := db.Site("shop")
	a.Name = "Shop A"
	if err := db.PutSite(a); err != nil {
		t.Fatal(err)
	}
	b.Name = "Shop B"
	if err := db.PutSite(b); !errors.Is(err, store.ErrSiteChanged) {
		t.Fatalf("saving over a newer revision: %v, want ErrSiteChanged", err)
	}
	db.Reopen()
	s, _ := db.Site("shop")
	if s.Name != "Shop A" || s.Revision != a.Revision || a.Revision != 2 {
		t.Fatalf("stored %q at revision %d (first save got %d); want Shop A at 2", s.Name, s.Revision, a.Revision)
	}
	s.Name = "Shop B"
	if err := db.PutSite(s); err != nil || s.Revision != 3 {
		t.Fatalf("saving the re-read site: %v, revision %d", err, s.Revision)
	}
	if _, err := db.Publish("shop", t0); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Site("shop"); p.Revision != 3 {
		t.Errorf("publishing moved the revision to %d: an editor open meanwhile could no longer save", p.Revision)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	db := storetest.Open(t)
	db.Store.Close()
	_, err := db.AppendReceipt("demo", "v", build("demo", "v"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	db.Reopen()
}

func TestStatsCountedAtWrite(t *testing.T) {
	db := storetest.Open(t)
	add := func(action string, day time.Time, granted ...string) {
		_, err := db.AppendReceipt("demo", uuid.NewString(), func(i uint64, prev uuid.UUID) *store.Receipt {
			r := build("demo", "")(i, prev)
			r.Action, r.IssuedAt, r.Granted = action, day, granted
			return r
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("accept_all", t0, "necessary", "analytics", "advertising")
	add("reject_all", t0, "necessary")
	add("custom", t0.Add(24*time.Hour), "necessary", "analytics")
	db.Reopen()
	got, err := db.Stats("demo", t0.Add(-time.Hour), t0.Add(48*time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d days (%v), want 2", len(got), err)
	}
	d := got[0]
	if d.Day != "2026-11-22" || d.Decisions != 2 || d.Actions["accept_all"] != 1 || d.Actions["reject_all"] != 1 ||
		d.Granted["analytics"] != 1 || d.Granted["necessary"] != 2 {
		t.Errorf("day 1: %+v", d)
	}
	if got[1].Decisions != 1 || got[1].Granted["analytics"] != 1 {
		t.Errorf("day 2: %+v", got[1])
	}
	if other, _ := db.Stats("demo2", t0, t0.Add(48*time.Hour)); len(other) != 0 {
		t.Errorf("another site sees %v", other)
	}
}

func TestScanSiteInTimeOrderAcrossChunks(t *testing.T) {
	db := storetest.Open(t)
	const n = 2500 // more than two chunks
	for i := range n {
		site := "demo"
		if i%5 == 0 {
			site = "other"
		}
		_, err := db.AppendReceipt(site, uuid.NewString(), func(idx uint64, prev uuid.UUID) *store.Receipt {
			r := build(site, "")(idx, prev)
			r.IssuedAt = t0.Add(time.Duration(i) * time.Second)
			r.ID = uuid.Must(uuid.NewV7())
			binaryTime(&r.ID, r.IssuedAt)
			return r
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []time.Time
	err := db.ScanSite("demo", t0.Add(100*time.Second), t0.Add(2200*time.Second), func(r *store.Receipt) error {
		if r.Site != "demo" {
			t.Fatalf("scan returned a receipt of %s", r.Site)
		}
		got = append(got, r.IssuedAt)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := 100; i < 2200; i++ {
		if i%5 != 0 {
			want++
		}
	}
	if len(got) != want || !got[0].Equal(t0.Add(101*time.Second)) {
		t.Fatalf("got %d receipts starting %v, want %d starting at +101s", len(got), got[0], want)
	}
	// CountSite agrees, and stops one past its limit.
	for _, limit := range []int{want + 5, want, 10} {
		n, err := db.CountSite("demo", t0.Add(100*time.Second), t0.Add(2200*time.Second), limit)
		if err != nil || n != min(want, limit+1) {
			t.Errorf("CountSite with limit %d: %d (%v), want %d", limit, n, err, min(want, limit+1))
		}
	}
	for i := 1; i < len(got); i++ {
		if !got[i].After(got[i-1]) {
			t.Fatalf("out of order at %d", i)
		}
	}
}

// binaryTime sets a UUIDv7's millisecond timestamp.
func binaryTime(id *uuid.UUID, t time.Time) {
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
}

func TestEventsShareTheLog(t *testing.T) {
	db := storetest.Open(t)
	db.AppendReceipt("demo", "v", build("demo", "v"))
	ev, err := db.AppendEvent(func(i uint64) *store.Event {
		return &store.Event{ID: uuid.Must(uuid.NewV7()), Kind: "key_activated", JWS: fmt.Sprintf("event-%d", i)}
	})
	if err != nil || ev.Log != 1 {
		t.Fatalf("event: %v at %v", err, ev)
	}
	db.AppendReceipt("demo", "w", build("demo", "w"))
	db.Reopen()
	for i, kind := range []string{"receipt", "key_activated", "receipt"} {
		e, err := db.EntryAt(uint64(i))
		if err != nil || e.Kind != kind || e.Log != uint64(i) {
			t.Errorf("entry %d: %+v %v, want %s", i, e, err, kind)
		}
	}
	if e, err := db.EntryByID(ev.ID); err != nil || e.JWS != "event-1" || e.Log != 1 {
		t.Errorf("by id: %+v %v", e, err)
	}
}

func TestRemoveReceiptsWithTombstone(t *testing.T) {
	db := storetest.Open(t)
	a, _ := db.AppendReceipt("demo", "va", build("demo", "va"))
	b, _ := db.AppendReceipt("demo", "vb", build("demo", "vb"))
	ev, err := db.RemoveReceipts([]uuid.UUID{a.ID, uuid.New()}, func(i uint64) *store.Event {
		return &store.Event{ID: uuid.Must(uuid.NewV7()), Kind: "tombstone", JWS: "tomb"}
	})
	if err != nil || ev.Log != 2 {
		t.Fatalf("remove: %v %+v", err, ev)
	}
	db.Reopen()
	if _, err := db.Receipt(a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed receipt still there: %v", err)
	}
	if _, err := db.Visitor("demo", "va", false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("visitor of a removed latest receipt still decided: %v", err)
	}
	if _, err := db.Receipt(b.ID); err != nil {
		t.Errorf("other receipt gone: %v", err)
	}
	n := 0
	db.ScanSite("demo", time.Unix(0, 0), time.Now().Add(time.Hour), func(*store.Receipt) error { n++; return nil })
	if n != 1 || db.LogSize() != 3 {
		t.Errorf("scan sees %d receipts, log size %d; want 1 and 3", n, db.LogSize())
	}
}
