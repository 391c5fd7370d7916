// Set by the build (see snippet.Build): true in the bundle served to sites
// with the box layout, which then leaves out the bar layout's CSS.
declare const ASSENT_BOX_ONLY: boolean;

// esbuild imports .css files as text (see internal/jsbuild).
declare module "*.css" {
  const text: string;
  export default text;
}

// Set by the build: the path of the module that loads blocked tags
// (src/tags.ts), named by its hash.
declare const ASSENT_TAGS: string;
