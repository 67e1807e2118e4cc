/**
 * Reconciliation sweeps. The minute cron queues a sweep for every channel that is due; the queue
 * consumer runs it: ask the store for orders updated since the last sweep (minus an overlap, since
 * stores write late), and store them through the same idempotent ingest as webhooks. Known states
 * change nothing; a missed webhook's order appears; nothing duplicates.
 */
import { openSecret } from "../channels/channel-secrets";
import { openCredentials } from "../channels/channel-settings";
import { reconcilerFor } from "../channels/registry";
import {
  findChannelsDueForReconciliation,
  type FinishedRun,
  findChannelToReconcile,
  findNewestActiveSecret,
  closeReconciliationRun,
  finishReconciliationRun,
  moveReconcileCursor,
  recordChannelHealth,
  scheduleNextReconciliations,
  startReconciliationRun,
} from "../channels/channel-store";
import { CHANNEL_TYPES } from "../channels/types";
import type { Services } from "../context";
import { newId } from "../lib/ids";
import { orderReceived, reconcileChannel } from "../queue/messages";
import { ingestMany, type IngestOutcome } from "./ingest";

/** Stores write late: each sweep re-reads this much before where the last one started. */
export const OVERLAP_MS = 15 * 60_000;
/** A channel's first sweep looks back this far. */
export const FIRST_WINDOW_MS = 24 * 60 * 60_000;
export const DEFAULT_EVERY_MINUTES = 15;
/** Arrivals per D1 batch: a handful of statements each keeps a batch small. */
const ARRIVALS_PER_BATCH = 25;

/** Minute cron: claims every due channel (pushing its next due time forward) and queues its sweep. */
export async function queueDueReconciliations(services: Services, now: number): Promise<{ queued: string[] }> {
  const { d1, queue } = services;
  const types = CHANNEL_TYPES.filter((type) => reconcilerFor(type));
  const results = await findChannelsDueForReconciliation(d1, now, types);
  const due = results.filter((row) =>
    reconcilerFor(row.type)?.canReconcile(JSON.parse(row.settings) as Record<string, unknown>, JSON.parse(row.credential_keys) as string[]),
  );
  if (due.length === 0) return { queued: [] };
  await scheduleNextReconciliations(
    d1,
    due.map((row) => {
      const every = Number((JSON.parse(row.settings) as { reconcile_every_minutes?: number }).reconcile_every_minutes ?? DEFAULT_EVERY_MINUTES);
      return { channelId: row.id, dueAt: now + every * 60_000 };
    }),
  );
  await queue.sendBatch(due.map((row) => ({ body: reconcileChannel(row.id) })));
  return { queued: due.map((row) => row.id) };
}

export interface SweepResult {
  status: "ok" | "skipped";
  runId?: string;
  pages: number;
  requests: number;
  seen: number;
  created: number;
  updated: number;
  unreadable: number;
}

/**
 * Runs one sweep of a channel. Throws when the store could not be read; the run is recorded as
 * failed either way, and the cursor only moves after a complete sweep.
 */
export async function sweepChannel(
  services: Services,
  channelId: string,
  now: number,
  io: { fetch: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Promise<SweepResult> {
  const { d1, queue, config } = services;
  const skipped: SweepResult = { status: "skipped", pages: 0, requests: 0, seen: 0, created: 0, updated: 0, unreadable: 0 };
  const channel = await findChannelToReconcile(d1, channelId);
  const reconciler = channel ? reconcilerFor(channel.type) : null;
  if (!channel || !reconciler || channel.status !== "active") return skipped;
  const settings = JSON.parse(channel.settings) as Record<string, unknown>;
  if (!reconciler.canReconcile(settings, JSON.parse(channel.credential_keys) as string[])) return skipped;

  const overlap = reconciler.overlapMs ?? OVERLAP_MS;
  const windowFrom = Math.max(
    channel.reconcile_cursor === null ? now - FIRST_WINDOW_MS : channel.reconcile_cursor - overlap,
    now - reconciler.maxLookbackMs,
  );
  const runId = newId("rcn", now);
  await startReconciliationRun(d1, { id: runId, channelId, startedAt: now, windowFrom });

  const result: SweepResult = { ...skipped, status: "ok", runId };
  const unreadable: string[] = [];
  let nextCursor = now;
  try {
    const credentials = await openCredentials(channel.sealed_settings, config.SETTINGS_KEY);
    const sealedSecret = await findNewestActiveSecret(d1, channelId);
    const signingSecret = sealedSecret ? await openSecret(sealedSecret, config.SETTINGS_KEY) : null;
    const source = { settings, credentials, signingSecret, fetch: io.fetch, sleep: io.sleep, now };
    if (reconciler.maintain) {
      const health = await reconciler.maintain(source, channel.token);
      await recordChannelHealth(d1, channelId, health);
    }
    const pages = reconciler.arrivalsSince(source, new Date(windowFrom));
    for await (const page of pages) {
      result.pages += 1;
      result.requests += page.requests;
      if (page.holdCursorAt !== undefined) nextCursor = Math.min(nextCursor, page.holdCursorAt);
      result.seen += page.arrivals.length + page.unreadable.length;
      unreadable.push(...page.unreadable.map((entry) => `${entry.externalId}: ${entry.reason}`));
      for (let start = 0; start < page.arrivals.length; start += ARRIVALS_PER_BATCH) {
        const chunk = page.arrivals.slice(start, start + ARRIVALS_PER_BATCH);
        const { outcomes } = await ingestMany(
          d1,
          chunk.map((arrival) => ({ channelId, secretId: null, delivery: null, origin: "reconciliation" as const, arrival, now })),
        );
        // Refunds and removals ride along; the counts are about orders.
        const accepted = outcomes.filter(
          (outcome, index): outcome is Extract<IngestOutcome, { kind: "accepted" }> => outcome.kind === "accepted" && chunk[index].type === "order",
        );
        result.created += accepted.filter((outcome) => outcome.created).length;
        result.updated += accepted.filter((outcome) => !outcome.created).length;
        if (accepted.length) {
          await queue.sendBatch(accepted.map((outcome) => ({ body: orderReceived(outcome.orderId!, outcome.version) })));
        }
      }
    }
  } catch (error) {
    await closeReconciliationRun(d1, runId, finished(result, "failed", (error as Error).message, services.now()));
    throw error;
  }
  result.unreadable = unreadable.length;
  await d1.batch([
    finishReconciliationRun(d1, runId, finished(result, "ok", unreadable.length ? `unreadable orders: ${unreadable.slice(0, 10).join("; ")}` : null, services.now())),
    // The next sweep starts where this one started (minus the overlap), or earlier where the store
    // asked to hold it: nothing falls in between. A hold never moves the start further back than
    // this sweep's, so a hold that lasts (a payment pending for days) does not widen every sweep.
    moveReconcileCursor(d1, channelId, Math.min(now, Math.max(nextCursor, windowFrom + overlap))),
  ]);
  return result;
}

function finished(result: SweepResult, status: "ok" | "failed", error: string | null, finishedAt: number): FinishedRun {
  const { pages, requests, seen, created, updated } = result;
  return { finishedAt, status, error, pages, requests, seen, created, updated };
}
