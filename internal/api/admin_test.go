package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assent/assent/internal/store"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// minRole classifies every admin route. A route missing here fails
// TestAdminRoutesRefuseAnonymousAndUnderPrivileged, so a new route cannot
// ship unclassified.
var minRole = map[string]string{
	"POST /api/v1/admin/session":                             "anonymous",
	"GET /api/v1/admin/session":                              "auditor",
	"DELETE /api/v1/admin/session":                           "auditor",
	"GET /api/v1/admin/whoami":                               "auditor",
	"GET /api/v1/admin/users":                                "owner",
	"POST /api/v1/admin/users":                               "owner",
	"PUT /api/v1/admin/users/:name":                          "owner",
	"DELETE /api/v1/admin/users/:name":                       "owner",
	"GET /api/v1/admin/tokens":                               "owner",
	"POST /api/v1/admin/tokens":                              "owner",
	"DELETE /api/v1/admin/tokens/:id":                        "owner",
	"GET /api/v1/admin/sites":                                "auditor",
	"POST /api/v1/admin/sites":                               "owner",
	"GET /api/v1/admin/sites/:site":                          "auditor",
	"PUT /api/v1/admin/sites/:site":                          "owner",
	"POST /api/v1/admin/sites/:site/publish":                 "owner",
	"GET /api/v1/admin/sites/:site/versions/:version":        "auditor",
	"GET /api/v1/admin/sites/:site/insights":                 "auditor",
	"GET /api/v1/admin/consents":                             "auditor",
	"GET /api/v1/admin/sites/:site/receipts":                 "auditor",
	"GET /api/v1/admin/sites/:site/evidence":                 "auditor",
	"GET /api/v1/admin/sites/:site/events":                   "auditor",
	"GET /api/v1/admin/sites/:site/recent":                   "auditor",
	"GET /api/v1/admin/consents/:id/view":                    "auditor",
	"POST /api/v1/admin/verify":                              "auditor",
	"GET /api/v1/admin/backup":                               "owner",
	"POST /api/v1/admin/sites/:site/visitors/:visitor/erase": "owner",
}

// adminUser creates an account directly in the store (bcrypt at minimum
// cost: these tests are about access, not hashing) and returns a signed-in
// session cookie and its CSRF token.
func (e *env) login(t *testing.T, name, role string) (cookie, csrf string) {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte("password-"+name), bcrypt.MinCost)
	if err := e.db.PutUser(&store.User{Name: name, Role: role, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/api/v1/admin/session", fmt.Sprintf(`{"username":%q,"password":"password-%s"}`, name, name), "Content-Type", "application/json")
	if r.status != 200 {
		t.Fatalf("login %s: got %d %s, want 200", name, r.status, r.body)
	}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "assent_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return cookie, r.json(t)["csrf"].(string)
}

func (e *env) as(cookie, csrf string) []string {
	return []string{"Cookie", cookie, "X-CSRF-Token", csrf, "Content-Type", "application/json"}
}

func TestAdminRoutesRefuseAnonymousAndUnderPrivileged(t *testing.T) {
	e := newEnv(t, 0)
	routes := e.h.(*echo.Echo).Routes()
	seen := 0
	for _, rt := range routes {
		if !strings.HasPrefix(rt.Path, "/api/v1/admin") || strings.HasPrefix(rt.Method, "echo_") {
			continue
		}
		key := rt.Method + " " + rt.Path
		role, ok := minRole[key]
		if !ok {
			t.Errorf("route %s has no entry in minRole: classify it", key)
			continue
		}
		seen++
		path := strings.NewReplacer(":site", "demo", ":name", "admin", ":id", uuid.NewString(), ":version", e.version, ":visitor", uuid.NewString()).Replace(rt.Path)
		t.Run(key, func(t *testing.T) {
			if role == "anonymous" {
				return
			}
			if r := e.do(rt.Method, path, "{}", "Content-Type", "application/json"); r.status != 401 {
				t.Errorf("anonymous: got %d %s, want 401", r.status, r.body)
			}
			if r := e.do(rt.Method, path, "{}", "Authorization", "Bearer assent_not-a-real-token"); r.status != 401 {
				t.Errorf("bad token: got %d, want 401", r.status)
			}
			// A fresh session each time: one of these routes is logout.
			r := e.do(rt.Method, path, "{}", e.as(e.login(t, "audrey", "auditor"))...)
			if role == "owner" && r.status != 403 {
				t.Errorf("auditor: got %d %s, want 403", r.status, r.body)
			}
			if role == "auditor" && (r.status == 401 || r.status == 403) {
				t.Errorf("auditor: got %d %s, want access", r.status, r.body)
			}
		})
	}
	if seen != len(minRole) {
		t.Errorf("checked %d admin routes, want %d (a route in minRole is not registered)", seen, len(minRole))
	}
}

func TestAdminSessionCookieCSRFAndLogout(t *testing.T) {
	e := newEnv(t, 0)
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct-horse-battery"), bcrypt.MinCost)
	e.db.PutUser(&store.User{Name: "olga", Role: "owner", PasswordHash: hash})
	// Names are kept in lower case, and signed in with in any.
	r := e.do("POST", "/api/v1/admin/session", `{"username":"Olga","password":"correct-horse-battery"}`, "Content-Type", "application/json")
	if r.status != 200 || r.json(t)["name"] != "olga" {
		t.Fatalf("sign-in as Olga: %d %s", r.status, r.body)
	}
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{"assent_session=", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200", "Secure"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want) // Secure: the public URL is https
		}
	}
	cookie, csrf := strings.Split(sc, ";")[0], r.json(t)["csrf"].(string)
	body := `{"id":"shop","name":"Shop","origins":["https://shop.example"]}`
	cases := []struct {
		name    string
		headers []string
		status  int
	}{
		{"no csrf", []string{"Cookie", cookie, "Content-Type", "application/json"}, 403},
		{"wrong csrf", []string{"Cookie", cookie, "X-CSRF-Token", "x" + csrf, "Content-Type", "application/json"}, 403},
		{"right csrf", []string{"Cookie", cookie, "X-CSRF-Token", csrf, "Content-Type", "application/json"}, 201},
	}
	for _, c := range cases {
		if r := e.do("POST", "/api/v1/admin/sites", body, c.headers...); r.status != c.status {
			t.Errorf("%s: got %d %s, want %d", c.name, r.status, r.body, c.status)
		}
	}
	if r := e.do("GET", "/api/v1/admin/session", "", "Cookie", cookie); r.status != 200 || r.json(t)["csrf"] != csrf {
		t.Errorf("session: got %d %s, want 200 with the csrf token", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/admin/session", "", "Cookie", cookie, "X-CSRF-Token", csrf); r.status != 204 {
		t.Fatalf("logout: got %d, want 204", r.status)
	}
	if r := e.do("GET", "/api/v1/admin/sites", "", "Cookie", cookie); r.status != 401 {
		t.Errorf("after logout: got %d, want 401", r.status)
	}
}

func TestAdminSessionExpires(t *testing.T) {
	e := newEnv(t, 0)
	cookie, _ := e.login(t, "olga", "owner")
	if r := e.do("GET", "/api/v1/admin/sites", "", "Cookie", cookie); r.status != 200 {
		t.Fatalf("fresh session: got %d, want 200", r.status)
	}
	e.advance(12*time.Hour + time.Second)
	if r := e.do("GET", "/api/v1/admin/sites", "", "Cookie", cookie); r.status != 401 {
		t.Errorf("after 12 h: got %d, want 401", r.status)
	}
}

func TestAdminLoginThrottled(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "olga", "owner")
	try := func(pw string) int {
		return e.do("POST", "/api/v1/admin/session", `{"username":"olga","password":"`+pw+`"}`, "Content-Type", "application/json").status
	}
	for i := range 5 {
		if got := try("wrong"); got != 401 {
			t.Fatalf("failure %d: got %d, want 401", i+1, got)
		}
	}
	if got := try("password-olga"); got != 429 {
		t.Errorf("6th attempt, right password: got %d, want 429 (throttled)", got)
	}
	e.advance(15 * time.Minute)
	if got := try("password-olga"); got != 200 {
		t.Errorf("after the window: got %d, want 200", got)
	}
}

// TestAdminLoginThrottleHoldsUnderConcurrency: attempts are counted before
// the password is checked, so a burst of parallel guesses gets no more
// tries than sequential ones.
func TestAdminLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "olga", "owner")
	codes := make(chan int, 30)
	var wg sync.WaitGroup
	for range cap(codes) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.do("POST", "/api/v1/admin/session", `{"username":"olga","password":"wrong"}`, "Content-Type", "application/json").status
		}()
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[401] > maxFailuresPerAccount || n[401]+n[429] != 30 {
		t.Errorf("30 parallel wrong passwords: %v, want at most %d answered 401 and the rest 429", n, maxFailuresPerAccount)
	}
}

// TestAdminLoginNotLockedOutFromElsewhere: wrong passwords sent from one
// address do not stop the account's owner signing in from another.
func TestAdminLoginNotLockedOutFromElsewhere(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "olga", "owner")
	from := func(addr, pw string) int {
		req := httptest.NewRequest("POST", "/api/v1/admin/session", strings.NewReader(`{"username":"olga","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code
	}
	for range maxFailuresPerAccount {
		from("198.51.100.7:4000", "wrong")
	}
	if got := from("198.51.100.7:4000", "password-olga"); got != 429 {
		t.Errorf("the guessing address, right password: got %d, want 429", got)
	}
	if got := from("203.0.113.9:5000", "password-olga"); got != 200 {
		t.Errorf("the owner from another address: got %d, want 200", got)
	}
}

// TestAdminLoginNotLockedOutBySpreadGuessing: wrong passwords spread over
// many addresses reach the account-wide backstop, which then refuses a
// browser that has never signed in; the owner's own browser (its device
// cookie) still signs in, from any address. A cookie that is not the
// server's, or is another account's, counts for nothing.
func TestAdminLoginNotLockedOutBySpreadGuessing(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "olga", "owner")
	e.login(t, "omar", "owner")
	from := func(addr, name, pw, cookie string) (int, string) {
		req := httptest.NewRequest("POST", "/api/v1/admin/session", strings.NewReader(`{"username":"`+name+`","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "assent_device" {
				cookie = c.Name + "=" + c.Value
			}
		}
		return rec.Code, cookie
	}
	code, olgas := from("203.0.113.9:5000", "olga", "password-olga", "")
	_, omars := from("203.0.113.10:5000", "omar", "password-omar", "")
	if code != 200 || olgas == "" || omars == "" {
		t.Fatalf("sign-in: %d, device cookies %q and %q", code, olgas, omars)
	}
	for i := range 100 {
		from(fmt.Sprintf("198.51.100.%d:4000", i/4), "olga", "wrong", "")
	}
	if got, _ := from("192.0.2.1:6000", "olga", "password-olga", ""); got != 429 {
		t.Errorf("after 100 failures spread over 25 addresses, a new browser: got %d, want 429", got)
	}
	if got, _ := from("192.0.2.2:6000", "olga", "password-olga", omars); got != 429 {
		t.Errorf("with another account's device cookie: got %d, want 429", got)
	}
	forged := olgas[:strings.LastIndexByte(olgas, '.')+1] + "AAAAAAAAAAAAAAAAAAAAAA"
	if got, _ := from("192.0.2.3:6000", "olga", "password-olga", forged); got != 429 {
		t.Errorf("with a forged device cookie: got %d, want 429", got)
	}
	if got, _ := from("192.0.2.4:6000", "olga", "password-olga", olgas); got != 200 {
		t.Errorf("olga's own browser from a new address: got %d, want 200", got)
	}
	// The cookie gets its own few tries, no more.
	for range maxFailuresPerAccount {
		from("192.0.2.5:6000", "olga", "wrong", olgas)
	}
	if got, _ := from("192.0.2.6:6000", "olga", "password-olga", olgas); got != 429 {
		t.Errorf("the device cookie after %d failures: got %d, want 429", maxFailuresPerAccount, got)
	}
}

// TestAdminEnvTokensChildrenEndWithIt: a token made with ASSENT_ADMIN_TOKEN
// works while that env token is set, and stops when it is rotated or
// unset (a leaked env token must leave nothing behind once changed).
func TestAdminEnvTokensChildrenEndWithIt(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("POST", "/api/v1/admin/tokens", `{"name":"deploy","role":"owner"}`, append(bearer, "Content-Type", "application/json")...)
	if r.status != 201 {
		t.Fatalf("mint: %d %s", r.status, r.body)
	}
	child := []string{"Authorization", "Bearer " + r.json(t)["token"].(string)}
	for _, c := range []struct {
		name string
		env  string
		want int
	}{{"the same env token", adminToken, 200}, {"a rotated env token", adminToken + "-rotated", 401}, {"no env token", "", 401}, {"the first one again", adminToken, 200}} {
		e.envToken = &c.env
		e.serve()
		if got := e.do("GET", "/api/v1/admin/sites", "", child...).status; got != c.want {
			t.Errorf("with %s: the token it made got %d, want %d", c.name, got, c.want)
		}
	}
}

// maxFailuresPerAccount is the API's per-account limit (admin_session.go).
const maxFailuresPerAccount = 5

// Passwords bcrypt cannot hash (over 72 bytes) are refused as bad input,
// not answered with a 500; 72 bytes exactly is fine.
func TestAdminPasswordsWithinBcryptsLimit(t *testing.T) {
	e := newEnv(t, 0)
	json := append(bearer, "Content-Type", "application/json")
	for _, c := range []struct {
		pw   string
		want int
	}{{strings.Repeat("x", 11), 400}, {strings.Repeat("x", 73), 400}, {strings.Repeat("é", 37), 400}, {strings.Repeat("x", 72), 201}} {
		r := e.do("POST", "/api/v1/admin/users", fmt.Sprintf(`{"name":"p%d","role":"auditor","password":%q}`, len(c.pw), c.pw), json...)
		if r.status != c.want || (c.want == 400 && r.json(t)["error"].(map[string]any)["code"] != "invalid_request") {
			t.Errorf("create with a %d-byte password: got %d %s, want %d", len(c.pw), r.status, r.body, c.want)
		}
	}
	if r := e.do("PUT", "/api/v1/admin/users/p72", fmt.Sprintf(`{"password":%q}`, strings.Repeat("y", 73)), json...); r.status != 400 {
		t.Errorf("change to a 73-byte password: got %d %s, want 400", r.status, r.body)
	}
}

// A form on another site cannot sign the browser in (login CSRF): only a
// JSON body, which needs a preflight this API refuses, starts a session.
func TestAdminLoginOnlyFromJSON(t *testing.T) {
	e := newEnv(t, 0)
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct-horse-battery"), bcrypt.MinCost)
	e.db.PutUser(&store.User{Name: "olga", Role: "owner", PasswordHash: hash})
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
		body := "username=olga&password=correct-horse-battery"
		if ct == "text/plain" {
			body = `{"username":"olga","password":"correct-horse-battery"}`
		}
		r := e.do("POST", "/api/v1/admin/session", body, "Content-Type", ct)
		if r.status != 415 || r.header.Get("Set-Cookie") != "" {
			t.Errorf("sign-in as %s: got %d %s (Set-Cookie %q), want 415 and no session", ct, r.status, r.body, r.header.Get("Set-Cookie"))
		}
	}
	if r := e.do("POST", "/api/v1/admin/session", `{"username":"olga","password":"correct-horse-battery"}`, "Content-Type", "application/json; charset=utf-8"); r.status != 200 {
		t.Errorf("sign-in as JSON: got %d %s, want 200", r.status, r.body)
	}
}

func TestAdminTokensHashedAndRevocable(t *testing.T) {
	e := newEnv(t, 0)
	r := e.do("POST", "/api/v1/admin/tokens", `{"name":"nightly","role":"auditor"}`, append(bearer, "Content-Type", "application/json")...)
	if r.status != 201 {
		t.Fatalf("create: got %d %s", r.status, r.body)
	}
	var tok struct{ ID, Token string }
	json.Unmarshal(r.body, &tok)
	auth := []string{"Authorization", "Bearer " + tok.Token}
	if r := e.do("GET", "/api/v1/admin/sites", "", auth...); r.status != 200 {
		t.Errorf("auditor token reads sites: got %d, want 200", r.status)
	}
	if r := e.do("POST", "/api/v1/admin/sites", `{"id":"x","name":"X"}`, append(auth, "Content-Type", "application/json")...); r.status != 403 {
		t.Errorf("auditor token creates a site: got %d, want 403", r.status)
	}
	list := e.admin("GET", "/api/v1/admin/tokens")
	if strings.Contains(string(list.body), tok.Token) || !strings.Contains(string(list.body), tok.ID) {
		t.Errorf("token list %s: want the id and never the secret", list.body)
	}
	if r := e.admin("DELETE", "/api/v1/admin/tokens/"+tok.ID); r.status != 204 {
		t.Fatalf("revoke: got %d", r.status)
	}
	if r := e.do("GET", "/api/v1/admin/sites", "", auth...); r.status != 401 {
		t.Errorf("revoked token: got %d, want 401", r.status)
	}
}

// TestAdminTokensFollowTheirAccount: a token never holds more than the
// person who made it (directly, or through a token of theirs) holds now.
func TestAdminTokensFollowTheirAccount(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "ann", "owner") // so that olga is not the last owner
	cookie, csrf := e.login(t, "olga", "owner")
	mint := func(name string, auth []string) []string {
		t.Helper()
		r := e.do("POST", "/api/v1/admin/tokens", `{"name":"`+name+`","role":"owner"}`, auth...)
		if r.status != 201 {
			t.Fatalf("create %s: got %d %s", name, r.status, r.body)
		}
		return []string{"Authorization", "Bearer " + r.json(t)["token"].(string), "Content-Type", "application/json"}
	}
	deploy := mint("deploy", e.as(cookie, csrf))
	child := mint("child", deploy)
	check := func(when string, users, sites int) {
		t.Helper()
		for name, auth := range map[string][]string{"deploy": deploy, "child": child} {
			if r := e.do("GET", "/api/v1/admin/users", "", auth...); r.status != users {
				t.Errorf("%s: %s token lists users: %d, want %d", when, name, r.status, users)
			}
			if r := e.do("GET", "/api/v1/admin/sites", "", auth...); r.status != sites {
				t.Errorf("%s: %s token lists sites: %d, want %d", when, name, r.status, sites)
			}
		}
	}
	check("olga an owner", 200, 200)
	if r := e.do("PUT", "/api/v1/admin/users/olga", `{"role":"auditor"}`, append(bearer, "Content-Type", "application/json")...); r.status != 200 {
		t.Fatalf("demote olga: %d %s", r.status, r.body)
	}
	check("olga an auditor", 403, 200)
	if r := e.admin("DELETE", "/api/v1/admin/users/olga"); r.status != 204 {
		t.Fatalf("delete olga: %d %s", r.status, r.body)
	}
	check("olga removed", 401, 401)
}

// Removing an account takes its tokens with it: giving the name to a new
// colleague must not bring an off-boarded owner's automation back to life.
// A user's own token cannot delete that user either.
func TestAdminRemovedAccountsTokensStayDead(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "ann", "owner")
	r := e.do("POST", "/api/v1/admin/tokens", `{"name":"laptop","role":"owner"}`, e.as(e.login(t, "alice", "owner"))...)
	if r.status != 201 {
		t.Fatalf("create token: %d %s", r.status, r.body)
	}
	tok := []string{"Authorization", "Bearer " + r.json(t)["token"].(string), "Content-Type", "application/json"}
	if r := e.do("DELETE", "/api/v1/admin/users/alice", "", tok...); r.status != 400 {
		t.Errorf("alice's token deleting alice: %d %s, want 400", r.status, r.body)
	}
	if r := e.admin("DELETE", "/api/v1/admin/users/alice"); r.status != 204 {
		t.Fatalf("delete alice: %d %s", r.status, r.body)
	}
	e.login(t, "alice", "owner") // a new colleague with the same name
	if r := e.do("GET", "/api/v1/admin/users", "", tok...); r.status != 401 {
		t.Errorf("the removed alice's token after the name was given again: %d, want 401", r.status)
	}
	var list []map[string]any
	json.Unmarshal(e.admin("GET", "/api/v1/admin/tokens").body, &list)
	for _, x := range list {
		if x["name"] == "laptop" {
			t.Errorf("the removed account's token is still listed: %v", x)
		}
	}
}

// A password reset and a demotion of the same account at once: both stand,
// whichever order they commit in. (The reset used to write back the whole
// account as read before its bcrypt work, undoing a demotion meanwhile; and
// two owners demoting or removing each other could both pass the
// last-owner check, leaving none.)
func TestAdminConcurrentAccountChangesCompose(t *testing.T) {
	e := newEnv(t, 0)
	e.login(t, "alice", "owner")
	e.login(t, "bob", "owner")
	js := append(bearer, "Content-Type", "application/json")
	roles := func() map[string]string {
		var list []map[string]any
		json.Unmarshal(e.admin("GET", "/api/v1/admin/users").body, &list)
		m := map[string]string{}
		for _, u := range list {
			m[u["name"].(string)] = u["role"].(string)
		}
		return m
	}
	owners := func(m map[string]string) (n int) {
		for _, r := range m {
			if r == "owner" {
				n++
			}
		}
		return n
	}
	e.login(t, "carol", "owner")
	var wg sync.WaitGroup
	var reset, demote resp
	wg.Add(2)
	go func() {
		defer wg.Done()
		reset = e.do("PUT", "/api/v1/admin/users/bob", `{"password":"a-new-password-1"}`, js...)
	}()
	go func() { defer wg.Done(); demote = e.do("PUT", "/api/v1/admin/users/bob", `{"role":"auditor"}`, js...) }()
	wg.Wait()
	if reset.status != 200 || demote.status != 200 {
		t.Fatalf("reset %d, demote %d", reset.status, demote.status)
	}
	if m := roles(); m["bob"] != "auditor" {
		t.Errorf("bob's demotion answered 200 but bob is %s: the reset wrote back the old role", m["bob"])
	}

	var a, c resp
	wg.Add(2)
	go func() { defer wg.Done(); a = e.do("PUT", "/api/v1/admin/users/alice", `{"role":"auditor"}`, js...) }()
	go func() { defer wg.Done(); c = e.do("PUT", "/api/v1/admin/users/carol", `{"role":"auditor"}`, js...) }()
	wg.Wait()
	if m := roles(); owners(m) != 1 {
		t.Errorf("roles %v after the two owners demoted each other (%d, %d): want one owner left", m, a.status, c.status)
	}

	for _, name := range []string{"alice", "bob"} {
		if r := e.do("PUT", "/api/v1/admin/users/"+name, `{"role":"owner"}`, js...); r.status != 200 {
			t.Fatalf("make %s owner: %d %s", name, r.status, r.body)
		}
	}
	var del, demote2 resp
	wg.Add(2)
	go func() { defer wg.Done(); del = e.do("DELETE", "/api/v1/admin/users/alice", "", js...) }()
	go func() { defer wg.Done(); demote2 = e.do("PUT", "/api/v1/admin/users/bob", `{"role":"auditor"}`, js...) }()
	wg.Wait()
	if m := roles(); owners(m) != 1 {
		t.Errorf("roles %v after removing one owner and demoting the other at once (%d, %d): want one owner left", m, del.status, demote2.status)
	}
}

// Two owners editing the same site: the one saving second, on the revision
// both opened, gets 409 edit_conflict and the first save stands.
func TestAdminSiteSaveRefusesAStaleRevision(t *testing.T) {
	e := newEnv(t, 0)
	var site struct {
		Draft    map[string]any `json:"draft"`
		Revision int64          `json:"revision"`
	}
	json.Unmarshal(e.admin("GET", "/api/v1/admin/sites/demo").body, &site)
	save := func(name string, rev int64) resp {
		body, _ := json.Marshal(map[string]any{"name": name, "origins": []string{origin}, "draft": site.Draft, "revision": rev})
		return e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...)
	}
	first := save("Saved first", site.Revision)
	if first.status != 200 || first.json(t)["revision"] != float64(site.Revision+1) {
		t.Fatalf("first save: %d %s; want 200 at revision %d", first.status, first.body, site.Revision+1)
	}
	second := save("Saved second", site.Revision)
	if second.status != 409 || !strings.Contains(string(second.body), `"edit_conflict"`) {
		t.Fatalf("save on the revision already saved over: %d %s; want 409 edit_conflict", second.status, second.body)
	}
	if got := e.admin("GET", "/api/v1/admin/sites/demo").json(t)["name"]; got != "Saved first" {
		t.Errorf("after the refused save the site is named %v, want the first save's", got)
	}
	// A client that sends no revision saves over whatever is stored.
	if r := save("No revision", 0); r.status != 200 {
		t.Errorf("save without a revision: %d %s", r.status, r.body)
	}
	// Publishing names the revision its caller saved: a draft saved by
	// someone else since is not published in its place.
	publish := func(body string) resp {
		return e.do("POST", "/api/v1/admin/sites/demo/publish", body, append(bearer, "Content-Type", "application/json")...)
	}
	if r := publish(fmt.Sprintf(`{"revision":%d}`, site.Revision+1)); r.status != 409 || !strings.Contains(string(r.body), `"edit_conflict"`) {
		t.Errorf("publish of a revision saved over since: %d %s; want 409 edit_conflict", r.status, r.body)
	}
	if r := publish(fmt.Sprintf(`{"revision":%d}`, site.Revision+2)); r.status != 200 {
		t.Errorf("publish of the saved revision: %d %s", r.status, r.body)
	}
	if r := e.admin("POST", "/api/v1/admin/sites/demo/publish"); r.status != 200 {
		t.Errorf("publish with no body: %d %s", r.status, r.body)
	}
}

// A save that leaves out origins (automation editing only the draft)
// keeps them; an empty list clears them.
func TestAdminSiteSaveKeepsOmittedOrigins(t *testing.T) {
	e := newEnv(t, 0)
	var site struct {
		Draft   map[string]any `json:"draft"`
		Origins []string       `json:"origins"`
	}
	json.Unmarshal(e.admin("GET", "/api/v1/admin/sites/demo").body, &site)
	if len(site.Origins) == 0 {
		t.Fatal("the demo site has no origins to keep")
	}
	save := func(fields map[string]any) []any {
		t.Helper()
		body, _ := json.Marshal(fields)
		r := e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...)
		if r.status != 200 {
			t.Fatalf("save %s: %d %s", body, r.status, r.body)
		}
		o, _ := r.json(t)["origins"].([]any)
		return o
	}
	if got := save(map[string]any{"name": "Demo", "draft": site.Draft}); len(got) != len(site.Origins) || got[0] != site.Origins[0] {
		t.Errorf("a save without origins left %v, want %v", got, site.Origins)
	}
	if got := save(map[string]any{"name": "Demo", "draft": site.Draft, "origins": []string{}}); len(got) != 0 {
		t.Errorf("a save with no origins left %v, want none", got)
	}
}

func TestAdminPublishRefusesDarkPatterns(t *testing.T) {
	e := newEnv(t, 0)
	var site struct {
		Draft map[string]any `json:"draft"`
	}
	json.Unmarshal(e.admin("GET", "/api/v1/admin/sites/demo").body, &site)
	// Texts not written yet may be saved in a draft (a translation half
	// done), and are refused at publishing; the rest is refused at once.
	cases := []struct {
		name        string
		mutate      func(d map[string]any)
		want        string
		publishOnly bool
	}{
		{"optional purpose on by default", func(d map[string]any) { d["purposes"].([]any)[1].(map[string]any)["required"] = true }, `analytics\" is on by default and cannot be refused`, false},
		{"reject path longer", func(d map[string]any) { en(d)["reject_all"] = "" }, "refusing would take more clicks", true},
		{"lifetime over 13 months", func(d map[string]any) { d["lifetime_days"] = 608 }, "608 days (about 20 months) is over 13 months", false},
		{"faint text", func(d map[string]any) { d["look"].(map[string]any)["text"] = "#aaaaaa" }, "contrast of 2.3:1 on the background", false},
		{"missing translation", func(d map[string]any) {
			de := map[string]any{}
			for k, v := range en(d) {
				de[k] = v
			}
			de["purposes"] = map[string]any{"necessary": map[string]any{"title": "Notwendig", "description": "x"}}
			d["texts"].(map[string]any)["de"] = de
		}, "de: missing translation for analytics title, analytics description", true},
		{"no GPC notice", func(d map[string]any) { en(d)["gpc_notice"] = " " }, "en: missing translation for the Global Privacy Control notice", true},
		{"an empty title", func(d map[string]any) { en(d)["title"] = "" }, "en: missing translation for title", true},
		{"no close label", func(d map[string]any) { en(d)["close"] = "" }, "en: missing translation for close", true},
		{"no policy link text", func(d map[string]any) {
			d["privacy_policy_url"] = "https://example.com/privacy"
			en(d)["privacy_policy"] = " "
		}, "en: missing translation for privacy policy", true},
	}
	for _, c := range cases {
		var d map[string]any
		b, _ := json.Marshal(site.Draft)
		json.Unmarshal(b, &d)
		c.mutate(d)
		body, _ := json.Marshal(map[string]any{"name": "Demo", "origins": []string{origin}, "draft": d})
		r := e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...)
		if c.publishOnly {
			if r.status != 200 {
				t.Errorf("%s: saving the draft got %d %s, want 200", c.name, r.status, r.body)
			}
			r = e.admin("POST", "/api/v1/admin/sites/demo/publish")
		}
		if r.status != 400 || !strings.Contains(string(r.body), `"dark_pattern"`) || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: got %d %s, want 400 dark_pattern mentioning %q", c.name, r.status, r.body, c.want)
		}
	}
	if r := e.do("GET", "/api/v1/sites/demo/config", ""); r.json(t)["version"] != e.version {
		t.Errorf("a refused publish changed the served config: %s", r.body)
	}
	body, _ := json.Marshal(map[string]any{"name": "Demo", "origins": []string{origin}, "draft": site.Draft})
	if r := e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...); r.status != 200 {
		t.Errorf("clean draft: got %d %s, want 200", r.status, r.body)
	}
}

func en(d map[string]any) map[string]any { return d["texts"].(map[string]any)["en"].(map[string]any) }

func TestAdminPublishKeepsVersions(t *testing.T) {
	e := newEnv(t, 0)
	var site struct {
		Draft    map[string]any `json:"draft"`
		Current  string
		Versions []struct{ ID string }
	}
	json.Unmarshal(e.admin("GET", "/api/v1/admin/sites/demo").body, &site)
	site.Draft["lifetime_days"] = 90
	body, _ := json.Marshal(map[string]any{"name": "Demo", "origins": []string{origin}, "draft": site.Draft})
	e.do("PUT", "/api/v1/admin/sites/demo", string(body), append(bearer, "Content-Type", "application/json")...)
	r := e.admin("POST", "/api/v1/admin/sites/demo/publish")
	json.Unmarshal(r.body, &site)
	if r.status != 200 || len(site.Versions) != 2 || site.Current == e.version || site.Versions[1].ID != site.Current {
		t.Fatalf("publish: got %d, current %s, %d versions; want a new current version after the first", r.status, site.Current, len(site.Versions))
	}
	old := e.admin("GET", "/api/v1/admin/sites/demo/versions/"+e.version)
	if old.status != 200 || old.json(t)["lifetime_days"].(float64) != 182 || old.json(t)["version"] != e.version {
		t.Errorf("old version: got %d %s, want the first config unchanged", old.status, old.body)
	}
}

func TestAdminInsightsFillEveryDay(t *testing.T) {
	e := newEnv(t, 0)
	for _, v := range []string{allOn, allOff, mixed} {
		action := map[string]string{allOn: "accept_all", allOff: "reject_all", mixed: "custom"}[v]
		if r := e.do("POST", "/api/v1/consents", e.decision(uuid.NewString(), action, v), "Origin", origin); r.status != 201 {
			t.Fatalf("decision: got %d %s", r.status, r.body)
		}
	}
	r := e.admin("GET", "/api/v1/admin/sites/demo/insights?from=2026-11-16&to=2026-11-22")
	var ins struct {
		Days   []store.DayStats
		Totals store.DayStats
	}
	json.Unmarshal(r.body, &ins)
	if r.status != 200 || len(ins.Days) != 7 || ins.Days[6].Day != "2026-11-22" || ins.Days[0].Decisions != 0 {
		t.Fatalf("got %d, %d days; want 200 and 7 days ending 2026-11-22", r.status, len(ins.Days))
	}
	if ins.Totals.Decisions != 3 || ins.Totals.Granted["analytics"] != 2 || ins.Totals.Actions["reject_all"] != 1 {
		t.Errorf("totals %+v: want 3 decisions, analytics granted twice, one reject_all", ins.Totals)
	}
	if r := e.admin("GET", "/api/v1/admin/sites/demo/insights?from=2020-01-01&to=2026-11-22"); r.status != 400 {
		t.Errorf("range over the cap: got %d, want 400", r.status)
	}
	// Only an end: the 30 days up to it, however long ago.
	e.advance(90 * 24 * time.Hour)
	r = e.admin("GET", "/api/v1/admin/sites/demo/insights?to=2026-11-22")
	ins.Days = nil
	json.Unmarshal(r.body, &ins)
	if r.status != 200 || len(ins.Days) != 30 || ins.Days[0].Day != "2026-10-24" || ins.Totals.Decisions != 3 {
		t.Errorf("?to= alone, 90 days later: %d, %d days from %v, %d decisions; want 30 days from 2026-10-24 with the 3", r.status, len(ins.Days), ins.Days, ins.Totals.Decisions)
	}
}

// TestAdminConsentSearchCountsLongChains: a search shows the newest
// receipts of a long chain but counts them all, so the erase dialog can say
// exactly how many receipts an erasure removes (and it removes that many).
func TestAdminConsentSearchCountsLongChains(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	const n = 104
	var first string
	for i := range n {
		d := e.decision(v, "accept_all", allOn)
		if i%2 == 1 {
			d = e.decision(v, "withdraw", allOff)
		}
		r := e.do("POST", "/api/v1/consents", d, "Origin", origin)
		if r.status != 201 {
			t.Fatalf("decision %d: %d %s", i, r.status, r.body)
		}
		if i == 0 {
			first = r.json(t)["id"].(string)
		}
		e.advance(time.Second)
	}
	type result struct {
		Receipts []struct{ ID string }
		Total    int
		Gap      bool
	}
	var res result
	if r := e.admin("GET", "/api/v1/admin/consents?q="+v); r.status != 200 || json.Unmarshal(r.body, &res) != nil {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	if len(res.Receipts) != 100 || res.Total != n || res.Gap {
		t.Fatalf("search shows %d receipts of %d (gap %v), want 100 of %d", len(res.Receipts), res.Total, res.Gap, n)
	}
	// A receipt older than those shown is shown too, last, after a gap:
	// never another receipt in its place.
	var old result
	if r := e.admin("GET", "/api/v1/admin/consents?q="+first); r.status != 200 || json.Unmarshal(r.body, &old) != nil {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	if k := len(old.Receipts); k != 101 || old.Receipts[k-1].ID != first || old.Receipts[0].ID != res.Receipts[0].ID || !old.Gap || old.Total != n {
		t.Fatalf("search for the first receipt: %d receipts (gap %v, total %d), want the newest 100, then it", k, old.Gap, old.Total)
	}
	var erased struct{ Erased int }
	if r := e.admin("POST", "/api/v1/admin/sites/demo/visitors/"+v+"/erase"); r.status != 200 || json.Unmarshal(r.body, &erased) != nil || erased.Erased != res.Total {
		t.Fatalf("erase: %d %s, want %d receipts erased", r.status, r.body, res.Total)
	}
}

func TestAdminConsentSearchVerifiesTheChain(t *testing.T) {
	e := newEnv(t, 0)
	v := uuid.NewString()
	var ids []string
	for _, d := range []string{e.decision(v, "accept_all", allOn), e.decision(v, "withdraw", allOff)} {
		r := e.do("POST", "/api/v1/consents", d, "Origin", origin)
		ids = append(ids, r.json(t)["id"].(string))
		e.advance(time.Minute)
	}
	for _, q := range []string{ids[0], v} {
		r := e.admin("GET", "/api/v1/admin/consents?q="+q)
		var res struct {
			Match    string
			Receipts []struct {
				ID       string
				Verified bool
				Claims   map[string]any
			}
			Configs map[string]any
			Total   int
		}
		json.Unmarshal(r.body, &res)
		if res.Total != 2 {
			t.Errorf("q=%s: total %d, want 2", q, res.Total)
		}
		got := []string{}
		for _, x := range res.Receipts {
			if !x.Verified {
				t.Errorf("q=%s: receipt %s not verified", q, x.ID)
			}
			got = append(got, x.ID)
		}
		if r.status != 200 || !slices.Equal(got, []string{ids[1], ids[0]}) || res.Configs[e.version] == nil {
			t.Errorf("q=%s: got %d %v, want the chain newest first with its config", q, r.status, got)
		}
	}
	if r := e.admin("GET", "/api/v1/admin/consents?q="+uuid.NewString()); r.status != 404 {
		t.Errorf("unknown id: got %d, want 404", r.status)
	}
}
