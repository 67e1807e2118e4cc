/**
 * POST /in/:token — the channel URI every store posts to. The order of work is the contract:
 * find the channel, check the media type and size, verify the signature over the raw bytes,
 * parse (pure), store in one D1 batch, queue, and only then answer 2xx. Anything refused is
 * logged with its reason and creates no order.
 */
import { Hono } from "hono";
import { channelByToken, forgetChannel, type InboundChannel } from "../channels/channel-store";
import { adapterFor } from "../channels/registry";
import type { InboundRequest, ParseVerdict, Rejection } from "../channels/types";
import type { AppEnv } from "../context";
import { AppError, statusOf } from "../lib/errors";
import { newId } from "../lib/ids";
import { confirmDelivery, type OrderMessage } from "../queue/messages";
import { ingestMany, queueChangedOrders } from "./ingest";
import { headersOfInterest, logDelivery } from "./delivery-log";
import { readBodyWithin } from "./read-body";

export const inbound = new Hono<AppEnv>();

// Keeps a byte-order mark: a stored body must stay the bytes that were signed.
const lossyUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function channelRejection(channel: InboundChannel | null): Rejection | null {
  if (!channel) {
    return { code: "channel_not_found", message: "No channel has this URI: copy the channel URI from the inbox again" };
  }
  if (channel.status === "deleted") return { code: "channel_deleted", message: "This channel was deleted and accepts no orders" };
  if (channel.status === "disabled") {
    return { code: "channel_disabled", message: "This channel is disabled: enable it in the inbox to accept orders again" };
  }
  return null;
}

inbound.post("/in/:token", async (c) => {
  const { services } = c.var;
  const { d1, db, config } = services;
  const token = c.req.param("token");
  const receivedAt = services.now();
  const request = c.req.raw;
  const contentType = request.headers.get("content-type");
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const headers = headersOfInterest(request.headers);
  let body: Uint8Array | null = null;

  const refuse = async (channelId: string | null, rejection: Rejection): Promise<never> => {
    try {
      await logDelivery(d1, {
        channelId,
        receivedAt,
        outcome: "rejected",
        httpStatus: statusOf(rejection.code),
        errorCode: rejection.code,
        reason: rejection.message,
        contentType,
        headers,
        // Bodies sent to unknown URIs are not kept: anyone can post there.
        body: body && channelId ? lossyUtf8.decode(body) : null,
        bodyBytes: body?.byteLength ?? 0,
      });
    } catch (error) {
      console.error("inbound: could not log a rejected delivery", error);
    }
    throw new AppError(rejection.code, rejection.message, { problems: rejection.problems });
  };

  let channel = await channelByToken(db, token, receivedAt, config.SETTINGS_KEY);
  const unusable = channelRejection(channel);
  if (unusable || !channel) return refuse(channel?.id ?? null, unusable!);
  const adapter = adapterFor(channel.type);
  if (!adapter) throw new AppError("internal_error", `The ${channel.type} channel has no adapter`);

  if (!adapter.mediaTypes.includes(mediaType)) {
    return refuse(channel.id, {
      code: "unsupported_media_type",
      message: `Content-Type ${contentType ? `"${contentType}"` : "(none)"} is not accepted here; send one of: ${adapter.mediaTypes.join(", ")}`,
    });
  }
  const read = await readBodyWithin(request, config.MAX_BODY_BYTES);
  if (!read.ok) {
    return refuse(channel.id, { code: "payload_too_large", message: `The body is larger than ${config.MAX_BODY_BYTES} bytes` });
  }
  body = read.bytes;
  const inboundRequest: InboundRequest = { headers: request.headers, body, mediaType, receivedAt };

  let verdict: ParseVerdict | null = null;
  // A second pass happens only when the channel changed under a cached lookup (see orders/ingest.ts).
  for (let pass = 0; pass < 2; pass++) {
    const verification = await adapter.verify(inboundRequest, channel);
    if (verification.ok === false) return refuse(channel.id, verification.rejection);
    if (verification.ok === "deferred") {
      const stored = await storePending(d1, channel.id, { receivedAt, contentType, headers, body });
      if (stored) {
        await queueConfirmation(services.queue, stored);
        // PayPal wants an empty 200 for an IPN; nothing about the delivery is known yet.
        return c.body(null, 200);
      }
      forgetChannel(token);
      channel = await channelByToken(db, token, receivedAt, config.SETTINGS_KEY);
      const nowUnusable = channelRejection(channel);
      if (nowUnusable || !channel) return refuse(channel?.id ?? null, nowUnusable!);
      continue;
    }
    // Parsing only ever sees bytes whose signature checked out.
    verdict ??= await adapter.parse(inboundRequest, channel);

    if (verdict.kind === "rejected") return refuse(channel.id, verdict.rejection);
    if (verdict.kind === "ignored") {
      // Nothing to store but the log line; still, no 2xx before it is written.
      await logDelivery(d1, {
        channelId: channel.id,
        receivedAt,
        outcome: "ignored",
        httpStatus: 200,
        errorCode: null,
        reason: verdict.reason,
        contentType,
        headers,
        body: lossyUtf8.decode(body),
        bodyBytes: body.byteLength,
      }).catch((error: unknown) => {
        throw new AppError("storage_unavailable", "The delivery could not be logged: send it again", { cause: error });
      });
      return c.json({ order_id: null, duplicate: false, ignored: verdict.reason }, 200);
    }

    const delivery = { id: newId("dlv", receivedAt), contentType, headers, body: lossyUtf8.decode(body), bodyBytes: body.byteLength };
    let stored: Awaited<ReturnType<typeof ingestMany>>;
    try {
      // One batch for everything the delivery carried; the first arrival logs the delivery.
      stored = await ingestMany(
        d1,
        verdict.arrivals.map((arrival, index) => ({
          channelId: channel!.id,
          secretId: verification.secretId,
          delivery: index === 0 ? delivery : null,
          origin: "delivery" as const,
          arrival,
          now: receivedAt,
        })),
      );
    } catch (error) {
      console.error("inbound: storing failed", error);
      throw new AppError("storage_unavailable", "The delivery could not be stored, so it was not accepted: send it again", { cause: error });
    }
    c.header(
      "Server-Timing",
      `d1;desc="round_trips=1 statements=${stored.cost.statements} rows_read=${stored.cost.rowsRead} rows_written=${stored.cost.rowsWritten}"`,
    );

    if (stored.outcomes.some((outcome) => outcome.kind === "channel_inactive")) {
      forgetChannel(token);
      channel = await channelByToken(db, token, receivedAt, config.SETTINGS_KEY);
      const nowUnusable = channelRejection(channel);
      if (nowUnusable || !channel) return refuse(channel?.id ?? null, nowUnusable!);
      continue;
    }
    await queueChangedOrders(services.queue, stored.outcomes);

    // The first arrival is what the delivery was about (the order; its refunds ride along).
    const [outcome] = stored.outcomes;
    switch (outcome.kind) {
      case "accepted":
        return c.json({ order_id: outcome.orderId, duplicate: false }, 202);
      case "duplicate":
        return c.json({ order_id: outcome.orderId, duplicate: true }, 200);
      case "stale":
        return c.json({ order_id: outcome.orderId, duplicate: false, stale: true }, 200);
    }
  }
  throw new AppError("storage_unavailable", "The channel changed while the order was being stored: send it again");
});

/**
 * Stores a delivery whose verification must wait (pending), guarded like ingest: nothing is
 * stored for a channel that is no longer active. Null when the guard held it back.
 */
async function storePending(
  d1: D1Database,
  channelId: string,
  delivery: { receivedAt: number; contentType: string | null; headers: Record<string, string>; body: Uint8Array },
): Promise<string | null> {
  const id = newId("dlv", delivery.receivedAt);
  let result: D1Result;
  try {
    result = await d1
      .prepare(
        `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, reason, content_type, headers, body, body_bytes, confirm_queued_at)
         SELECT ?1, ?2, ?3, 'pending', 200, 'Stored; waiting for the source to confirm it', ?4, ?5, ?6, ?7, ?3
         WHERE EXISTS (SELECT 1 FROM channels WHERE id = ?2 AND status = 'active')`,
      )
      .bind(id, channelId, delivery.receivedAt, delivery.contentType, JSON.stringify(delivery.headers), lossyUtf8.decode(delivery.body), delivery.body.byteLength)
      .run();
  } catch (error) {
    throw new AppError("storage_unavailable", "The delivery could not be stored, so it was not accepted: send it again", { cause: error });
  }
  return result.meta.changes ? id : null;
}

async function queueConfirmation(queue: Queue<OrderMessage>, deliveryId: string): Promise<void> {
  try {
    await queue.send(confirmDelivery(deliveryId));
  } catch (error) {
    // Stored is what counts: the sweep queues pending deliveries again.
    console.error("inbound: queueing a confirmation failed, leaving it to the sweep", error);
  }
}
