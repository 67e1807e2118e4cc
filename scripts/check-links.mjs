#!/usr/bin/env node
/**
 * Every relative link in README.md and docs/**\/*.md resolves: the file (or folder) it names exists,
 * and its #anchor is a heading of that file, slugged the way GitHub slugs headings. Links with a
 * scheme (https:, mailto:) are not fetched; code blocks and code spans are not links.
 *
 *   node scripts/check-links.mjs [root]     exits 1 and names each broken link
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The text GitHub renders for a heading's markdown: code, links, images, emphasis and tags unwrapped. */
function headingText(markdown) {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__|\*)(.+?)\1/g, "$2")
    .replace(/(^|[^\p{L}\p{N}])_(.+?)_(?=$|[^\p{L}\p{N}])/gu, "$1$2");
}

/** GitHub's heading anchor: lower case, punctuation dropped (not - or _), each space a hyphen. */
export function slug(heading) {
  return headingText(heading)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const lines = [];
  let fence = null;
  text.split("\n").forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      return;
    }
    if (fence === null) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/** The anchors a markdown file offers: heading slugs (repeats get -1, -2…) and explicit id/name attributes. */
export function anchorsOf(text) {
  const anchors = new Set();
  const seen = new Map();
  for (const { line } of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  }
  return anchors;
}

/** The link targets written in a markdown file: inline links, images and reference definitions. */
export function linksOf(text) {
  const links = [];
  for (const { line, number } of proseLines(text)) {
    const prose = line.replace(/(`+)[^`]*?\1/g, "");
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: match[1], line: number });
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(prose);
    if (definition) links.push({ target: definition[1], line: number });
  }
  return links;
}

/**
 * Repository paths named in inline code (`src/inbound/route.ts`): the code map and the reference
 * point at files by name, and a file that moved must take its mentions along.
 */
export function codePathsOf(text) {
  const paths = [];
  for (const { line, number } of proseLines(text)) {
    for (const match of line.matchAll(/`((?:src|test|scripts|bench|migrations)\/[\w./-]+\.(?:ts|tsx|mjs|js|sql|md))`/g)) paths.push({ target: match[1], line: number });
  }
  return paths;
}

const isExternal = (target) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

function markdownFiles(root) {
  const files = [];
  if (existsSync(path.join(root, "README.md"))) files.push("README.md");
  const walk = (folder) => {
    if (!existsSync(path.join(root, folder))) return;
    for (const entry of readdirSync(path.join(root, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith(".md")) files.push(relative);
    }
  };
  walk("docs");
  return files.sort();
}

/** Every broken relative link under root, as { file, line, target, problem }. */
export function checkLinks(root, files = markdownFiles(root)) {
  const anchorCache = new Map();
  const anchors = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, "utf8")));
    return anchorCache.get(file);
  };
  const problems = [];
  for (const file of files) {
    const source = path.join(root, file);
    for (const { target, line } of linksOf(readFileSync(source, "utf8"))) {
      if (isExternal(target)) continue;
      const [rawPath, anchor] = target.split("#", 2);
      const linkedPath = decodeURIComponent(rawPath);
      const linked = linkedPath === "" ? source : path.resolve(path.dirname(source), linkedPath);
      const report = (problem) => problems.push({ file, line, target, problem });
      if (!linked.startsWith(path.resolve(root))) report("points outside the repository");
      else if (!existsSync(linked)) report(`no such file: ${path.relative(root, linked)}`);
      else if (anchor !== undefined && anchor !== "" && statSync(linked).isFile() && linked.endsWith(".md") && !anchors(linked).has(decodeURIComponent(anchor))) {
        report(`no heading #${anchor} in ${path.relative(root, linked)}`);
      }
    }
    for (const { target, line } of codePathsOf(readFileSync(source, "utf8"))) {
      if (!existsSync(path.join(root, target))) problems.push({ file, line, target, problem: `no such file in the repository: ${target}` });
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, ".."));
  const problems = checkLinks(root);
  for (const { file, line, target, problem } of problems) console.error(`${file}:${line}: ${target}: ${problem}`);
  if (problems.length > 0) {
    console.error(`${problems.length} broken link${problems.length === 1 ? "" : "s"}`);
    process.exit(1);
  }
  console.log("links: every relative link, anchor and named source file resolves");
}
