/**
 * The safety net under the queue: an order stored but not processed within N minutes is queued
 * again. A lost queue message therefore delays an order but never loses it; processing is
 * idempotent, so a message that was merely slow costs one extra no-op.
 */
import type { Services } from "../context";
import { orderReceived } from "../queue/messages";

const SWEEP_LIMIT = 500;
const SEND_BATCH_LIMIT = 100;
// D1 allows 100 bound parameters per statement; one is the timestamp.
const UPDATE_CHUNK = 90;

export async function sweepUnprocessedOrders(services: Services, now: number): Promise<{ requeued: number }> {
  const { d1, queue, config } = services;
  const cutoff = now - config.SWEEP_AFTER_MINUTES * 60_000;
  const { results } = await d1
    .prepare(
      `SELECT id, version FROM orders
       WHERE processed_version < version AND processing_failed_at IS NULL AND queued_at <= ?1
       ORDER BY queued_at LIMIT ?2`,
    )
    .bind(cutoff, SWEEP_LIMIT)
    .all<{ id: string; version: number }>();
  if (results.length === 0) return { requeued: 0 };

  // Send before marking: if marking fails the next sweep sends again, which is harmless.
  for (let start = 0; start < results.length; start += SEND_BATCH_LIMIT) {
    await queue.sendBatch(results.slice(start, start + SEND_BATCH_LIMIT).map((row) => ({ body: orderReceived(row.id, row.version) })));
  }
  const updates: D1PreparedStatement[] = [];
  for (let start = 0; start < results.length; start += UPDATE_CHUNK) {
    const ids = results.slice(start, start + UPDATE_CHUNK).map((row) => row.id);
    updates.push(
      d1.prepare(`UPDATE orders SET queued_at = ?1 WHERE id IN (${ids.map((_, index) => `?${index + 2}`).join(", ")})`).bind(now, ...ids),
    );
  }
  await d1.batch(updates);
  console.log(`sweep: re-queued ${results.length} unprocessed order(s)`);
  return { requeued: results.length };
}
