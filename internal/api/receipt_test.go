package api_test

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/consent"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// verifyJOSE checks a compact JWS with go-jose against the served JWKS and
// returns its typ header and claims.
func verifyJOSE(t *testing.T, e *env, compact string) (string, map[string]any) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(e.do("GET", "/.well-known/jwks.json", "").body, &set); err != nil {
		t.Fatal(err)
	}
	obj, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(obj.Signatures[0].Protected.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in JWKS", obj.Signatures[0].Protected.KeyID)
	}
	payload, err := obj.Verify(keys[0])
	if err != nil {
		t.Fatalf("go-jose: %v", err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	typ, _ := obj.Signatures[0].Protected.ExtraHeaders["typ"].(string)
	return typ, claims
}

func TestReceiptClaimsAndTokenVerifyIndependently(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	first := e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn), "Origin", origin)
	e.advance(time.Minute)
	// The snippet names the config by its short form; the receipt names it
	// in full.
	short := strings.Replace(e.decision(v, "custom", mixed), e.version, consent.ShortVersion(e.version), 1)
	r := e.do("POST", "/api/v1/consents", short, "Origin", origin, "Sec-GPC", "1")
	if first.status != 201 || r.status != 201 {
		t.Fatalf("POST: %d %d %s", first.status, r.status, r.body)
	}
	var out struct{ ID, Receipt, Token, IssuedAt, ExpiresAt string }
	json.Unmarshal(r.body, &out)
	var firstOut struct{ ID string }
	json.Unmarshal(first.body, &firstOut)
	body := r.json(t)
	out.IssuedAt, out.ExpiresAt = body["issued_at"].(string), body["expires_at"].(string)

	typ, c := verifyJOSE(t, e, out.Receipt)
	want := map[string]any{
		"jti": out.ID, "iss": "https://consent.example", "sub": v, "site": "demo", "action": "custom",
		"config": e.version, "lang": "en", "url": "https://shop.example/pricing", "gpc": true,
		"prev": firstOut.ID, "log": float64(1),
		"choices": map[string]any{"necessary": true, "analytics": true, "advertising": false, "preferences": true},
	}
	if typ != "consent-receipt+jwt" {
		t.Errorf("typ %q", typ)
	}
	for k, w := range want {
		if g, _ := json.Marshal(c[k]); string(g) != mustJSON(w) {
			t.Errorf("claim %s = %s, want %s", k, g, mustJSON(w))
		}
	}
	iat, exp := int64(c["iat"].(float64)), int64(c["exp"].(float64))
	if iat != e.now.Unix() || time.Unix(exp, 0).Sub(time.Unix(iat, 0)) != 182*24*time.Hour {
		t.Errorf("iat %d exp %d, want now and now+182 days", iat, exp)
	}
	if len(c) != 14 {
		t.Errorf("receipt has %d claims, want exactly the 14 of the contract: %v", len(c), c)
	}
	if out.IssuedAt != "2026-11-22T10:01:00.000Z" || !strings.HasPrefix(out.ExpiresAt, "2027-05-23T10:01:00") {
		t.Errorf("issued_at %s expires_at %s", out.IssuedAt, out.ExpiresAt)
	}

	ttyp, tc := verifyJOSE(t, e, out.Token)
	if ttyp != "consent-token+jwt" || tc["jti"] != out.ID || tc["sub"] != v || tc["site"] != "demo" ||
		mustJSON(tc["granted"]) != `["necessary","analytics","preferences"]` || tc["action"] != "custom" || tc["config"] != e.version[7:23] {
		t.Errorf("token %v (typ %s)", tc, ttyp)
	}
	// The cookie goes with every request to the site.
	if len(out.Token) > 560 {
		t.Errorf("token is %d bytes; a cookie should stay small", len(out.Token))
	}

	// The receipt survives a restart of the store.
	e.restart()
	got := e.do("GET", "/api/v1/consents/"+out.ID, "")
	if got.status != 200 {
		t.Fatalf("after reopen: %d", got.status)
	}
	// Erasure can remove it: no browser keeps showing it without asking.
	if cc := got.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control %q, want private, no-cache", cc)
	}
	m := got.json(t)
	if m["receipt"] != out.Receipt || m["claims"].(map[string]any)["jti"] != out.ID {
		t.Errorf("GET after reopen: %s", got.body)
	}
}

func TestVisitorStateLifecycle(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	path := "/api/v1/sites/demo/visitors/" + v + "/consent"
	state := func(q string) map[string]any { return e.do("GET", path+q, "").json(t) }

	if s := state(""); s["decided"] != false || s["choices"] != nil {
		t.Fatalf("before any decision: %v", s)
	}
	if s := state("?purpose=analytics"); s["granted"] != false || s["decided"] != false {
		t.Fatalf("undecided purpose: %v", s)
	}
	// Necessary cannot be refused: granted before any decision, as the
	// snippet's granted("necessary") is.
	if s := state("?purpose=necessary"); s["granted"] != true || s["decided"] != false {
		t.Errorf("undecided necessary: %v, want granted", s)
	}
	r := e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed)).json(t)
	// A visitor id is a UUID, whatever its case: the answer names it as
	// receipts do, in lower case.
	if s := e.do("GET", "/api/v1/sites/demo/visitors/"+strings.ToUpper(v)+"/consent", "").json(t); s["decided"] != true || s["visitor"] != v {
		t.Errorf("asked in upper case: %v", s)
	}
	s := state("")
	if s["decided"] != true || s["receipt_id"] != r["id"] || s["token"] != r["token"] ||
		mustJSON(s["choices"]) != `{"advertising":false,"analytics":true,"necessary":true,"preferences":true}` {
		t.Fatalf("after decision: %v", s)
	}
	for p, want := range map[string]bool{"analytics": true, "advertising": false, "necessary": true} {
		if g := state("?purpose=" + p); g["granted"] != want || g["decided"] != true || g["receipt_id"] != r["id"] {
			t.Errorf("purpose %s: %v, want granted %v", p, g, want)
		}
	}
	// A new config version: the banner asks again, and until the visitor
	// answers, their decision on the old one answers no consent check.
	site, _ := e.db.Site("demo")
	texts := site.Draft.Texts["en"]
	texts.Title = "We use cookies, now for this too"
	site.Draft.Texts["en"] = texts
	if err := e.db.PutSite(site); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	p, err := e.db.Publish("demo", e.now)
	if err != nil {
		t.Fatal(err)
	}
	if s := state("?purpose=analytics"); s["granted"] != false || s["decided"] != false {
		t.Errorf("a decision on the previous config version still counts: %v", s)
	}
	if s := state(""); s["decided"] != false || s["choices"] != nil {
		t.Errorf("a decision on the previous config version still counts: %v", s)
	}
	e.version = p.Version
	e.do("POST", "/api/v1/consents", e.decision(v, "custom", mixed))
	if s := state("?purpose=analytics"); s["granted"] != true || s["decided"] != true {
		t.Errorf("decided again on the new version: %v", s)
	}
	e.advance(183 * 24 * time.Hour)
	if s := state("?purpose=analytics"); s["granted"] != false || s["decided"] != false {
		t.Errorf("expired decision still counts: %v", s)
	}
	e.do("POST", "/api/v1/consents", e.decision(v, "accept_all", allOn))
	w := e.do("POST", "/api/v1/consents", e.decision(v, "withdraw", allOff))
	if w.status != 201 {
		t.Fatalf("withdraw: %d %s", w.status, w.body)
	}
	if s := state(""); s["decided"] != false {
		t.Errorf("withdrawn decision still counts: %v", s)
	}
	_, wc := verifyJOSE(t, e, w.json(t)["receipt"].(string))
	if wc["action"] != "withdraw" || wc["prev"] == nil {
		t.Errorf("withdrawal receipt %v should chain to the previous one", wc)
	}
	if n := e.db.LogSize(); n != 4 {
		t.Errorf("log size %d, want 4: a withdrawal appends, never deletes", n)
	}
}

// mustJSON renders v as JSON; maps come out with sorted keys.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestLateDecisionIsRefused: a decision delivered after the one that
// replaced it (the snippet names each by a UUIDv7 of when it was made) is
// refused with 409, and the later choice stands.
func TestLateDecisionIsRefused(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	at := func(ms int64) string { // a UUIDv7 made at ms
		id := uuid.Must(uuid.NewV7())
		binary.BigEndian.PutUint16(id[0:2], uint16(ms>>32))
		binary.BigEndian.PutUint32(id[2:6], uint32(ms))
		return id.String()
	}
	withID := func(body, id string) string { return strings.Replace(body, `{"site"`, `{"id":"`+id+`","site"`, 1) }
	made := e.now.UnixMilli()
	accept, withdraw := at(made), at(made+2000)
	if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "withdraw", allOff), withdraw), "Origin", origin); r.status != 201 {
		t.Fatalf("the withdrawal: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "accept_all", allOn), accept), "Origin", origin)
	if r.status != 409 || r.json(t)["error"].(map[string]any)["code"] != "decision_conflict" {
		t.Errorf("the earlier acceptance delivered late: %d %s, want 409 decision_conflict", r.status, r.body)
	}
	if s := e.do("GET", "/api/v1/sites/demo/visitors/"+v+"/consent", "").json(t); s["decided"] != false {
		t.Errorf("the visitor's state after the late acceptance: %v, want the withdrawal (not decided)", s)
	}
	// The same millisecond is not earlier; and a decision made later is recorded.
	for _, id := range []string{at(made + 2000), at(made + 3000)} {
		if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "custom", mixed), id), "Origin", origin); r.status != 201 {
			t.Errorf("a decision made at or after the latest: %d %s, want 201", r.status, r.body)
		}
	}
	// One that looks made more than 10 minutes earlier comes from a device
	// clock that was ahead and has been set right, not from a late post:
	// recorded, or the visitor would be asked again and again.
	if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "reject_all", allOff), at(made+3000-11*60*1000)), "Origin", origin); r.status != 201 {
		t.Errorf("a decision after a clock was set right: %d %s, want 201", r.status, r.body)
	}
}

// TestRetriedDecisionIsRecordedOnce: the snippet posts a decision again on
// the next page when the first answer never arrived (the visitor navigated
// away while it was in flight). Sent with the same decision id, it gets
// the receipt already made, not a second one.
func TestRetriedDecisionIsRecordedOnce(t *testing.T) {
	e := newEnv(t, 0)
	v, id := uuid.NewString(), uuid.NewString()
	withID := func(body, id string) string { return strings.Replace(body, `{"site"`, `{"id":"`+id+`","site"`, 1) }
	first := e.do("POST", "/api/v1/consents", withID(e.decision(v, "custom", mixed), id), "Origin", origin)
	size := e.db.LogSize()
	e.advance(time.Minute)
	again := e.do("POST", "/api/v1/consents", withID(e.decision(v, "custom", mixed), strings.ToUpper(id)), "Origin", origin)
	if first.status != 201 || again.status != 200 {
		t.Fatalf("statuses %d then %d (%s), want 201 then 200", first.status, again.status, again.body)
	}
	// The same answer, but for the time the token has left.
	a, f := again.json(t), first.json(t)
	if f["max_age"] != float64(182*24*3600) {
		t.Errorf("max_age %v, want the config's lifetime of 182 days in seconds", f["max_age"])
	}
	if a["max_age"] != f["max_age"].(float64)-60 {
		t.Errorf("the retry's max_age %v, want the first's (%v) less the minute since", a["max_age"], f["max_age"])
	}
	delete(a, "max_age")
	delete(f, "max_age")
	if !maps.Equal(a, f) {
		t.Errorf("the retry got\n%s\nwant the first answer\n%s", again.body, first.body)
	}
	if e.db.LogSize() != size {
		t.Errorf("the retry grew the log from %d to %d", size, e.db.LogSize())
	}
	// The same id with other choices is no retry.
	if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "reject_all", allOff), id), "Origin", origin); r.status != 409 ||
		r.json(t)["error"].(map[string]any)["code"] != "decision_conflict" {
		t.Errorf("same id, other choices: %d %s, want 409 decision_conflict", r.status, r.body)
	}
	// A new decision, even with the same choices, and one without an id, are
	// recorded each time, chained to the one before.
	prev := first.json(t)["id"]
	for _, body := range []string{withID(e.decision(v, "custom", mixed), uuid.NewString()), e.decision(v, "custom", mixed), e.decision(v, "custom", mixed)} {
		e.advance(time.Minute)
		r := e.do("POST", "/api/v1/consents", body, "Origin", origin)
		if r.status != 201 {
			t.Fatalf("a new decision: %d %s, want 201", r.status, r.body)
		}
		_, c := verifyJOSE(t, e, r.json(t)["receipt"].(string))
		if c["prev"] != prev {
			t.Errorf("prev %v, want %v", c["prev"], prev)
		}
		prev = r.json(t)["id"]
	}
	// Only the latest decision is compared: the snippet retries nothing older.
	if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "custom", mixed), id), "Origin", origin); r.status != 201 {
		t.Errorf("an id older than the latest decision: %d, want 201", r.status)
	}
	if r := e.do("POST", "/api/v1/consents", withID(e.decision(v, "custom", mixed), "not-a-uuid"), "Origin", origin); r.status != 400 {
		t.Errorf("a malformed id: %d, want 400", r.status)
	}
}
