/**
 * WooCommerce: webhooks the merchant creates under WooCommerce > Settings > Advanced > Webhooks
 * (or the inbox creates through the REST API, for WooCommerce Premium), signed with
 * X-WC-Webhook-Signature. WooCommerce coalesces events and always sends the order's current state,
 * so an order.updated for an unknown order creates it; the order id with its date_modified_gmt is
 * what identifies one state (X-WC-Webhook-Delivery-ID is not unique).
 */
import { summarizeProblems } from "../../lib/errors";
import { parseJsonLossless } from "../../lib/json";
import { readJson } from "../inbound-body";
import { MoneyFormatError } from "../../orders/money";
import { decodeOrder } from "../../orders/order";
import { issuesOf } from "../../lib/validate";
import { decodeRefund } from "../../orders/refund";
import type { Arrival } from "../../orders/arrival";
import type { ChannelAdapter, ChannelSettings, ChannelType, ParseVerdict, StoredSettings } from "../types";
import { mapWooOrder } from "./map-woocommerce-order";
import { NOT_AN_ORDER, wooOrderSchema } from "./woocommerce-payload";
import { wooSample } from "./woocommerce-sample";
import { wooPremiumSettings } from "./woocommerce-settings";
import { isPing, verifyWooSignature } from "./woocommerce-signature";

const ORDER_TOPICS = new Set(["order.created", "order.updated", "order.restored"]);
const REMOVAL_TOPIC = "order.deleted";

const invalid = (problems: Array<{ field: string; message: string }>): ParseVerdict => ({
  kind: "rejected",
  rejection: { code: "validation_failed", message: summarizeProblems(problems), problems },
});

export function wooArrivals(value: unknown): ParseVerdict {
  const payload = wooOrderSchema.safeParse(value, { reportInput: true });
  if (!payload.success) return invalid(issuesOf(payload.error));
  if (NOT_AN_ORDER.has(payload.data.status)) return { kind: "ignored", reason: `The order is a ${payload.data.status} draft, not an order yet` };
  if (payload.data.status === "trash") {
    const at = `${(payload.data.date_modified_gmt ?? payload.data.date_created_gmt).replace(/Z$/, "")}Z`;
    // In the trash: the order's own modification time is when it went there.
    return { kind: "arrivals", arrivals: [{ type: "removal", key: `removal:${payload.data.id}:${at}`, externalId: payload.data.id, at, ordering: "store" }] };
  }
  const { order, refunds } = mapWooOrder(payload.data);
  const decoded = decodeOrder(order);
  if (!decoded.ok) return invalid(decoded.issues);
  const arrivals: [Arrival, ...Arrival[]] = [
    // One state of one order: the same id with the same modification time is the same event.
    { type: "order", key: `order:${order.external_id}:${order.updated_at}`, order: decoded.order },
  ];
  for (const refund of refunds) {
    const decodedRefund = decodeRefund(refund);
    if (!decodedRefund.ok) return invalid(decodedRefund.issues.map((issue) => ({ ...issue, field: `refunds.${issue.field}` })));
    arrivals.push({ type: "refund", key: `refund:${refund.external_id}`, refund: decodedRefund.refund });
  }
  return { kind: "arrivals", arrivals };
}

const wooPlain = {
  name: "WooCommerce",
  description: "Webhooks you add in WooCommerce with this channel's secret.",
  setup: [
    ["In WordPress, open ", { menu: ["WooCommerce", "Settings", "Advanced", "Webhooks"] }, " and click ", { button: "Add webhook" }, "."],
    [
      "Name ",
      { value: "Sales Inbox" },
      ", Status ",
      { value: "Active" },
      ", Topic ",
      { value: "Order created" },
      ", Delivery URL ",
      { uri: true },
      ", Secret: this channel's secret, API version ",
      { value: "WP REST API Integration v3" },
      "; save.",
    ],
    ["Add the same webhook with Topic ", { value: "Order updated" }, " (and ", { value: "Order deleted" }, ", ", { value: "Order restored" }, ") to keep orders current."],
  ],
  automation: "by-hand",
} satisfies Partial<ChannelAdapter>;

const wooPremium = {
  name: "WooCommerce Premium",
  description: "The inbox connects with REST API keys, installs its webhooks and processes every order.",
  setup: [
    [
      "In WordPress, open ",
      { menu: ["WooCommerce", "Settings", "Advanced", "REST API"] },
      ", click ",
      { button: "Add key" },
      ": Description ",
      { value: "Sales Inbox" },
      ", a shop manager or administrator user, Permissions ",
      { value: "Read/Write" },
      "; generate.",
    ],
    ["Give this channel the store URL, the consumer key and the consumer secret."],
    ["Click ", { connect: true }, ": the inbox creates its webhooks in the store itself and keeps them active."],
  ],
  automation: "every-order",
} satisfies Partial<ChannelAdapter>;

/** The two WooCommerce channels read the same webhooks; Premium also holds the REST API keys the inbox links to the store with. */
function createWooAdapter<Settings extends StoredSettings>(
  type: Extract<ChannelType, "woocommerce" | "woocommerce-premium">,
  kind: typeof wooPlain | typeof wooPremium,
  settings?: ChannelSettings<Settings>,
): ChannelAdapter<Settings> {
  return {
    type,
    ...kind,
    // The ping comes as a form post (or, from some transports, with no content type at all).
    mediaTypes: ["application/json", "application/x-www-form-urlencoded", ""],
    settings,
    testOrder: { sample: wooSample },

    async verify(request, channel) {
      const verified = await verifyWooSignature(request.headers, request.body, channel.secrets);
      // A genuine order.deleted on a channel linked to its store: only the store knows when the order
      // went to the trash (or whether it is back), so the queue asks it before storing the removal.
      if (verified.ok === true && type === "woocommerce-premium" && request.headers.get("x-wc-webhook-topic") === REMOVAL_TOPIC && typeof channel.settings.store_url === "string") {
        return { ok: "deferred" };
      }
      return verified;
    },

    async parse(request): Promise<ParseVerdict> {
      if (isPing(request.headers, request.body)) return { kind: "ignored", reason: "WooCommerce ping: the webhook was saved" };
      const topic = request.headers.get("x-wc-webhook-topic");
      if (!topic) return invalid([{ field: "X-WC-Webhook-Topic", message: "the header is missing" }]);
      if (!ORDER_TOPICS.has(topic) && topic !== REMOVAL_TOPIC) return { kind: "ignored", reason: `Topic ${topic} is not one the inbox uses` };

      const body = readJson(request, parseJsonLossless);
      if (!body.ok) return { kind: "rejected", rejection: body.rejection };
      const value = body.value;
      // A webhook owned by a user who lost access delivers WooCommerce's error instead of the order.
      if (typeof value === "object" && value && "code" in value && !("id" in value)) {
        return invalid([{ field: "(body)", message: `WooCommerce sent an error instead of the order (${String((value as { code: unknown }).code)}): recreate the webhook as an administrator` }]);
      }

      if (topic === REMOVAL_TOPIC) {
        const id = (value as { id?: unknown })?.id;
        if (id === undefined || id === null) return invalid([{ field: "id", message: "is required" }]);
        // `{"id":N}` and nothing else: no time of the store's own. The removal cancels the state held,
        // so a restore (modified later in the store) brings the order back whenever it arrives. On
        // Premium the delivery is deferred instead, and the confirmer asks the store (woocommerce-confirm.ts).
        const at = new Date(request.receivedAt).toISOString();
        const delivery = request.headers.get("x-wc-webhook-delivery-id") ?? String(request.receivedAt);
        return { kind: "arrivals", arrivals: [{ type: "removal", key: `removal:${String(id)}:${delivery}`, externalId: String(id), at, ordering: "held" }] };
      }
      try {
        return wooArrivals(value);
      } catch (error) {
        if (error instanceof MoneyFormatError) return { kind: "rejected", rejection: { code: "validation_failed", message: error.message } };
        throw error;
      }
    },
  };
}

export const wooAdapter = createWooAdapter("woocommerce", wooPlain);
export const wooPremiumAdapter = createWooAdapter("woocommerce-premium", wooPremium, wooPremiumSettings);
