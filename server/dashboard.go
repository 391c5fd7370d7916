package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/assent/assent/dashboard"
	"github.com/assent/assent/internal/api"
	"github.com/assent/assent/internal/jsbuild"
	"github.com/assent/assent/snippet"
)

// buildDashboard bundles the dashboard's scripts and reads its style sheets
// from fsys: the sources embedded in the binary, or a checkout's (--dev).
func buildDashboard(fsys fs.FS) (api.Dashboard, error) {
	out := api.Dashboard{}
	for name, entry := range dashboard.Scripts {
		b, err := jsbuild.Bundle(fsys, entry, jsbuild.Options{Minify: true})
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	for name, path := range dashboard.Styles {
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// devFrontEnd serves the snippet and the dashboard from a checkout's sources
// (--dev), rebuilding them when a file under snippet/src or dashboard/src
// changed, so front-end work needs no restart. esbuild takes milliseconds.
type devFrontEnd struct {
	dir string

	mu     sync.Mutex
	stamp  string // names, sizes and modification times of the sources
	gen    uint64
	bundle snippet.Bundles
	dash   api.Dashboard
}

func (d *devFrontEnd) Rebuild() (uint64, snippet.Bundles, api.Dashboard, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	snip, dash := os.DirFS(filepath.Join(d.dir, "snippet")), os.DirFS(filepath.Join(d.dir, "dashboard"))
	stamp, err := sourcesStamp(snip, dash)
	if err != nil {
		return 0, snippet.Bundles{}, nil, err
	}
	if stamp == d.stamp {
		return d.gen, d.bundle, d.dash, nil
	}
	bundle, err := snippet.Build(snip)
	if err != nil {
		return 0, snippet.Bundles{}, nil, fmt.Errorf("snippet: %w", err)
	}
	built, err := buildDashboard(dash)
	if err != nil {
		return 0, snippet.Bundles{}, nil, fmt.Errorf("dashboard: %w", err)
	}
	d.stamp, d.bundle, d.dash = stamp, bundle, built
	d.gen++
	return d.gen, d.bundle, d.dash, nil
}

func sourcesStamp(roots ...fs.FS) (string, error) {
	var b strings.Builder
	for _, root := range roots {
		err := fs.WalkDir(root, "src", func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}
