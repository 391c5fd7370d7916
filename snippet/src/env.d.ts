// esbuild imports .css files as text (see internal/jsbuild).
declare module "*.css" {
  const text: string;
  export default text;
}
