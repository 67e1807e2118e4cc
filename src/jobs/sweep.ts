/**
 * The safety net under the queue: an order stored but not processed within N minutes is queued
 * again. A lost queue message therefore delays an order but never loses it; processing is
 * idempotent, so a message that was merely slow costs one extra no-op.
 */
import type { Services } from "../context";
import { findOrdersOverdue, markOrdersQueued } from "../orders/order-store";
import { orderReceived } from "../queue/messages";

const SWEEP_LIMIT = 500;
const SEND_BATCH_LIMIT = 100;

export async function sweepUnprocessedOrders(services: Services, now: number): Promise<{ requeued: number }> {
  const { d1, queue, config } = services;
  const overdue = await findOrdersOverdue(d1, now - config.SWEEP_AFTER_MINUTES * 60_000, SWEEP_LIMIT);
  if (overdue.length === 0) return { requeued: 0 };

  // Send before marking: if marking fails the next sweep sends again, which is harmless.
  for (let start = 0; start < overdue.length; start += SEND_BATCH_LIMIT) {
    await queue.sendBatch(overdue.slice(start, start + SEND_BATCH_LIMIT).map((row) => ({ body: orderReceived(row.id, row.version) })));
  }
  await markOrdersQueued(d1, overdue.map((row) => row.id), now);
  console.log(`sweep: re-queued ${overdue.length} unprocessed order(s)`);
  return { requeued: overdue.length };
}
