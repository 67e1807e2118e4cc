/** The Cron Triggers of wrangler.toml, each mapped to its job. An unknown cron is a config error. */
import { buildServices, systemActor, type Services } from "../context";
import { auditEntry, recordAfter, type AuditWhat } from "../people/audit";
import { readConfig, type WorkerEnv } from "../env";
import { ARCHIVE_CHUNKS_PER_DAY, ARCHIVE_CHUNKS_PER_MINUTE, archiveBodies, purgeOldArchive } from "../inbound/archive";
import { requeuePendingDeliveries } from "../inbound/confirm-delivery";
import { queueDueReconciliations } from "../inbound/reconcile";
import { purgeExpiredBodies, purgeOldStockSyncItems } from "../inbound/retention";
import { sweepUnprocessedOrders } from "./sweep";
import { refreshRates } from "../company/exchange-rates";
import { recheckOrdersWaitingForRates } from "../documents/recheck";
import { queueDueStockSyncs, requeueStalledStockSyncs } from "../stock/sync-schedule";

export const EVERY_MINUTE = "* * * * *";
export const DAILY = "17 3 * * *";
/** Weekdays, hourly 15:30–21:30 UTC: after the ECB publishes (~16:00 CET), again until today's rates are held. */
export const ECB_RATES = "30 15-21 * * 1-5";

export async function handleScheduled(controller: Pick<ScheduledController, "cron" | "scheduledTime">, env: WorkerEnv): Promise<void> {
  const checked = readConfig(env);
  if (!checked.ok) throw new Error(checked.message);
  // Some callers hand over a Date or nothing at all; the jobs want epoch ms.
  const now = Number(controller.scheduledTime ?? Date.now());
  const services = { ...buildServices(env, checked.config, () => now), actor: systemActor(`cron ${controller.cron}`) };

  switch (controller.cron) {
    case EVERY_MINUTE:
      await sweepUnprocessedOrders(services, now);
      await requeuePendingDeliveries(services, now);
      await queueDueReconciliations(services, now);
      await requeueStalledStockSyncs(services, now);
      const { requested } = await queueDueStockSyncs(services, now);
      for (const runId of requested) {
        await recordCronWork(services, { action: "stock_sync.start", subjectType: "stock_sync", subjectId: runId, summary: `Started the scheduled stock sync ${runId}` });
      }
      await archiveBodies(services, ARCHIVE_CHUNKS_PER_MINUTE);
      return;
    case DAILY:
      // Archive first: the purge drops only archived bodies.
      await archiveBodies(services, ARCHIVE_CHUNKS_PER_DAY);
      await purgeExpiredBodies(services, now);
      await purgeOldArchive(services, now);
      await purgeOldStockSyncItems(services, now);
      return;
    case ECB_RATES: {
      const fetched = await refreshRates(services, now);
      if (fetched?.stored) {
        await recordCronWork(services, { action: "exchange_rates.fetch", subjectType: "exchange_rates", summary: `Fetched ${fetched.stored} new ECB rate(s) for ${fetched.dates.at(-1) ?? "no day"}` });
      }
      // Drafts held for want of a rate are executed once one is there.
      if (fetched?.stored) await recheckOrdersWaitingForRates(services);
      return;
    }
    default:
      throw new Error(`no job for cron "${controller.cron}"`);
  }
}

/** What a cron changed on its own: in the audit trail as the system, with the cron that set it going. */
const recordCronWork = (services: Services, what: AuditWhat) => recordAfter(services.d1, auditEntry(services.actor, services.now(), what));
