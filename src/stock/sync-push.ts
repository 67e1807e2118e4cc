/**
 * One step's pushing: due items go to the store in the pusher's batches until none is due, the
 * step's subrequest budget is spent, or the store asks us to wait. Each batch's outcomes are
 * written in one D1 batch. A throttle makes items wait without using up their attempts; a short
 * one the step may sleep through.
 */
import type { ItemOutcome, StockItem, StockPusher, StoreRef } from "../channels/stock-pusher";
import type { ChannelSource } from "../channels/types";
import { StoreApiError } from "../channels/store-api-error";
import type { StockSyncRow } from "../db/schema";
import type { Budget } from "./budget";
import {
  delayStockSyncItems,
  findDueStockSyncItems,
  findNextStockSyncItemAt,
  findStoreRefs,
  forgetStoreRefsStatement,
  markItemsFailedStatement,
  markItemsSucceededStatement,
  recordPushedStatement,
  rememberMissingStatement,
  retryItemsStatement,
  saveStoreRefs,
} from "./stock-store";

/** An item is tried this many times before it counts as failed. */
export const MAX_ITEM_ATTEMPTS = 5;
/** Items read from D1 at a time within a step. */
const ITEMS_PER_READ = 1000;
/** The longest Retry-After a step sleeps through, and how many times, before it leaves the rest to the next step. */
export const INLINE_WAIT_MS = 2_000;
const MAX_INLINE_WAITS = 10;

export const itemBackoffMs = (attempts: number) => Math.min(30_000 * 2 ** Math.max(attempts - 1, 0), 30 * 60_000);

export interface StepIo {
  fetch: typeof fetch;
  now: () => number;
  /** Subrequests one step may make (STOCK_SYNC_SUBREQUESTS). */
  subrequests: number;
  /**
   * With a sleep, a step waits out a short throttle (up to INLINE_WAIT_MS) itself instead of ending:
   * waiting costs no CPU, and each step is a queue message and an invocation.
   */
  sleep?: (ms: number) => Promise<void>;
}

export interface PushContext {
  run: StockSyncRow;
  channelId: string;
  pusher: StockPusher;
  source: ChannelSource;
  context: Record<string, unknown>;
  budget: Budget;
  /** The step's clock: moves on when the step sleeps through a throttle. */
  now: number;
  io: StepIo;
  inlineWaits: number;
}

type Stop = { done: false; delayMs: number };

/**
 * The store throttled (429, Shopify's THROTTLED): the items wait until it takes requests again. A
 * throttle is not the items' fault, so it does not use up their attempts. Returns whether the step
 * slept through it and may go on.
 */
async function throttled(d1: D1Database, ctx: PushContext, skus: string[], waitMs: number, reason: string): Promise<boolean> {
  await delayStockSyncItems(d1, ctx.run.id, skus, ctx.now + waitMs, `waiting: ${reason}`);
  const { sleep } = ctx.io;
  if (!sleep || waitMs > INLINE_WAIT_MS || ctx.inlineWaits >= MAX_INLINE_WAITS || ctx.budget.remaining < 1) return false;
  ctx.inlineWaits += 1;
  await sleep(waitMs);
  ctx.now = Math.max(ctx.io.now(), ctx.now + waitMs);
  return true;
}

const isThrottle = (error: StoreApiError) => error.status === 429 || error.retryAfterMs !== null;

/**
 * Passing trouble with some items. A throttle makes them wait: "slept" when the step slept through
 * it, else the step must end for `delayMs`. Anything else retries them with backoff (`retried`);
 * other items may go on.
 */
async function passingTrouble(
  d1: D1Database,
  ctx: PushContext,
  skus: string[],
  error: StoreApiError,
  reason: string,
  attempts: Map<string, number>,
): Promise<"slept" | { retried: boolean; delayMs: number }> {
  if (isThrottle(error)) {
    // Nothing more goes to the store before it said it would take it.
    const waitMs = error.retryAfterMs ?? itemBackoffMs(1);
    return (await throttled(d1, ctx, skus, waitMs, reason)) ? "slept" : { retried: false, delayMs: waitMs };
  }
  const waitMs = itemBackoffMs((attempts.get(skus[0]) ?? 0) + 1);
  await recordOutcomes(d1, ctx, skus.map((sku) => ({ sku, result: "retry" as const, reason })), attempts, waitMs);
  return { retried: true, delayMs: waitMs };
}

/**
 * Pushes due items until none are left, the budget is spent, or the store asks us to wait.
 * `done` when no item is pending; otherwise how long until the next step should run.
 */
export async function pushDueItems(d1: D1Database, ctx: PushContext): Promise<{ done: true } | Stop> {
  const { run, pusher, budget } = ctx;
  steps: for (;;) {
    const now = ctx.now;
    if (budget.remaining < 1) return { done: false, delayMs: 0 };
    const due = await findDueStockSyncItems(d1, run.id, now, ITEMS_PER_READ);
    if (due.length === 0) {
      const next = await findNextStockSyncItemAt(d1, run.id);
      return next == null ? { done: true } : { done: false, delayMs: Math.max(0, next - now) };
    }
    const attempts = new Map(due.map((row) => [row.sku, row.attempts]));

    let items: StockItem[] = due.map((row) => ({ sku: row.sku, quantity: row.quantity, ref: null }));
    if (pusher.locate) {
      const located = await locateItems(d1, ctx, items, attempts);
      if (located.stop === "slept") continue steps;
      if (located.stop) return located.stop;
      items = located.items;
    }
    for (const batch of pusher.batches(items)) {
      if (budget.remaining < 1) return { done: false, delayMs: 0 };
      let outcomes: ItemOutcome[];
      try {
        outcomes = await pusher.push(ctx.source, ctx.context, batch, run.id);
      } catch (error) {
        if (!(error instanceof StoreApiError)) throw error;
        if (!error.retryable) {
          // A refusal of the request (401, 400): it would refuse every batch the same way.
          if (error.status === 401 || error.status === 403) throw error;
          await recordOutcomes(d1, ctx, batch.map((item) => ({ sku: item.sku, result: "refused" as const, reason: error.message })), attempts);
          continue;
        }
        const next = await passingTrouble(d1, ctx, batch.map((item) => item.sku), error, error.message, attempts);
        if (next === "slept") continue steps;
        if (next.retried) continue;
        return { done: false, delayMs: next.delayMs };
      }
      await recordOutcomes(d1, ctx, outcomes, attempts);
    }
  }
}

/**
 * Attaches each item's store ref: from the cache, or asked of the store (and cached, a missing SKU
 * as a null ref). Items the store does not have fail as such. A cached "missing" older than the
 * run is asked again, so a full run finds products added since.
 */
async function locateItems(
  d1: D1Database,
  ctx: PushContext,
  items: StockItem[],
  attempts: Map<string, number>,
): Promise<{ items: StockItem[]; stop?: Stop | "slept" }> {
  const { channelId, run, pusher, budget, now } = ctx;
  const locate = pusher.locate!;
  const skus = items.map((item) => item.sku);
  const refs = new Map<string, StoreRef | null>();
  for (const row of await findStoreRefs(d1, channelId, skus)) {
    if (row.ref !== null) refs.set(row.sku, JSON.parse(row.ref) as StoreRef);
    else if (row.fetched_at >= run.requestedAt) refs.set(row.sku, null);
  }
  const unknown = skus.filter((sku) => !refs.has(sku));
  for (let start = 0; start < unknown.length; start += locate.batchSize) {
    if (budget.remaining < 1) break;
    const asked = unknown.slice(start, start + locate.batchSize);
    let found: Map<string, StoreRef>;
    try {
      found = await locate.find(ctx.source, asked);
    } catch (error) {
      if (!(error instanceof StoreApiError) || !error.retryable) throw error;
      const next = await passingTrouble(d1, ctx, asked, error, `looking it up: ${error.message}`, attempts);
      return { items: [], stop: next === "slept" ? next : { done: false, delayMs: next.delayMs } };
    }
    await saveStoreRefs(d1, channelId, asked.map((sku) => [sku, found.has(sku) ? JSON.stringify(found.get(sku)) : null]), now);
    for (const sku of asked) refs.set(sku, found.get(sku) ?? null);
  }
  const missing = skus.filter((sku) => refs.has(sku) && refs.get(sku) === null);
  if (missing.length) {
    await recordOutcomes(d1, ctx, missing.map((sku) => ({ sku, result: "missing" as const, reason: "The store has no product or variation with this SKU" })), attempts);
  }
  // Items still without a ref (the budget ran out while looking up) wait for the next step.
  return { items: items.filter((item) => refs.get(item.sku)).map((item) => ({ ...item, ref: refs.get(item.sku)! })) };
}

/** Writes a batch's outcomes in one D1 batch: item states, the last pushed quantities, stale refs dropped. */
async function recordOutcomes(d1: D1Database, ctx: PushContext, outcomes: ItemOutcome[], attempts: Map<string, number>, waitMs = 0): Promise<void> {
  const { run, channelId, now } = ctx;
  const ok = outcomes.filter((outcome) => outcome.result === "ok").map((outcome) => outcome.sku);
  const failed: Array<[string, string]> = [];
  const retried: Array<[string, string, number]> = [];
  const stale: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.result === "ok") continue;
    const tried = (attempts.get(outcome.sku) ?? 0) + 1;
    if (outcome.result === "refused" || outcome.result === "missing" || tried >= MAX_ITEM_ATTEMPTS) {
      failed.push([outcome.sku, outcome.reason]);
    } else {
      // A stale ref is looked up again at once; anything else waits.
      const after = outcome.result === "stale" ? 0 : outcome.result === "retry" && outcome.afterMs !== undefined ? outcome.afterMs : waitMs || itemBackoffMs(tried);
      retried.push([outcome.sku, outcome.reason, now + after]);
    }
    if (outcome.result === "stale") stale.push(outcome.sku);
  }
  const statements: D1PreparedStatement[] = [];
  if (ok.length) {
    statements.push(markItemsSucceededStatement(d1, run.id, ok), recordPushedStatement(d1, { channelId, syncId: run.id, skus: ok, at: now }));
  }
  if (failed.length) statements.push(markItemsFailedStatement(d1, run.id, failed));
  if (retried.length) statements.push(retryItemsStatement(d1, run.id, retried));
  const missing = outcomes.filter((outcome) => outcome.result === "missing").map((outcome) => outcome.sku);
  // Remembered, so that "changes" runs stop sending it until the store is asked again.
  if (missing.length) statements.push(rememberMissingStatement(d1, channelId, missing, now));
  if (stale.length) statements.push(forgetStoreRefsStatement(d1, channelId, stale));
  if (statements.length) await d1.batch(statements);
  for (const outcome of outcomes) attempts.set(outcome.sku, (attempts.get(outcome.sku) ?? 0) + 1);
}
