#!/usr/bin/env node
/**
 * `npm run test:kill [-- options]`: the crash test of issue 14. Starts the inbox (`npm start`, i.e.
 * wrangler dev with local D1, Queues and Cron) on a fresh state directory, makes a Connect channel
 * whose automation creates, executes and pays an invoice per order, posts signed orders with a few
 * concurrent posters, and at random moments (seeded) SIGKILLs the inbox's whole process group, then
 * restarts it on the same state and resends every order that got no 2xx, as a store would (same
 * body, same external id, a fresh signature). After the last restart it waits until every
 * acknowledged order is processed, then checks:
 *   1. every acknowledged order exists exactly once (by external id);
 *   2. each ended processed, with exactly one document, an executed invoice, and exactly one
 *      payment on that invoice for its total;
 *   3. invoice numbers are unique and gapless within their series;
 *   4. no 5xx answer (and no connection failure) except while the inbox was being killed.
 * Exits 1 with the list of violations; the state directory of a failed run is kept.
 * See docs/operations.md ("The kill test").
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { signatureHeader, signedOrder } from "../bench/orders.mjs";
import { adminApi, groupAlive, logTail, signalGroup, startInbox } from "../bench/server.mjs";

const OPTIONS = {
  orders: { fallback: 300, help: "signed orders to post (each a new external id)" },
  kills: { fallback: 3, help: "SIGKILLs of the whole process group, each followed by a restart on the same state" },
  seed: { fallback: 14, help: "seed of the PRNG that places the kills (run k of --runs uses seed + k - 1)" },
  runs: { fallback: 1, help: "repeat the whole test this many times, each on a fresh state" },
  concurrency: { fallback: 8, help: "concurrent posters (enough to keep the consumer busy when a kill lands)" },
  wait: { fallback: 180, help: "seconds to wait after the last restart for every order to be processed" },
  settle: { fallback: 100, help: "stop waiting early when nothing is pending and nothing changed for this many seconds" },
  "sweep-after": { fallback: 1, help: "SWEEP_AFTER_MINUTES for the inbox (the sweep re-queues orders whose message a kill lost)" },
  "max-kill-delay": { fallback: 2000, help: "a kill fires up to this many ms after its order threshold (so some land while only processing runs)" },
  keep: { fallback: false, help: "keep the state directory of a passing run too" },
  help: { fallback: false, help: "show this help" },
};

const REQUEST_TIMEOUT_MS = 30_000;
const POLL_MS = 2_000;
const CRON_EVERY_MS = 10_000;
const KILL_WAIT_MS = 10_000;
const FINAL_ATTEMPTS = 5;
const EVERY_MINUTE = "* * * * *";

let current = null; // the running inbox, so that a signal or a crash can kill it

function readOptions() {
  const config = Object.fromEntries(Object.entries(OPTIONS).map(([name, { fallback }]) => [name, { type: typeof fallback === "boolean" ? "boolean" : "string" }]));
  const { values } = parseArgs({ options: config, strict: true });
  const options = {};
  for (const [name, { fallback }] of Object.entries(OPTIONS)) {
    const raw = values[name];
    if (typeof fallback === "boolean") options[name] = raw === true;
    else {
      const value = raw === undefined ? fallback : Number(raw);
      const min = name === "kills" || name === "seed" ? 0 : 1;
      if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, not "${raw}"`);
      options[name] = value;
    }
  }
  return options;
}

function usage() {
  const lines = Object.entries(OPTIONS).map(([name, { fallback, help }]) => `  --${name.padEnd(15)} ${help}${typeof fallback === "number" ? ` (default ${fallback})` : ""}`);
  return `Usage: npm run test:kill [-- options]\n\n${lines.join("\n")}`;
}

/** mulberry32: a small seeded PRNG, so that a failing run can be repeated with its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kill i fires once `threshold` orders are acknowledged (or posting has ended), `delayMs` later. */
export function planKills(options, random) {
  const kills = Array.from({ length: options.kills }, () => ({
    threshold: Math.max(1, Math.round(options.orders * (0.1 + 0.9 * random()))),
    delayMs: Math.round(random() * options["max-kill-delay"]),
  }));
  return kills.sort((a, b) => a.threshold - b.threshold);
}

const elapsed = (run) => `${((performance.now() - run.startedAt) / 1000).toFixed(1)} s`;
const log = (run, message) => console.log(`  [${elapsed(run).padStart(7)}] ${message}`);

async function start(run) {
  const begun = performance.now();
  const inbox = await startInbox(run.tmpDir, [`SWEEP_AFTER_MINUTES:${run.options["sweep-after"]}`]);
  inbox.killedAt = null;
  current = inbox;
  run.starts += 1;
  log(run, `inbox ${run.starts === 1 ? "started" : "restarted"} on ${inbox.origin} (pgid ${inbox.pgid}, ${((performance.now() - begun) / 1000).toFixed(1)} s)`);
  return inbox;
}

/** SIGKILL to the whole group (npm, start.mjs, wrangler, workerd, esbuild), then wait until it is gone. */
async function kill(inbox) {
  inbox.killedAt = performance.now();
  signalGroup(inbox.pgid, "SIGKILL");
  const deadline = Date.now() + KILL_WAIT_MS;
  while (groupAlive(inbox.pgid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(inbox.pgid)) throw new Error(`process group ${inbox.pgid} still alive ${KILL_WAIT_MS / 1000} s after SIGKILL`);
  process.off("exit", inbox.killOnExit);
  if (current === inbox) current = null;
}

async function stop(inbox) {
  if (inbox && groupAlive(inbox.pgid)) await kill(inbox);
}

/** One POST of an order to the inbox as it is now: the stored body, signed afresh. */
async function post(run, inbox, order) {
  order.sends += 1;
  run.sends += 1;
  const headers = { "content-type": "application/json", "x-inbox-signature": signatureHeader(order.body, run.channel.secret) };
  try {
    const response = await fetch(`${inbox.origin}${run.channel.path}`, { method: "POST", headers, body: order.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    return { status: response.status, text };
  } catch (error) {
    return { error: error.cause?.code ?? error.cause?.message ?? error.message };
  }
}

/**
 * Posts from run.queue until it is empty or the inbox is killed. A 2xx acknowledges the order; a
 * connection failure or a 5xx puts it back at the front of the queue (a store sends it again); any
 * other answer is a violation and the order is not sent again (a store would not either).
 */
async function poster(run, inbox, { final }) {
  while (run.queue.length > 0 && inbox.killedAt === null) {
    const order = run.queue.shift();
    const result = await post(run, inbox, order);
    const duringKill = inbox.killedAt !== null;
    if (result.status >= 200 && result.status < 300) {
      order.acked = true;
      run.acked += 1;
      continue;
    }
    if (result.error !== undefined || result.status >= 500) {
      const what = result.error !== undefined ? `connection failure (${result.error})` : `${result.status} ${result.text.slice(0, 200)}`;
      if (duringKill) {
        if (result.error !== undefined) run.killFailures += 1;
        else run.killFiveHundreds.push(`${order.externalId}: ${what}`);
      } else {
        run.unexpected.push(`POST ${order.externalId} (send ${order.sends}): ${what}`);
      }
      if (final && !duringKill && order.sends - order.sendsBeforeFinal >= FINAL_ATTEMPTS) {
        run.unexpected.push(`${order.externalId}: gave up after ${FINAL_ATTEMPTS} sends after the last restart`);
        continue;
      }
      run.queue.unshift(order);
      if (!duringKill) await sleep(1000);
      continue;
    }
    run.refused.push(`POST ${order.externalId}: ${result.status} ${result.text.slice(0, 200)}`);
  }
}

/** Posts with the configured concurrency; with a planned kill, SIGKILLs the group at its moment. */
async function segment(run, inbox, plannedKill) {
  const posters = Array.from({ length: run.options.concurrency }, () => poster(run, inbox, { final: !plannedKill }));
  if (!plannedKill) return Promise.all(posters);
  const allPosted = Promise.all(posters).then(() => "posted");
  while (run.acked < plannedKill.threshold) {
    const first = await Promise.race([allPosted, sleep(20).then(() => "tick")]);
    if (first === "posted") break;
  }
  await sleep(plannedKill.delayMs);
  const pending = await pendingCount(inbox).catch(() => "?");
  await kill(inbox);
  run.killLog.push({ acked: run.acked, queued: run.queue.length, delayMs: plannedKill.delayMs, pendingProcessing: pending });
  log(run, `SIGKILL #${run.killLog.length} to the group: ${run.acked}/${run.orders.length} acknowledged, ${pending} awaiting processing (threshold ${plannedKill.threshold} + ${plannedKill.delayMs} ms)`);
  await allPosted;
}

async function createAutomatedChannel(inbox) {
  const created = await adminApi(inbox, "/api/channels", { method: "POST", json: { type: "connect", name: "Kill test" }, expect: 201 });
  await adminApi(inbox, `/api/channels/${created.id}/automation`, { method: "PUT", json: { create: "invoice", execute: true, add_payment: true, only_when_paid: true } });
  // The sample order's only SKU, so that no draft is held for an unknown product.
  await adminApi(inbox, "/api/products", { method: "POST", json: { sku: "SKU-0001", name: "Kill test item" }, expect: 201 });
  return { id: created.id, secret: created.secret, path: new URL(created.uri).pathname };
}

/** Every item of a list endpoint, following next_cursor. */
async function listAll(inbox, pathname) {
  const items = [];
  let cursor = null;
  do {
    const separator = pathname.includes("?") ? "&" : "?";
    const page = await adminApi(inbox, `${pathname}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

async function pendingCount(inbox) {
  return (await listAll(inbox, "/api/orders?processing=pending")).length;
}

/** The minute cron, as start.mjs fires it (wrangler dev runs with --test-scheduled). */
async function fireCron(run, inbox) {
  try {
    const response = await fetch(`${inbox.origin}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(EVERY_MINUTE)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    if (response.status >= 500) run.unexpected.push(`scheduled handler answered ${response.status}: ${text.slice(0, 200)}`);
  } catch (error) {
    run.unexpected.push(`scheduled handler: connection failure (${error.cause?.code ?? error.message})`);
  }
}

/** Polls until every acknowledged order has its executed invoice and payment, nothing changes any more, or time is up. */
async function waitForProcessing(run, inbox) {
  const acked = run.acked;
  const startedAt = performance.now();
  let lastCron = 0;
  let lastChange = performance.now();
  let previous = "";
  let snapshot = null;
  while (performance.now() - startedAt < run.options.wait * 1000) {
    if (performance.now() - lastCron >= CRON_EVERY_MS) {
      lastCron = performance.now();
      await fireCron(run, inbox);
    }
    try {
      const [pending, failed, executed, payments] = await Promise.all([
        pendingCount(inbox),
        listAll(inbox, "/api/orders?processing=failed").then((items) => items.length),
        listAll(inbox, `/api/documents?channel_id=${run.channel.id}&type=invoice&status=executed`).then((items) => items.length),
        listAll(inbox, `/api/payments?kind=payment`).then((items) => items.length),
      ]);
      snapshot = { pending, failed, executed, payments };
    } catch (error) {
      run.unexpected.push(`polling the admin API: ${error.message.slice(0, 200)}`);
      await sleep(POLL_MS);
      continue;
    }
    const key = JSON.stringify(snapshot);
    if (key !== previous) {
      previous = key;
      lastChange = performance.now();
      log(run, `waiting: ${snapshot.pending} pending, ${snapshot.failed} failed, ${snapshot.executed}/${acked} invoices executed, ${snapshot.payments}/${acked} payments`);
    }
    if (snapshot.pending === 0 && snapshot.executed >= acked && snapshot.payments >= acked) return { ...snapshot, seconds: (performance.now() - startedAt) / 1000, complete: true };
    if (snapshot.pending === 0 && performance.now() - lastChange >= run.options.settle * 1000) break;
    await sleep(POLL_MS);
  }
  return { ...snapshot, seconds: (performance.now() - startedAt) / 1000, complete: false };
}

/** The four checks over what the inbox holds in the end; each returns its violations. */
async function check(run, inbox) {
  const orders = await listAll(inbox, `/api/orders?channel_id=${run.channel.id}`);
  const documents = await listAll(inbox, "/api/documents");
  const payments = await listAll(inbox, "/api/payments");
  const byExternal = groupBy(orders, (order) => order.external_id);
  const documentsByOrder = groupBy(documents, (document) => document.order_id);
  const paymentsByOrder = groupBy(payments, (payment) => payment.order_id);
  const acknowledged = run.orders.filter((order) => order.acked);
  const known = new Set(run.orders.map((order) => order.externalId));

  const once = [];
  for (const order of acknowledged) {
    const count = byExternal.get(order.externalId)?.length ?? 0;
    if (count !== 1) once.push(`${order.externalId}: stored ${count} times`);
  }
  for (const externalId of byExternal.keys()) if (!known.has(externalId)) once.push(`${externalId}: an order nobody posted`);

  const complete = [];
  for (const order of acknowledged) {
    const stored = byExternal.get(order.externalId)?.[0];
    if (!stored) continue;
    const problems = [];
    if (stored.status !== "processed") problems.push(`status ${stored.status}`);
    if (stored.processing.state !== "done") problems.push(`processing ${stored.processing.state}${stored.processing.error ? ` (${stored.processing.error})` : ""}`);
    const docs = documentsByOrder.get(stored.id) ?? [];
    const invoices = docs.filter((doc) => doc.type === "invoice" && doc.status === "executed");
    if (docs.length !== 1 || invoices.length !== 1) {
      problems.push(docs.length === 0 ? "no document" : `documents: ${docs.map((doc) => `${doc.type} ${doc.status}${doc.number ? ` ${doc.number}` : ""}`).join(", ")}`);
    }
    const paid = (paymentsByOrder.get(stored.id) ?? []).filter((payment) => payment.kind === "payment");
    if (paid.length !== 1) problems.push(`${paid.length} payments`);
    else if (invoices.length === 1 && (paid[0].document_id !== invoices[0].id || paid[0].amount !== invoices[0].totals.total)) {
      problems.push(`payment ${paid[0].amount} on ${paid[0].document_id}, invoice ${invoices[0].id} totals ${invoices[0].totals.total}`);
    }
    if (problems.length) complete.push(`${order.externalId} (${stored.id}): ${problems.join("; ")}`);
  }

  const executed = documents.filter((doc) => doc.type === "invoice" && doc.status === "executed");
  const { series, violations: numbering } = numberingViolations(executed);

  const noFiveHundreds = [...run.unexpected];
  return [
    { name: "every acknowledged order exists exactly once (by external id)", violations: once },
    { name: "each ends processed with exactly one executed invoice and exactly one payment", violations: complete },
    { name: `invoice numbers unique and gapless within their series (${executed.length} executed, ${series.map((prefix) => `${prefix}…`).join(", ") || "no series"})`, violations: numbering },
    { name: "no 5xx and no connection failure except during kills", violations: noFiveHundreds },
    { name: "no order refused with a 4xx", violations: run.refused },
  ];
}

/** Executed documents' numbers: each parses as <series><n>, and each series holds exactly 1…max once. */
export function numberingViolations(executed) {
  const violations = [];
  const series = new Map();
  for (const doc of executed) {
    const match = /^(.*\D)(\d+)$/.exec(doc.number ?? "");
    if (!match) {
      violations.push(`${doc.id}: executed invoice numbered ${JSON.stringify(doc.number)}`);
      continue;
    }
    if (!series.has(match[1])) series.set(match[1], []);
    series.get(match[1]).push({ value: Number(match[2]), doc });
  }
  for (const [prefix, entries] of series) {
    entries.sort((a, b) => a.value - b.value);
    const seen = new Map();
    for (const { value, doc } of entries) {
      if (seen.has(value)) violations.push(`${doc.number}: given to ${seen.get(value)} and ${doc.id}`);
      else seen.set(value, doc.id);
    }
    const max = entries.at(-1).value;
    const missing = [];
    for (let value = 1; value <= max; value++) if (!seen.has(value)) missing.push(value);
    if (missing.length) violations.push(`series ${prefix}: ${missing.length} gap(s), missing ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""} of 1…${max}`);
  }
  return { series: [...series.keys()], violations };
}

function groupBy(items, key) {
  const map = new Map();
  for (const item of items) {
    const value = key(item);
    if (!map.has(value)) map.set(value, []);
    map.get(value).push(item);
  }
  return map;
}

function printList(items, limit = 25) {
  for (const item of items.slice(0, limit)) console.log(`      - ${item}`);
  if (items.length > limit) console.log(`      … and ${items.length - limit} more`);
}

/** One whole test on a fresh state directory; resolves to true when every check passed. */
async function runOnce(options, seed, label) {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "sales-inbox-kill-"));
  const random = prng(seed);
  const runTag = `kill-${seed}-${Date.now().toString(36)}`;
  const run = {
    options,
    tmpDir,
    startedAt: performance.now(),
    starts: 0,
    sends: 0,
    acked: 0,
    killFailures: 0,
    killFiveHundreds: [],
    unexpected: [],
    refused: [],
    killLog: [],
    orders: Array.from({ length: options.orders }, (_, index) => {
      const externalId = `${runTag}-${index + 1}`;
      return { externalId, body: signedOrder(externalId, 1, "json", "unused").body, acked: false, sends: 0, sendsBeforeFinal: 0 };
    }),
  };
  run.queue = [...run.orders];
  const kills = planKills(options, random);
  console.log(`\n${label}seed ${seed}: ${options.orders} orders, ${options.concurrency} posters, ${kills.length} kills at ${kills.map((k) => `${k.threshold} acks + ${k.delayMs} ms`).join(", ") || "—"}`);
  console.log(`  state: ${tmpDir}`);

  let inbox = null;
  let passed = false;
  try {
    inbox = await start(run);
    run.channel = await createAutomatedChannel(inbox);
    for (const plannedKill of kills) {
      await segment(run, inbox, plannedKill);
      inbox = await start(run);
    }
    for (const order of run.queue) order.sendsBeforeFinal = order.sends;
    await segment(run, inbox, null);
    log(run, `posting done: ${run.acked}/${run.orders.length} acknowledged, ${run.sends} sends (${run.sends - run.orders.length} resends)`);
    const waited = await waitForProcessing(run, inbox);
    log(run, `${waited.complete ? "all processed" : "stopped waiting"} after ${waited.seconds.toFixed(1)} s`);
    const checks = await check(run, inbox);
    console.log(`  kills: ${run.killLog.length}, connection failures during kills: ${run.killFailures}, 5xx during kills: ${run.killFiveHundreds.length}`);
    if (run.killFiveHundreds.length) printList(run.killFiveHundreds, 5);
    for (const { name, violations } of checks) {
      console.log(`  ${violations.length ? "FAIL" : "ok  "} ${name}${violations.length ? `: ${violations.length} violation(s)` : ""}`);
      printList(violations);
    }
    passed = checks.every((entry) => entry.violations.length === 0);
  } catch (error) {
    console.log(`  ERROR ${error.stack ?? error.message}`);
    if (inbox) console.log(`--- last lines of ${inbox.logPath} ---\n${logTail(inbox.logPath)}`);
  } finally {
    await stop(current);
  }
  console.log(`  ${passed ? "PASSED" : "FAILED"} in ${elapsed(run)}`);
  if (passed && !options.keep) rmSync(tmpDir, { recursive: true, force: true });
  else console.log(`  kept the state directory (inbox.log, state/): ${tmpDir}`);
  return passed;
}

async function main() {
  let options;
  try {
    options = readOptions();
  } catch (error) {
    console.error(`${error.message}\n\n${usage()}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage());
    return;
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      // The exit handler startInbox registered SIGKILLs the group; say where the state is.
      if (current) signalGroup(current.pgid, "SIGKILL");
      console.error(`\n${signal}: stopped the inbox; the state directory is kept (see "state:" above)`);
      process.exit(130);
    });
  }
  let passedRuns = 0;
  for (let index = 0; index < options.runs; index++) {
    const label = options.runs > 1 ? `Run ${index + 1}/${options.runs}, ` : "";
    if (await runOnce(options, options.seed + index, label)) passedRuns += 1;
  }
  console.log(`\n${passedRuns}/${options.runs} passed`);
  process.exitCode = passedRuns === options.runs ? 0 : 1;
}

// Run only as a script: the node:test file imports the pure parts.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
