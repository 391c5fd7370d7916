package main

import (
	"io/fs"

	"github.com/assent/assent/dashboard"
	"github.com/assent/assent/internal/api"
	"github.com/assent/assent/internal/jsbuild"
)

// buildDashboard bundles the dashboard's scripts and reads its style sheets,
// all from the sources embedded in the binary.
func buildDashboard() (api.Dashboard, error) {
	out := api.Dashboard{}
	for name, entry := range dashboard.Scripts {
		b, err := jsbuild.Bundle(dashboard.Files, entry, jsbuild.Options{Minify: true})
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	for name, path := range dashboard.Styles {
		b, err := fs.ReadFile(dashboard.Files, path)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}
