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
import { z } from "zod";
import { findChannel } from "../channels/channel-store";
import { stockPusherFor } from "../channels/registry";
import { StoreApiError } from "../channels/store-api-error";
import type { ChannelType } from "../channels/types";
import type { Services } from "../context";
import type { StockSyncRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { validate } from "../lib/validate";
import { newId } from "../lib/ids";
import { stockSyncStep } from "../queue/messages";
import { stockLevels } from "./balances";
import { budgetedFetch } from "./budget";
import { planStockPush, type SyncMode } from "./plan";
import {
  advanceStockSync,
  closeStockSync,
  failPendingStockSyncItems,
  findPushedQuantities,
  findRecentlyMissingSkus,
  findRunningStockSyncId,
  findStockSync,
  insertStockSync,
  insertStockSyncItemsStatements,
  leaseStockSyncStep,
  markStockSyncPlannedStatement,
  recountStockSync,
  releaseStockSyncLease,
  saveStockSyncContext,
} from "./stock-store";
import { cannotSync, liveChannel, stockSourceFor } from "./sync-channel";
import { itemBackoffMs, pushDueItems, type StepIo } from "./sync-push";
import { readStockSyncSettings, slotOf } from "./sync-settings";

/** A step must finish within its lease; a duplicate message during it is dropped. */
const LEASE_MS = 5 * 60_000;
/** A SKU the store did not have is asked about again after this long (or by a full run). */
export const MISSING_RECHECK_MS = 24 * 60 * 60_000;
const WARNINGS_KEPT = 100;
/** A run still not done after this long (a store throttling without end) is given up. */
export const MAX_RUN_MS = 24 * 60 * 60_000;

export interface StepResult {
  outcome: "duplicate" | "continued" | "finished";
  requests: number;
  /** When the next step was queued with a delay (Retry-After, backoff), how long. */
  delayMs?: number;
}

export const stockSyncRequestSchema = z
  .strictObject({
    mode: z.enum(["changes", "full"]).default("changes").meta({ description: "changes: only SKUs whose quantity differs from the last one the store accepted; full: every SKU" }),
  })
  .meta({ id: "StockSyncRequest" });

/**
 * Asks for a run and queues its first step. A channel runs one sync at a time: asking while one is
 * in progress is a conflict naming it. A scheduled run names its minute; the same minute twice
 * (a cron firing twice) returns null.
 */
export async function requestStockSync(
  services: Services,
  channelId: string,
  request: { mode: SyncMode; trigger: "manual" | "schedule" },
): Promise<StockSyncRow | null> {
  const { d1, queue } = services;
  const now = services.now();
  const channel = await findChannel(services.db, channelId);
  if (!channel || channel.status === "deleted") throw new AppError("channel_not_found", "No such channel");
  const why = cannotSync(channel);
  // Asked by hand, a channel that cannot push is refused; a schedule's run is logged as failed, so the merchant sees why.
  if (why && request.trigger === "manual") throw new AppError("stock_sync_unavailable", why);
  const settings = readStockSyncSettings(channel.stockSync);
  const id = newId("sts", now);
  try {
    const inserted = await insertStockSync(d1, {
      id,
      channelId,
      mode: request.mode,
      trigger: request.trigger,
      slot: request.trigger === "schedule" ? slotOf(now) : null,
      warehouseId: settings.warehouse_id,
      requestedAt: now,
      failure: why,
    });
    if (!inserted) return null;
  } catch (error) {
    if (!/UNIQUE constraint failed/i.test(String((error as Error).message))) throw error;
    const running = await findRunningStockSyncId(services.db, channelId);
    throw new AppError("stock_sync_running", `A stock sync of this channel is in progress (${running ?? "just started"}); it must finish first`);
  }
  if (!why) await queue.send(stockSyncStep(id, 0));
  return (await findStockSync(services.db, id))!;
}

/** Sync now, asked through the API or the dashboard with a body like `{"mode": "full"}`. */
export async function startStockSync(services: Services, channelId: string, body: unknown): Promise<StockSyncRow> {
  const row = await liveChannel(services, channelId);
  const { mode } = validate(stockSyncRequestSchema, body);
  return (await requestStockSync(services, row.id, { mode, trigger: "manual" }))!;
}

/** One queue message's worth of a run. */
export async function runStockSyncStep(services: Services, message: { sync_id: string; step: number }, io: StepIo): Promise<StepResult> {
  const { d1 } = services;
  const now = io.now();
  const run = await leaseStockSyncStep(services.db, { syncId: message.sync_id, step: message.step, until: now + LEASE_MS, now });
  if (!run) return { outcome: "duplicate", requests: 0 };

  const budget = budgetedFetch(io.fetch, io.subrequests);
  const channel = await findChannel(services.db, run.channelId);
  const why = channel ? cannotSync(channel) : "The channel no longer exists";
  if (why || !channel) {
    await finishRun(d1, run.id, now, why);
    return { outcome: "finished", requests: 0 };
  }
  const pusher = stockPusherFor(channel.type as ChannelType)!;
  const settings = readStockSyncSettings(channel.stockSync);
  if (now - run.requestedAt > MAX_RUN_MS) {
    await finishRun(d1, run.id, now, `Not done after ${MAX_RUN_MS / 3_600_000} hours: the store kept refusing or throttling`);
    return { outcome: "finished", requests: 0 };
  }

  try {
    if (run.status === "planning") {
      const planned = await planRun(services, run, channel.id, now);
      if (planned === 0) {
        await finishRun(d1, run.id, io.now(), null);
        return { outcome: "finished", requests: 0 };
      }
    }
    const source = await stockSourceFor(services, channel, budget.fetch, now);
    let context = run.context ? (JSON.parse(run.context) as Record<string, unknown>) : null;
    if (!context) {
      const prepared = pusher.prepare ? await pusher.prepare(source, { location_id: settings.location_id }) : { context: {}, requests: 0 };
      context = prepared.context;
      await saveStockSyncContext(services.db, run.id, context);
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
    await releaseStockSyncLease(services.db, run.id, budget.used);
    throw error;
  }
}

/** The queue gave up on a step (D1 kept failing): the run ends as failed instead of hanging. */
export async function giveUpStockSync(d1: D1Database, syncId: string, reason: string, now: number): Promise<void> {
  await finishRun(d1, syncId, now, `Stopped after repeated errors: ${reason}`);
}

/** Works out the run's items and writes them with the run's new state in one batch. Returns how many. */
async function planRun({ d1, db }: Services, run: StockSyncRow, channelId: string, now: number): Promise<number> {
  const [levels, pushed, knownMissing] = await Promise.all([
    stockLevels(d1, null),
    findPushedQuantities(db, channelId),
    findRecentlyMissingSkus(db, channelId, now - MISSING_RECHECK_MS),
  ]);
  const plan = planStockPush({ levels, warehouseId: run.warehouseId, mode: run.mode as SyncMode, pushed, knownMissing });
  await d1.batch([
    ...insertStockSyncItemsStatements(d1, run.id, plan.items),
    markStockSyncPlannedStatement(d1, run.id, { planned: plan.items.length, skipped: plan.skipped, warnings: plan.warnings.slice(0, WARNINGS_KEPT) }),
  ]);
  if (plan.warnings.length) {
    console.warn(`stock sync ${run.id}: ${plan.warnings.length} quantities clamped to whole numbers ≥ 0, e.g. ${JSON.stringify(plan.warnings.slice(0, 3))}`);
  }
  return plan.items.length;
}

/** Hands the run to its next step: a new message, delayed when the store asked us to wait. */
async function continueRun(services: Services, run: StockSyncRow, delayMs: number, requests: number, now: number): Promise<void> {
  const delaySeconds = Math.min(Math.ceil(delayMs / 1000), 12 * 60 * 60);
  await advanceStockSync(services.d1, { syncId: run.id, step: run.step, dueAt: now + delaySeconds * 1000, requests });
  // If this send is lost, the minute cron finds the run stalled and queues the step again.
  await services.queue.send(stockSyncStep(run.id, run.step + 1), delaySeconds > 0 ? { delaySeconds } : undefined);
}

/** Closes a run still in progress: its counts from its items, and whether it all went through. */
async function finishRun(d1: D1Database, id: string, now: number, error: string | null, requests = 0): Promise<void> {
  const closed = await closeStockSync(d1, { syncId: id, at: now, error: error?.slice(0, 1000) ?? null, requests });
  if (closed && error) {
    // Items never tried stay in the log as not sent, with the run's reason.
    await failPendingStockSyncItems(d1, id, `Not sent: ${error}`);
    await recountStockSync(d1, id);
  }
}
