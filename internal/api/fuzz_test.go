package api_test

import (
	"net/url"
	"testing"

	"github.com/google/uuid"
)

// FuzzRecordConsent posts arbitrary bodies through the real handler and
// store: whatever arrives, the answer is 201 or a 4xx with the error shape.
func FuzzRecordConsent(f *testing.F) {
	f.Add(`{"site":"demo","visitor":"6f1c2b8e-4a8d-4f7e-9d33-0c5a0e7c1a2b","action":"custom","choices":{"analytics":true,"advertising":false,"preferences":true},"config":"CONFIG","lang":"en","url":"https://shop.example/"}`)
	f.Add(`{"site":"demo","choices":{"necessary":false}}`)
	f.Add(`{}`)
	e := newEnv(f, 0)
	f.Fuzz(func(t *testing.T, body string) {
		r := e.do("POST", "/api/v1/consents", replaceConfig(body, e.version), "Origin", origin)
		if r.status >= 500 {
			t.Fatalf("status %d for %q: %s", r.status, body, r.body)
		}
		if r.status != 201 {
			if m := r.json(t); m["error"] == nil {
				t.Fatalf("status %d without the error shape: %s", r.status, r.body)
			}
		}
		q := e.do("GET", "/api/v1/sites/demo/visitors/"+uuid.NewString()+"/consent?purpose="+url.QueryEscape(body), "")
		if q.status >= 500 {
			t.Fatalf("visitor query %q: %d", body, q.status)
		}
	})
}

func replaceConfig(body, version string) string {
	for i := 0; i+6 <= len(body); i++ {
		if body[i:i+6] == "CONFIG" {
			return body[:i] + version + body[i+6:]
		}
	}
	return body
}

// FuzzQuery sends arbitrary query values to every endpoint that parses
// them: never a 5xx.
func FuzzQuery(f *testing.F) {
	e := newEnv(f, 0)
	ids := e.seed(f, 3)
	f.Add(ids[0], "3", "1", "2", "2026-11-22T10:00:00Z", "ndjson")
	f.Add("x", "-1", "0", "99999999999999999999", "yesterday", "xml")
	f.Add("", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, id, size, from, to, when, format string) {
		q := url.QueryEscape
		for _, p := range []string{
			"/api/v1/log/proof/inclusion?id=" + q(id) + "&size=" + q(size),
			"/api/v1/log/proof/consistency?from=" + q(from) + "&to=" + q(to),
			"/api/v1/admin/sites/demo/receipts?from=" + q(when) + "&to=" + q(to) + "&format=" + q(format),
			"/api/v1/admin/sites/demo/evidence?from=" + q(when) + "&visitor=" + q(id),
			"/api/v1/admin/consents/" + q(id) + "/view?format=" + q(format),
			"/api/v1/consents/" + q(id),
		} {
			if r := e.do("GET", p, "", bearer...); r.status >= 500 {
				t.Fatalf("%s: %d %s", p, r.status, r.body)
			}
		}
	})
}
