package snippet

import (
	"bytes"
	"testing"
)

func TestBuildLeavesTheBarOutOfTheBox(t *testing.T) {
	b, err := Build(Files)
	if err != nil {
		t.Fatal(err)
	}
	// A declaration only src/bar.css has, as esbuild minifies it.
	bar := []byte("padding:1rem max(1.25rem,calc(50% - 36rem))")
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
