// Package snippet embeds the banner's TypeScript sources. The server bundles
// them with esbuild at start-up (see internal/jsbuild).
package snippet

import "embed"

// Files holds the sources; Entry is the bundle's entry point within it.
//
//go:embed src
var Files embed.FS

// Entry is the path of the entry point inside Files.
const Entry = "src/main.ts"

// TagsEntry is the entry point of the code that loads blocked tags, a
// module of its own (see Bundles).
const TagsEntry = "src/tags.ts"
