package snippet

import (
	"io/fs"

	"github.com/assent/assent/internal/jsbuild"
)

// Bundles are the banner built from the sources in fsys (Files, or a
// checkout's snippet folder): Full for every layout (the dashboard's
// preview, and sites with the bar), Box without the bar's CSS for sites
// with the box, the default, so they do not download rules they never use.
type Bundles struct{ Full, Box []byte }

// Build bundles and minifies both.
func Build(fsys fs.FS) (Bundles, error) {
	var b Bundles
	for _, v := range []struct {
		out *[]byte
		box string
	}{{&b.Full, "false"}, {&b.Box, "true"}} {
		out, err := jsbuild.Bundle(fsys, Entry, jsbuild.Options{Minify: true, Define: map[string]string{"ASSENT_BOX_ONLY": v.box}})
		if err != nil {
			return Bundles{}, err
		}
		*v.out = out
	}
	return b, nil
}
