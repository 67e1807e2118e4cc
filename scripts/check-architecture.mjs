#!/usr/bin/env node
/**
 * Holds the Worker's layout to what the README's code map promises, on every `npm test`:
 *
 * 1. Imports only run down the layers below (a folder never imports one above it), so there is no
 *    import cycle between folders.
 * 2. SQL is spoken only by the store modules: `prepare(` and drizzle's query builder appear only in
 *    `*-store.ts` files (and in src/db/, which holds the schema and the SQL helpers).
 *
 * It reads the sources as text (no TypeScript needed) and exits non-zero with one line per breach.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Bottom first. A path matches the entry it starts with; entries in one array share a layer and
 * must not import each other (the API and the dashboard both call services, never each other).
 */
export const LAYERS = [
  "src/lib/",
  "src/db/",
  "src/queue/",
  "src/env.ts",
  "src/context.ts",
  "src/people/",
  "src/orders/",
  "src/catalog/",
  "src/company/",
  "src/channels/",
  "src/stock/",
  "src/documents/",
  "src/inbound/",
  "src/jobs/",
  "src/guard/",
  ["src/api/", "src/dashboard/"],
  "src/app.ts",
  "src/index.ts",
];

/** Where SQL may be written: the stores, and the schema with its helpers. */
const SQL_HOMES = [/-store\.ts$/, /^src\/db\//];
/** Calls on a database handle (`db`, `d1`, `DB`) that speak SQL. */
const SQL_CALL = /\b(?:db|d1|DB)\s*\.\s*(?:prepare|select|selectDistinct|insert|update|delete|query\s*\.)\s*\(?/g;
const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;

const matches = (file, prefix) => (prefix.endsWith("/") ? file.startsWith(prefix) : file === prefix);
const layerOf = (file) => LAYERS.findIndex((entry) => [entry].flat().some((prefix) => matches(file, prefix)));
const folderOf = (file) => [LAYERS[layerOf(file)]].flat().find((prefix) => matches(file, prefix));

function sourceFiles(directory) {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

function resolveImport(from, specifier) {
  const base = path.normalize(path.join(path.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one; try the next spelling
    }
  }
  return null;
}

export function checkArchitecture(root) {
  const problems = [];
  const files = sourceFiles(path.join(root, "src")).map((file) => path.relative(root, file).split(path.sep).join("/"));
  for (const file of files) {
    const text = readFileSync(path.join(root, file), "utf8");
    const layer = layerOf(file);
    if (layer < 0) {
      problems.push(`${file}: in no layer; add its folder to LAYERS in scripts/check-architecture.mjs and to the README's code map`);
      continue;
    }
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith(".")) continue;
      const target = resolveImport(path.join(root, file), specifier);
      if (!target) continue;
      const targetFile = path.relative(root, target).split(path.sep).join("/");
      const targetLayer = layerOf(targetFile);
      if (targetLayer > layer) problems.push(`${file}: imports ${targetFile}, which is above it (${folderOf(file)} must not import ${folderOf(targetFile)})`);
      else if (targetLayer === layer && folderOf(targetFile) !== folderOf(file)) {
        problems.push(`${file}: imports ${targetFile}; ${folderOf(file)} and ${folderOf(targetFile)} share a layer and call services instead`);
      }
    }
    if (!SQL_HOMES.some((home) => home.test(file))) {
      for (const match of text.matchAll(SQL_CALL)) {
        const line = text.slice(0, match.index).split("\n").length;
        problems.push(`${file}:${line}: speaks SQL (${match[0].replace(/\s+/g, "")}); move the statement into its table's *-store.ts`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  const problems = checkArchitecture(root);
  if (problems.length > 0) {
    console.error(`architecture: ${problems.length} problem(s)\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    process.exit(1);
  }
  console.log("architecture: imports run down the layers; SQL only in the stores");
}
