/**
 * Mozello: the Store API's notifications (ORDER_CREATED, PAYMENT_CHANGED, DISPATCH_CHANGED,
 * ORDER_DELETED), each carrying the whole order and signed with X-Mozello-Hash (mozello-signature.ts).
 */
import { summarizeProblems } from "../../lib/errors";
import { parseJsonLossless } from "../../lib/json";
import { MoneyFormatError } from "../../orders/money";
import { decodeOrder, sourceUpdatedAt } from "../../orders/order";
import { issuesOf } from "../../lib/validate";
import { readJson } from "../inbound-body";
import type { ChannelAdapter, ParseVerdict } from "../types";
import { mapMozelloOrder } from "./map-mozello-order";
import { mozelloNotificationSchema, mozelloOrderSchema } from "./mozello-payload";
import { mozelloSample } from "./mozello-sample";
import { mozelloSettings, type MozelloSettings } from "./mozello-settings";
import { HASH_HEADER, verifyMozelloHash } from "./mozello-signature";

const ORDER_EVENTS = new Set(["ORDER_CREATED", "PAYMENT_CHANGED", "DISPATCH_CHANGED"]);

const invalid = (problems: Array<{ field: string; message: string }>): ParseVerdict => ({
  kind: "rejected",
  rejection: { code: "validation_failed", message: summarizeProblems(problems), problems },
});

/**
 * A Mozello order (from a notification or the API) as one arrival. Its key is the order's state
 * (progress), so the same state from a retried notification or a sweep is the same event.
 */
export function mozelloOrderArrival(value: unknown): ParseVerdict {
  const payload = mozelloOrderSchema.safeParse(value, { reportInput: true });
  if (!payload.success) return invalid(issuesOf(payload.error).map((issue) => ({ ...issue, field: `order.${issue.field}` })));
  try {
    const decoded = decodeOrder(mapMozelloOrder(payload.data));
    if (!decoded.ok) return invalid(decoded.issues);
    const { order } = decoded;
    return { kind: "arrivals", arrivals: [{ type: "order", key: `state:${order.external_id}:${sourceUpdatedAt(order)}`, order }] };
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
    return mozelloOrderArrival(order);
  },
};
