import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { bindingsOf, parseBucketList, parseDatabaseList, parseQueueList, plan } from "./setup-cloudflare.mjs";

const projectToml = readFileSync(path.join(import.meta.dirname, "..", "wrangler.toml"), "utf8");
const emptyAccount = { databases: [], queues: [], buckets: [] };

test("the project's wrangler.toml binds one D1 database, the queues (the dead-letter queue included) and the R2 archive", () => {
  assert.deepEqual(bindingsOf(projectToml), {
    databases: [{ binding: "DB", name: "sales-inbox", id: "00000000-0000-0000-0000-000000000000" }],
    queues: ["sales-inbox-orders", "sales-inbox-orders-dlq"],
    buckets: ["sales-inbox-archive"],
  });
});

test("an empty account gets the database, every queue and the archive bucket; the id waits for the database", () => {
  const planned = plan(projectToml, emptyAccount);
  assert.deepEqual(planned.commands, [
    ["wrangler", "d1", "create", "sales-inbox"],
    ["wrangler", "queues", "create", "sales-inbox-orders"],
    ["wrangler", "queues", "create", "sales-inbox-orders-dlq"],
    ["wrangler", "r2", "bucket", "create", "sales-inbox-archive"],
  ]);
  assert.equal(planned.toml, projectToml);
  assert.deepEqual(planned.unresolved, ["sales-inbox"]);
});

test("once the database exists its id is written into wrangler.toml, comments kept, and nothing is created twice", () => {
  const uuid = "5f0c3d2e-8a1b-4c6d-9e7f-0123456789ab";
  const account = { databases: [{ name: "other", uuid: "x" }, { name: "sales-inbox", uuid }], queues: ["sales-inbox-orders"], buckets: ["sales-inbox-archive"] };
  const planned = plan(projectToml, account);
  assert.deepEqual(planned.commands, [["wrangler", "queues", "create", "sales-inbox-orders-dlq"]]);
  assert.deepEqual(planned.unresolved, []);
  assert.match(planned.toml, new RegExp(`database_name = "sales-inbox"\\n#[^\\n]*\\ndatabase_id = "${uuid}"`));
  assert.equal(planned.toml.replace(uuid, "00000000-0000-0000-0000-000000000000"), projectToml);
  // Run again on what it wrote: nothing left to do.
  const again = plan(planned.toml, { ...account, queues: [...account.queues, "sales-inbox-orders-dlq"] });
  assert.deepEqual(again, { commands: [], toml: planned.toml, unresolved: [] });
});

test("an R2 bucket is created when missing; a database block without an id gets one", () => {
  const toml = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "shop"\n\n[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "shop-files"\n';
  assert.deepEqual(plan(toml, emptyAccount).commands, [
    ["wrangler", "d1", "create", "shop"],
    ["wrangler", "r2", "bucket", "create", "shop-files"],
  ]);
  const planned = plan(toml, { databases: [{ name: "shop", uuid: "abc" }], queues: [], buckets: ["shop-files"] });
  assert.deepEqual(planned.commands, []);
  assert.equal(planned.toml, '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "shop"\ndatabase_id = "abc"\n\n[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "shop-files"\n');
});

test("wrangler's list outputs are read as it prints them", () => {
  assert.deepEqual(parseDatabaseList('[{"uuid":"u1","name":"sales-inbox","created_at":"2026-11-01"}]\n'), [{ name: "sales-inbox", uuid: "u1" }]);
  const queues = [
    "┌────┬────────────────────┬────────────┐",
    "│ id │ name               │ created_on │",
    "├────┼────────────────────┼────────────┤",
    "│ q1 │ sales-inbox-orders │ 2026-11-01 │",
    "├────┼────────────────────┼────────────┤",
    "│ q2 │ \x1b[90mother\x1b[39m              │ 2026-11-02 │",
    "└────┴────────────────────┴────────────┘",
  ].join("\n");
  assert.deepEqual(parseQueueList(queues), ["sales-inbox-orders", "other"]);
  assert.deepEqual(parseQueueList(""), []);
  assert.deepEqual(parseBucketList("Listing buckets...\nname:           shop-files\ncreation_date:  2026-11-01\n\nname:           logs\ncreation_date:  2026-11-02\n"), ["shop-files", "logs"]);
});
