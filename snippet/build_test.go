package snippet

import (
	"bytes"
	"strings"
	"testing"
)

func TestBuildLeavesTheBarOutOfTheBox(t *testing.T) {
	b, err := Build(Files)
	if err != nil {
		t.Fatal(err)
	}
	// A declaration only src/bar.css has, as esbuild minifies it.
	bar := []byte("padding:1em max(1.25em,calc(50% - 36em))")
	if !bytes.Contains(b.Full, bar) {
		t.Errorf("the full bundle lacks the bar layout's CSS")
	}
	if bytes.Contains(b.Box, bar) || bytes.Contains(b.Box, []byte("ASSENT_BOX_ONLY")) {
		t.Errorf("the box bundle has the bar layout's CSS or the build flag")
	}
	if len(b.Box) >= len(b.Full) {
		t.Errorf("box bundle %d bytes, full %d: want it smaller", len(b.Box), len(b.Full))
	}
}

// The code that loads blocked tags is left out of the banner, which names
// the module holding it by its hash.
func TestBuildKeepsTagCodeInItsModule(t *testing.T) {
	b, err := Build(Files)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"full": b.Full, "box": b.Box} {
		if bytes.Contains(out, []byte("MutationObserver")) || !bytes.Contains(out, []byte(`"`+b.TagsPath+`"`)) {
			t.Errorf("the %s bundle holds the tag code, or does not name %s", name, b.TagsPath)
		}
	}
	if !bytes.Contains(b.Tags, []byte("MutationObserver")) || !bytes.Contains(b.Tags, []byte("run}")) {
		t.Errorf("the tags module lacks its code or its export: %.200s", b.Tags)
	}
	again, _ := Build(Files)
	if again.TagsPath != b.TagsPath || len(b.TagsPath) != len("/s/t/")+16+len(".js") {
		t.Errorf("tags path %q, then %q: want one 16-digit hash", b.TagsPath, again.TagsPath)
	}
}

// The banner's style sheet opens with the host's rule: theme() in ui.ts
// cuts ":host{" off it to put the site's colours into that rule.
func TestBannerCSSOpensWithTheHost(t *testing.T) {
	src, err := Files.ReadFile("src/banner.css")
	if err != nil {
		t.Fatal(err)
	}
	rest := string(src)
	for {
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "/*") {
			break
		}
		_, rest, _ = strings.Cut(rest, "*/")
	}
	if !strings.HasPrefix(rest, ":host{") {
		t.Errorf("src/banner.css opens with %.20q, want its :host{ rule first", rest)
	}
}
