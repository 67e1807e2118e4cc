/**
 * The queue consumer: a thin loop over pure steps. Messages arrive at least once, so every step
 * is idempotent; failures retry with backoff, and the last attempt records the failure on the
 * order (visible through the API) instead of dropping it silently.
 */
import { buildServices } from "../context";
import { readConfig, type WorkerEnv } from "../env";
import { orderMessageSchema } from "./messages";
import { processOrder, recordProcessingAttempt, recordProcessingFailure } from "./process-order";

export const ORDER_QUEUE_NAME = "sales-inbox-orders";
export const DEAD_LETTER_QUEUE_NAME = "sales-inbox-orders-dlq";

/** 10 s, 20 s, 40 s, ... capped at 10 minutes. */
export const backoffSeconds = (attempts: number): number => Math.min(10 * 2 ** Math.max(attempts - 1, 0), 600);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

export async function handleQueue(batch: MessageBatch<unknown>, env: WorkerEnv, now: () => number = Date.now): Promise<void> {
  const checked = readConfig(env);
  if (!checked.ok) throw new Error(checked.message);
  const { d1, config } = buildServices(env, checked.config, now);

  switch (batch.queue) {
    case ORDER_QUEUE_NAME:
      for (const message of batch.messages) {
        const parsed = orderMessageSchema.safeParse(message.body);
        if (!parsed.success) {
          console.error("order queue: dropping a message of unknown shape", JSON.stringify(message.body));
          message.ack();
          continue;
        }
        const { order_id: orderId, version } = parsed.data;
        try {
          await processOrder(d1, orderId, now());
          message.ack();
        } catch (error) {
          const reason = describe(error);
          if (message.attempts >= config.PROCESSING_MAX_ATTEMPTS) {
            // Record why while we still know, then let the queue dead-letter the message.
            await recordProcessingFailure(d1, orderId, version, reason, message.attempts, now()).catch((recordError) =>
              console.error("order queue: could not record the failure", orderId, describe(recordError)),
            );
            message.retry();
          } else {
            console.warn("order queue: attempt failed, retrying", orderId, message.attempts, reason);
            await recordProcessingAttempt(d1, orderId, reason, message.attempts).catch(() => undefined);
            message.retry({ delaySeconds: backoffSeconds(message.attempts) });
          }
        }
      }
      return;

    case DEAD_LETTER_QUEUE_NAME:
      // Usually already recorded by the last attempt; recording again changes nothing then.
      for (const message of batch.messages) {
        const parsed = orderMessageSchema.safeParse(message.body);
        if (parsed.success) {
          const { order_id: orderId, version } = parsed.data;
          await recordProcessingFailure(d1, orderId, version, null, message.attempts, now());
        }
        message.ack();
      }
      return;

    default:
      throw new Error(`no consumer for queue ${batch.queue}`);
  }
}
