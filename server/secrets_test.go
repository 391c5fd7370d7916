package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestSecretsNeverLogged runs the server through first start, sign-in, a
// token, decisions, exports, a failed sign-in and shutdown, then searches
// everything it logged for every secret it handled.
func TestSecretsNeverLogged(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"ASSENT_ADMIN_TOKEN": testToken} // the admin password is generated
	ts := startServerIn(t, data, env, "--rate-limit", "0")
	pwFile, err := os.ReadFile(filepath.Join(data, "initial-admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	password := strings.TrimSpace(string(pwFile))

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	call := func(method, path, body, csrf string) map[string]any {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	call("POST", "/api/v1/admin/session", `{"username":"admin","password":"wrong-`+password+`"}`, "")
	sess := call("POST", "/api/v1/admin/session", `{"username":"admin","password":"`+password+`"}`, "")
	csrf, _ := sess["csrf"].(string)
	tok := call("POST", "/api/v1/admin/tokens", `{"name":"ci","role":"auditor"}`, csrf)
	apiToken, _ := tok["token"].(string)
	if csrf == "" || apiToken == "" {
		t.Fatalf("sign-in or token creation failed: %v %v", sess, tok)
	}
	postDecision(t, ts.URL, uuid.NewString())
	getJSON(t, ts.URL+"/api/v1/admin/sites/demo/evidence", apiToken, nil)
	getJSON(t, ts.URL+"/api/v1/admin/sites/demo/receipts", testToken, nil)
	var session string
	for _, ck := range jar.Cookies(mustURL(t, ts.URL)) {
		if ck.Name == "assent_session" {
			session = ck.Value
		}
	}
	ts.stop()

	secrets := map[string]string{"admin password": password, "admin token": testToken, "API token": apiToken,
		"CSRF token": csrf, "session cookie": session}
	keys, _ := filepath.Glob(filepath.Join(data, "keys", "*"))
	for _, k := range keys {
		b, _ := os.ReadFile(k)
		for _, line := range strings.Split(string(b), "\n") {
			if len(line) > 20 && !strings.HasPrefix(line, "-----") && !strings.Contains(k, "log.key") {
				secrets["key material in "+filepath.Base(k)] = line
			}
		}
		if strings.HasSuffix(k, "log.key") {
			secrets["log signing key"] = strings.SplitN(string(b), "\n", 2)[0]
		}
	}
	logs := ts.Logs.String()
	if !strings.Contains(logs, "initial-admin-password") || !strings.Contains(logs, "assent is running") {
		t.Fatalf("the run logged too little to mean anything:\n%s", logs)
	}
	for name, s := range secrets {
		if s == "" {
			t.Errorf("%s: empty, the test is not checking it", name)
		} else if strings.Contains(logs, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
