/** The minute cron's part in stock sync: scheduled runs that are due, and runs whose next step was lost. */
import { findChannelsWithStockSchedule } from "../channels/channel-store";
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { stockSyncStep, type OrderMessage } from "../queue/messages";
import { redueStalledStockSyncs } from "./stock-store";
import { requestStockSync } from "./sync-run";
import { readStockSyncSettings, scheduleDue } from "./sync-settings";

/** A run whose next step has not started this long after it was due is queued again by the minute cron. */
export const STALLED_AFTER_MS = 5 * 60_000;

/** Minute cron: asks for every scheduled run that is due. */
export async function queueDueStockSyncs(services: Services, now: number): Promise<{ requested: string[] }> {
  const requested: string[] = [];
  for (const row of await findChannelsWithStockSchedule(services.d1)) {
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
  const stalled = await redueStalledStockSyncs(services.d1, now, now - STALLED_AFTER_MS);
  if (stalled.length) await services.queue.sendBatch(stalled.map((row) => ({ body: stockSyncStep(row.id, row.step) as OrderMessage })));
  return { requeued: stalled.map((row) => row.id) };
}
