/**
 * Raw delivery bodies are kept in D1 for a retention period (for support and re-parsing), then
 * purged once archived to R2 (src/inbound/archive.ts); the delivery row, the order and its
 * timeline stay forever.
 */
import type { Services } from "../context";
import { deleteItemsOfSyncsFinishedBefore } from "../stock/stock-store";
import { countUnarchivedBodiesBefore, purgeDeliveryBodies } from "./delivery-store";

const PURGE_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

/** Purges at most PURGE_CHUNK rows at a time until fewer are left (or the run's share is done): small transactions. */
async function inChunks(purgeChunk: (limit: number) => Promise<number>): Promise<number> {
  let changed = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk++) {
    const purged = await purgeChunk(PURGE_CHUNK);
    changed += purged;
    if (purged < PURGE_CHUNK) break;
  }
  return changed;
}

function retentionCutoff(services: Services, now: number): number {
  return now - services.config.RAW_BODY_RETENTION_DAYS * 86_400_000;
}

/** Drops from D1 the raw bodies past retention that are archived; one not archived yet stays (and is counted). */
export async function purgeExpiredBodies(services: Services, now: number): Promise<{ purged: number; unarchived: number }> {
  const cutoff = retentionCutoff(services, now);
  const purged = await inChunks((limit) => purgeDeliveryBodies(services.d1, { cutoff, limit, now }));
  if (purged) console.log(`retention: purged ${purged} archived raw bodies older than ${services.config.RAW_BODY_RETENTION_DAYS} days`);
  const unarchived = await countUnarchivedBodiesBefore(services.d1, cutoff);
  if (unarchived) console.warn(`retention: ${unarchived} raw bodies past retention are kept in D1 until they are archived to R2`);
  return { purged, unarchived };
}

/**
 * A stock sync's items (one row per SKU sent) are kept as long as raw bodies; the run itself, with
 * its counts and reason, and each SKU's last pushed quantity stay.
 */
export async function purgeOldStockSyncItems(services: Services, now: number): Promise<{ purged: number }> {
  const cutoff = retentionCutoff(services, now);
  return { purged: await inChunks((limit) => deleteItemsOfSyncsFinishedBefore(services.d1, cutoff, limit)) };
}
