/**
 * Raw delivery bodies are kept for a retention period (for support and re-parsing), then purged;
 * the delivery row, the order and its timeline stay forever.
 */
import type { Services } from "../context";

const PURGE_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

/** Runs a statement that changes at most PURGE_CHUNK rows until it changes fewer (or the run's share is done): small transactions. */
async function inChunks(statement: () => D1PreparedStatement): Promise<number> {
  let changed = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk++) {
    const result = await statement().run();
    changed += result.meta.changes;
    if (result.meta.changes < PURGE_CHUNK) break;
  }
  return changed;
}

export async function purgeExpiredBodies(services: Services, now: number): Promise<{ purged: number }> {
  const { d1, config } = services;
  const cutoff = now - config.RAW_BODY_RETENTION_DAYS * 86_400_000;
  const purged = await inChunks(() =>
    d1
      .prepare(
        `UPDATE deliveries SET body = NULL, body_purged_at = ?1
         WHERE id IN (SELECT id FROM deliveries WHERE body IS NOT NULL AND received_at < ?2 LIMIT ?3)`,
      )
      .bind(now, cutoff, PURGE_CHUNK),
  );
  if (purged) console.log(`retention: purged ${purged} raw bodies older than ${config.RAW_BODY_RETENTION_DAYS} days`);
  return { purged };
}

/**
 * A stock sync's items (one row per SKU sent) are kept as long as raw bodies; the run itself, with
 * its counts and reason, and each SKU's last pushed quantity stay.
 */
export async function purgeOldStockSyncItems(services: Services, now: number): Promise<{ purged: number }> {
  const { d1, config } = services;
  const cutoff = now - config.RAW_BODY_RETENTION_DAYS * 86_400_000;
  const purged = await inChunks(() =>
    d1
      .prepare(
        `DELETE FROM stock_sync_items WHERE rowid IN (
           SELECT i.rowid FROM stock_sync_items i JOIN stock_syncs s ON s.id = i.sync_id
           WHERE s.finished_at IS NOT NULL AND s.finished_at < ?1 LIMIT ?2)`,
      )
      .bind(cutoff, PURGE_CHUNK),
  );
  return { purged };
}
