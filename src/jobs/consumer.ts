/**
 * The queue consumer: a thin loop over services. Messages arrive at least once, so every step is
 * idempotent. A failure is never dropped: it is retried with backoff (and its reason recorded or
 * logged), or, when retrying cannot help or the attempts run out, recorded where the API shows it.
 */
import { drizzle } from "drizzle-orm/d1";
import { buildServices, systemActor, type Services } from "../context";
import * as schema from "../db/schema";
import { readConfig, type WorkerEnv } from "../env";
import { AppError } from "../lib/errors";
import { orderMessageSchema, type OrderMessage } from "../queue/messages";
import {
  clearAutomationDue,
  loadOrder,
  loadOrderOwingAutomation,
  markAutomationDue,
  recordDocumentFailure,
  recordProcessingAttempt,
  recordProcessingFailure,
} from "../orders/order-store";
import { reviewOrder } from "../orders/review";
import { confirmStoredDelivery, giveUpConfirming } from "../inbound/confirm-delivery";
import { sweepChannel } from "../inbound/reconcile";
import { automateOrder } from "../documents/from-order";
import { countingD1 } from "../db/d1-cost";
import { giveUpStockSync, runStockSyncStep } from "../stock/sync-run";
import { checkVatNumber } from "../company/vies";
import { deliverDocumentEmail, recordEmailGivenUp, recordEmailRetry, type RenderPdf } from "../documents/document-email";
import { documentPdf } from "../documents/render/document-print";

export const ORDER_QUEUE_NAME = "sales-inbox-orders";
export const DEAD_LETTER_QUEUE_NAME = "sales-inbox-orders-dlq";

/** 10 s, 20 s, 40 s, ... capped at 10 minutes. */
export const backoffSeconds = (attempts: number): number => Math.min(10 * 2 ** Math.max(attempts - 1, 0), 600);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Retrying cannot help: what the message names is missing or wrong (an AppError of the 4xx kind),
 * or the error says so itself (a revoked store token carries `retryable: false`). A conflict is
 * the exception: it is a race, and the next attempt usually does not meet it.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof AppError) return error.status < 500 && error.status !== 409;
  return typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false;
}

export interface ConsumerIo {
  now: () => number;
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Draws a document's PDF for an e-mail; the PDF renderer is wired in here (src/documents/render/). */
  renderPdf?: RenderPdf;
}

/** The document's own PDF, as GET /api/documents/:id/pdf serves it, named by its number. */
const documentPdfForEmail: RenderPdf = async (services, documentId) => {
  const { bytes, fileName } = await documentPdf(services, documentId);
  return { bytes, filename: fileName };
};

const defaultIo: ConsumerIo = { now: Date.now, fetch: (input, init) => fetch(input, init), renderPdf: documentPdfForEmail };
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function handleQueue(batch: MessageBatch<unknown>, env: WorkerEnv, io: ConsumerIo = defaultIo): Promise<void> {
  const checked = readConfig(env);
  if (!checked.ok) throw new Error(checked.message);
  // Queued work is the inbox's own: automation a channel's rules set going, a sweep, a sync.
  const services = { ...buildServices(env, checked.config, io.now), actor: systemActor("automation") };

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
          await run(services, parsed.data, io, env);
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
        try {
          if (parsed.success && parsed.data.type === "order.received") {
            const { order_id: orderId, version } = parsed.data;
            await recordProcessingFailure(services.d1, { orderId, version, error: null, attempts: message.attempts, at: io.now() });
          }
          message.ack();
        } catch (error) {
          console.error("dead letters: could not record the failure, retrying", JSON.stringify(message.body), describe(error));
          message.retry({ delaySeconds: backoffSeconds(message.attempts) });
        }
      }
      return;

    default:
      throw new Error(`no consumer for queue ${batch.queue}`);
  }
}

/** With LOG_D1_COST, the services count what the work costs in D1 and log it once it is done. */
function measured(services: Services): { services: Services; report: (line: string) => void } {
  if (!services.config.LOG_D1_COST) return { services, report: () => undefined };
  const counted = countingD1(services.d1);
  return {
    services: { ...services, d1: counted.d1, db: drizzle(counted.d1, { schema }) },
    report: (line) => {
      const { roundTrips, statements, rowsRead, rowsWritten } = counted.cost;
      console.log(`[d1-cost] ${line} round_trips=${roundTrips} statements=${statements} rows_read=${rowsRead} rows_written=${rowsWritten}`);
    },
  };
}

async function run(services: Services, message: OrderMessage, io: ConsumerIo, env: WorkerEnv): Promise<void> {
  switch (message.type) {
    case "order.received":
    case "order.automate": {
      const cost = measured(services);
      // One read of the order per message: review and automation both work from this row. The
      // automation is owed until it has run to its end: a review marks it in its own statement, an
      // automate message by the statement that reads the order, a duplicate left unmarked before any effect.
      const row =
        message.type === "order.received"
          ? await loadOrder(cost.services.db, message.order_id)
          : await loadOrderOwingAutomation(cost.services.db, message.order_id, io.now());
      const reviewed = message.type === "order.received" ? (await reviewOrder(cost.services.d1, row, io.now())).row : row;
      const dueAt = reviewed.automationDueAt ?? (await markAutomationDue(cost.services.d1, reviewed.id, io.now()));
      const result = await automateOrder(cost.services, reviewed);
      // Every step is done, or nothing was owed: cleared for the state it ran on, unless marked again
      // meanwhile. A failure above keeps the mark (and is recorded).
      if (dueAt !== null) await clearAutomationDue(cost.services.d1, reviewed.id, dueAt, reviewed.version);
      const document = result?.document ? `${result.document.type}:${result.document.status}` : "none";
      cost.report(`${message.type} ${message.order_id} document=${document}`);
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
    case "vat.check":
      await checkVatNumber(services.d1, message.vat_number, { fetch: io.fetch, url: services.config.VIES_URL, now: io.now });
      return;
    case "document.email":
      await deliverDocumentEmail(services, { mailer: env.EMAIL, from: services.config.MAIL_FROM, renderPdf: io.renderPdf ?? documentPdfForEmail }, message.send_key);
      return;
  }
}

const subjectOf = (body: OrderMessage): string => {
  switch (body.type) {
    case "order.received":
    case "order.automate":
      return `order ${body.order_id}`;
    case "channel.reconcile":
      return `reconcile ${body.channel_id}`;
    case "delivery.confirm":
      return `confirm delivery ${body.delivery_id}`;
    case "stock.sync":
      return `stock sync ${body.sync_id} step ${body.step}`;
    case "vat.check":
      return `VIES check ${body.vat_number}`;
    case "document.email":
      return `document e-mail ${body.send_key}`;
  }
};

/** A failed attempt that will be retried: what is shown meanwhile. */
async function recordAttempt(services: Services, body: OrderMessage, reason: string, attempts: number): Promise<void> {
  // A sweep records its failed run itself; a stock sync step freed its lease and runs again; a
  // confirmation stays pending. Only an order shows that processing is struggling.
  if (body.type === "order.received" || body.type === "order.automate") await recordProcessingAttempt(services.d1, body.order_id, reason, attempts);
  if (body.type === "document.email") await recordEmailRetry(services, body.send_key, reason);
}

/** Giving up: why, where the API shows it. */
async function recordGivingUp(services: Services, body: OrderMessage, reason: string, attempts: number): Promise<void> {
  const { d1 } = services;
  const at = services.now();
  switch (body.type) {
    case "order.received":
    case "order.automate":
      // Whichever step failed (the order's own processing, or its documents), exactly one of these applies.
      await Promise.all([
        body.type === "order.received" ? recordProcessingFailure(d1, { orderId: body.order_id, version: body.version, error: reason, attempts, at }) : null,
        recordDocumentFailure(d1, { orderId: body.order_id, error: reason, attempts, at }),
      ]);
      return;
    case "stock.sync":
      await giveUpStockSync(d1, body.sync_id, reason, at);
      return;
    case "delivery.confirm":
      await giveUpConfirming(services, body.delivery_id, reason);
      return;
    case "channel.reconcile":
      // The sweep recorded its failed run; the next due sweep tries again from the same cursor.
      return;
    case "vat.check":
      // VIES's outages are stored as "unavailable" by the check itself; nothing else waits on it.
      return;
    case "document.email":
      await recordEmailGivenUp(services, body.send_key, reason);
      return;
  }
}

async function handleFailure(services: Services, body: OrderMessage, message: Message<unknown>, error: unknown): Promise<void> {
  const reason = describe(error);
  const subject = subjectOf(body);
  const permanent = isPermanent(error);
  const exhausted = message.attempts >= services.config.PROCESSING_MAX_ATTEMPTS;
  const delaySeconds = backoffSeconds(message.attempts);
  try {
    if (!permanent && !exhausted) {
      await recordAttempt(services, body, reason, message.attempts);
      console.warn(`order queue: attempt ${message.attempts} failed, retrying in ${delaySeconds} s:`, subject, reason);
      message.retry({ delaySeconds });
      return;
    }
    await recordGivingUp(services, body, reason, message.attempts);
    console.warn(`order queue: giving up ${permanent ? "(retrying cannot help)" : `after ${message.attempts} attempts`}:`, subject, reason);
    // An order message that ran out of attempts goes on to the dead-letter queue; the rest are done with.
    if (exhausted && !permanent && (body.type === "order.received" || body.type === "order.automate")) message.retry();
    else message.ack();
  } catch (recordError) {
    // Not recorded: the message stays, so the next attempt records it (or succeeds).
    console.error(`order queue: could not record the failure, retrying in ${delaySeconds} s:`, subject, reason, describe(recordError));
    message.retry({ delaySeconds });
  }
}
