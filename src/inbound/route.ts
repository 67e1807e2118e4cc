/**
 * POST /in/:token — the channel URI every store posts to. The order of work is the contract, and
 * the handler reads as it: find the channel, check the media type and size, verify the signature
 * over the raw bytes, parse (pure), store in one D1 batch, queue, and only then answer 2xx.
 * Anything refused is logged with its reason and creates no order.
 */
import { Hono, type Context } from "hono";
import { channelByToken, forgetChannel, type InboundChannel } from "../channels/channel-store";
import { adapterFor } from "../channels/registry";
import type { InboundRequest, ParseVerdict, Rejection, Verification } from "../channels/types";
import type { AppEnv, Services } from "../context";
import { AppError, statusOf } from "../lib/errors";
import { newId } from "../lib/ids";
import { confirmDelivery, type OrderMessage } from "../queue/messages";
import { headersOfInterest } from "./delivery-log";
import { keyReusedMessage, logDelivery, storePendingDelivery } from "./delivery-store";
import { ingestMany, queueChangedOrders, type IngestCost, type IngestInput, type IngestOutcome } from "./ingest";
import { readBodyWithin } from "./read-body";

export const inbound = new Hono<AppEnv>();

type Adapter = NonNullable<ReturnType<typeof adapterFor>>;
type Arrivals = Extract<ParseVerdict, { kind: "arrivals" }>["arrivals"];

/** One request to a channel URI as the steps see it; `body` is read once the channel accepts its media type. */
interface Delivery {
  token: string;
  receivedAt: number;
  request: Request;
  contentType: string | null;
  mediaType: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

inbound.post("/in/:token", async (c) => {
  const { services } = c.var;
  const delivery = readDelivery(c.req.param("token"), c.req.raw, services.now());
  let channel = await findChannel(services, delivery);
  const adapter = adapterOf(channel);
  const request = await readBody(services, delivery, channel.id, adapter);

  let verdict: ParseVerdict | null = null;
  // A second pass happens only when the channel changed under a cached lookup (see inbound/ingest.ts).
  for (let pass = 0; pass < 2; pass++) {
    const verification = await verify(services, delivery, adapter, request, channel);
    if (verification.ok === "deferred") {
      if (await storeForConfirmation(services, delivery, channel.id)) {
        // PayPal wants an empty 200 for an IPN; nothing about the delivery is known yet.
        return c.body(null, 200);
      }
      channel = await findChannelAgain(services, delivery);
      continue;
    }
    // Parsing only ever sees bytes whose signature checked out.
    verdict ??= await parse(services, delivery, adapter, request, channel);
    if (verdict.kind === "ignored") return logIgnored(c, delivery, channel.id, verdict.reason);

    const stored = await store(services, delivery, channel.id, verification.secretId, verdict.arrivals);
    c.header("Server-Timing", serverTiming(stored.cost));
    if (stored.outcomes.some((outcome) => outcome.kind === "channel_inactive")) {
      channel = await findChannelAgain(services, delivery);
      continue;
    }
    await queueChangedOrders(services.queue, stored.outcomes);
    // The first arrival is what the delivery was about (the order; its refunds ride along).
    const [first] = stored.outcomes;
    // Logged as rejected in the same batch (delivery-store.ts); refused, never retried.
    if (first.kind === "key_reused") throw new AppError("event_id_reused", keyReusedMessage(first.key));
    return acknowledge(c, first);
  }
  throw new AppError("storage_unavailable", "The channel changed while the order was being stored: send it again");
});

// Keeps a byte-order mark: a stored body must stay the bytes that were signed.
const lossyUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function bodyText(body: Uint8Array): string {
  return lossyUtf8.decode(body);
}

function readDelivery(token: string, request: Request, receivedAt: number): Delivery {
  const contentType = request.headers.get("content-type");
  return {
    token,
    receivedAt,
    request,
    contentType,
    mediaType: (contentType ?? "").split(";")[0].trim().toLowerCase(),
    headers: headersOfInterest(request.headers),
    body: null,
  };
}

/** Logs the refusal (a failure to log must not hide it) and answers it as an error. */
async function refuse(services: Services, delivery: Delivery, channelId: string | null, rejection: Rejection): Promise<never> {
  const { body } = delivery;
  try {
    await logDelivery(services.d1, {
      channelId,
      receivedAt: delivery.receivedAt,
      outcome: "rejected",
      httpStatus: statusOf(rejection.code),
      errorCode: rejection.code,
      reason: rejection.message,
      contentType: delivery.contentType,
      headers: delivery.headers,
      // Bodies sent to unknown URIs are not kept: anyone can post there.
      body: body && channelId ? bodyText(body) : null,
      bodyBytes: body?.byteLength ?? 0,
    });
  } catch (error) {
    console.error("inbound: could not log a rejected delivery", error);
  }
  throw new AppError(rejection.code, rejection.message, { problems: rejection.problems });
}

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

/** The active channel behind the token, or a refusal. */
async function findChannel(services: Services, delivery: Delivery): Promise<InboundChannel> {
  const channel = await channelByToken(services.db, delivery.token, delivery.receivedAt, services.config.SETTINGS_KEY);
  const unusable = channelRejection(channel);
  if (unusable || !channel) return refuse(services, delivery, channel?.id ?? null, unusable!);
  return channel;
}

/** The channel changed under the cached lookup: read it afresh. */
async function findChannelAgain(services: Services, delivery: Delivery): Promise<InboundChannel> {
  forgetChannel(delivery.token);
  return findChannel(services, delivery);
}

function adapterOf(channel: InboundChannel): Adapter {
  const adapter = adapterFor(channel.type);
  if (!adapter) throw new AppError("internal_error", `The ${channel.type} channel has no adapter`);
  return adapter;
}

/** Checks the media type, then reads the body within the size limit: the raw bytes every later step sees. */
async function readBody(services: Services, delivery: Delivery, channelId: string, adapter: Adapter): Promise<InboundRequest> {
  const { contentType, mediaType } = delivery;
  if (!adapter.mediaTypes.includes(mediaType)) {
    return refuse(services, delivery, channelId, {
      code: "unsupported_media_type",
      message: `Content-Type ${contentType ? `"${contentType}"` : "(none)"} is not accepted here; send one of: ${adapter.mediaTypes.join(", ")}`,
    });
  }
  const limit = services.config.MAX_BODY_BYTES;
  const read = await readBodyWithin(delivery.request, limit);
  if (!read.ok) return refuse(services, delivery, channelId, { code: "payload_too_large", message: `The body is larger than ${limit} bytes` });
  delivery.body = read.bytes;
  return { headers: delivery.request.headers, body: read.bytes, mediaType, receivedAt: delivery.receivedAt };
}

/** Verifies the raw bytes: a pass, a deferral to the source, or a refusal. */
async function verify(
  services: Services,
  delivery: Delivery,
  adapter: Adapter,
  request: InboundRequest,
  channel: InboundChannel,
): Promise<Exclude<Verification, { ok: false }>> {
  const verification = await adapter.verify(request, channel);
  if (verification.ok === false) return refuse(services, delivery, channel.id, verification.rejection);
  return verification;
}

/** Parses verified bytes: arrivals to store, a reason to ignore them, or a refusal. */
async function parse(
  services: Services,
  delivery: Delivery,
  adapter: Adapter,
  request: InboundRequest,
  channel: InboundChannel,
): Promise<Exclude<ParseVerdict, { kind: "rejected" }>> {
  let verdict: ParseVerdict;
  try {
    verdict = await adapter.parse(request, channel);
  } catch (error) {
    // Parsing is pure: whatever it trips over is in the signed bytes, and sending them again cannot
    // help, so a 400 (logged with the reason) rather than a 5xx a store would retry forever.
    console.error(`inbound: the ${channel.type} adapter threw while parsing`, error);
    const reason = error instanceof Error ? error.message : String(error);
    return refuse(services, delivery, channel.id, { code: "malformed_body", message: `The body could not be read: ${reason.slice(0, 300)}` });
  }
  if (verdict.kind === "rejected") return refuse(services, delivery, channel.id, verdict.rejection);
  return verdict;
}

function unstored(error: unknown): AppError {
  return new AppError("storage_unavailable", "The delivery could not be stored, so it was not accepted: send it again", { cause: error });
}

/**
 * A delivery only its source can verify is stored as pending and its confirmation queued. False
 * when the channel is no longer active (the store's guard held it back).
 */
async function storeForConfirmation(services: Services, delivery: Delivery, channelId: string): Promise<boolean> {
  const body = delivery.body!;
  let id: string | null;
  try {
    id = await storePendingDelivery(services.d1, channelId, delivery.receivedAt, {
      contentType: delivery.contentType,
      headers: delivery.headers,
      body: bodyText(body),
      bodyBytes: body.byteLength,
    });
  } catch (error) {
    throw unstored(error);
  }
  if (id) await queueConfirmation(services.queue, id);
  return id !== null;
}

async function queueConfirmation(queue: Queue<OrderMessage>, deliveryId: string): Promise<void> {
  try {
    await queue.send(confirmDelivery(deliveryId));
  } catch (error) {
    // Stored is what counts: the sweep queues pending deliveries again.
    console.error("inbound: queueing a confirmation failed, leaving it to the sweep", error);
  }
}

/** Nothing to store but the log line; still, no 2xx before it is written. */
async function logIgnored(c: Context<AppEnv>, delivery: Delivery, channelId: string, reason: string) {
  const body = delivery.body!;
  await logDelivery(c.var.services.d1, {
    channelId,
    receivedAt: delivery.receivedAt,
    outcome: "ignored",
    httpStatus: 200,
    errorCode: null,
    reason,
    contentType: delivery.contentType,
    headers: delivery.headers,
    body: bodyText(body),
    bodyBytes: body.byteLength,
  }).catch((error: unknown) => {
    throw new AppError("storage_unavailable", "The delivery could not be logged: send it again", { cause: error });
  });
  return c.json({ order_id: null, duplicate: false, ignored: reason }, 200);
}

/** One batch for everything the delivery carried; the first arrival logs the delivery. */
async function store(
  services: Services,
  delivery: Delivery,
  channelId: string,
  secretId: string | null,
  arrivals: Arrivals,
): Promise<{ outcomes: IngestOutcome[]; cost: IngestCost }> {
  const body = delivery.body!;
  const facts = {
    id: newId("dlv", delivery.receivedAt),
    contentType: delivery.contentType,
    headers: delivery.headers,
    body: bodyText(body),
    bodyBytes: body.byteLength,
  };
  const inputs = arrivals.map(
    (arrival, index): IngestInput => ({
      channelId,
      secretId,
      delivery: index === 0 ? facts : null,
      origin: "delivery",
      arrival,
      now: delivery.receivedAt,
    }),
  );
  try {
    return await ingestMany(services.d1, inputs);
  } catch (error) {
    console.error("inbound: storing failed", error);
    throw unstored(error);
  }
}

function serverTiming(cost: IngestCost): string {
  return `d1;desc="round_trips=1 statements=${cost.statements} rows_read=${cost.rowsRead} rows_written=${cost.rowsWritten}"`;
}

function acknowledge(c: Context<AppEnv>, outcome: IngestOutcome) {
  switch (outcome.kind) {
    case "accepted":
      return c.json({ order_id: outcome.orderId, duplicate: false }, 202);
    case "duplicate":
      return c.json({ order_id: outcome.orderId, duplicate: true }, 200);
    case "stale":
      return c.json({ order_id: outcome.orderId, duplicate: false, stale: true }, 200);
    case "channel_inactive":
      throw new Error("an inactive channel is read again before the delivery is acknowledged");
    case "key_reused":
      throw new Error("a reused key is refused before the delivery is acknowledged");
  }
}
