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
import { orderReceived, type OrderMessage } from "../jobs/messages";
import { ingestMany, type IngestOutcome } from "../orders/ingest";
import { headersOfInterest, logDelivery } from "./delivery-log";
import { readBodyWithin } from "./read-body";

export const inbound = new Hono<AppEnv>();

const lossyUtf8 = new TextDecoder();

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
    if (!verification.ok) return refuse(channel.id, verification.rejection);
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

/** Orders whose state changed go to the consumer; a failure to queue is left to the sweep. */
async function queueChangedOrders(queue: Queue<OrderMessage>, outcomes: IngestOutcome[]): Promise<void> {
  const changed = outcomes.flatMap((outcome) => (outcome.kind === "accepted" && outcome.orderId && outcome.version > 0 ? [outcome] : []));
  if (changed.length === 0) return;
  try {
    await queue.sendBatch(changed.map((outcome) => ({ body: orderReceived(outcome.orderId!, outcome.version) })));
  } catch (error) {
    // The orders are stored; the sweep queues them again, so the store still gets its 2xx.
    console.error("inbound: queueing failed, leaving the orders to the sweep", error);
  }
}
