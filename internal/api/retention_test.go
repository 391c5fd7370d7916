package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

// Retention removes expired decisions with a tombstone, and the evidence
// pack of what remains still verifies offline.
func TestRetentionKeepsTheLogVerifiable(t *testing.T) {
	e := newEnv(t, 0)
	old := e.seed(t, 4)
	e.advance(24*30*24*time.Hour + 200*24*time.Hour) // past expiry (182 days) + 24 months
	recent := e.seed(t, 3)
	// A run told to stop (a shutdown) removes nothing more and says why.
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := e.remover.RunOnce(stopped); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("a stopped run removed %d (%v), want none and context.Canceled", n, err)
	}
	n, err := e.remover.RunOnce(context.Background())
	if err != nil || n != 4 {
		t.Fatalf("retention removed %d (%v), want the 4 old receipts", n, err)
	}
	for _, id := range old {
		if r := e.do("GET", "/api/v1/consents/"+id, ""); r.status != 404 {
			t.Errorf("expired receipt %s: %d, want 404", id, r.status)
		}
	}
	for _, id := range recent {
		if r := e.do("GET", "/api/v1/consents/"+id, ""); r.status != 200 {
			t.Errorf("recent receipt %s: %d", id, r.status)
		}
	}
	if n, _ := e.remover.RunOnce(context.Background()); n != 0 {
		t.Errorf("second run removed %d more", n)
	}
	rep := verify(t, e.admin("GET", "/api/v1/admin/sites/demo/evidence").body)
	if !rep.OK || len(rep.Receipts) != 3 || rep.Checkpoint.Size != 8 {
		t.Fatalf("pack after retention: ok=%v receipts %d size %d %v", rep.OK, len(rep.Receipts), rep.Checkpoint.Size, rep.Problems)
	}
}

func TestErasureReturnsSignedConfirmation(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	e.seed(t, 2)
	e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn))
	e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
	e.seed(t, 1)
	if r := e.do("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase", "", bearer...); r.status != 200 {
		t.Fatalf("erase: %d %s", r.status, r.body)
	} else {
		out := r.json(t)
		// Later, an auditor finds the tombstone among the site's log
		// events, and its place in the log like a receipt's.
		var evs struct {
			Events []struct {
				ID, Kind, Event string
				Log             uint64
			}
		}
		if r := e.admin("GET", "/api/v1/admin/sites/demo/events"); r.status != 200 || json.Unmarshal(r.body, &evs) != nil ||
			len(evs.Events) != 1 || evs.Events[0].Kind != "tombstone" || evs.Events[0].Event != out["confirmation"] || float64(evs.Events[0].Log) != out["log"] {
			t.Errorf("site events after an erasure: %d %s", r.status, r.body)
		} else if p := e.do("GET", "/api/v1/log/proof/inclusion?id="+evs.Events[0].ID+"&size=6", ""); p.status != 200 {
			t.Errorf("inclusion proof of the tombstone: %d %s", p.status, p.body)
		}
		typ, claims := verifyJOSE(t, e, out["confirmation"].(string))
		removed, _ := claims["removed"].([]any)
		if out["erased"] != float64(2) || typ != "assent-event+jwt" || claims["reason"] != "erasure" || len(removed) != 2 {
			t.Errorf("confirmation %v (typ %s)", claims, typ)
		}
		if b, _ := json.Marshal(claims); strings.Contains(string(b), v) {
			t.Error("the tombstone keeps the erased visitor's id")
		}
	}
	if s := e.do("GET", "/api/v1/sites/demo/visitors/"+v+"/consent", "").json(t); s["decided"] != false {
		t.Errorf("erased visitor still decided: %v", s)
	}
	if r := e.do("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase", "", bearer...); r.status != 404 {
		t.Errorf("second erasure: %d, want 404", r.status)
	}
	rep := verify(t, e.admin("GET", "/api/v1/admin/sites/demo/evidence").body)
	if !rep.OK || len(rep.Receipts) != 3 {
		t.Fatalf("pack after erasure: ok=%v receipts %d %v", rep.OK, len(rep.Receipts), rep.Problems)
	}
}

// TestConsentSearchAfterRetention: once retention removed a visitor's old
// receipts, the consent log still finds the visitor and shows what is left.
func TestConsentSearchAfterRetention(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn))
	e.advance(24*30*24*time.Hour + 200*24*time.Hour) // the first decision is past expiry + 24 months
	r := e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
	latest := r.json(t)["id"].(string)
	if n, err := e.remover.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("retention removed %d (%v), want 1", n, err)
	}
	var res struct {
		Receipts []struct{ ID string }
		Total    int
	}
	if r := e.admin("GET", "/api/v1/admin/consents?q="+v); r.status != 200 || json.Unmarshal(r.body, &res) != nil {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	if len(res.Receipts) != 1 || res.Receipts[0].ID != latest || res.Total != 1 {
		t.Errorf("search shows %+v (total %d), want only %s", res.Receipts, res.Total, latest)
	}
}

// TestRetentionLeavesNoHoleInAChain: after the site shortens its consent
// lifetime, a visitor's newer receipt can expire before an older one.
// Retention takes the older one with it (it was superseded earlier), so
// the chain has no hole and an erasure, which follows the chain from the
// latest receipt, removes everything of the visitor.
func TestRetentionLeavesNoHoleInAChain(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	post := func(action, choices string) string {
		t.Helper()
		r := e.do("POST", "/api/v1/consents", e.decision(v, action, choices))
		if r.status != 201 {
			t.Fatalf("decision: %d %s", r.status, r.body)
		}
		return r.json(t)["id"].(string)
	}
	r1 := post("accept_all", allOn) // lifetime 182 days
	var site struct {
		Draft   map[string]any `json:"draft"`
		Current string
	}
	json.Unmarshal(e.admin("GET", "/api/v1/admin/sites/demo").body, &site)
	site.Draft["lifetime_days"] = 30
	body, _ := json.Marshal(map[string]any{"name": "Demo", "origins": []string{origin}, "draft": site.Draft})
	e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...)
	json.Unmarshal(e.admin("POST", "/api/v1/admin/sites/demo/publish").body, &site)
	e.version = site.Current
	e.advance(24 * time.Hour)
	r2 := post("reject_all", allOff) // lifetime 30 days: expires before r1
	// Past r2's expiry plus 24 months, not r1's.
	e.advance(31*24*time.Hour + 750*24*time.Hour)
	r3 := post("custom", mixed)
	if n, err := e.remover.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("retention removed %d (%v), want r2 and the r1 it superseded", n, err)
	}
	if r := e.do("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase", "", bearer...); r.status != 200 || r.json(t)["erased"] != float64(1) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	for _, id := range []string{r1, r2, r3} {
		if r := e.do("GET", "/api/v1/consents/"+id, ""); r.status != 404 {
			t.Errorf("receipt %s after retention and erasure: %d, want 404", id, r.status)
		}
	}
}

// A retention run reads its batch before removing it; an erasure can remove
// some of it in between. Each removal names only the receipts it removed,
// so no receipt is under two tombstones and the counts add up.
func TestRemovalsNameOnlyWhatTheyRemove(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn))
	e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
	other := e.seed(t, 1)
	var batch []*store.Receipt // read as a retention run would, before the erasure
	e.db.ScanSite("demo", time.Unix(0, 0), e.now.Add(time.Hour), func(r *store.Receipt) error { batch = append(batch, r); return nil })
	if r := e.do("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase", "", bearer...); r.status != 200 || r.json(t)["erased"] != float64(2) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	ev, n, err := e.remover.Remove("demo", retention.ReasonRetention, batch)
	if err != nil || n != 1 {
		t.Fatalf("the stale batch: removed %d (%v), want 1", n, err)
	}
	_, claims := verifyJOSE(t, e, ev.JWS)
	if removed, _ := claims["removed"].([]any); len(removed) != 1 || removed[0].(map[string]any)["id"] != other[0] {
		t.Errorf("its tombstone names %v, want only %s", claims["removed"], other[0])
	}
	if _, n, err := e.remover.Remove("demo", retention.ReasonRetention, batch); !errors.Is(err, store.ErrNotFound) || n != 0 {
		t.Errorf("nothing left to remove: %d, %v; want ErrNotFound", n, err)
	}
}

// TestErasureLeavesNothingBehind: decisions of the visitor arriving while
// an erasure runs are recorded before it (and erased) or after it (a new
// chain): none survives it pointing at a receipt it removed.
func TestErasureLeavesNothingBehind(t *testing.T) {
	e := newEnv(t, 0)
	for range 40 {
		v := uuid.NewString()
		e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn))
		var wg sync.WaitGroup
		erased := 0.0
		wg.Add(2)
		go func() {
			defer wg.Done()
			e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
		}()
		go func() {
			defer wg.Done()
			if r := e.do("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase", "", bearer...); r.status == 200 {
				erased = r.json(t)["erased"].(float64)
			}
		}()
		wg.Wait()
		s := e.do("GET", "/api/v1/sites/demo/visitors/"+v+"/consent", "").json(t)
		if s["decided"] != true {
			continue // both erased
		}
		id := s["receipt_id"].(string)
		c := e.do("GET", "/api/v1/consents/"+id, "").json(t)
		prev, _ := c["claims"].(map[string]any)["prev"].(string)
		if prev != "" && e.do("GET", "/api/v1/consents/"+prev, "").status == 404 {
			t.Fatalf("after erasing %v receipts, receipt %s survives, chained to %s, which the erasure removed", erased, id, prev)
		}
	}
}
