package jsbuild_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/assent/assent/internal/jsbuild"
)

func TestBundleResolvesEmbeddedImports(t *testing.T) {
	fsys := fstest.MapFS{
		"src/main.ts":   {Data: []byte(`import { twice } from "./lib"; import css from "./b.css"; (window as any).out = twice(21) + css.length;`)},
		"src/lib.ts":    {Data: []byte(`export function twice(n: number): number { return n * 2 }`)},
		"src/b.css":     {Data: []byte("/* why */\n.x {\n  color: red;\n}\n")},
		"src/broken.ts": {Data: []byte(`import "./missing";`)},
	}
	out, err := jsbuild.Bundle(fsys, "src/main.ts", jsbuild.Options{Minify: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `".x{color:red}"`) || strings.Contains(s, "number") {
		t.Errorf("bundle lacks the minified CSS text or kept TS types: %s", s)
	}
	if _, err := jsbuild.Bundle(fsys, "src/broken.ts", jsbuild.Options{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("got %v, want an error naming the missing import", err)
	}
}
