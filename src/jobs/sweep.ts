/**
 * The safety net under the queue: an order stored but not processed within N minutes is queued
 * again. A lost queue message therefore delays an order but never loses it; processing is
 * idempotent, so a message that was merely slow costs one extra no-op.
 *
 * The same holds for an order's automation (document, execution, payment): it is owed from the
 * review until it has run to its end (`automation_due_at`), so an order reviewed but never
 * automated (a message lost in between) is queued for its automation again.
 *
 * And for a document e-mail: one recorded but not sent (nor failed) within N minutes is queued again.
 */
import type { Services } from "../context";
import { claimAutomationDue, findOrdersOverdue, markOrdersQueued } from "../orders/order-store";
import { automateOrderMessage, orderReceived } from "../queue/messages";
import { requeueOverdueEmails } from "../documents/document-email";

const SWEEP_LIMIT = 500;
const SEND_BATCH_LIMIT = 100;

export async function sweepUnprocessedOrders(services: Services, now: number): Promise<{ requeued: number; automations: number; emails: number }> {
  const { d1, queue, config } = services;
  const cutoff = now - config.SWEEP_AFTER_MINUTES * 60_000;
  const overdue = await findOrdersOverdue(d1, cutoff, SWEEP_LIMIT);
  if (overdue.length > 0) {
    // Send before marking: if marking fails the next sweep sends again, which is harmless.
    for (let start = 0; start < overdue.length; start += SEND_BATCH_LIMIT) {
      await queue.sendBatch(overdue.slice(start, start + SEND_BATCH_LIMIT).map((row) => ({ body: orderReceived(row.id, row.version) })));
    }
    await markOrdersQueued(d1, overdue.map((row) => row.id), now);
    console.log(`sweep: re-queued ${overdue.length} unprocessed order(s)`);
  }
  const automations = await sweepDueAutomation(services, now, cutoff);
  return { requeued: overdue.length, automations, emails: await requeueOverdueEmails(services, cutoff) };
}

/**
 * Queues the automation of orders that have owed it since before the cutoff. Claiming first is
 * safe: a claimed order stays marked, so a send that fails is swept again after the same grace.
 */
async function sweepDueAutomation(services: Services, now: number, cutoff: number): Promise<number> {
  const due = await claimAutomationDue(services.d1, cutoff, now, SWEEP_LIMIT);
  if (due.length === 0) return 0;
  try {
    for (let start = 0; start < due.length; start += SEND_BATCH_LIMIT) {
      await services.queue.sendBatch(due.slice(start, start + SEND_BATCH_LIMIT).map((orderId) => ({ body: automateOrderMessage(orderId) })));
    }
  } catch (error) {
    // Still marked: the next sweep after the grace period sends them again.
    console.error(`sweep: queueing the automation of ${due.length} order(s) failed, retrying after ${services.config.SWEEP_AFTER_MINUTES} minutes`, error);
    return 0;
  }
  console.log(`sweep: re-queued the automation of ${due.length} order(s)`);
  return due.length;
}
