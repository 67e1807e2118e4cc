/**
 * Turning what PayPal sent (a verified IPN, a verified webhook event, a Transaction Search record)
 * into arrivals. Pure: the I/O (verification, order look-ups, the feed) lives in paypal-confirm.ts
 * and paypal-reconcile.ts.
 *
 * All paths meet on the PayPal transaction id (IPN `txn_id`, the capture id, the feed's
 * `transaction_id`): it is the order's external id, and a completed payment's arrival key is
 * `payment:<id>:completed` whichever path brings it, so the first creates the order and the
 * others are duplicates. A refund or reversal is keyed by its own transaction id and points at the
 * payment through the parent id.
 */
import { summarizeProblems } from "../../lib/errors";
import { addDecimals, fromMinor, MoneyFormatError, multiplyQuantity, toMinor } from "../../orders/money";
import { decodeOrder } from "../../orders/order";
import { issuesOf } from "../../lib/validate";
import { decodeRefund } from "../../orders/refund";
import type { Arrival } from "../../orders/arrival";
import type { ParseVerdict, Rejection } from "../types";
import { paypalCartOrder, type PayPalCart, type PayPalItem } from "./paypal-cart";
import { ipnCart, parsePaymentDate, type IpnFields } from "./paypal-ipn";
import type { PayPalSettings } from "./paypal-settings";
import {
  checkoutOrderSchema,
  paypalTime,
  refundResourceSchema,
  webhookEventSchema,
  type Capture,
  type CheckoutOrder,
  type TransactionDetail,
} from "./paypal-payloads";

export const paymentKey = (transactionId: string) => `payment:${transactionId}:completed`;
export const refundKey = (transactionId: string) => `refund:${transactionId}`;

const invalid = (problems: Array<{ field: string; message: string }>): ParseVerdict => ({
  kind: "rejected",
  rejection: { code: "validation_failed", message: summarizeProblems(problems), problems },
});

function orderArrival(cart: PayPalCart): { ok: true; arrival: Arrival } | { ok: false; verdict: ParseVerdict } {
  try {
    const decoded = decodeOrder(paypalCartOrder(cart));
    if (!decoded.ok) return { ok: false, verdict: invalid(decoded.issues) };
    return { ok: true, arrival: { type: "order", key: paymentKey(cart.transactionId), order: decoded.order } };
  } catch (error) {
    if (error instanceof MoneyFormatError) return { ok: false, verdict: { kind: "rejected", rejection: { code: "validation_failed", message: error.message } } };
    throw error;
  }
}

function refundArrival(refund: {
  id: string;
  parentId: string;
  at: string;
  currency: string;
  amount: string;
  note: string;
}): { ok: true; arrival: Arrival } | { ok: false; verdict: ParseVerdict } {
  const decoded = decodeRefund({
    external_id: refund.id,
    order_external_id: refund.parentId,
    created_at: refund.at,
    currency: refund.currency.toUpperCase(),
    note: refund.note,
    amount: refund.amount.replace(/^-/, ""),
    lines: [],
    shipping: "0",
  });
  if (!decoded.ok) return { ok: false, verdict: invalid(decoded.issues) };
  return { ok: true, arrival: { type: "refund", key: refundKey(refund.id), refund: decoded.refund } };
}

export const reinstatementKey = (transactionId: string) => `reinstated:${transactionId}`;

/** A won dispute: money a reversal took that came back, undoing that reversal. */
function reinstatementArrival(won: { id: string; parentId: string; at: string; currency: string; amount: string; note: string }): { ok: true; arrival: Arrival } | { ok: false; verdict: ParseVerdict } {
  const currency = won.currency.trim().toUpperCase();
  const problems: Array<{ field: string; message: string }> = [];
  if (!/^[A-Z]{3}$/.test(currency)) problems.push({ field: "currency", message: "must be an ISO 4217 currency code" });
  if (Number.isNaN(Date.parse(won.at))) problems.push({ field: "created_at", message: "is not a date" });
  let amount = 0;
  try {
    amount = Math.abs(toMinor(won.amount, currency));
  } catch (error) {
    if (!(error instanceof MoneyFormatError)) throw error;
    problems.push({ field: "amount", message: error.message });
  }
  if (problems.length === 0 && amount === 0) problems.push({ field: "amount", message: "must not be zero" });
  if (problems.length) return { ok: false, verdict: invalid(problems) };
  return {
    ok: true,
    arrival: {
      type: "reinstatement",
      key: reinstatementKey(won.id),
      reinstatement: { external_id: won.id, parent_external_id: won.parentId, currency, amount, created_at: won.at, note: won.note },
    },
  };
}

const single = (result: { ok: true; arrival: Arrival } | { ok: false; verdict: ParseVerdict }): ParseVerdict =>
  result.ok ? { kind: "arrivals", arrivals: [result.arrival] } : result.verdict;

// ---- IPN -------------------------------------------------------------------------------------

const CART_TXN_TYPES = new Set(["cart", "express_checkout"]);
const STANDARD_TXN_TYPES = new Set(["web_accept"]);

/**
 * Whether the IPN was sent to this channel's PayPal account; null when it was. PayPal documents
 * `receiver_email` as the account's primary address whatever address the buyer paid to, and
 * `business` as the address the payment was made to (any address of the account), so either
 * address among the channel's, or the account id, is enough.
 */
export function receiverRejection(fields: IpnFields, settings: PayPalSettings): Rejection | null {
  const emails = (settings.account_emails ?? []).map((email) => email.toLowerCase());
  const accountId = settings.receiver_id ?? null;
  if (emails.length === 0 && !accountId) {
    return { code: "wrong_receiver", message: "Set the channel's account_emails (or receiver_id) to the PayPal account it belongs to: IPNs are checked against it" };
  }
  const addresses = [fields.receiver_email, fields.business].map((value) => (value ?? "").trim().toLowerCase()).filter(Boolean);
  if (addresses.some((address) => emails.includes(address)) || (accountId && fields.receiver_id?.trim() === accountId)) return null;
  return {
    code: "wrong_receiver",
    message: `This IPN was sent to ${addresses.join(" / ") || fields.receiver_id || "an unnamed account"}, not to the PayPal account this channel belongs to: add the account's primary address (receiver_email) or its id (receiver_id) to the channel`,
  };
}

/** A verified IPN, read against the channel's settings. */
export function ipnVerdict(fields: IpnFields, settings: PayPalSettings, receivedAt: number): ParseVerdict {
  const sandbox = settings.environment === "sandbox";
  if ((fields.test_ipn === "1") !== sandbox) {
    return {
      kind: "rejected",
      rejection: { code: "wrong_receiver", message: sandbox ? "A live IPN reached a sandbox channel" : "A sandbox IPN (test_ipn=1) reached a live channel" },
    };
  }
  const wrong = receiverRejection(fields, settings);
  if (wrong) return { kind: "rejected", rejection: wrong };
  const txnId = fields.txn_id?.trim();
  const status = fields.payment_status?.trim() ?? "";
  const received = new Date(receivedAt).toISOString();
  if (!txnId) {
    // Not every IPN is about a payment (disputes, profile changes); only payments matter here.
    return { kind: "ignored", reason: `IPN ${fields.txn_type ?? "(no txn_type)"} without txn_id is not a payment` };
  }
  if ((status === "Refunded" || status === "Reversed") && fields.parent_txn_id) {
    return single(
      refundArrival({
        id: txnId,
        parentId: fields.parent_txn_id.trim(),
        at: parsePaymentDate(fields.payment_date) ?? received,
        currency: fields.mc_currency ?? "",
        amount: fields.mc_gross ?? "0",
        note: `PayPal ${status.toLowerCase()}${fields.reason_code ? ` (${fields.reason_code})` : ""}`,
      }),
    );
  }
  if (status === "Canceled_Reversal") {
    // The dispute was won: PayPal names the payment the reversal was of, and the amount that came back.
    if (!fields.parent_txn_id?.trim()) return { kind: "ignored", reason: `Canceled_Reversal ${txnId} names no parent_txn_id, so there is no reversal to undo` };
    return single(
      reinstatementArrival({
        id: txnId,
        parentId: fields.parent_txn_id.trim(),
        at: parsePaymentDate(fields.payment_date) ?? received,
        currency: fields.mc_currency ?? "",
        amount: fields.mc_gross ?? "0",
        note: `PayPal reversal cancelled${fields.reason_code ? ` (${fields.reason_code})` : ""}: the money came back`,
      }),
    );
  }
  if (status !== "Completed") {
    const why = status === "Pending" ? `pending${fields.pending_reason ? ` (${fields.pending_reason})` : ""}: the order comes when PayPal completes it` : "not a completed payment";
    return { kind: "ignored", reason: `Payment ${txnId} is ${status || "without status"}, ${why}` };
  }
  const type = fields.txn_type ?? "";
  if (!CART_TXN_TYPES.has(type) && !(settings.include_standard_payments === true && STANDARD_TXN_TYPES.has(type))) {
    return { kind: "ignored", reason: `txn_type ${type || "(none)"} is not a checkout cart payment` };
  }
  if (!fields.mc_currency || !fields.mc_gross) return invalid([{ field: fields.mc_currency ? "mc_gross" : "mc_currency", message: "is required" }]);
  return single(orderArrival(ipnCart(fields, received)));
}

// ---- REST: Orders v2 and webhook events ------------------------------------------------------

const given = (value: string | null | undefined) => (value && value.trim() !== "" ? value.trim() : null);

/** Tax per unit × quantity, exactly (PayPal gives item tax per unit). */
const multiply = (quantity: number, amount: string | null | undefined, currency: string): string | null =>
  amount ? fromMinor(multiplyQuantity(quantity, toMinor(amount, currency)).minor, currency) : null;

/** The cart of one purchase unit of a checkout order, paid by `capture`. */
export function checkoutCart(order: CheckoutOrder, unitIndex: number, capture: Capture, settings: PayPalSettings): PayPalCart {
  const unit = order.purchase_units[unitIndex];
  const breakdown = unit.amount.breakdown;
  const payer = order.payment_source?.paypal ?? order.payer;
  const name = [payer?.name?.given_name, payer?.name?.surname].filter(Boolean).join(" ");
  const address = unit.shipping?.address;
  const items: PayPalItem[] = (unit.items ?? []).map((item) => {
    const quantity = Number(item.quantity) || 1;
    return { name: item.name ?? null, sku: item.sku ?? null, quantity, unitPrice: item.unit_amount?.value ?? null, amount: null, tax: multiply(quantity, item.tax?.value, unit.amount.currency_code.toUpperCase()) };
  });
  return {
    transactionId: capture.id,
    number: given(unit.invoice_id) ?? given(capture.invoice_id),
    placedAt: paypalTime(capture.create_time) ?? paypalTime(order.create_time) ?? paypalTime(order.update_time) ?? "",
    currency: unit.amount.currency_code.toUpperCase(),
    items,
    discount: breakdown?.discount?.value ?? null,
    shipping: breakdown?.shipping?.value ?? null,
    shippingDiscount: breakdown?.shipping_discount?.value ?? null,
    handling: breakdown?.handling?.value ?? null,
    insurance: breakdown?.insurance?.value ?? null,
    shippingMethod: unit.shipping?.method ?? null,
    tax: breakdown?.tax_total?.value ?? null,
    taxInclusive: false,
    total: unit.amount.value,
    customer: { name: name || payer?.name?.full_name || null, email: payer?.email_address ?? null, phone: payer?.phone?.phone_number?.national_number ?? null, company: null },
    shippingAddress: address
      ? {
          name: unit.shipping?.name?.full_name ?? null,
          line1: address.address_line_1 ?? null,
          line2: address.address_line_2 ?? null,
          city: address.admin_area_2 ?? null,
          postcode: address.postal_code ?? null,
          region: address.admin_area_1 ?? null,
          country: address.country_code ?? null,
        }
      : null,
    note: null,
    test: settings.environment === "sandbox",
  };
}

/** Every completed capture of a checkout order as an order arrival (one per purchase unit paid). */
/**
 * Capture statuses of money the merchant received (Payments v2): a capture refunded in part or in
 * full by the time the order is read was still paid, so it is an order, with its refunds.
 */
const PAID_CAPTURES: Record<string, PayPalCart["financialStatus"]> = { COMPLETED: "paid", PARTIALLY_REFUNDED: "partially_refunded", REFUNDED: "refunded" };

export function checkoutOrderVerdict(value: unknown, settings: PayPalSettings, onlyCaptureId?: string): ParseVerdict {
  const parsed = checkoutOrderSchema.safeParse(value);
  if (!parsed.success) return invalid(issuesOf(parsed.error).map((issue) => ({ ...issue, field: `resource.${issue.field}` })));
  const order = parsed.data;
  const arrivals: Arrival[] = [];
  for (const [index, unit] of order.purchase_units.entries()) {
    const captures = unit.payments?.captures ?? [];
    for (const capture of captures) {
      const status = PAID_CAPTURES[capture.status ?? ""];
      if (!status || (onlyCaptureId && capture.id !== onlyCaptureId)) continue;
      const result = orderArrival({ ...checkoutCart(order, index, capture, settings), financialStatus: status });
      if (!result.ok) return result.verdict;
      arrivals.push(result.arrival);
      // The refunds the order carries, under the keys their own webhooks and feed rows use.
      for (const refund of unit.payments?.refunds ?? []) {
        if (refund.status && refund.status !== "COMPLETED") continue;
        const up = captureIdFromLinks(refund.links);
        if (up ? up !== capture.id : captures.length !== 1) continue;
        const made = refundArrival({
          id: refund.id,
          parentId: capture.id,
          at: paypalTime(refund.create_time) ?? paypalTime(refund.update_time) ?? paypalTime(order.update_time) ?? "",
          currency: refund.amount.currency_code,
          amount: refund.amount.value,
          note: `PayPal refunded${refund.note_to_payer ? `: ${refund.note_to_payer}` : ""}`,
        });
        if (!made.ok) return made.verdict;
        arrivals.push(made.arrival);
      }
    }
  }
  const [first, ...rest] = arrivals;
  return first ? { kind: "arrivals", arrivals: [first, ...rest] } : { kind: "ignored", reason: `Checkout order ${order.id} has no completed capture yet` };
}

/** A webhook event either becomes arrivals at once, or names the order to look up first. */
export type WebhookReading = ParseVerdict | { kind: "lookup"; orderId: string; captureId: string };

const REFUND_EVENTS: Record<string, string> = { "PAYMENT.CAPTURE.REFUNDED": "refunded", "PAYMENT.CAPTURE.REVERSED": "reversed" };

const captureIdFromLinks = (links: Array<{ href: string; rel?: string | null }> | null | undefined) =>
  links?.find((link) => link.rel === "up" && /\/captures\/[^/]+$/.test(link.href))?.href.split("/").pop() ?? null;

export function readWebhookEvent(value: unknown, settings: PayPalSettings): WebhookReading {
  const envelope = webhookEventSchema.safeParse(value);
  if (!envelope.success) return invalid(issuesOf(envelope.error));
  const event = envelope.data;
  switch (event.event_type) {
    // Sent to marketplaces and platforms only (PayPal's event list), so never asked for in the set-up; read when it comes.
    case "CHECKOUT.ORDER.COMPLETED":
      return checkoutOrderVerdict(event.resource, settings);
    case "PAYMENT.CAPTURE.COMPLETED": {
      const capture = event.resource as { id?: unknown; supplementary_data?: { related_ids?: { order_id?: unknown } }; links?: Array<{ href?: unknown; rel?: unknown }> };
      const orderId =
        capture.supplementary_data?.related_ids?.order_id ??
        capture.links?.find((link) => link.rel === "up" && typeof link.href === "string" && link.href.includes("/checkout/orders/"))?.href?.toString().split("/").pop();
      if (typeof capture.id !== "string") return invalid([{ field: "resource.id", message: "is required" }]);
      if (typeof orderId !== "string" || !orderId) {
        return { kind: "ignored", reason: `Capture ${capture.id} names no checkout order, so its items cannot be read; the transaction feed brings it` };
      }
      return { kind: "lookup", orderId, captureId: capture.id };
    }
    case "PAYMENT.CAPTURE.REFUNDED":
    case "PAYMENT.CAPTURE.REVERSED": {
      const refund = refundResourceSchema.safeParse(event.resource);
      if (!refund.success) return invalid(issuesOf(refund.error).map((issue) => ({ ...issue, field: `resource.${issue.field}` })));
      const captureId = captureIdFromLinks(refund.data.links);
      if (!captureId) return invalid([{ field: "resource.links", message: "has no link up to the refunded capture" }]);
      return single(
        refundArrival({
          id: refund.data.id,
          parentId: captureId,
          at: paypalTime(refund.data.create_time) ?? paypalTime(event.create_time) ?? "",
          currency: refund.data.amount.currency_code,
          amount: refund.data.amount.value,
          note: `PayPal ${REFUND_EVENTS[event.event_type]}${refund.data.note_to_payer ? `: ${refund.data.note_to_payer}` : ""}`,
        }),
      );
    }
    default:
      return { kind: "ignored", reason: `Event ${event.event_type} is not one the inbox uses` };
  }
}

// ---- Transaction Search --------------------------------------------------------------------

const ORDER_CODES = new Set(["T0006"]);
const STANDARD_CODES = new Set(["T0007"]);
const REFUND_CODES: Record<string, string> = { T1107: "refunded", T1106: "reversed", T1201: "charged back" };
/** Money PayPal gave back to the merchant after a reversal or chargeback: a won dispute. */
const REINSTATED_CODES: Record<string, string> = { T1202: "chargeback reversal" };
/**
 * A payment's status when the feed reads it (Transaction Search `transaction_status`): F (partially
 * refunded by the merchant) and V (refunded or reversed) were paid first, so they are orders too;
 * their refunds come as their own rows.
 */
const PAID_STATUSES: Record<string, PayPalCart["financialStatus"]> = { S: "paid", F: "partially_refunded", V: "refunded" };

/**
 * Whether a Website Payments Standard row (T0007) is a cart. Cart software (a cart upload,
 * `cmd=_cart`) names its own order in `invoice` or `custom`, and PayPal's hosted cart titles the
 * payment "Shopping Cart"; more than one item is a cart whatever made it. A single item with none of
 * these is a Buy Now / single payment button, which is an order only when the channel says
 * Website Payments Standard payments are (`include_standard_payments`). Carts of any shape come in
 * by default, because a cart whose IPN was missed (or went to the shop's own notify_url) has no
 * other way in.
 */
export function isStandardCart(detail: TransactionDetail): boolean {
  const info = detail.transaction_info;
  const items = detail.cart_info?.item_details ?? [];
  return items.length > 1 || Boolean(given(info.invoice_id)) || Boolean(given(info.custom_field)) || /shopping cart/i.test(info.transaction_subject ?? "");
}

export type TransactionReading =
  | { kind: "arrival"; arrival: Arrival }
  /** A payment PayPal has not completed yet: the feed must keep it in view until it does. */
  | { kind: "pending"; since: number }
  | { kind: "skipped" }
  | { kind: "unreadable"; reason: string };

export function transactionCart(detail: TransactionDetail, settings: PayPalSettings): PayPalCart {
  const info = detail.transaction_info;
  const payer = detail.payer_info;
  const name = payer?.payer_name;
  const shippingAddress = detail.shipping_info?.address ?? payer?.address;
  const items: PayPalItem[] = (detail.cart_info?.item_details ?? []).map((item) => {
    const taxes = (item.tax_amounts ?? []).flatMap((entry) => (entry.tax_amount ? [entry.tax_amount.value] : []));
    return {
      name: item.item_name ?? null,
      sku: item.item_code ?? null,
      quantity: Number(item.item_quantity ?? 1) || 1,
      unitPrice: item.item_unit_price?.value ?? null,
      amount: item.item_amount?.value ?? null,
      tax: taxes.length ? addDecimals(taxes) : null,
    };
  });
  return {
    transactionId: info.transaction_id,
    number: given(info.invoice_id),
    placedAt: paypalTime(info.transaction_initiation_date) ?? "",
    currency: info.transaction_amount.currency_code.toUpperCase(),
    items,
    discount: info.discount_amount?.value ?? null,
    shipping: info.shipping_amount?.value ?? null,
    shippingDiscount: info.shipping_discount_amount?.value ?? null,
    handling: null,
    insurance: info.insurance_amount?.value ?? null,
    shippingMethod: detail.shipping_info?.method ?? null,
    tax: info.sales_tax_amount?.value ?? null,
    taxInclusive: detail.cart_info?.tax_inclusive === true,
    total: info.transaction_amount.value,
    customer: payer
      ? {
          name: name?.alternate_full_name ?? name?.full_name ?? ([name?.given_name, name?.surname].filter(Boolean).join(" ") || null),
          email: payer.email_address ?? null,
          phone: phoneOf(payer.phone_number),
          company: null,
        }
      : null,
    shippingAddress: shippingAddress
      ? {
          name: detail.shipping_info?.name ?? null,
          line1: shippingAddress.line1 ?? null,
          line2: shippingAddress.line2 ?? null,
          city: shippingAddress.city ?? null,
          postcode: shippingAddress.postal_code ?? null,
          region: shippingAddress.state ?? null,
          country: shippingAddress.country_code ?? null,
        }
      : null,
    note: given(info.transaction_note),
    test: settings.environment === "sandbox",
  };
}

const phoneOf = (phone: { country_code?: string | null; national_number?: string | null } | null | undefined) =>
  phone?.national_number ? `${phone.country_code ? `+${phone.country_code} ` : ""}${phone.national_number}` : null;

export function readTransaction(detail: TransactionDetail, settings: PayPalSettings): TransactionReading {
  const info = detail.transaction_info;
  const code = info.transaction_event_code;
  const status = info.transaction_status ?? "S";
  const isOrder = ORDER_CODES.has(code) || (STANDARD_CODES.has(code) && (settings.include_standard_payments === true || isStandardCart(detail)));
  if (isOrder) {
    // A debit under a checkout code is the merchant paying someone else from this account (PayPal
    // books the buyer's side of T0006 as DR): a purchase, never a sale.
    if (info.transaction_amount.value.trim().startsWith("-")) return { kind: "skipped" };
    if (status === "P") return { kind: "pending", since: Date.parse(paypalTime(info.transaction_initiation_date) ?? "") };
    const financialStatus = PAID_STATUSES[status];
    if (!financialStatus) return { kind: "skipped" };
    const result = orderArrival({ ...transactionCart(detail, settings), financialStatus });
    return result.ok ? { kind: "arrival", arrival: result.arrival } : { kind: "unreadable", reason: describe(result.verdict) };
  }
  if (REFUND_CODES[code] && info.paypal_reference_id && status !== "D") {
    const result = refundArrival({
      id: info.transaction_id,
      parentId: info.paypal_reference_id,
      at: paypalTime(info.transaction_initiation_date) ?? "",
      currency: info.transaction_amount.currency_code,
      amount: info.transaction_amount.value,
      note: `PayPal ${REFUND_CODES[code]}`,
    });
    return result.ok ? { kind: "arrival", arrival: result.arrival } : { kind: "unreadable", reason: describe(result.verdict) };
  }
  if (REINSTATED_CODES[code] && info.paypal_reference_id && status === "S") {
    const result = reinstatementArrival({
      id: info.transaction_id,
      parentId: info.paypal_reference_id,
      at: paypalTime(info.transaction_initiation_date) ?? "",
      currency: info.transaction_amount.currency_code,
      amount: info.transaction_amount.value,
      note: `PayPal ${REINSTATED_CODES[code]}: the money came back`,
    });
    return result.ok ? { kind: "arrival", arrival: result.arrival } : { kind: "unreadable", reason: describe(result.verdict) };
  }
  return { kind: "skipped" };
}

const describe = (verdict: ParseVerdict) => (verdict.kind === "rejected" ? verdict.rejection.message : verdict.kind);
