/**
 * A Mozello order → the inbox's order (wire form). Pure.
 *
 * Mozello sends money as numbers in major units and one order-level discount; the discount is
 * spread over the lines in proportion to their value (whole cents, the leftover cents going to the
 * largest lines). Each line names a rate twice, `tax_inclusive_percent` and `tax_exclusive_percent`:
 * real deliveries set the unused one to 0 (not null), and Mozello's own documentation example marks
 * 21 % "inclusive" yet adds it on top (100 + 10 + 23.1 = 133.1). So the field names only hint: the
 * rate is the one that is not zero, and whether prices include it is read from the amounts (see
 * `taxTreatment`). Mozello sends no modification time: the caller says when this state held
 * (`updatedAt`: a notification's receipt, a sweep's read).
 */
import { fromMinor, multiplyQuantity, spread, toMinor } from "../../orders/money";
import type { FinancialStatus, OrderInput } from "../../orders/order";
import { taxAtRate } from "../../orders/totals";
import type { MozelloOrder } from "./mozello-payload";

const given = (value: string | null | undefined) => (value && value.trim() !== "" ? value : null);

const PAYMENT: Record<string, FinancialStatus> = { paid: "paid", pending: "pending", failed: "voided" };

/** Mozello's "2025-03-14 08:35:12" as ISO 8601; UTC (three real deliveries arrived 27 s to 2 h after it, read as UTC). */
export const placedAt = (createdAt: string) => `${createdAt.trim().replace(" ", "T")}Z`;

type Rate = string | null | undefined;
const positive = (rate: Rate): rate is string => rate != null && Number(rate) > 0;
const zero = (rate: Rate) => rate != null && Number(rate) === 0;

/** The rate a pair of fields gives: the non-zero one (the one the hint prefers if both are), "0" when both say 0, null when neither is set. */
function rateOf(inclusive: Rate, exclusive: Rate, preferInclusive: boolean): string | null {
  const [first, second] = preferInclusive ? [inclusive, exclusive] : [exclusive, inclusive];
  if (positive(first)) return first;
  if (positive(second)) return second;
  return zero(inclusive) || zero(exclusive) ? "0" : null;
}

export interface TaxTreatment {
  /** Whether the prices include the tax, as the amounts show it. */
  included: boolean;
  lineRates: Array<string | null>;
  shippingRate: string | null;
  /** How `included` was decided, for the docs and tests. */
  decidedBy: "no_tax" | "amounts" | "field_names";
}

/**
 * Rates and their inclusion from the amounts. With tax charged, the order's total says it: subtotal
 * − discount + shipping is "included", the same + taxes is "added on top". When neither adds up,
 * the field names decide and the inbox's totals check holds the order for a person.
 */
export function taxTreatment(order: MozelloOrder): TaxTreatment {
  const currency = order.currency.toUpperCase();
  const minor = (amount: string | null | undefined) => (amount ? toMinor(amount, currency) : 0);
  const fields = [
    ...order.cart.map((line) => [line.tax_inclusive_percent, line.tax_exclusive_percent] as const),
    [order.shipping_tax_inclusive_percent, order.shipping_tax_exclusive_percent] as const,
  ];
  const namedInclusive = fields.some(([inclusive]) => positive(inclusive));
  const namedExclusive = fields.some(([, exclusive]) => positive(exclusive));
  const taxes = minor(order.taxes);
  let included: boolean;
  let decidedBy: TaxTreatment["decidedBy"];
  const withoutTax = minor(order.subtotal) - minor(order.discount_amount) + minor(order.shipping_price);
  if (taxes === 0 && !namedInclusive && !namedExclusive) {
    included = false;
    decidedBy = "no_tax";
  } else if (taxes !== 0 && minor(order.total) === withoutTax) {
    included = true;
    decidedBy = "amounts";
  } else if (taxes !== 0 && minor(order.total) === withoutTax + taxes) {
    included = false;
    decidedBy = "amounts";
  } else {
    included = namedInclusive && !namedExclusive;
    decidedBy = "field_names";
  }
  return {
    included,
    lineRates: order.cart.map((line) => rateOf(line.tax_inclusive_percent, line.tax_exclusive_percent, included)),
    shippingRate: rateOf(order.shipping_tax_inclusive_percent, order.shipping_tax_exclusive_percent, included),
    decidedBy,
  };
}

/** The order as it stood at `updatedAt` (ISO 8601). */
export function mapMozelloOrder(order: MozelloOrder, updatedAt: string): OrderInput {
  const currency = order.currency.toUpperCase();
  const minor = (amount: string | null | undefined) => (amount ? toMinor(amount, currency) : 0);
  const money = (value: number) => fromMinor(value, currency);
  const { included, lineRates, shippingRate } = taxTreatment(order);

  const gross = order.cart.map((line) => multiplyQuantity(line.product_quantity, minor(line.product_price)).minor);
  const discounts = spread(minor(order.discount_amount), gross);
  const lines = order.cart.map((line, index) => {
    const rate = lineRates[index];
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
    updated_at: updatedAt,
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
