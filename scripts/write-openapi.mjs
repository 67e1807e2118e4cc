#!/usr/bin/env node
/**
 * Writes the OpenAPI document the Worker serves at GET /api/openapi.json to a file, so that
 * `redocly lint` checks exactly what clients get, without a running Worker or a Cloudflare account:
 * esbuild bundles the real app for Node and the document is asked of it over its own route.
 *
 *   node scripts/write-openapi.mjs [out-file]     (default: test-output/openapi.json)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const out = path.resolve(process.argv[2] ?? path.join(root, "test-output", "openapi.json"));

const scratch = await mkdtemp(path.join(tmpdir(), "openapi-"));
try {
  const bundle = path.join(scratch, "app.mjs");
  await build({
    stdin: { contents: 'export { createApp } from "./src/app";', resolveDir: root, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: bundle,
    tsconfig: path.join(root, "tsconfig.json"),
    // The document fonts (src/documents/render/fonts.ts) are bytes; wrangler's Data rule does the same in the Worker.
    loader: { ".ttf": "binary" },
    logLevel: "warning",
  });
  const { createApp } = await import(pathToFileURL(bundle).href);
  // The document needs no binding; these only get past the configuration check every request makes.
  const env = { DB: {}, ARCHIVE: {}, ORDER_QUEUE: {}, ADMIN_TOKEN: "openapi-writer-token" };
  const response = await createApp().request("/api/openapi.json", {}, env);
  if (response.status !== 200) throw new Error(`GET /api/openapi.json answered ${response.status}: ${await response.text()}`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(await response.json(), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
