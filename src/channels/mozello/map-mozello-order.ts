/**
 * A Mozello order → the inbox's order (wire form). Pure.
 *
 * Mozello sends money as numbers in major units and one order-level discount; the discount is
 * spread over the lines in proportion to their value (whole cents, the leftover cents going to the
 * largest lines), and each line's tax is computed from its rate, inclusive or exclusive as the
 * store says. Mozello sends no modification time, so an order's states are ordered by progress:
 * placed < payment failed < paid, then dispatched, then archived, each a second after placed_at.
 */
import { fromMinor, multiplyQuantity, spread, toMinor } from "../../orders/money";
import type { FinancialStatus, OrderInput } from "../../orders/order";
import { taxAtRate } from "../../orders/totals";
import type { MozelloOrder } from "./mozello-payload";

const given = (value: string | null | undefined) => (value && value.trim() !== "" ? value : null);

const PAYMENT: Record<string, FinancialStatus> = { paid: "paid", pending: "pending", failed: "voided" };

/** Mozello's "2025-03-14 08:35:12" (assumed UTC) as ISO 8601. */
const placedAt = (createdAt: string) => `${createdAt.trim().replace(" ", "T")}Z`;
/** An unreadable time is passed on as it came, for the order's schema to refuse by field name. */
function secondsLater(iso: string, seconds: number): string {
  const later = new Date(Date.parse(iso) + seconds * 1000);
  return Number.isNaN(later.getTime()) ? iso : later.toISOString().replace(".000Z", "Z");
}

/** How far an order has progressed; later states are "newer" whatever order they arrive in. */
export function progressOf(order: Pick<MozelloOrder, "payment_status" | "dispatched" | "archived">): number {
  const payment = order.payment_status === "paid" ? 2 : order.payment_status === "failed" ? 1 : 0;
  return payment + (order.dispatched ? 4 : 0) + (order.archived ? 8 : 0);
}

export function mapMozelloOrder(order: MozelloOrder): OrderInput {
  const currency = order.currency.toUpperCase();
  const minor = (amount: string | null | undefined) => (amount ? toMinor(amount, currency) : 0);
  const money = (value: number) => fromMinor(value, currency);
  const included = order.cart.some((line) => line.tax_inclusive_percent != null) || order.shipping_tax_inclusive_percent != null;

  const gross = order.cart.map((line) => multiplyQuantity(line.product_quantity, minor(line.product_price)).minor);
  const discounts = spread(minor(order.discount_amount), gross);
  const lines = order.cart.map((line, index) => {
    const rate = line.tax_inclusive_percent ?? line.tax_exclusive_percent ?? null;
    const total = gross[index] - discounts[index];
    return {
      sku: given(line.product_sku),
      name: given(line.product_name) ?? "(no name)",
      quantity: line.product_quantity,
      unit_price: line.product_price,
      discount: money(discounts[index]),
      tax_rate: rate,
      tax: money(rate ? taxAtRate(total, rate, included) : 0),
      total: money(total),
    };
  });

  const shippingPrice = minor(order.shipping_price);
  const shippingRate = order.shipping_tax_inclusive_percent ?? order.shipping_tax_exclusive_percent ?? null;
  const shipping =
    shippingPrice > 0 || given(order.shipping_method)
      ? [{ name: given(order.shipping_method), price: money(shippingPrice), tax: money(shippingRate ? taxAtRate(shippingPrice, shippingRate, included) : 0) }]
      : [];

  const financialStatus = PAYMENT[order.payment_status ?? "pending"] ?? "pending";
  const placed = placedAt(order.created_at);
  const customer = {
    name: given(order.name),
    email: given(order.email),
    phone: given(order.phone),
    company: given(order.company),
    vat_number: given(order.vat_id),
  };
  const upper = (code: string | null | undefined) => given(code)?.toUpperCase() ?? null;

  return {
    external_id: order.order_id,
    number: order.order_id,
    placed_at: placed,
    updated_at: secondsLater(placed, progressOf(order)),
    cancelled_at: null,
    currency,
    financial_status: financialStatus,
    customer: Object.values(customer).some((value) => value !== null) ? customer : null,
    billing_address: {
      name: given(order.name),
      company: given(order.company),
      line1: given(order.address),
      line2: null,
      city: given(order.city),
      postcode: given(order.zip),
      region: given(order.province_code),
      country: upper(order.country_code),
    },
    shipping_address: order.shipping
      ? {
          name: given(order.name),
          company: given(order.company),
          line1: given(order.shipping.address),
          line2: null,
          city: given(order.shipping.city),
          postcode: given(order.shipping.zip),
          region: given(order.shipping.province_code),
          country: upper(order.shipping.country_code),
        }
      : null,
    lines,
    shipping,
    totals: {
      subtotal: money(lines.reduce((sum, line) => sum + minor(line.total), 0)),
      discount: money(minor(order.discount_amount)),
      shipping: money(shippingPrice),
      tax: money(minor(order.taxes)),
      total: order.total,
    },
    ...(given(order.discount_code) ? { discount_codes: [{ code: order.discount_code!, amount: money(minor(order.discount_amount)) }] } : {}),
    prices_include_tax: included,
    payment: financialStatus === "paid" ? { method: given(order.payment_method), transaction_id: null, amount: order.total, paid_at: null } : null,
    note: given(order.notes),
    test: false,
  };
}
