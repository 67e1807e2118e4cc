/**
 * Stock sync: pushes what each SKU has available to a channel's store.
 *
 * A run is asked for by hand or by the channel's schedule and lives in D1 with its items. Queue
 * messages carry it forward a step at a time: the first step plans (D1 only), each step then pushes
 * as many items as its subrequest budget allows and queues the next. Every message names the step
 * it is for and a step holds a lease while it runs, so a duplicate message finds nothing to do.
 * Items that fail for a passing reason wait with backoff (or as long as the store's Retry-After
 * says) while the rest go on; what the store refused is recorded with its reason. Pushing sets
 * absolute quantities, so sending an item twice after a crash changes nothing.
 */
import { openSecret } from "../channels/channel-secrets";
import { openCredentials } from "../channels/channel-settings";
import { stockPusherFor } from "../channels/registry";
import { StoreApiError } from "../channels/store-api-error";
import type { ChannelType } from "../channels/types";
import type { Services } from "../context";
import { stockSyncStep, type OrderMessage } from "../queue/messages";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { stockLevels } from "./balances";
import { budgetedFetch } from "./budget";
import { planStockPush, type SyncMode } from "./plan";
import type { ItemOutcome, StockItem, StockPusher, StockSource, StoreRef } from "../channels/stock-pusher";
import { readStockSyncSettings, scheduleDue, slotOf } from "./sync-settings";

/** An item is tried this many times before it counts as failed. */
export const MAX_ITEM_ATTEMPTS = 5;
/** A step must finish within its lease; a duplicate message during it is dropped. */
const LEASE_MS = 5 * 60_000;
/** A run whose next step has not started this long after it was due is queued again by the minute cron. */
export const STALLED_AFTER_MS = 5 * 60_000;
/** A SKU the store did not have is asked about again after this long (or by a full run). */
export const MISSING_RECHECK_MS = 24 * 60 * 60_000;
/** Items read from D1 at a time within a step. */
const ITEMS_PER_READ = 1000;
/** Rows per INSERT … SELECT FROM json_each(?): keeps each bound JSON text well under D1's limits. */
const ROWS_PER_STATEMENT = 1000;
const WARNINGS_KEPT = 100;

export const itemBackoffMs = (attempts: number) => Math.min(30_000 * 2 ** Math.max(attempts - 1, 0), 30 * 60_000);

export interface StockSyncRunRow {
  id: string;
  channel_id: string;
  mode: SyncMode;
  trigger: "manual" | "schedule";
  warehouse_id: string;
  status: "planning" | "running" | "succeeded" | "partial" | "failed";
  requested_at: number;
  finished_at: number | null;
  step: number;
  items_planned: number;
  items_skipped: number;
  items_succeeded: number;
  items_failed: number;
  requests: number;
  invocations: number;
  context: string | null;
  warnings: string;
  error: string | null;
}

interface ChannelForSync {
  id: string;
  type: ChannelType;
  status: string;
  settings: string;
  sealed_settings: string | null;
  credential_keys: string;
  stock_sync: string | null;
}

const loadChannel = (d1: D1Database, channelId: string) =>
  d1
    .prepare("SELECT id, type, status, settings, sealed_settings, credential_keys, stock_sync FROM channels WHERE id = ?1")
    .bind(channelId)
    .first<ChannelForSync>();

/** Why this channel cannot push stock now, or null when it can. */
export function cannotSync(channel: Pick<ChannelForSync, "type" | "status" | "settings" | "credential_keys">): string | null {
  const pusher = stockPusherFor(channel.type);
  if (!pusher) return `A ${channel.type} channel does not sync stock (WooCommerce Premium, Mozello and Shopify do)`;
  if (channel.status !== "active") return "The channel is not active";
  return pusher.cannotPush(JSON.parse(channel.settings) as Record<string, unknown>, JSON.parse(channel.credential_keys) as string[]);
}

/**
 * Asks for a run and queues its first step. A channel runs one sync at a time: asking while one is
 * in progress is a conflict naming it. A scheduled run names its minute; the same minute twice
 * (a cron firing twice) returns null.
 */
export async function requestStockSync(
  services: Services,
  channelId: string,
  request: { mode: SyncMode; trigger: "manual" | "schedule" },
): Promise<StockSyncRunRow | null> {
  const { d1, queue } = services;
  const now = services.now();
  const channel = await loadChannel(d1, channelId);
  if (!channel || channel.status === "deleted") throw new AppError("channel_not_found", "No such channel");
  const why = cannotSync(channel);
  // Asked by hand, a channel that cannot push is refused; a schedule's run is logged as failed, so the merchant sees why.
  if (why && request.trigger === "manual") throw new AppError("stock_sync_unavailable", why);
  const settings = readStockSyncSettings(channel.stock_sync);
  const id = newId("sts", now);
  const slot = request.trigger === "schedule" ? slotOf(now) : null;
  try {
    const inserted = await d1
      .prepare(
        `INSERT INTO stock_syncs (id, channel_id, mode, trigger, slot, warehouse_id, status, requested_at, step_due_at, finished_at, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)
         ON CONFLICT (channel_id, slot) WHERE slot IS NOT NULL DO NOTHING`,
      )
      // A run that cannot start is still logged, so a schedule that keeps failing shows why.
      .bind(id, channelId, request.mode, request.trigger, slot, settings.warehouse_id, why ? "failed" : "planning", now, why ? now : null, why)
      .run();
    if (inserted.meta.changes === 0) return null;
  } catch (error) {
    if (!/UNIQUE constraint failed/i.test(String((error as Error).message))) throw error;
    const running = await d1
      .prepare("SELECT id FROM stock_syncs WHERE channel_id = ?1 AND status IN ('planning', 'running')")
      .bind(channelId)
      .first<{ id: string }>();
    throw new AppError("stock_sync_running", `A stock sync of this channel is in progress (${running?.id ?? "just started"}); it must finish first`);
  }
  if (!why) await queue.send(stockSyncStep(id, 0));
  return (await readRun(d1, id))!;
}

export const readRun = (d1: D1Database, id: string) => d1.prepare("SELECT * FROM stock_syncs WHERE id = ?1").bind(id).first<StockSyncRunRow>();

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

/** The longest Retry-After a step sleeps through, and how many times, before it leaves the rest to the next step. */
export const INLINE_WAIT_MS = 2_000;
const MAX_INLINE_WAITS = 10;
/** A run still not done after this long (a store throttling without end) is given up. */
export const MAX_RUN_MS = 24 * 60 * 60_000;

export interface StepResult {
  outcome: "duplicate" | "continued" | "finished";
  requests: number;
  /** When the next step was queued with a delay (Retry-After, backoff), how long. */
  delayMs?: number;
}

/** One queue message's worth of a run. */
export async function runStockSyncStep(services: Services, message: { sync_id: string; step: number }, io: StepIo): Promise<StepResult> {
  const { d1 } = services;
  const now = io.now();
  const run = await d1
    .prepare(
      `UPDATE stock_syncs SET lease_until = ?3, invocations = invocations + 1
       WHERE id = ?1 AND step = ?2 AND status IN ('planning', 'running') AND (lease_until IS NULL OR lease_until <= ?4)
       RETURNING *`,
    )
    .bind(message.sync_id, message.step, now + LEASE_MS, now)
    .first<StockSyncRunRow>();
  if (!run) return { outcome: "duplicate", requests: 0 };

  const budget = budgetedFetch(io.fetch, io.subrequests);
  const channel = await loadChannel(d1, run.channel_id);
  const why = channel ? cannotSync(channel) : "The channel no longer exists";
  if (why || !channel) {
    await finishRun(d1, run.id, now, why);
    return { outcome: "finished", requests: 0 };
  }
  const pusher = stockPusherFor(channel.type)!;
  const settings = readStockSyncSettings(channel.stock_sync);
  if (now - run.requested_at > MAX_RUN_MS) {
    await finishRun(d1, run.id, now, `Not done after ${MAX_RUN_MS / 3_600_000} hours: the store kept refusing or throttling`);
    return { outcome: "finished", requests: 0 };
  }

  try {
    if (run.status === "planning") {
      const planned = await planRun(d1, run, channel.id, now);
      if (planned === 0) {
        await finishRun(d1, run.id, io.now(), null);
        return { outcome: "finished", requests: 0 };
      }
    }
    const source = await sourceFor(services, channel, budget.fetch, now);
    let context = run.context ? (JSON.parse(run.context) as Record<string, unknown>) : null;
    if (!context) {
      const prepared = pusher.prepare ? await pusher.prepare(source, { location_id: settings.location_id }) : { context: {}, requests: 0 };
      context = prepared.context;
      await d1.prepare("UPDATE stock_syncs SET context = ?2 WHERE id = ?1").bind(run.id, JSON.stringify(context)).run();
    }
    const progress = await pushDueItems(d1, { run, channelId: channel.id, pusher, source, context, budget, now, io, inlineWaits: 0 });
    if (progress.done) {
      await finishRun(d1, run.id, io.now(), null, budget.used);
      return { outcome: "finished", requests: budget.used };
    }
    await continueRun(services, run, progress.delayMs, budget.used, io.now());
    return { outcome: "continued", requests: budget.used, delayMs: progress.delayMs };
  } catch (error) {
    if (error instanceof StoreApiError && !error.retryable) {
      // The store refuses the run as a whole (credentials revoked, stock management off): say so and stop.
      await finishRun(d1, run.id, io.now(), error.message, budget.used);
      return { outcome: "finished", requests: budget.used };
    }
    if (error instanceof StoreApiError) {
      // Passing trouble in the run's own checks (prepare): try the step again later.
      const delayMs = error.retryAfterMs ?? itemBackoffMs(run.invocations);
      await continueRun(services, run, delayMs, budget.used, io.now());
      return { outcome: "continued", requests: budget.used, delayMs };
    }
    // Unexpected (D1): count the requests, free the run and let the queue retry the same step.
    await d1.prepare("UPDATE stock_syncs SET lease_until = NULL, requests = requests + ?2 WHERE id = ?1").bind(run.id, budget.used).run();
    throw error;
  }
}

async function sourceFor(services: Services, channel: ChannelForSync, fetchImpl: typeof fetch, now: number): Promise<StockSource> {
  const credentials = await openCredentials(channel.sealed_settings, services.config.SETTINGS_KEY);
  const secret = await services.d1
    .prepare("SELECT secret FROM channel_secrets WHERE channel_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
    .bind(channel.id)
    .first<{ secret: string }>();
  return {
    settings: JSON.parse(channel.settings) as Record<string, unknown>,
    credentials,
    signingSecret: secret ? await openSecret(secret.secret, services.config.SETTINGS_KEY) : null,
    fetch: fetchImpl,
    now,
  };
}

/** Works out the run's items and writes them with the run's new state in one batch. Returns how many. */
async function planRun(d1: D1Database, run: StockSyncRunRow, channelId: string, now: number): Promise<number> {
  const [levels, pushed, missing] = await Promise.all([
    stockLevels(d1, null),
    d1.prepare("SELECT sku, quantity FROM stock_pushed WHERE channel_id = ?1").bind(channelId).all<{ sku: string; quantity: number }>(),
    d1
      .prepare("SELECT sku FROM store_products WHERE channel_id = ?1 AND ref IS NULL AND fetched_at > ?2")
      .bind(channelId, now - MISSING_RECHECK_MS)
      .all<{ sku: string }>(),
  ]);
  const plan = planStockPush({
    levels,
    warehouseId: run.warehouse_id,
    mode: run.mode,
    pushed: new Map(pushed.results.map((row) => [row.sku, row.quantity])),
    knownMissing: new Set(missing.results.map((row) => row.sku)),
  });
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < plan.items.length; start += ROWS_PER_STATEMENT) {
    const rows = plan.items.slice(start, start + ROWS_PER_STATEMENT).map((item) => [item.sku, item.quantity]);
    statements.push(
      d1
        .prepare(
          `INSERT INTO stock_sync_items (sync_id, sku, quantity)
           SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2) WHERE true
           ON CONFLICT (sync_id, sku) DO NOTHING`,
        )
        .bind(run.id, JSON.stringify(rows)),
    );
  }
  statements.push(
    d1
      .prepare("UPDATE stock_syncs SET status = 'running', items_planned = ?2, items_skipped = ?3, warnings = ?4 WHERE id = ?1")
      .bind(run.id, plan.items.length, plan.skipped, JSON.stringify(plan.warnings.slice(0, WARNINGS_KEPT))),
  );
  await d1.batch(statements);
  if (plan.warnings.length) {
    console.warn(`stock sync ${run.id}: ${plan.warnings.length} quantities clamped to whole numbers ≥ 0, e.g. ${JSON.stringify(plan.warnings.slice(0, 3))}`);
  }
  return plan.items.length;
}

interface PushContext {
  run: StockSyncRunRow;
  channelId: string;
  pusher: StockPusher;
  source: StockSource;
  context: Record<string, unknown>;
  budget: ReturnType<typeof budgetedFetch>;
  /** The step's clock: moves on when the step sleeps through a throttle. */
  now: number;
  io: StepIo;
  inlineWaits: number;
}

/**
 * The store throttled (429, Shopify's THROTTLED): the items wait until it takes requests again. A
 * throttle is not the items' fault, so it does not use up their attempts. Returns whether the step
 * slept through it and may go on.
 */
async function throttled(d1: D1Database, ctx: PushContext, skus: string[], waitMs: number, reason: string): Promise<boolean> {
  await d1
    .prepare(
      `UPDATE stock_sync_items SET next_attempt_at = ?3, error = ?4
       WHERE sync_id = ?1 AND sku IN (SELECT value FROM json_each(?2))`,
    )
    .bind(ctx.run.id, JSON.stringify(skus), ctx.now + waitMs, `waiting: ${reason}`.slice(0, 500))
    .run();
  const { sleep } = ctx.io;
  if (!sleep || waitMs > INLINE_WAIT_MS || ctx.inlineWaits >= MAX_INLINE_WAITS || ctx.budget.remaining < 1) return false;
  ctx.inlineWaits += 1;
  await sleep(waitMs);
  ctx.now = Math.max(ctx.io.now(), ctx.now + waitMs);
  return true;
}

const isThrottle = (error: StoreApiError) => error.status === 429 || error.retryAfterMs !== null;

/**
 * Pushes due items until none are left, the budget is spent, or the store asks us to wait.
 * `done` when no item is pending; otherwise how long until the next step should run.
 */
async function pushDueItems(d1: D1Database, ctx: PushContext): Promise<{ done: true } | { done: false; delayMs: number }> {
  const { run, pusher, budget } = ctx;
  steps: for (;;) {
    const now = ctx.now;
    if (budget.remaining < 1) return { done: false, delayMs: 0 };
    const { results: due } = await d1
      .prepare(
        `SELECT sku, quantity, attempts FROM stock_sync_items
         WHERE sync_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 ORDER BY sku LIMIT ?3`,
      )
      .bind(run.id, now, ITEMS_PER_READ)
      .all<{ sku: string; quantity: number; attempts: number }>();
    if (due.length === 0) {
      const next = await d1
        .prepare("SELECT MIN(next_attempt_at) AS at FROM stock_sync_items WHERE sync_id = ?1 AND status = 'pending'")
        .bind(run.id)
        .first<{ at: number | null }>();
      return next?.at == null ? { done: true } : { done: false, delayMs: Math.max(0, next.at - now) };
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
        if (isThrottle(error)) {
          // Nothing more goes to the store before it said it would take it.
          const waitMs = error.retryAfterMs ?? itemBackoffMs(1);
          if (await throttled(d1, ctx, batch.map((item) => item.sku), waitMs, error.message)) continue steps;
          return { done: false, delayMs: waitMs };
        }
        const waitMs = itemBackoffMs((attempts.get(batch[0].sku) ?? 0) + 1);
        await recordOutcomes(d1, ctx, batch.map((item) => ({ sku: item.sku, result: "retry" as const, reason: error.message })), attempts, waitMs);
        continue;
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
): Promise<{ items: StockItem[]; stop?: { done: false; delayMs: number } | "slept" }> {
  const { channelId, run, pusher, budget, now } = ctx;
  const locate = pusher.locate!;
  const skus = items.map((item) => item.sku);
  const { results: cached } = await d1
    .prepare("SELECT sku, ref, fetched_at FROM store_products WHERE channel_id = ?1 AND sku IN (SELECT value FROM json_each(?2))")
    .bind(channelId, JSON.stringify(skus))
    .all<{ sku: string; ref: string | null; fetched_at: number }>();
  const refs = new Map<string, StoreRef | null>();
  for (const row of cached) {
    if (row.ref !== null) refs.set(row.sku, JSON.parse(row.ref) as StoreRef);
    else if (row.fetched_at >= run.requested_at) refs.set(row.sku, null);
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
      if (isThrottle(error)) {
        const waitMs = error.retryAfterMs ?? itemBackoffMs(1);
        return { items: [], stop: (await throttled(d1, ctx, asked, waitMs, `looking it up: ${error.message}`)) ? "slept" : { done: false, delayMs: waitMs } };
      }
      const waitMs = itemBackoffMs((attempts.get(asked[0]) ?? 0) + 1);
      await recordOutcomes(d1, ctx, asked.map((sku) => ({ sku, result: "retry" as const, reason: `looking it up: ${error.message}` })), attempts, waitMs);
      return { items: [], stop: { done: false, delayMs: waitMs } };
    }
    await d1
      .prepare(
        `INSERT INTO store_products (channel_id, sku, ref, fetched_at)
         SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?3 FROM json_each(?2) WHERE true
         ON CONFLICT (channel_id, sku) DO UPDATE SET ref = excluded.ref, fetched_at = excluded.fetched_at`,
      )
      .bind(channelId, JSON.stringify(asked.map((sku) => [sku, found.has(sku) ? JSON.stringify(found.get(sku)) : null])), now)
      .run();
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
    statements.push(
      d1
        .prepare("UPDATE stock_sync_items SET status = 'succeeded', attempts = attempts + 1, error = NULL WHERE sync_id = ?1 AND sku IN (SELECT value FROM json_each(?2))")
        .bind(run.id, JSON.stringify(ok)),
      d1
        .prepare(
          `INSERT INTO stock_pushed (channel_id, sku, quantity, pushed_at, sync_id)
           SELECT ?1, sku, quantity, ?3, ?4 FROM stock_sync_items WHERE sync_id = ?4 AND sku IN (SELECT value FROM json_each(?2)) AND true
           ON CONFLICT (channel_id, sku) DO UPDATE SET quantity = excluded.quantity, pushed_at = excluded.pushed_at, sync_id = excluded.sync_id`,
        )
        .bind(channelId, JSON.stringify(ok), now, run.id),
    );
  }
  if (failed.length) {
    statements.push(
      d1
        .prepare(
          `UPDATE stock_sync_items SET status = 'failed', attempts = attempts + 1, error = substr(json_extract(j.value, '$[1]'), 1, 500)
           FROM json_each(?2) AS j WHERE sync_id = ?1 AND sku = json_extract(j.value, '$[0]')`,
        )
        .bind(run.id, JSON.stringify(failed)),
    );
  }
  if (retried.length) {
    statements.push(
      d1
        .prepare(
          `UPDATE stock_sync_items SET attempts = attempts + 1, error = substr(json_extract(j.value, '$[1]'), 1, 500), next_attempt_at = json_extract(j.value, '$[2]')
           FROM json_each(?2) AS j WHERE sync_id = ?1 AND sku = json_extract(j.value, '$[0]')`,
        )
        .bind(run.id, JSON.stringify(retried)),
    );
  }
  const missing = outcomes.filter((outcome) => outcome.result === "missing").map((outcome) => outcome.sku);
  if (missing.length) {
    // Remembered, so that "changes" runs stop sending it until the store is asked again.
    statements.push(
      d1
        .prepare(
          `INSERT INTO store_products (channel_id, sku, ref, fetched_at) SELECT ?1, value, NULL, ?3 FROM json_each(?2) WHERE true
           ON CONFLICT (channel_id, sku) DO UPDATE SET ref = NULL, fetched_at = excluded.fetched_at`,
        )
        .bind(channelId, JSON.stringify(missing), now),
    );
  }
  if (stale.length) {
    statements.push(
      d1.prepare("DELETE FROM store_products WHERE channel_id = ?1 AND sku IN (SELECT value FROM json_each(?2))").bind(channelId, JSON.stringify(stale)),
    );
  }
  if (statements.length) await d1.batch(statements);
  for (const outcome of outcomes) attempts.set(outcome.sku, (attempts.get(outcome.sku) ?? 0) + 1);
}

const COUNTS = `items_succeeded = (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = ?1 AND status = 'succeeded'),
                items_failed = (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = ?1 AND status = 'failed')`;

/** Hands the run to its next step: a new message, delayed when the store asked us to wait. */
async function continueRun(services: Services, run: StockSyncRunRow, delayMs: number, requests: number, now: number): Promise<void> {
  const delaySeconds = Math.min(Math.ceil(delayMs / 1000), 12 * 60 * 60);
  await services.d1
    .prepare(
      `UPDATE stock_syncs SET step = step + 1, lease_until = NULL, step_due_at = ?3, requests = requests + ?4, ${COUNTS}
       WHERE id = ?1 AND step = ?2`,
    )
    .bind(run.id, run.step, now + delaySeconds * 1000, requests)
    .run();
  // If this send is lost, the minute cron finds the run stalled and queues the step again.
  await services.queue.send(stockSyncStep(run.id, run.step + 1), delaySeconds > 0 ? { delaySeconds } : undefined);
}

/** Closes a run: its counts from its items, and whether it all went through. */
async function finishRun(d1: D1Database, id: string, now: number, error: string | null, requests = 0): Promise<void> {
  await d1
    .prepare(
      `UPDATE stock_syncs SET ${COUNTS}, requests = requests + ?4, lease_until = NULL, finished_at = ?2, error = ?3,
              status = CASE WHEN ?3 IS NOT NULL THEN 'failed'
                            WHEN (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = ?1 AND status != 'succeeded') = 0 THEN 'succeeded'
                            WHEN (SELECT COUNT(*) FROM stock_sync_items WHERE sync_id = ?1 AND status = 'succeeded') = 0 THEN 'failed'
                            ELSE 'partial' END
       WHERE id = ?1`,
    )
    .bind(id, now, error?.slice(0, 1000) ?? null, requests)
    .run();
  if (error) {
    // Items never tried stay in the log as not sent, with the run's reason.
    await d1.prepare("UPDATE stock_sync_items SET status = 'failed', error = ?2 WHERE sync_id = ?1 AND status = 'pending'").bind(id, `Not sent: ${error}`.slice(0, 500)).run();
    await d1.prepare(`UPDATE stock_syncs SET ${COUNTS} WHERE id = ?1`).bind(id).run();
  }
}

/** The queue gave up on a step (D1 kept failing): the run ends as failed instead of hanging. */
export async function giveUpStockSync(d1: D1Database, syncId: string, reason: string, now: number): Promise<void> {
  const run = await readRun(d1, syncId);
  if (run && (run.status === "planning" || run.status === "running")) await finishRun(d1, syncId, now, `Stopped after repeated errors: ${reason}`);
}

/** Minute cron: asks for every scheduled run that is due. */
export async function queueDueStockSyncs(services: Services, now: number): Promise<{ requested: string[] }> {
  const { results } = await services.d1
    .prepare(
      `SELECT c.id, c.stock_sync, (SELECT MAX(requested_at) FROM stock_syncs s WHERE s.channel_id = c.id AND s.trigger = 'schedule') AS last_at
       FROM channels c WHERE c.status = 'active' AND json_extract(c.stock_sync, '$.schedule') IS NOT NULL`,
    )
    .all<{ id: string; stock_sync: string; last_at: number | null }>();
  const requested: string[] = [];
  for (const row of results) {
    const settings = readStockSyncSettings(row.stock_sync);
    if (!scheduleDue(settings.schedule, row.last_at, now)) continue;
    try {
      const run = await requestStockSync({ ...services, now: () => now }, row.id, { mode: settings.scheduled_mode, trigger: "schedule" });
      if (run) requested.push(run.id);
    } catch (error) {
      // A run still in progress: this slot is skipped, the next one comes.
      if (!(error instanceof AppError && error.code === "stock_sync_running")) throw error;
    }
  }
  return { requested };
}

/** Minute cron: a run whose next step never started (its message lost, its Worker gone) is queued again. */
export async function requeueStalledStockSyncs(services: Services, now: number): Promise<{ requeued: string[] }> {
  const { d1, queue } = services;
  const { results } = await d1
    .prepare(
      `UPDATE stock_syncs SET step_due_at = ?1
       WHERE status IN ('planning', 'running') AND step_due_at < ?2 AND (lease_until IS NULL OR lease_until < ?1)
       RETURNING id, step`,
    )
    .bind(now, now - STALLED_AFTER_MS)
    .all<{ id: string; step: number }>();
  if (results.length) await queue.sendBatch(results.map((row) => ({ body: stockSyncStep(row.id, row.step) as OrderMessage })));
  return { requeued: results.map((row) => row.id) };
}
