package snippet

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strconv"

	"github.com/assent/assent/internal/jsbuild"
)

// Bundles are the banner built from the sources in fsys (Files, or a
// checkout's snippet folder): Full for every layout (the dashboard's
// preview, and sites with the bar), Box without the bar's CSS for sites
// with the box, the default, so they do not download rules they never use.
// Tags is the code that loads blocked tags, an ES module the banner
// imports from TagsPath (named by its hash, so it can be cached for good)
// once something is granted: a first visit does without it.
type Bundles struct {
	Full, Box, Tags []byte
	TagsPath        string
}

// Build bundles and minifies all three.
func Build(fsys fs.FS) (Bundles, error) {
	var b Bundles
	var err error
	if b.Tags, err = jsbuild.Bundle(fsys, TagsEntry, jsbuild.Options{Minify: true, Module: true}); err != nil {
		return Bundles{}, err
	}
	sum := sha256.Sum256(b.Tags)
	b.TagsPath = "/s/t/" + hex.EncodeToString(sum[:8]) + ".js"
	for _, v := range []struct {
		out *[]byte
		box string
	}{{&b.Full, "false"}, {&b.Box, "true"}} {
		*v.out, err = jsbuild.Bundle(fsys, Entry, jsbuild.Options{Minify: true,
			Define: map[string]string{"ASSENT_BOX_ONLY": v.box, "ASSENT_TAGS": strconv.Quote(b.TagsPath)}})
		if err != nil {
			return Bundles{}, err
		}
	}
	return b, nil
}
