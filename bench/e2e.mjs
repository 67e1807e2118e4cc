/**
 * Parts (b) and (c), against `npm start` (wrangler dev, local workerd + SQLite-backed D1 + Queues):
 * (b) the same closed-loop load on POST /in/<token> (fresh signed order per request) and on
 *     GET /health, then how long the queue consumer takes to finish the orders left pending;
 * (c) the D1 cost the ingest batch reports in its Server-Timing header, for 1, 20 and 200 lines;
 * (d) orders processed into documents by the queue consumer: a channel set to create, execute and
 *     pay invoices takes a burst of paid orders; how fast the executed invoices appear, and what one
 *     processed order costs in D1 (the consumer logs it with LOG_D1_COST).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { runLoad } from "./load.mjs";
import { signedOrder } from "./orders.mjs";
import { adminApi, startInbox, stopInbox } from "./server.mjs";

export const D1_LINE_COUNTS = [1, 20, 200];
const D1_SAMPLES = 3;
const DRAIN_POLL_MS = 250;

export async function runEndToEnd({ tmpDir, connections, warmupSeconds, durationSeconds, lines, drainTimeoutSeconds, documentOrders }) {
  const inbox = await startInbox(tmpDir);
  try {
    const channel = await createChannel(inbox);
    const load = { connections, warmupMs: warmupSeconds * 1000, durationMs: durationSeconds * 1000 };
    // Trivial route first, while the queue consumer is idle.
    const trivial = await runLoad({ ...load, url: `${inbox.origin}/health`, makeRequest: () => ({}) });
    const ingest = await runLoad({ ...load, url: channel.url, makeRequest: () => channel.nextOrder(lines, "json") });
    const drain = await waitForDrain(inbox, drainTimeoutSeconds * 1000);
    const d1 = await measureD1Cost(channel);
    const documents = await measureDocuments(inbox, { orders: documentOrders, connections, timeoutMs: drainTimeoutSeconds * 1000 });
    return { trivial, ingest, drain, d1, documents };
  } finally {
    await stopInbox(inbox);
  }
}

/** A Connect channel, and a source of requests that each carry a new order (unique external_id). */
async function createChannel(inbox) {
  const created = await adminApi(inbox, "/api/channels", { method: "POST", json: { type: "connect", name: "Bench" }, expect: 201 });
  const token = new URL(created.uri).pathname.split("/in/")[1];
  const runId = Date.now().toString(36);
  let sequence = 0;
  return {
    id: created.id,
    url: `${inbox.origin}/in/${token}`,
    nextOrder(lines, format) {
      const { body, contentType, signature } = signedOrder(`bench-${runId}-${++sequence}`, lines, format, created.secret);
      return { method: "POST", headers: { "content-type": contentType, "x-inbox-signature": signature }, body };
    },
  };
}

/** Polls for orders the consumer has not processed yet; the clock starts when the load has ended. */
async function waitForDrain(inbox, timeoutMs) {
  const startedAt = performance.now();
  const elapsedMs = () => performance.now() - startedAt;
  const anyOrders = async (processing) => (await adminApi(inbox, `/api/orders?processing=${processing}&limit=1`)).items.length > 0;
  let drained = !(await anyOrders("pending"));
  while (!drained && elapsedMs() < timeoutMs) {
    await sleep(DRAIN_POLL_MS);
    drained = !(await anyOrders("pending"));
  }
  return { drained, seconds: elapsedMs() / 1000, pollMs: DRAIN_POLL_MS, failed: await anyOrders("failed") };
}

/** Posts D1_SAMPLES fresh orders per line count and reads the cost the ingest batch reports. */
async function measureD1Cost(channel) {
  const rows = [];
  for (const lines of D1_LINE_COUNTS) {
    const costs = [];
    let bytes = 0;
    for (let sample = 0; sample < D1_SAMPLES; sample++) {
      const init = channel.nextOrder(lines, "json");
      bytes = Buffer.byteLength(init.body);
      const response = await fetch(channel.url, { ...init, signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      if (response.status !== 202) throw new Error(`ingesting a ${lines}-line order answered ${response.status}: ${text}`);
      costs.push(d1Cost(response.headers.get("server-timing")));
    }
    rows.push({ lines, bytes, costs });
  }
  return rows;
}

/** `d1;desc="round_trips=1 statements=5 rows_read=N rows_written=M"` as numbers. */
function d1Cost(header) {
  const desc = /(?:^|,)\s*d1;desc="([^"]*)"/.exec(header ?? "")?.[1];
  if (!desc) throw new Error(`a 2xx ingest answer has no d1 Server-Timing entry (got: ${header})`);
  return Object.fromEntries(desc.split(/\s+/).map((pair) => pair.split("=")).map(([key, value]) => [key, Number(value)]));
}

/**
 * (d): a second channel whose orders become executed, paid invoices automatically. The orders are
 * posted (ingest, as in (b)) with `connections` at a time; the clock runs from the first post to
 * the last executed invoice, so the rate is what ingest + consumer sustain together.
 */
async function measureDocuments(inbox, { orders, connections, timeoutMs }) {
  const channel = await createChannel(inbox);
  const channelId = channel.id;
  await adminApi(inbox, `/api/channels/${channelId}/automation`, { method: "PUT", json: { create: "invoice", execute: true, add_payment: true, only_when_paid: true } });
  await adminApi(inbox, "/api/products", { method: "POST", json: { sku: "SKU-0001", name: "Bench item" }, expect: 201 });

  const startedAt = performance.now();
  let next = 0;
  const post = async () => {
    while (next < orders) {
      next += 1;
      const init = channel.nextOrder(1, "json");
      const response = await fetch(channel.url, { ...init, signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`posting a bench order answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, post));
  const postedSeconds = (performance.now() - startedAt) / 1000;

  let executed = 0;
  while (performance.now() - startedAt < timeoutMs) {
    executed = await countExecuted(inbox, channelId);
    if (executed >= orders) break;
    await sleep(DRAIN_POLL_MS);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  return { orders, executed, postedSeconds, seconds, connections, costs: d1CostsFromLog(inbox.logPath) };
}

async function countExecuted(inbox, channelId) {
  let count = 0;
  let cursor = null;
  do {
    const page = await adminApi(inbox, `/api/documents?channel_id=${channelId}&status=executed&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    count += page.items.length;
    cursor = page.next_cursor;
  } while (cursor);
  return count;
}

/** The consumer's `[d1-cost] order.received … document=invoice:executed …` lines: one per processed order. */
function d1CostsFromLog(logPath) {
  const costs = [];
  for (const line of readFileSync(logPath, "utf8").split("\n")) {
    const match = /\[d1-cost\] order\.received \S+ document=invoice:executed (.*)$/.exec(line);
    if (match) costs.push(Object.fromEntries(match[1].trim().split(/\s+/).map((pair) => pair.split("=")).map(([key, value]) => [key, Number(value)])));
  }
  return costs;
}
