package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDevServesSourcesFromDisk: with --dev the snippet and the dashboard
// come from a checkout's sources and follow edits without a restart; a
// broken source is reported, and fixing it recovers.
func TestDevServesSourcesFromDisk(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"snippet", "dashboard"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join("..", d))); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, "--dev", dir)
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	appJS := func() string {
		t.Helper()
		_, shell := get("/dashboard/")
		src := regexp.MustCompile(`/dashboard/assets/app\.[0-9a-f]+\.js`).FindString(shell)
		if src == "" {
			t.Fatalf("dashboard page names no app script: %.300s", shell)
		}
		status, js := get(src)
		if status != 200 {
			t.Fatalf("GET %s: %d", src, status)
		}
		return js
	}
	appendTo := func(name, text string) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(text)
			f.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	if status, js := get("/s/demo.js"); status != 200 || strings.Contains(js, "dev-marker") {
		t.Fatalf("GET /s/demo.js: %d, marker already there: %v", status, strings.Contains(js, "dev-marker"))
	}
	if strings.Contains(appJS(), "dev-marker") {
		t.Fatal("dashboard has the marker before the edit")
	}
	appendTo("snippet/src/main.ts", "\n(window as any).devMarker = \"dev-marker-snippet\";\n")
	appendTo("dashboard/src/app.ts", "\n(window as any).devMarker = \"dev-marker-dashboard\";\n")
	if _, js := get("/s/demo.js"); !strings.Contains(js, "dev-marker-snippet") {
		t.Error("the snippet did not follow the edit of snippet/src/main.ts")
	}
	if !strings.Contains(appJS(), "dev-marker-dashboard") {
		t.Error("the dashboard did not follow the edit of dashboard/src/app.ts")
	}

	appendTo("snippet/src/main.ts", "\nconst = ;\n")
	if status, body := get("/s/demo.js"); status != 500 || strings.Contains(body, "main.ts") || !strings.Contains(ts.Logs.String(), "main.ts") {
		t.Errorf("broken source: %d %.300s, want 500 with the details (naming main.ts) in the log only", status, body)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "snippet/src/main.ts"))
	os.WriteFile(filepath.Join(dir, "snippet/src/main.ts"), []byte(strings.Replace(string(b), "\nconst = ;\n", "\n", 1)), 0o644)
	if status, js := get("/s/demo.js"); status != 200 || !strings.Contains(js, "dev-marker-snippet") {
		t.Errorf("after the fix: %d", status)
	}
}

// TestDevNeedsACheckout: --dev names a folder holding the sources.
func TestDevNeedsACheckout(t *testing.T) {
	if _, err := Load([]string{"--dev", t.TempDir()}, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "--dev / ASSENT_DEV") {
		t.Fatalf("Load with an empty --dev folder: %v, want an error naming --dev / ASSENT_DEV", err)
	}
}
