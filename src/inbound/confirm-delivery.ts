/**
 * Confirming a deferred delivery: one the inbox stored and answered before it could know it was
 * genuine, because only the source can say (PayPal: the IPN postback, a webhook certificate). The
 * channel's confirmer asks; a genuine delivery is then stored through the same idempotent ingest
 * as any other, linked to the delivery already in the log. Repeats change nothing: a delivery that
 * is no longer pending is done.
 */
import { openCredentials } from "../channels/channel-settings";
import { confirmerFor } from "../channels/registry";
import type { ChannelType, InboundRequest } from "../channels/types";
import type { Services } from "../context";
import { utf8 } from "../lib/encoding";
import { AppError } from "../lib/errors";
import { confirmDelivery } from "../queue/messages";
import { loadDelivery } from "./delivery-log";
import {
  findDeliveryWithChannel,
  findPendingDeliveriesQueuedBefore,
  markConfirmationsQueued,
  markDeliveryPendingAgain,
  settlePendingDelivery,
  type DeliveryRow,
} from "./delivery-store";
import { ingestMany, queueChangedOrders } from "./ingest";

export type Settled = "accepted" | "ignored" | "rejected" | "unverified" | "done";

const CHANNEL_GONE = { outcome: "rejected", errorCode: "channel_disabled", reason: "The channel was disabled or deleted before the delivery was confirmed" } as const;

export async function confirmStoredDelivery(
  services: Services,
  deliveryId: string,
  io: { fetch: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Promise<Settled> {
  const { d1, config } = services;
  const row = await findDeliveryWithChannel(d1, deliveryId);
  if (!row || row.outcome !== "pending") return "done";

  const confirmer = confirmerFor(row.type);
  if (row.status !== "active") {
    await settlePendingDelivery(d1, row.id, CHANNEL_GONE);
    return "rejected";
  }
  if (!confirmer || row.body === null) {
    const reason = row.body === null ? "The body was purged before it was confirmed" : `${row.type} deliveries cannot be confirmed`;
    await settlePendingDelivery(d1, row.id, { outcome: "unverified", errorCode: null, reason });
    return "unverified";
  }

  const request: InboundRequest = {
    headers: new Headers(JSON.parse(row.headers) as Record<string, string>),
    body: utf8.encode(row.body),
    mediaType: (row.content_type ?? "").split(";")[0].trim().toLowerCase(),
    receivedAt: row.received_at,
  };
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  const credentials = await openCredentials(row.sealed_settings, config.SETTINGS_KEY);
  const verdict = await confirmer.confirm(request, { id: row.channel_id, type: row.type, secrets: [], settings }, {
    credentials,
    fetch: io.fetch,
    sleep: io.sleep,
    now: services.now(),
  });

  switch (verdict.kind) {
    case "rejected":
      await settlePendingDelivery(d1, row.id, { outcome: "rejected", errorCode: verdict.rejection.code, reason: verdict.rejection.message });
      return "rejected";
    case "ignored":
      await settlePendingDelivery(d1, row.id, { outcome: "ignored", errorCode: null, reason: verdict.reason });
      return "ignored";
    case "arrivals": {
      const delivery = { id: row.id, contentType: row.content_type, headers: {}, body: row.body, bodyBytes: row.body_bytes, existing: true };
      const { outcomes } = await ingestMany(
        d1,
        verdict.arrivals.map((arrival, index) => ({
          channelId: row.channel_id,
          secretId: null,
          delivery: index === 0 ? delivery : null,
          origin: "delivery" as const,
          arrival,
          now: services.now(),
        })),
      );
      if (outcomes.some((outcome) => outcome.kind === "channel_inactive")) {
        await settlePendingDelivery(d1, row.id, CHANNEL_GONE);
        return "rejected";
      }
      await queueChangedOrders(services.queue, outcomes);
      // A reused event key was settled as rejected in the same batch (delivery-store.ts).
      return outcomes[0].kind === "key_reused" ? "rejected" : "accepted";
    }
  }
}

/** The last attempt failed too: the source could not be asked. The delivery stays in the log, marked. */
export async function giveUpConfirming(services: Services, deliveryId: string, reason: string): Promise<void> {
  await settlePendingDelivery(services.d1, deliveryId, { outcome: "unverified", errorCode: "store_error", reason: `The source could not confirm the delivery: ${reason}` });
}

const REQUEUE_LIMIT = 200;

/** The minute cron: pending deliveries whose confirmation message was lost are queued again. */
export async function requeuePendingDeliveries(services: Services, now: number): Promise<{ requeued: number }> {
  const { d1, queue, config } = services;
  const ids = await findPendingDeliveriesQueuedBefore(d1, now - config.SWEEP_AFTER_MINUTES * 60_000, REQUEUE_LIMIT);
  if (ids.length === 0) return { requeued: 0 };
  await queue.sendBatch(ids.map((id) => ({ body: confirmDelivery(id) })));
  await markConfirmationsQueued(d1, ids, now);
  return { requeued: ids.length };
}

/**
 * Whether asking the source again can change anything: it could not be asked (unverified), or it
 * refused the delivery as sent to another account (wrong_receiver) under settings since fixed,
 * and the body to ask about is still kept.
 */
export function canConfirmAgain(delivery: Pick<DeliveryRow, "outcome" | "errorCode" | "body">, channelType: ChannelType): boolean {
  const undecided = delivery.outcome === "unverified" || (delivery.outcome === "rejected" && delivery.errorCode === "wrong_receiver");
  return Boolean(confirmerFor(channelType)) && undecided && delivery.body !== null;
}

/**
 * Asks the source again about a delivery it could not confirm or refused under settings since
 * fixed: the delivery goes back to pending and the queue confirms it as if it had just arrived.
 * Anything else was decided and stays so.
 */
export async function confirmAgain(services: Services, id: string): Promise<DeliveryRow> {
  const { d1, queue, now } = services;
  const row = await findDeliveryWithChannel(d1, id);
  if (!row) throw new AppError("not_found", `No delivery ${id}`);
  if (!canConfirmAgain({ outcome: row.outcome, errorCode: row.error_code, body: row.body }, row.type)) {
    throw new AppError(
      "conflict",
      row.body === null
        ? "The delivery's body was purged, so it cannot be confirmed again"
        : "Only a delivery that could not be confirmed (unverified), or was refused as sent to another account, can be confirmed again",
    );
  }
  await markDeliveryPendingAgain(d1, id, now());
  await queue.send(confirmDelivery(id));
  return loadDelivery(services.db, id);
}
