package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assent/assent/internal/export"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
)

var bearer = []string{"Authorization", "Bearer " + adminToken}

func (e *env) admin(method, path string) resp { return e.do(method, path, "", bearer...) }

// seed posts n decisions one minute apart and returns their ids.
func (e *env) seed(t testing.TB, n int) []string {
	var ids []string
	for i := range n {
		action, choices := "custom", mixed
		if i%3 == 0 {
			action, choices = "reject_all", allOff
		}
		r := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), action, choices))
		if r.status != 201 {
			t.Fatalf("seed: %d %s", r.status, r.body)
		}
		ids = append(ids, r.json(t)["id"].(string))
		e.advance(time.Minute)
	}
	return ids
}

func TestExportNDJSONAndCSV(t *testing.T) {
	e := newEnv(t, 0)
	ids := e.seed(t, 6)
	if r := e.do("GET", "/api/v1/admin/sites/demo/receipts", ""); r.status != 401 {
		t.Errorf("anonymous export: %d, want 401", r.status)
	}
	// Minutes 1..3 only: receipts 1, 2 and 3.
	q := "?from=2026-11-22T10:01:00Z&to=2026-11-22T10:04:00Z"
	nd := e.admin("GET", "/api/v1/admin/sites/demo/receipts"+q)
	lines := strings.Split(strings.TrimSpace(string(nd.body)), "\n")
	if nd.status != 200 || len(lines) != 3 || nd.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson: %d %q", nd.status, nd.body)
	}
	for i, l := range lines {
		var row struct{ ID, Receipt string }
		if err := json.Unmarshal([]byte(l), &row); err != nil || row.ID != ids[i+1] || row.Receipt == "" {
			t.Errorf("line %d = %s, want receipt %s", i, l, ids[i+1])
		}
	}
	c := e.admin("GET", "/api/v1/admin/sites/demo/receipts?format=csv")
	rows, err := csv.NewReader(bytes.NewReader(c.body)).ReadAll()
	if err != nil || len(rows) != 7 {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	if got := strings.Join(rows[0], ","); got != "id,issued_at,visitor,action,config,necessary,analytics,advertising,preferences,receipt" {
		t.Errorf("csv header %s", got)
	}
	if rows[1][0] != ids[0] || rows[1][3] != "reject_all" || rows[1][6] != "false" || rows[2][6] != "true" || rows[2][5] != "true" {
		t.Errorf("csv rows %v / %v", rows[1][:9], rows[2][:9])
	}
	for _, bad := range []string{"?format=xml", "?from=yesterday", "?from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z"} {
		if r := e.admin("GET", "/api/v1/admin/sites/demo/receipts"+bad); r.status != 400 {
			t.Errorf("%s: %d, want 400", bad, r.status)
		}
	}
	if r := e.admin("GET", "/api/v1/admin/sites/nope/receipts"); r.status != 404 {
		t.Errorf("unknown site: %d", r.status)
	}
}

func zipFiles(t *testing.T, b []byte) map[string][]byte {
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func rezip(files map[string][]byte) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, b := range files {
		w, _ := z.Create(name)
		w.Write(b)
	}
	z.Close()
	return buf.Bytes()
}

func verify(t *testing.T, pack []byte) *export.Report {
	t.Helper()
	rep, err := export.VerifyPack(bytes.NewReader(pack), int64(len(pack)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// A pack verifies as made, and each kind of tampering fails with its reason.
func TestEvidencePackVerifiesAndTamperingFails(t *testing.T) {
	e := newEnv(t, 0)
	// Nothing to prove yet: refused before a download that would not verify.
	if r := e.admin("GET", "/api/v1/admin/sites/demo/evidence"); r.status != 404 || !strings.Contains(string(r.body), "no receipts") {
		t.Errorf("empty range: %d %s, want 404", r.status, r.body)
	}
	e.seed(t, 5)
	r := e.admin("GET", "/api/v1/admin/sites/demo/evidence")
	if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("evidence: %d %s", r.status, r.body)
	}
	if rep := verify(t, r.body); !rep.OK || len(rep.Receipts) != 5 || rep.Checkpoint.Size != 5 {
		t.Fatalf("untouched pack: %+v", rep)
	}
	files := zipFiles(t, r.body)
	var configName string
	for name := range files {
		if strings.HasPrefix(name, "configs/") {
			configName = name
		}
	}
	lines := strings.Split(strings.TrimSpace(string(files["receipts.ndjson"])), "\n")
	cases := []struct {
		name   string
		change func(f map[string][]byte)
		want   string
	}{
		{"one byte of a receipt", func(f map[string][]byte) {
			b := bytes.Clone(f["receipts.ndjson"])
			i := bytes.Index(b, []byte(`"receipt":"`)) + 40
			b[i] ^= 1
			f["receipts.ndjson"] = b
		}, "signature"},
		{"a dropped receipt", func(f map[string][]byte) {
			f["receipts.ndjson"] = []byte(strings.Join(lines[1:], "\n") + "\n")
		}, "missing from the pack"},
		{"a swapped config text", func(f map[string][]byte) {
			f[configName] = bytes.Replace(f[configName], []byte("Accept all"), []byte("OK!!!!!!!!"), 1)
		}, "does not match its hash"},
		{"a forged checkpoint", func(f map[string][]byte) {
			f["checkpoint.txt"] = bytes.Replace(f["checkpoint.txt"], []byte("\n5\n"), []byte("\n4\n"), 1)
		}, "checkpoint.txt is not signed"},
		{"a receipt from elsewhere", func(f map[string][]byte) {
			f["receipts.ndjson"] = append(bytes.Clone(f["receipts.ndjson"]), []byte(lines[0]+"\n")...)
		}, "appears twice"},
	}
	// The unsigned copies beside each JWS, which a reader of the file sees
	// first, must say what the signed receipt says.
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for field, v := range map[string]any{"action": "accept_all_forged", "visitor": "00000000-0000-7000-8000-000000000000",
		"site": "other", "config": "sha256:00", "log": 99, "issued_at": "2001-01-01T00:00:00.000Z"} {
		cases = append(cases, struct {
			name   string
			change func(f map[string][]byte)
			want   string
		}{"the plain " + field, func(f map[string][]byte) {
			l := maps.Clone(first)
			l[field] = v
			b, _ := json.Marshal(l)
			f["receipts.ndjson"] = []byte(strings.Join(append([]string{string(b)}, lines[1:]...), "\n") + "\n")
		}, "says another"})
	}
	// Nor may a line show its readers one value and this check another:
	// jq keeps fields by their exact name, encoding/json by any case, and
	// of two with one name, each keeps another.
	for name, forge := range map[string]func(l string) string{
		"a field in capitals": func(l string) string {
			return strings.Replace(strings.Replace(l, `"action":`, `"ACTION":`, 1), "{", `{"action":"accept_all",`, 1)
		},
		"a field twice":   func(l string) string { return strings.Replace(l, "{", `{"action":"accept_all",`, 1) },
		"a field of ours": func(l string) string { return strings.Replace(l, "{", `{"choices":{"advertising":true},`, 1) },
		"a null": func(l string) string {
			return strings.Replace(l, `"action":"`+first["action"].(string)+`"`, `"action":null`, 1)
		},
	} {
		cases = append(cases, struct {
			name   string
			change func(f map[string][]byte)
			want   string
		}{name, func(f map[string][]byte) {
			f["receipts.ndjson"] = []byte(strings.Join(append([]string{forge(lines[0])}, lines[1:]...), "\n") + "\n")
		}, "unreadable line"})
	}
	for _, c := range cases {
		f := zipFiles(t, r.body)
		c.change(f)
		rep := verify(t, rezip(f))
		all, _ := json.Marshal(rep)
		if rep.OK || !strings.Contains(string(all), c.want) {
			t.Errorf("%s: ok=%v, report lacks %q: %s", c.name, rep.OK, c.want, all)
		}
		if c.name == "one byte of a receipt" && rep.Failed != 1 {
			t.Errorf("one altered receipt failed %d receipts; the batch check must name just it", rep.Failed)
		}
	}
}

func TestVisitorEvidencePackFollowsTheChain(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	e.seed(t, 2)
	for _, a := range []struct{ action, choices string }{{"accept_all", allOn}, {"custom", mixed}, {"withdraw", allOff}} {
		e.do("POST", "/api/v1/consents", e.decision(v, a.action, a.choices))
	}
	// Asked in upper case (a UUID is one either way), as receipts name it.
	r := e.admin("GET", "/api/v1/admin/sites/demo/evidence?visitor="+strings.ToUpper(v))
	rep := verify(t, r.body)
	if !rep.OK || len(rep.Receipts) != 3 || rep.Receipts[0].Action != "accept_all" || rep.Receipts[2].Action != "withdraw" || rep.Query["visitor"] != v {
		t.Fatalf("visitor pack: %+v", rep)
	}
	if r := e.admin("GET", "/api/v1/admin/sites/demo/evidence?visitor="+uuid.NewString()); r.status != 404 {
		t.Errorf("unknown visitor: %d", r.status)
	}
}

// An uploaded pack is checked against this server's own keys. One that
// another instance signed, with keys of its own and the same log name,
// verifies against the keys it carries (anyone can make such a pack), and
// this server refuses it.
func TestVerifyUploadTrustsOnlyThisServersKeys(t *testing.T) {
	e, other := newEnv(t, 0), newEnv(t, 0)
	e.seed(t, 2)
	other.seed(t, 2)
	upload := func(pack []byte) map[string]any {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile("pack", "pack.zip")
		w.Write(pack)
		mw.Close()
		r := e.do("POST", "/api/v1/admin/verify", body.String(), append(bearer, "Content-Type", mw.FormDataContentType())...)
		if r.status != 200 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
		return r.json(t)
	}
	own := upload(e.admin("GET", "/api/v1/admin/sites/demo/evidence").body)
	if own["ok"] != true || own["keys"].(map[string]any)["pinned"] != true {
		t.Errorf("this server's pack: %v", own)
	}
	forged := other.admin("GET", "/api/v1/admin/sites/demo/evidence").body
	if rep := verify(t, forged); !rep.OK || rep.Keys.Pinned {
		t.Fatalf("the other instance's pack against its own keys: %+v", rep)
	}
	rep := upload(forged)
	if problems := fmt.Sprint(rep["problems"]); rep["ok"] != false || !strings.Contains(problems, "not a trusted key") || !strings.Contains(problems, "not the trusted log key") {
		t.Errorf("another instance's pack: %v", rep)
	}
}

func TestVerifyUploadAndStandardViews(t *testing.T) {
	e := newEnv(t, 0)
	ids := e.seed(t, 1)
	rcpt := e.do("GET", "/api/v1/consents/"+ids[0], "").json(t)["receipt"].(string)
	ok := e.do("POST", "/api/v1/admin/verify", `{"receipt":"`+rcpt+`"}`, append(bearer, "Content-Type", "application/json")...).json(t)
	if ok["ok"] != true || ok["stored"] != true {
		t.Errorf("verify pasted receipt: %v", ok)
	}
	bad := e.do("POST", "/api/v1/admin/verify", `{"receipt":"`+rcpt[:len(rcpt)-3]+`AAA"}`, append(bearer, "Content-Type", "application/json")...).json(t)
	if bad["ok"] != false || bad["error"] == nil {
		t.Errorf("verify altered receipt: %v", bad)
	}
	k := e.admin("GET", "/api/v1/admin/consents/"+ids[0]+"/view").json(t)
	if k["version"] != "KI-CR-v1.1.0" || k["consentReceiptID"] != ids[0] {
		t.Errorf("kantara: %v", k)
	}
	d := e.admin("GET", "/api/v1/admin/consents/"+ids[0]+"/view?format=dpv").json(t)
	recs, _ := d["dpv:hasConsentRecord"].([]any)
	if d["@type"] != "dpv:ConsentRecord" || len(recs) != 4 {
		t.Errorf("dpv: %v", d)
	}
}

// A pack proves the log's key activations, and a receipt signed by another
// key than the one the log had activated at its index fails.
func TestEvidencePackChecksTheKeyActiveAtEachReceipt(t *testing.T) {
	e := newEnv(t, 0)
	activate := func(kid string) {
		_, err := e.db.AppendEvent(func(i uint64) *store.Event {
			id := uuid.Must(uuid.NewV7())
			return &store.Event{ID: id, Kind: "key_activated", JWS: e.signer.SignEvent(map[string]any{
				"jti": id.String(), "iat": e.now.Unix(), "event": "key_activated", "kid": kid, "log": i})}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	activate(e.signer.KID())
	e.seed(t, 2)
	pack := e.admin("GET", "/api/v1/admin/sites/demo/evidence").body
	rep := verify(t, pack)
	if !rep.OK || len(rep.Keys.Activations) != 1 || rep.Keys.Activations[0] != (export.Activation{Kid: e.signer.KID(), Log: 0}) {
		t.Fatalf("pack with one activation: %+v", rep)
	}
	// Without its activations file the pack no longer matches its manifest.
	f := zipFiles(t, pack)
	delete(f, "key-activations.ndjson")
	if rep := verify(t, rezip(f)); rep.OK || !strings.Contains(strings.Join(rep.Problems, " "), "key-activations.ndjson") {
		t.Errorf("pack without its key activations: %+v", rep)
	}
	// With a proof that does not hold, the activation is not taken as proven.
	f = zipFiles(t, pack)
	var l map[string]any
	json.Unmarshal(f["key-activations.ndjson"], &l)
	l["proof"].([]any)[0] = base64.StdEncoding.EncodeToString(make([]byte, 32))
	f["key-activations.ndjson"], _ = json.Marshal(l)
	if rep := verify(t, rezip(f)); rep.OK || len(rep.Keys.Activations) != 0 || !strings.Contains(strings.Join(rep.Problems, " "), "not included") {
		t.Errorf("pack with a bad activation proof: %+v", rep)
	}

	activate("another-key")
	late := e.seed(t, 1)[0]
	rep = verify(t, e.admin("GET", "/api/v1/admin/sites/demo/evidence").body)
	if rep.OK || rep.Failed != 1 || len(rep.Keys.Activations) != 2 {
		t.Fatalf("a receipt signed by a key not active at its index: %+v", rep)
	}
	for _, v := range rep.Receipts {
		if bad := v.ID == late; bad != (len(v.Problems) > 0) || bad && !strings.Contains(v.Problems[0], "another-key") {
			t.Errorf("receipt %s (the late one: %v): %v", v.ID, v.ID == late, v.Problems)
		}
	}
}

// A range's receipts that are gone are accounted for: the pack carries the
// site's tombstones that removed receipts of its range, proven in the log,
// and a receipt both in the pack and in a tombstone fails.
func TestEvidencePackAccountsForRemovedReceipts(t *testing.T) {
	e := newEnv(t, 0)
	ids := e.seed(t, 6) // 10:00 to 10:05
	remove := func(reason string, which ...int) {
		var recs []*store.Receipt
		for _, i := range which {
			r, err := e.db.Receipt(uuid.MustParse(ids[i]))
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		if _, _, err := e.remover.Remove("demo", reason, recs); err != nil {
			t.Fatal(err)
		}
	}
	remove(retention.ReasonRetention, 1, 2) // in the range below
	remove(retention.ReasonErasure, 5)      // after it
	q := "?from=2026-11-22T10:01:00Z&to=2026-11-22T10:04:00Z"
	pack := e.admin("GET", "/api/v1/admin/sites/demo/evidence"+q).body
	rep := verify(t, pack)
	if !rep.OK || len(rep.Receipts) != 1 || rep.Receipts[0].ID != ids[3] {
		t.Fatalf("pack of a range with removals: %+v", rep)
	}
	if len(rep.Removals) != 1 || rep.Removals[0].Reason != "retention" || !slices.Equal(rep.Removals[0].Receipts, ids[1:3]) {
		t.Errorf("removals %+v: want one retention tombstone of %v", rep.Removals, ids[1:3])
	}
	// A pack that drops its tombstones no longer matches its manifest.
	f := zipFiles(t, pack)
	f["tombstones.ndjson"] = nil
	if rep := verify(t, rezip(f)); rep.OK || !strings.Contains(strings.Join(rep.Problems, " "), "missing from the pack") || rep.Removals == nil || len(rep.Removals) != 0 {
		t.Errorf("pack without its tombstone: %+v", rep)
	}
	// Nor may it carry a line its manifest does not list.
	f = zipFiles(t, pack)
	f["tombstones.ndjson"] = append(bytes.Clone(f["tombstones.ndjson"]), []byte(`{"id":"00000000-0000-7000-8000-000000000000","log":1,"event":"a.b.c"}`+"\n")...)
	if rep := verify(t, rezip(f)); rep.OK || !strings.Contains(strings.Join(rep.Problems, " "), "does not list") {
		t.Errorf("pack with an unlisted tombstone line: %+v", rep)
	}
	// A tombstone naming a receipt that is still there (a store at odds
	// with its log) fails that receipt.
	r3, err := e.db.Receipt(uuid.MustParse(ids[3]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AppendEvent(func(i uint64) *store.Event {
		id := uuid.Must(uuid.NewV7())
		return &store.Event{ID: id, Kind: "tombstone", JWS: e.signer.SignEvent(&retention.Tombstone{JTI: id.String(), Iat: e.now.Unix(),
			Event: "tombstone", Reason: "erasure", Site: "demo", Log: i, Removed: []retention.Removed{{ID: ids[3], Log: r3.Log, IssuedAt: r3.IssuedAt.Format(retention.TimeMillis)}}})}
	}); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, e.admin("GET", "/api/v1/admin/sites/demo/evidence"+q).body)
	if rep.OK || rep.Failed != 1 || len(rep.Receipts[0].Problems) != 1 || !strings.Contains(rep.Receipts[0].Problems[0], "says this receipt was removed") || len(rep.Removals) != 2 {
		t.Errorf("a receipt a tombstone removed: %+v", rep)
	}
	// A range whose receipts are all gone has no pack, and the refusal
	// says where they went.
	if r := e.admin("GET", "/api/v1/admin/sites/demo/evidence?from=2026-11-22T10:05:00Z&to=2026-11-22T10:06:00Z"); r.status != 404 || !strings.Contains(string(r.body), "removed under 1 tombstone") {
		t.Errorf("a range of removed receipts: %d %s, want 404 naming the tombstone", r.status, r.body)
	}
	// A visitor's pack holds no tombstones (they name no visitor).
	if rep := verify(t, e.admin("GET", "/api/v1/admin/sites/demo/evidence?visitor="+r3.Visitor).body); !rep.OK || rep.Removals == nil || len(rep.Removals) != 0 {
		t.Errorf("visitor pack: %+v", rep)
	}
}

// Receipts name their time in whole seconds (iat), and the verifier holds
// each to the manifest's range: a range given to the millisecond makes a
// pack of the whole seconds it touches, which verifies.
func TestEvidencePackOfASubSecondRange(t *testing.T) {
	e := newEnv(t, 0)
	e.advance(300 * time.Millisecond)
	e.seed(t, 1) // issued at 10:00:00.300
	r := e.admin("GET", "/api/v1/admin/sites/demo/evidence?from=2026-11-22T10:00:00.1Z&to=2026-11-22T10:00:00.5Z")
	if r.status != 200 {
		t.Fatalf("evidence: %d %s", r.status, r.body)
	}
	if rep := verify(t, r.body); !rep.OK || len(rep.Receipts) != 1 || rep.Query["from"] != "2026-11-22T10:00:00Z" || rep.Query["to"] != "2026-11-22T10:00:01Z" {
		t.Errorf("pack: ok %v, %d receipts, query %v, problems %q %+v", rep.OK, len(rep.Receipts), rep.Query, rep.Problems, rep.Receipts)
	}
	// The last second RFC 3339 can name: not rounded past it.
	r = e.admin("GET", "/api/v1/admin/sites/demo/evidence?to=9999-12-31T23:59:59.999Z")
	if rep := verify(t, r.body); r.status != 200 || !rep.OK || rep.Query["to"] != "9999-12-31T23:59:59Z" {
		t.Errorf("pack to the end of 9999: %d, ok %v, query %v, problems %q", r.status, rep.OK, rep.Query, rep.Problems)
	}
}

// A pack that fails once its download has begun is cut off, and the client
// sees a download that started and broke, not a request with no answer:
// the headers go out before the zip writer has written anything.
func TestEvidencePackFailingMidwayIsCutOff(t *testing.T) {
	e := newEnv(t, 0)
	e.seed(t, 1)
	// A receipt naming a config the store does not have: the pack fails
	// when it comes to the configs, after the receipts.
	if _, err := e.db.AppendReceipt("demo", uuid.NewString(), func(idx uint64, prev uuid.UUID) *store.Receipt {
		id := uuid.Must(uuid.NewV7()) // of the test's clock, as the server makes them
		ms := e.now.UnixMilli()
		for i := range 6 {
			id[i] = byte(ms >> (40 - 8*i))
		}
		return &store.Receipt{ID: id, Site: "demo", Visitor: uuid.NewString(), Log: idx, IssuedAt: e.now, ExpiresAt: e.now.Add(time.Hour),
			Action: "custom", Choices: []byte(`{}`), Config: "sha256:" + strings.Repeat("0", 64), JWS: "x.y.z", Token: "x.y.z"}
	}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/admin/sites/demo/evidence", nil)
	req.Header.Set("Authorization", bearer[1])
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("no answer at all: %v", err)
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); res.StatusCode != 200 || err == nil {
		t.Errorf("status %d, body read error %v; want 200 and a body cut off", res.StatusCode, err)
	}
}
