/**
 * Retention's statement on stock sync items (pending: merged into stock-store.ts).
 */
import { prepareNamed } from "../db/named-sql";

/** Deletes at most `limit` items of stock syncs that finished before `cutoff`; returns how many. */
export async function deleteItemsOfSyncsFinishedBefore(d1: D1Database, cutoff: number, limit: number): Promise<number> {
  const result = await prepareNamed(
    d1,
    `DELETE FROM stock_sync_items WHERE rowid IN (
       SELECT i.rowid FROM stock_sync_items i JOIN stock_syncs s ON s.id = i.sync_id
       WHERE s.finished_at IS NOT NULL AND s.finished_at < :cutoff LIMIT :limit)`,
    { cutoff, limit },
  ).run();
  return result.meta.changes;
}
