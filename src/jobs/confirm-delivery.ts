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
import { ingestMany, queueChangedOrders } from "../inbound/ingest";
import { confirmDelivery } from "../queue/messages";

interface PendingRow {
  id: string;
  channel_id: string;
  outcome: string;
  content_type: string | null;
  headers: string;
  body: string | null;
  body_bytes: number;
  received_at: number;
  type: ChannelType;
  status: string;
  settings: string;
  sealed_settings: string | null;
}

export type Settled = "accepted" | "ignored" | "rejected" | "unverified" | "done";

function settle(d1: D1Database, id: string, outcome: "ignored" | "rejected" | "unverified", errorCode: string | null, reason: string) {
  return d1
    .prepare("UPDATE deliveries SET outcome = ?2, error_code = ?3, reason = ?4 WHERE id = ?1 AND outcome = 'pending'")
    .bind(id, outcome, errorCode, reason.slice(0, 2000))
    .run();
}

export async function confirmStoredDelivery(
  services: Services,
  deliveryId: string,
  io: { fetch: typeof fetch; sleep?: (ms: number) => Promise<void> },
): Promise<Settled> {
  const { d1, config } = services;
  const row = await d1
    .prepare(
      `SELECT d.id, d.channel_id, d.outcome, d.content_type, d.headers, d.body, d.body_bytes, d.received_at,
              c.type, c.status, c.settings, c.sealed_settings
       FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE d.id = ?1`,
    )
    .bind(deliveryId)
    .first<PendingRow>();
  if (!row || row.outcome !== "pending") return "done";

  const confirmer = confirmerFor(row.type);
  if (row.status !== "active") {
    await settle(d1, row.id, "rejected", "channel_disabled", "The channel was disabled or deleted before the delivery was confirmed");
    return "rejected";
  }
  if (!confirmer || row.body === null) {
    await settle(d1, row.id, "unverified", null, row.body === null ? "The body was purged before it was confirmed" : `${row.type} deliveries cannot be confirmed`);
    return "unverified";
  }

  const body = utf8.encode(row.body);
  const request: InboundRequest = {
    headers: new Headers(JSON.parse(row.headers) as Record<string, string>),
    body,
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
      await settle(d1, row.id, "rejected", verdict.rejection.code, verdict.rejection.message);
      return "rejected";
    case "ignored":
      await settle(d1, row.id, "ignored", null, verdict.reason);
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
        await settle(d1, row.id, "rejected", "channel_disabled", "The channel was disabled or deleted before the delivery was confirmed");
        return "rejected";
      }
      await queueChangedOrders(services.queue, outcomes);
      return "accepted";
    }
  }
}

/** The last attempt failed too: the source could not be asked. The delivery stays in the log, marked. */
export async function giveUpConfirming(services: Services, deliveryId: string, reason: string): Promise<void> {
  await settle(services.d1, deliveryId, "unverified", "store_error", `The source could not confirm the delivery: ${reason}`);
}

const RESWEEP_LIMIT = 200;

/** The minute cron: pending deliveries whose confirmation message was lost are queued again. */
export async function requeuePendingDeliveries(services: Services, now: number): Promise<{ requeued: number }> {
  const { d1, queue, config } = services;
  const cutoff = now - config.SWEEP_AFTER_MINUTES * 60_000;
  const { results } = await d1
    .prepare(
      `SELECT id FROM deliveries WHERE outcome = 'pending' AND received_at <= ?1 AND COALESCE(confirm_queued_at, received_at) <= ?1
       ORDER BY received_at LIMIT ?2`,
    )
    .bind(cutoff, RESWEEP_LIMIT)
    .all<{ id: string }>();
  if (results.length === 0) return { requeued: 0 };
  await queue.sendBatch(results.map((row) => ({ body: confirmDelivery(row.id) })));
  await d1.batch(results.map((row) => d1.prepare("UPDATE deliveries SET confirm_queued_at = ?2 WHERE id = ?1").bind(row.id, now)));
  return { requeued: results.length };
}
