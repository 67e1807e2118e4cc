/**
 * Mozello: the Store API's notifications (ORDER_CREATED, PAYMENT_CHANGED, DISPATCH_CHANGED,
 * ORDER_DELETED), each carrying the whole order and signed with X-Mozello-Hash (mozello-signature.ts).
 */
import { summarizeProblems } from "../../lib/errors";
import { parseJsonLossless } from "../../lib/json";
import { MoneyFormatError } from "../../orders/money";
import { decodeOrder } from "../../orders/order";
import { issuesOf } from "../../lib/validate";
import { readJson } from "../inbound-body";
import type { ChannelAdapter, ParseVerdict } from "../types";
import { mapMozelloOrder, placedAt } from "./map-mozello-order";
import { mozelloNotificationSchema, mozelloOrderSchema } from "./mozello-payload";
import { mozelloSample } from "./mozello-sample";
import { mozelloSettings, type MozelloSettings } from "./mozello-settings";
import { HASH_HEADER, verifyMozelloHash } from "./mozello-signature";

const ORDER_EVENTS = new Set(["ORDER_CREATED", "PAYMENT_CHANGED", "DISPATCH_CHANGED"]);

const invalid = (problems: Array<{ field: string; message: string }>): ParseVerdict => ({
  kind: "rejected",
  rejection: { code: "validation_failed", message: summarizeProblems(problems), problems },
});

/** FNV-1a, 32 bits: a short, stable name for an order state inside an idempotency key (not a security hash). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/**
 * When a Mozello order state held, and the key that stores it once. Mozello's deliveries carry no
 * modification time or sequence, and PAYMENT_CHANGED fires on every change, manual ones included
 * (paid → pending is a real revert, not an old state), so:
 * - a notification's state is as of its receipt, and each delivery is its own event (a paid →
 *   pending → paid → pending order repeats identical bodies that must all apply);
 * - except ORDER_CREATED, which is by definition the first state: as of the order's created_at, so
 *   a late or retried one never overrides a later state;
 * - a sweep's state is as of the sweep's start (a notification received after it wins), keyed by
 *   the state alone, so re-reading a known state stores nothing.
 */
export type MozelloObservation = { via: "notification"; event: string; receivedAt: number } | { via: "sweep"; at: number };

/**
 * A Mozello order (from a notification or the API) as one arrival, dated and keyed as `observed` says.
 */
export function mozelloOrderArrival(value: unknown, observed: MozelloObservation): ParseVerdict {
  const payload = mozelloOrderSchema.safeParse(value, { reportInput: true });
  if (!payload.success) return invalid(issuesOf(payload.error).map((issue) => ({ ...issue, field: `order.${issue.field}` })));
  try {
    const placed = Date.parse(placedAt(payload.data.created_at));
    const at =
      observed.via === "sweep"
        ? iso(observed.at)
        : observed.event === "ORDER_CREATED" && !Number.isNaN(placed)
          ? iso(Math.min(placed, observed.receivedAt))
          : iso(observed.receivedAt);
    const decoded = decodeOrder(mapMozelloOrder(payload.data, at));
    if (!decoded.ok) return invalid(decoded.issues);
    const { order } = decoded;
    const state = fingerprint(JSON.stringify({ ...order, updated_at: null }));
    const key = observed.via === "sweep" ? `state:${order.external_id}:${state}` : `notice:${order.external_id}:${observed.receivedAt}:${state}`;
    return { kind: "arrivals", arrivals: [{ type: "order", key, order }] };
  } catch (error) {
    if (error instanceof MoneyFormatError) return { kind: "rejected", rejection: { code: "validation_failed", message: error.message } };
    throw error;
  }
}

export const mozelloAdapter: ChannelAdapter<MozelloSettings> = {
  type: "mozello",
  mediaTypes: ["application/json"],
  settings: mozelloSettings,
  name: "Mozello",
  description: "The Store API's notifications, signed with the API key; every order processed.",
  setup: [
    ["In Mozello, open ", { menu: ["Store", "Store settings", "API"] }, ", enable the API and copy the API key."],
    ["Create this channel with that key as its secret (it signs Mozello's notifications and lets the inbox read orders)."],
    ["Click ", { connect: true }, ": the inbox registers ", { uri: true }, " for order notifications itself."],
  ],
  testOrder: { sample: mozelloSample },
  automation: "every-order",

  verify: (request, channel) => verifyMozelloHash(request.headers.get(HASH_HEADER), request.body, channel.secrets),

  async parse(request): Promise<ParseVerdict> {
    const body = readJson(request, parseJsonLossless);
    if (!body.ok) return { kind: "rejected", rejection: body.rejection };
    const value = body.value;
    const notification = mozelloNotificationSchema.safeParse(value);
    if (!notification.success) return invalid(issuesOf(notification.error));
    const { event, order } = notification.data;
    if (event === "ORDER_DELETED") {
      const id = (order as { order_id?: unknown } | undefined)?.order_id;
      if (id === undefined || id === null) return invalid([{ field: "order.order_id", message: "is required" }]);
      const at = new Date(request.receivedAt).toISOString();
      return { kind: "arrivals", arrivals: [{ type: "removal", key: `removal:${String(id)}`, externalId: String(id), at }] };
    }
    if (!ORDER_EVENTS.has(event)) return { kind: "ignored", reason: `Event ${event} is not one the inbox uses` };
    return mozelloOrderArrival(order, { via: "notification", event, receivedAt: request.receivedAt });
  },
};
