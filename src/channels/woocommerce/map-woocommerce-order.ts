/**
 * WooCommerce's REST v3 order → the inbox's order (wire form) and its refunds. Pure.
 *
 * Amounts come from line `total`/`total_tax`/`quantity`, never the float `price`. WooCommerce
 * stores line amounts net of tax; when the store enters prices with tax, the inbox keeps the
 * store's basis (gross = net + tax), as a merchant reads the order. A unit price is the line's
 * pre-discount amount over its quantity, rounded up to the cent, so that quantity × unit price −
 * discount is exactly the line total (the rounding lands in the discount, at most a cent a unit).
 *
 * Two store settings change how the figures add up, and both are read from the figures themselves:
 * - "Round tax at subtotal level": each line's `total_tax` is rounded on its own, but the order's
 *   `cart_tax` is the rounded sum of the raw per-rate `taxes[]` (0.195 + 0.195 + 0.13 = 0.52, not
 *   0.20 + 0.20 + 0.13). When the rounded lines miss `cart_tax` and the raw taxes reach it, the
 *   line taxes are re-rounded from the raw ones so that they add up to what the store charged.
 * - Gift cards (the Gift Cards extension): `total` is what was left to pay after them. The inbox's
 *   total is what the order is worth; the cards are payments (`gift_cards`), never discounts.
 */
import { addDecimals, fromMinor, minorDigits, toMinorRounded, toScaled } from "../../orders/money";
import type { FinancialStatus, OrderInput } from "../../orders/order";
import type { RefundWire } from "../../orders/refund";
import type { WooOrder } from "./woocommerce-payload";

const given = (value: string | null | undefined) => (value && value.trim() !== "" ? value : null);
const gmt = (value: string | null | undefined) => (value ? `${value.replace(/Z$/, "")}Z` : null);
const joinName = (first?: string | null, last?: string | null) => given([first, last].filter(Boolean).join(" ").trim());

export function mapWooOrder(order: WooOrder): { order: OrderInput; refunds: RefundWire[] } {
  const currency = order.currency.toUpperCase();
  // Rounded, not refused: a store set to show more decimals than its currency has formats its REST money so.
  const minor = (amount: string | null | undefined) => (amount ? toMinorRounded(amount, currency) : 0);
  const money = (value: number) => fromMinor(value, currency);
  const included = order.prices_include_tax ?? false;
  const charged = [...order.line_items, ...(order.fee_lines ?? [])];
  const lineTax = lineTaxes(order, charged, currency);
  const gross = (net: string | null | undefined, tax: number) => minor(net) + (included ? tax : 0);
  const ratePercent = new Map((order.tax_lines ?? []).map((line) => [line.rate_id, line.rate_percent ?? null]));
  const rateOf = (taxes: WooOrder["line_items"][number]["taxes"]) => {
    // taxes[] totals are raw and unrounded ("4.284"): only whether they are zero matters here.
    const rates = (taxes ?? []).filter((tax) => tax.total && /[1-9]/.test(tax.total)).map((tax) => ratePercent.get(tax.id));
    if (rates.length === 0 || rates.some((rate) => rate == null)) return null;
    return addDecimals(rates as string[]);
  };

  const productLines = order.line_items.map((line, index) => {
    const before = gross(line.subtotal, minor(line.subtotal_tax));
    const total = gross(line.total, lineTax[index]);
    const quantity = line.quantity || 1;
    const unit = Math.ceil(before / quantity);
    return {
      sku: given(line.sku),
      name: given(line.name) ?? "(no name)",
      quantity: line.quantity,
      unit_price: money(unit),
      discount: money(Math.max(unit * quantity - total, 0)),
      tax_rate: rateOf(line.taxes),
      tax: money(lineTax[index]),
      total: money(total),
    };
  });
  const feeLines = (order.fee_lines ?? []).map((fee, index) => {
    const tax = lineTax[order.line_items.length + index];
    const total = gross(fee.total, tax);
    return {
      sku: null,
      name: given(fee.name) ?? "Fee",
      quantity: 1,
      unit_price: money(total),
      discount: money(0),
      tax_rate: rateOf(fee.taxes),
      tax: money(tax),
      total: money(total),
    };
  });
  const lines = [...productLines, ...feeLines];
  const shipping = (order.shipping_lines ?? []).map((line) => ({
    name: given(line.method_title),
    price: money(gross(line.total, minor(line.total_tax))),
    tax: money(minor(line.total_tax)),
  }));

  const giftCards = (order.gift_cards ?? []).filter((card) => minor(card.amount) !== 0);
  const giftCardTotal = giftCards.reduce((sum, card) => sum + Math.abs(minor(card.amount)), 0);
  const linesSum = lines.reduce((sum, line) => sum + minor(line.total), 0);
  const shippingSum = shipping.reduce((sum, line) => sum + minor(line.price), 0);
  const worth = linesSum + shippingSum + (included ? 0 : minor(order.total_tax));
  // The extension takes the cards off `total`; should a store report the total before them, the figures say so.
  const total = giftCardTotal && worth !== minor(order.total) ? minor(order.total) + giftCardTotal : minor(order.total);
  const refunded = (order.refunds ?? []).reduce((sum, refund) => sum + Math.abs(minor(refund.total)), 0);
  const financialStatus = financialStatusOf(order, refunded, total);
  const paid = financialStatus !== "pending" && financialStatus !== "voided";
  const billing = order.billing;

  const mapped: OrderInput = {
    external_id: order.id,
    number: given(order.number),
    placed_at: gmt(order.date_created_gmt)!,
    updated_at: gmt(order.date_modified_gmt ?? order.date_created_gmt),
    cancelled_at: order.status === "cancelled" ? gmt(order.date_modified_gmt ?? order.date_created_gmt) : null,
    currency,
    financial_status: financialStatus,
    customer: mapCustomer(billing, order.customer_id),
    billing_address: mapAddress(billing),
    shipping_address: mapAddress(order.shipping),
    lines,
    shipping,
    totals: {
      subtotal: money(linesSum),
      // The lines' discounts: the coupons' amounts plus the cent a rounded-up unit price may add.
      discount: money(lines.reduce((sum, line) => sum + minor(line.discount), 0)),
      shipping: money(shippingSum),
      tax: money(minor(order.total_tax)),
      total: money(total),
    },
    ...(giftCards.length ? { gift_cards: giftCards.map((card) => ({ code: given(card.code), amount: money(Math.abs(minor(card.amount))) })) } : {}),
    ...(order.coupon_lines?.length
      ? { discount_codes: order.coupon_lines.map((coupon) => ({ code: coupon.code, amount: money(gross(coupon.discount, minor(coupon.discount_tax))) })) }
      : {}),
    prices_include_tax: included,
    payment: paid
      ? {
          method: given(order.payment_method_title) ?? given(order.payment_method),
          transaction_id: given(order.transaction_id),
          amount: money(total - giftCardTotal),
          paid_at: gmt(order.date_paid_gmt),
        }
      : null,
    note: given(order.customer_note),
    test: false,
  };

  const refunds: RefundWire[] = (order.refunds ?? []).map((refund) => ({
    external_id: refund.id,
    order_external_id: order.id,
    created_at: gmt(order.date_modified_gmt ?? order.date_created_gmt)!,
    currency,
    note: given(refund.reason),
    amount: money(Math.abs(minor(refund.total))),
    lines: [],
    shipping: money(0),
  }));
  return { order: mapped, refunds };
}

/**
 * Each line's and fee's tax in minor units, adding up to the order's `cart_tax`. Rounded per line
 * (`total_tax`) unless that misses `cart_tax` and the raw per-rate taxes (`taxes[].total`,
 * unrounded) reach it: then the store rounded at subtotal level, and the raw taxes are rounded so
 * that their sum is `cart_tax`, the odd units going to the largest remainders.
 */
function lineTaxes(order: WooOrder, charged: Array<{ total_tax?: string | null; taxes?: Array<{ total?: string | null }> | null }>, currency: string): number[] {
  const minor = (amount: string | null | undefined) => (amount ? toMinorRounded(amount, currency) : 0);
  const rounded = charged.map((line) => minor(line.total_tax));
  const target = order.cart_tax != null ? minor(order.cart_tax) : null;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  if (target === null || sum(rounded) === target) return rounded;
  const raw = charged.map((line) => addDecimals((line.taxes ?? []).flatMap((tax) => (tax.total ? [tax.total] : [])).concat("0")));
  if (raw.some((value) => value.startsWith("-"))) return rounded;
  // Raw taxes as integers at a common scale, at least the minor unit's: floors first, then one
  // unit each to the largest remainders.
  const digits = Math.max(minorDigits(currency), ...raw.map((value) => toScaled(value).scale));
  const scaled = raw.map((value) => {
    const { units, scale } = toScaled(value);
    return units * 10n ** BigInt(digits - scale);
  });
  const unit = 10n ** BigInt(digits - minorDigits(currency));
  const result = scaled.map((value) => Number(value / unit));
  const missing = target - sum(result);
  const byRemainder = scaled
    .map((value, index) => ({ remainder: value % unit, index }))
    .filter(({ remainder }) => remainder > 0n)
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  if (missing < 0 || missing > byRemainder.length) return rounded;
  for (const { index } of byRemainder.slice(0, missing)) result[index] += 1;
  return sum(result) === target ? result : rounded;
}

function financialStatusOf(order: WooOrder, refunded: number, total: number): FinancialStatus {
  if (refunded > 0) return refunded >= total ? "refunded" : "partially_refunded";
  if ((order.status === "failed" || order.status === "cancelled") && !order.date_paid_gmt) return "voided";
  if (order.date_paid_gmt || order.status === "processing" || order.status === "completed") return "paid";
  return "pending";
}

function mapCustomer(billing: WooOrder["billing"], customerId: string | null | undefined): OrderInput["customer"] {
  if (!billing) return null;
  // The store's customer id, except a guest checkout's 0: how documents find the same customer again.
  const registered = customerId && customerId !== "0" ? { external_id: customerId } : {};
  const customer = {
    ...registered,
    name: joinName(billing.first_name, billing.last_name),
    email: given(billing.email),
    phone: given(billing.phone),
    company: given(billing.company),
    vat_number: null,
  };
  return customer.name || customer.email || customer.phone || customer.company ? customer : null;
}

function mapAddress(party: WooOrder["billing"]): OrderInput["billing_address"] {
  if (!party) return null;
  const address = {
    name: joinName(party.first_name, party.last_name),
    company: given(party.company),
    line1: given(party.address_1),
    line2: given(party.address_2),
    city: given(party.city),
    postcode: given(party.postcode),
    region: given(party.state),
    country: given(party.country),
  };
  return Object.values(address).some((value) => value !== null) ? address : null;
}
