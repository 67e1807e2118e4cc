#!/usr/bin/env node
/**
 * npm run setup:cloudflare — creates in your Cloudflare account what wrangler.toml binds and is not
 * there yet (the D1 database, every queue including the dead-letter queue, any R2 bucket), then
 * writes the D1 database_id into wrangler.toml. Safe to run again: it only creates what is missing.
 *
 *   npm run setup:cloudflare                 (after `npx wrangler login`)
 *   npm run setup:cloudflare -- --dry-run    print what it would run and change, run nothing
 *
 * The planning is pure (wrangler.toml text + what the account holds → commands and new toml text)
 * so it is tested without an account: scripts/setup-cloudflare.test.mjs.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** wrangler's placeholder-free check: an id of zeros is the committed placeholder, not a database. */
const isPlaceholder = (id) => !id || /^[0-]+$/.test(id);

/**
 * The top-level bindings of a wrangler.toml that name account resources. A small reader, not a TOML
 * parser: `[[table]]` headers and `key = "string"` pairs, which is all wrangler.toml uses for them.
 */
export function bindingsOf(toml) {
  const tables = [];
  let current = null;
  for (const line of toml.split("\n")) {
    const header = /^\s*(\[\[?)\s*([\w.-]+)\s*\]\]?/.exec(line);
    if (header) {
      current = { name: header[2], array: header[1] === "[[", values: {} };
      tables.push(current);
      continue;
    }
    const pair = /^\s*([\w-]+)\s*=\s*"([^"]*)"/.exec(line);
    if (pair && current) current.values[pair[1]] = pair[2];
  }
  const all = (name) => tables.filter((table) => table.array && table.name === name).map((table) => table.values);
  const queues = [...all("queues.producers").map((p) => p.queue), ...all("queues.consumers").flatMap((c) => [c.queue, c.dead_letter_queue])];
  return {
    databases: all("d1_databases").map((d) => ({ binding: d.binding, name: d.database_name, id: d.database_id })),
    queues: [...new Set(queues.filter(Boolean))],
    buckets: [...new Set(all("r2_buckets").map((b) => b.bucket_name).filter(Boolean))],
  };
}

/** Sets database_id in the [[d1_databases]] block whose database_name is `name`, keeping every comment. */
export function withDatabaseId(toml, name, id) {
  const blocks = toml.split(/(?=^\s*\[)/m);
  return blocks
    .map((block) => {
      if (!/^\s*\[\[\s*d1_databases\s*\]\]/.test(block)) return block;
      const named = new RegExp(`^\\s*database_name\\s*=\\s*"${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`, "m");
      if (!named.test(block)) return block;
      if (/^\s*database_id\s*=/m.test(block)) return block.replace(/^(\s*database_id\s*=\s*)"[^"]*"/m, `$1"${id}"`);
      return block.replace(named, (line) => `${line}\ndatabase_id = "${id}"`);
    })
    .join("");
}

/**
 * What to run and what wrangler.toml becomes, given what the account holds:
 * `account` = { databases: [{ name, uuid }], queues: [name], buckets: [name] }.
 * A database that has to be created has no id yet: plan again after creating it.
 */
export function plan(toml, account) {
  const wanted = bindingsOf(toml);
  const commands = [];
  let next = toml;
  for (const database of wanted.databases) {
    const existing = account.databases.find((candidate) => candidate.name === database.name);
    if (!existing) commands.push(["wrangler", "d1", "create", database.name]);
    else if (database.id !== existing.uuid) next = withDatabaseId(next, database.name, existing.uuid);
  }
  for (const queue of wanted.queues) if (!account.queues.includes(queue)) commands.push(["wrangler", "queues", "create", queue]);
  for (const bucket of wanted.buckets) if (!account.buckets.includes(bucket)) commands.push(["wrangler", "r2", "bucket", "create", bucket]);
  const unresolved = bindingsOf(next)
    .databases.filter((database) => isPlaceholder(database.id))
    .map((database) => database.name);
  return { commands, toml: next, unresolved };
}

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

/** `wrangler d1 list --json`: an array of databases. */
export function parseDatabaseList(output) {
  const text = stripAnsi(output);
  const start = text.indexOf("[");
  const end = text.lastIndexOf("]");
  if (start === -1 || end < start) throw new Error(`Could not read the D1 list:\n${output}`);
  return JSON.parse(text.slice(start, end + 1)).map((database) => ({ name: database.name, uuid: database.uuid }));
}

/** `wrangler queues list`: a table whose header row has a `name` column. */
export function parseQueueList(output) {
  const rows = stripAnsi(output)
    .split("\n")
    .filter((line) => line.trim().startsWith("│"))
    .map((line) => line.split("│").slice(1, -1).map((cell) => cell.trim()));
  if (rows.length === 0) return [];
  const column = rows[0].indexOf("name");
  if (column === -1) throw new Error(`Could not read the queue list:\n${output}`);
  return rows.slice(1).map((row) => row[column]).filter(Boolean);
}

/** `wrangler r2 bucket list`: blocks of `name: …` / `creation_date: …` lines. */
export function parseBucketList(output) {
  return [...stripAnsi(output).matchAll(/^name:\s+(\S+)/gm)].map((match) => match[1]);
}

const shown = (command) => `npx ${command.join(" ")}`;

function wrangler(args, { capture }) {
  const result = spawnSync("npx", ["wrangler", ...args], { stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit", encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${shown(["wrangler", ...args])} failed (exit ${result.status ?? result.signal})`);
  return result.stdout ?? "";
}

function readAccount(bindings) {
  return {
    databases: bindings.databases.length > 0 ? parseDatabaseList(wrangler(["d1", "list", "--json"], { capture: true })) : [],
    queues: bindings.queues.length > 0 ? parseQueueList(wrangler(["queues", "list"], { capture: true })) : [],
    buckets: bindings.buckets.length > 0 ? parseBucketList(wrangler(["r2", "bucket", "list"], { capture: true })) : [],
  };
}

function main() {
  const dryRun = process.argv.includes("--dry-run");
  const file = path.join(import.meta.dirname, "..", "wrangler.toml");
  const toml = readFileSync(file, "utf8");
  const bindings = bindingsOf(toml);
  let account = readAccount(bindings);
  let planned = plan(toml, account);

  if (planned.commands.length === 0) console.log("Everything wrangler.toml binds exists in the account.");
  for (const command of planned.commands) {
    console.log(`${dryRun ? "would run" : "running"}: ${shown(command)}`);
    if (!dryRun) wrangler(command.slice(1), { capture: false });
  }
  if (!dryRun && planned.commands.some((command) => command[1] === "d1")) {
    account = { ...account, databases: parseDatabaseList(wrangler(["d1", "list", "--json"], { capture: true })) };
    planned = plan(toml, account);
  }
  if (planned.toml !== toml) {
    if (!dryRun) writeFileSync(file, planned.toml);
    console.log(`${dryRun ? "would write" : "wrote"} the D1 database_id into wrangler.toml`);
  }
  if (!dryRun && planned.unresolved.length > 0) throw new Error(`No database_id for ${planned.unresolved.join(", ")}: is it in this account?`);
  console.log(
    [
      "",
      "Next, once:",
      "  npx wrangler secret put ADMIN_TOKEN      # at least 16 characters",
      "  npx wrangler secret put SETTINGS_KEY     # 32 random bytes, base64 (openssl rand -base64 32)",
      "  npx wrangler d1 migrations apply DB --remote",
      "  npm run deploy",
    ].join("\n"),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
