/** A TrueType font, bundled as bytes (wrangler.toml `rules`: `*.ttf` are Data modules). */
declare module "*.ttf" {
  const bytes: ArrayBuffer;
  export default bytes;
}
