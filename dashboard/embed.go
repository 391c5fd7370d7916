// Package dashboard embeds the web UI's TypeScript and CSS. The server
// bundles them with esbuild at start-up (see internal/jsbuild and
// server/dashboard.go), so nothing generated is committed.
package dashboard

import "embed"

// Files holds the sources.
//
//go:embed src
var Files embed.FS

// Entry points and style sheets inside Files, by the name the server serves
// them under.
var (
	Scripts = map[string]string{"app.js": "src/app.ts", "preview.js": "src/preview.ts"}
	Styles  = map[string]string{"app.css": "src/app.css", "preview.css": "src/preview.css"}
)
