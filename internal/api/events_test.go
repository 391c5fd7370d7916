package api_test

import (
	"encoding/json"
	"testing"

	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

// The site's log events come a page at a time, in the order they were
// made, without another site's tombstones.
func TestLogEventsPagedAndBySite(t *testing.T) {
	e := newEnv(t, 0)
	want := map[string]bool{}
	for i := range 130 {
		kind, site := "key_activated", ""
		switch i % 10 {
		case 3:
			kind, site = "tombstone", "demo"
		case 7:
			kind, site = "tombstone", "other"
		}
		ev, err := e.db.AppendEvent(func(log uint64) *store.Event {
			id := uuid.Must(uuid.NewV7())
			return &store.Event{ID: id, Kind: kind, JWS: e.signer.SignEvent(map[string]any{"jti": id.String(), "event": kind, "site": site, "log": log})}
		})
		if err != nil {
			t.Fatal(err)
		}
		if site != "other" {
			want[ev.ID.String()] = true
		}
	}
	var got []string
	after := ""
	for page := 0; ; page++ {
		var res struct {
			Events []struct{ ID, Kind string }
			Next   string
		}
		r := e.admin("GET", "/api/v1/admin/sites/demo/events?after="+after)
		if r.status != 200 || json.Unmarshal(r.body, &res) != nil {
			t.Fatalf("page %d: %d %s", page, r.status, r.body)
		}
		if len(res.Events) > 100 || (res.Next != "") != (page == 0) {
			t.Fatalf("page %d: %d events, next %q", page, len(res.Events), res.Next)
		}
		for _, ev := range res.Events {
			got = append(got, ev.ID)
		}
		if res.Next == "" {
			break
		}
		after = res.Next
	}
	if len(got) != len(want) {
		t.Fatalf("%d events listed, want %d", len(got), len(want))
	}
	for i, id := range got {
		if !want[id] || i > 0 && id <= got[i-1] {
			t.Errorf("event %d (%s): another site's, or out of order", i, id)
		}
	}
	if r := e.admin("GET", "/api/v1/admin/sites/demo/events?after=nope"); r.status != 400 {
		t.Errorf("after=nope: %d, want 400", r.status)
	}
}

// The consent log can be browsed: a site's receipts newest first, a page
// at a time.
func TestRecentConsentsNewestFirst(t *testing.T) {
	e := newEnv(t, 0)
	ids := e.seed(t, 7)
	var got []string
	before := ""
	for page := 0; page < 5; page++ {
		var res struct {
			Receipts []struct{ ID, Action, Visitor string }
			Next     string
		}
		r := e.admin("GET", "/api/v1/admin/sites/demo/recent?limit=3&before="+before)
		if r.status != 200 || json.Unmarshal(r.body, &res) != nil {
			t.Fatalf("page %d: %d %s", page, r.status, r.body)
		}
		for _, x := range res.Receipts {
			got = append(got, x.ID)
			if x.Action == "" || x.Visitor == "" {
				t.Errorf("entry %+v lacks its action or visitor", x)
			}
		}
		if before = res.Next; before == "" {
			break
		}
	}
	if len(got) != len(ids) {
		t.Fatalf("listed %d receipts, want %d", len(got), len(ids))
	}
	for i, id := range got {
		if id != ids[len(ids)-1-i] {
			t.Errorf("entry %d: %s, want %s (newest first)", i, id, ids[len(ids)-1-i])
		}
	}
	for _, q := range []string{"limit=0", "limit=101", "before=x"} {
		if r := e.admin("GET", "/api/v1/admin/sites/demo/recent?"+q); r.status != 400 {
			t.Errorf("%s: %d, want 400", q, r.status)
		}
	}
	if r := e.admin("GET", "/api/v1/admin/sites/nope/recent"); r.status != 404 {
		t.Errorf("unknown site: %d, want 404", r.status)
	}
}
