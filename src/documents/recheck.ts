/**
 * A product now exists for these SKUs (created, renamed or imported): every order whose draft was
 * held for want of one of them is processed again from the queue.
 */
import type { Services } from "../context";
import { automateOrderMessage } from "../queue/messages";
import { ordersWaitingForRates, ordersWaitingForSkus } from "./document-store";

// D1 allows 100 bound parameters per statement; a Queue batch holds 100 messages.
const SKUS_PER_STATEMENT = 90;
const MESSAGES_PER_BATCH = 100;

export async function recheckOrdersWaitingFor(services: Services, skus: string[]): Promise<number> {
  const unique = [...new Set(skus)];
  let queued = 0;
  for (let start = 0; start < unique.length; start += SKUS_PER_STATEMENT) {
    const orderIds = await ordersWaitingForSkus(services.d1, unique.slice(start, start + SKUS_PER_STATEMENT));
    for (let at = 0; at < orderIds.length; at += MESSAGES_PER_BATCH) {
      await services.queue.sendBatch(orderIds.slice(at, at + MESSAGES_PER_BATCH).map((orderId) => ({ body: automateOrderMessage(orderId) })));
    }
    queued += orderIds.length;
  }
  return queued;
}

/** New exchange rates arrived: every order whose draft waited for one is processed again from the queue. */
export async function recheckOrdersWaitingForRates(services: Services): Promise<number> {
  const orderIds = await ordersWaitingForRates(services.d1);
  for (let at = 0; at < orderIds.length; at += MESSAGES_PER_BATCH) {
    await services.queue.sendBatch(orderIds.slice(at, at + MESSAGES_PER_BATCH).map((orderId) => ({ body: automateOrderMessage(orderId) })));
  }
  return orderIds.length;
}
