/**
 * The queue consumer: a thin loop over pure steps. Messages arrive at least once, so every step
 * is idempotent; failures retry with backoff, and the last attempt records the failure where the
 * API shows it instead of dropping it silently.
 */
import { buildServices, type Services } from "../context";
import { readConfig, type WorkerEnv } from "../env";
import { orderMessageSchema, type OrderMessage } from "../queue/messages";
import { processOrder, recordDocumentFailure, recordProcessingAttempt, recordProcessingFailure } from "./process-order";
import { confirmStoredDelivery, giveUpConfirming } from "./confirm-delivery";
import { sweepChannel } from "./reconcile";
import { automateOrder } from "../documents/process";
import { countingD1 } from "../db/d1-cost";
import { giveUpStockSync, runStockSyncStep } from "../stock/sync";

export const ORDER_QUEUE_NAME = "sales-inbox-orders";
export const DEAD_LETTER_QUEUE_NAME = "sales-inbox-orders-dlq";

/** 10 s, 20 s, 40 s, ... capped at 10 minutes. */
export const backoffSeconds = (attempts: number): number => Math.min(10 * 2 ** Math.max(attempts - 1, 0), 600);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);
/** Errors that say retrying cannot help (a revoked store token, say) carry `retryable: false`. */
const isPermanent = (error: unknown) => typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;

export interface ConsumerIo {
  now: () => number;
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const defaultIo: ConsumerIo = { now: Date.now, fetch: (input, init) => fetch(input, init) };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function handleQueue(batch: MessageBatch<unknown>, env: WorkerEnv, io: ConsumerIo = defaultIo): Promise<void> {
  const checked = readConfig(env);
  if (!checked.ok) throw new Error(checked.message);
  const services = buildServices(env, checked.config, io.now);

  switch (batch.queue) {
    case ORDER_QUEUE_NAME:
      for (const message of batch.messages) {
        const parsed = orderMessageSchema.safeParse(message.body);
        if (!parsed.success) {
          console.error("order queue: dropping a message of unknown shape", JSON.stringify(message.body));
          message.ack();
          continue;
        }
        try {
          await run(services, parsed.data, io);
          message.ack();
        } catch (error) {
          await handleFailure(services, parsed.data, message, error);
        }
      }
      return;

    case DEAD_LETTER_QUEUE_NAME:
      // Usually already recorded by the last attempt; recording again changes nothing then.
      for (const message of batch.messages) {
        const parsed = orderMessageSchema.safeParse(message.body);
        if (parsed.success && parsed.data.type === "order.received") {
          await recordProcessingFailure(services.d1, parsed.data.order_id, parsed.data.version, null, message.attempts, io.now());
        }
        message.ack();
      }
      return;

    default:
      throw new Error(`no consumer for queue ${batch.queue}`);
  }
}

async function run(services: Services, message: OrderMessage, io: ConsumerIo): Promise<void> {
  switch (message.type) {
    case "order.received":
    case "order.automate": {
      const counted = services.config.LOG_D1_COST ? countingD1(services.d1) : null;
      const measured = counted ? { ...services, d1: counted.d1 } : services;
      if (message.type === "order.received") await processOrder(measured.d1, message.order_id, io.now());
      const result = await automateOrder(measured, message.order_id);
      if (counted) {
        const { roundTrips, statements, rowsRead, rowsWritten } = counted.cost;
        const document = result?.document ? `${result.document.type}:${result.document.status}` : "none";
        console.log(`[d1-cost] ${message.type} ${message.order_id} document=${document} round_trips=${roundTrips} statements=${statements} rows_read=${rowsRead} rows_written=${rowsWritten}`);
      }
      return;
    }
    case "channel.reconcile":
      await sweepChannel(services, message.channel_id, io.now(), { fetch: io.fetch, sleep: io.sleep });
      return;
    case "delivery.confirm":
      await confirmStoredDelivery(services, message.delivery_id, { fetch: io.fetch, sleep: io.sleep });
      return;
    case "stock.sync":
      await runStockSyncStep(services, message, { fetch: io.fetch, now: io.now, subrequests: services.config.STOCK_SYNC_SUBREQUESTS, sleep: io.sleep ?? realSleep });
      return;
  }
}

async function handleFailure(services: Services, body: OrderMessage, message: Message<unknown>, error: unknown): Promise<void> {
  const reason = describe(error);
  const last = message.attempts >= services.config.PROCESSING_MAX_ATTEMPTS;
  if (body.type === "channel.reconcile") {
    // The sweep recorded its failed run; the next due sweep tries again from the same cursor.
    console.warn("reconcile: sweep failed", body.channel_id, reason);
    if (last || isPermanent(error)) message.ack();
    else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  if (body.type === "stock.sync") {
    // The step freed its lease; the same step runs again. Store trouble never gets here (items wait instead).
    console.warn("stock sync: step failed", body.sync_id, body.step, message.attempts, reason);
    if (last) {
      await giveUpStockSync(services.d1, body.sync_id, reason, services.now()).catch(() => undefined);
      message.ack();
    } else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  if (body.type === "delivery.confirm") {
    console.warn("confirm: attempt failed", body.delivery_id, message.attempts, reason);
    if (last || isPermanent(error)) {
      await giveUpConfirming(services, body.delivery_id, reason).catch(() => undefined);
      message.ack();
    } else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  if (last) {
    // Record why while we still know, then let the queue dead-letter the message. Whichever step
    // failed (the order's own processing, or its documents), exactly one of these applies.
    const now = services.now();
    await Promise.all([
      body.type === "order.received" ? recordProcessingFailure(services.d1, body.order_id, body.version, reason, message.attempts, now) : null,
      recordDocumentFailure(services.d1, body.order_id, reason, message.attempts, now),
    ]).catch((recordError) => console.error("order queue: could not record the failure", body.order_id, describe(recordError)));
    message.retry();
    return;
  }
  console.warn("order queue: attempt failed, retrying", body.order_id, message.attempts, reason);
  await recordProcessingAttempt(services.d1, body.order_id, reason, message.attempts).catch(() => undefined);
  message.retry({ delaySeconds: backoffSeconds(message.attempts) });
}
