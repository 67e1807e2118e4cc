/**
 * Shopify: order webhooks created by the merchant under Settings > Notifications > Webhooks (or by
 * an app), in JSON or XML, signed with X-Shopify-Hmac-Sha256. orders/create, orders/updated,
 * orders/paid and orders/cancelled carry the whole order; refunds/create carries a refund; every
 * other topic is acknowledged and ignored.
 */
import { summarizeProblems } from "../../lib/errors";
import { parseJsonLossless } from "../../lib/json";
import { MoneyFormatError } from "../../orders/money";
import { decodeOrder } from "../../orders/order";
import { issuesOf } from "../../lib/validate";
import { decodeRefund } from "../../orders/refund";
import { fingerprint, readBody } from "../inbound-body";
import type { Order } from "../../orders/order";
import type { Arrival, RefundArrival } from "../../orders/arrival";
import type { ChannelAdapter, ParseVerdict } from "../types";
import { shopifySettings, type ShopifySettings } from "./shopify-settings";
import { shopifySample } from "./shopify-sample";
import { mapShopifyOrder } from "./map-shopify-order";
import { mapShopifyRefund } from "./map-shopify-refund";
import { shopifyOrderSchema, shopifyRefundSchema } from "./shopify-payload";
import { HMAC_HEADER, verifyShopifyHmac } from "./shopify-signature";
import { shopifyResourceFromXml } from "./shopify-xml";

export const ORDER_TOPICS = new Set(["orders/create", "orders/updated", "orders/paid", "orders/cancelled"]);
export const REFUND_TOPIC = "refunds/create";

const invalid = (problems: Array<{ field: string; message: string }>): ParseVerdict => ({
  kind: "rejected",
  rejection: { code: "validation_failed", message: summarizeProblems(problems), problems },
});

/**
 * The same event delivered twice (a retry, or two subscriptions) carries the same event id; a
 * retried delivery also keeps its webhook id. Without either, identical content is the same event.
 */
async function eventKey(headers: Headers, value: unknown): Promise<string> {
  const eventId = headers.get("x-shopify-event-id");
  if (eventId) return `event:${eventId}`;
  const webhookId = headers.get("x-shopify-webhook-id");
  if (webhookId) return `webhook:${webhookId}`;
  return `content:${await fingerprint(value)}`;
}

function refundArrival(value: unknown): { arrival: RefundArrival } | { verdict: ParseVerdict } {
  const payload = shopifyRefundSchema.safeParse(value, { reportInput: true });
  if (!payload.success) return { verdict: invalid(issuesOf(payload.error)) };
  const decoded = decodeRefund(mapShopifyRefund(payload.data));
  if (!decoded.ok) return { verdict: invalid(decoded.issues) };
  return { arrival: { type: "refund", key: `refund:${decoded.refund.external_id}`, refund: decoded.refund } };
}

/**
 * An Order resource (from a webhook or the Admin API) as arrivals: the order, then each refund it
 * carries. orders/updated and sweeps bring refunds too, so a lost refunds/create is not lost.
 */
export async function shopifyOrderArrivals(
  value: unknown,
  keyOf: (order: Order) => Promise<string> | string,
  options: { test?: boolean } = {},
): Promise<ParseVerdict> {
  try {
    const payload = shopifyOrderSchema.safeParse(value, { reportInput: true });
    if (!payload.success) return invalid(issuesOf(payload.error));
    const decoded = decodeOrder(mapShopifyOrder(payload.data, options));
    if (!decoded.ok) return invalid(decoded.issues);
    const arrivals: [Arrival, ...Arrival[]] = [{ type: "order", key: await keyOf(decoded.order), order: decoded.order }];
    for (const [index, embedded] of (payload.data.refunds ?? []).entries()) {
      const refund = refundArrival(embedded);
      if ("verdict" in refund) {
        return refund.verdict.kind === "rejected" && refund.verdict.rejection.problems
          ? invalid(refund.verdict.rejection.problems.map((problem) => ({ ...problem, field: `refunds.${index}.${problem.field}` })))
          : refund.verdict;
      }
      arrivals.push(refund.arrival);
    }
    return { kind: "arrivals", arrivals };
  } catch (error) {
    if (error instanceof MoneyFormatError) return { kind: "rejected", rejection: { code: "validation_failed", message: error.message } };
    throw error;
  }
}

export const shopifyAdapter: ChannelAdapter<ShopifySettings> = {
  type: "shopify",
  mediaTypes: ["application/json", "application/xml", "text/xml"],
  settings: shopifySettings,
  name: "Shopify",
  description: "Order webhooks from the Shopify admin (XML or JSON), signed with the shop's key.",
  setup: [
    ["In the Shopify admin, open ", { menu: ["Settings", "Notifications", "Webhooks"] }, " and click ", { button: "Create webhook" }, "."],
    ["Event ", { value: "Order creation" }, ", Format ", { value: "XML" }, " (or ", { value: "JSON" }, "), URL ", { uri: true }, ", the newest webhook API version; save."],
    [
      "Repeat for ",
      { value: "Order update" },
      ", ",
      { value: "Order payment" },
      ", ",
      { value: "Order cancellation" },
      " and ",
      { value: "Refund create" },
      " to receive updates, payments, cancellations and refunds.",
    ],
    ["Copy the key from ", { value: "Your webhooks will be signed with …" }, " on that page and add it to this channel as its secret."],
    ["Optional, to catch webhooks Shopify gives up on: add the shop's ", { code: "myshopify.com" }, " domain and an Admin API access token with ", { code: "read_orders" }, "."],
  ],
  testOrder: { sample: shopifySample },
  automation: "by-hand",

  verify: (request, channel) => verifyShopifyHmac(request.headers.get(HMAC_HEADER), request.body, channel.secrets),

  async parse(request): Promise<ParseVerdict> {
    const topic = request.headers.get("x-shopify-topic");
    if (!topic) return invalid([{ field: "X-Shopify-Topic", message: "the header is missing" }]);
    const resource = ORDER_TOPICS.has(topic) ? "order" : topic === REFUND_TOPIC ? "refund" : null;
    if (!resource) return { kind: "ignored", reason: `Topic ${topic} is not one the inbox uses` };

    const body = readBody(request, { json: parseJsonLossless, xml: (root) => shopifyResourceFromXml(root, resource) });
    if (!body.ok) return { kind: "rejected", rejection: body.rejection };

    if (resource === "order") {
      const test = request.headers.get("x-shopify-test") === "true";
      return shopifyOrderArrivals(body.value, (order) => eventKey(request.headers, order), { test });
    }
    try {
      const refund = refundArrival(body.value);
      return "arrival" in refund ? { kind: "arrivals", arrivals: [refund.arrival] } : refund.verdict;
    } catch (error) {
      if (error instanceof MoneyFormatError) return { kind: "rejected", rejection: { code: "validation_failed", message: error.message } };
      throw error;
    }
  },
};
