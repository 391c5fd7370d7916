// Package jsbuild bundles the TypeScript embedded in the binary with
// esbuild's Go API, so serving the snippet or dashboard needs no Node and
// nothing generated is committed. It is the only package importing esbuild.
package jsbuild

import (
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Options tune a bundle.
type Options struct {
	Minify bool
	Target api.Target        // default ES2019: every browser still in use with Shadow DOM
	Define map[string]string // identifiers replaced by constant expressions
	Module bool              // an ES module (its exports kept) rather than an IIFE
}

// Bundle builds entry (a path inside fsys) and its imports into one IIFE,
// or one ES module.
// Imports resolve inside fsys only; .css files import as text (minified
// with the rest).
func Bundle(fsys fs.FS, entry string, o Options) ([]byte, error) {
	if o.Target == 0 {
		o.Target = api.ES2019
	}
	format := api.FormatIIFE
	if o.Module {
		format = api.FormatESModule
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{entry},
		Bundle:            true,
		Write:             false,
		Format:            format,
		Target:            o.Target,
		Define:            o.Define,
		MinifyWhitespace:  o.Minify,
		MinifyIdentifiers: o.Minify,
		MinifySyntax:      o.Minify,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Loader:            map[string]api.Loader{".css": api.LoaderText, ".ts": api.LoaderTS},
		Plugins:           []api.Plugin{embedPlugin(fsys, o.Minify)},
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, len(res.Errors))
		for i, m := range res.Errors {
			loc := ""
			if m.Location != nil {
				loc = m.Location.File + ":" + strconv.Itoa(m.Location.Line) + ": "
			}
			msgs[i] = loc + m.Text
		}
		return nil, errors.New("jsbuild: " + strings.Join(msgs, "; "))
	}
	if len(res.OutputFiles) != 1 {
		return nil, errors.New("jsbuild: expected one output file")
	}
	return res.OutputFiles[0].Contents, nil
}

func embedPlugin(fsys fs.FS, minify bool) api.Plugin {
	return api.Plugin{Name: "embed", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if a.Importer != "" && strings.HasPrefix(p, ".") {
				p = path.Join(path.Dir(a.Importer), p)
			}
			p = path.Clean(strings.TrimPrefix(p, "/"))
			for _, cand := range []string{p, p + ".ts", p + "/index.ts"} {
				if fi, err := fs.Stat(fsys, cand); err == nil && !fi.IsDir() {
					return api.OnResolveResult{Path: cand, Namespace: "embed"}, nil
				}
			}
			return api.OnResolveResult{}, errors.New("cannot resolve " + a.Path + " (only files embedded in the binary can be imported)")
		})
		b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "embed"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src, err := fs.ReadFile(fsys, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(src)
			loader := api.LoaderTS
			if strings.HasSuffix(a.Path, ".css") {
				loader = api.LoaderText
				if minify {
					r := api.Transform(s, api.TransformOptions{Loader: api.LoaderCSS, MinifyWhitespace: true, MinifySyntax: true, Sourcefile: a.Path})
					if len(r.Errors) > 0 {
						return api.OnLoadResult{}, errors.New(a.Path + ": " + r.Errors[0].Text)
					}
					s = strings.TrimSpace(string(r.Code))
				}
			}
			return api.OnLoadResult{Contents: &s, Loader: loader}, nil
		})
	}}
}
