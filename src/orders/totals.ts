/**
 * The totals cross-check: every channel's order must add up to the cent under the inbox's
 * arithmetic. A store total that does not add up is never rejected; it becomes a warning that a
 * bookkeeper can read, and the order waits in needs_attention.
 */
import { divideRounded, fromMinor, multiplyQuantity, toScaled } from "./money";
import type { Order } from "./order";

export interface OrderWarning {
  code: string;
  message: string;
}

const sum = (values: Array<number | undefined>) => values.reduce<number>((total, value) => total + (value ?? 0), 0);

export function checkTotals(order: Order): OrderWarning[] {
  const money = (minor: number) => `${fromMinor(minor, order.currency)} ${order.currency}`;
  const off = (actual: number, expected: number) => `off by ${money(actual - expected)}`;
  const warnings: OrderWarning[] = [];

  order.lines.forEach((line, index) => {
    const label = `Line ${index + 1} (${line.sku ? `SKU ${line.sku}, ` : ""}"${line.name}")`;
    const gross = multiplyQuantity(line.quantity, line.unit_price);
    const expected = gross.minor - (line.discount ?? 0);
    // A fractional quantity forces the store to round; one minor unit either way is its rounding.
    const tolerance = gross.exact ? 0 : 1;
    if (Math.abs(line.total - expected) > tolerance) {
      warnings.push({
        code: "line_total_mismatch",
        message: `${label}: total is ${money(line.total)} but ${line.quantity} × ${money(line.unit_price)} − discount ${money(line.discount ?? 0)} = ${money(expected)}, ${off(line.total, expected)}`,
      });
    }
    if (line.tax_rate != null && line.tax !== undefined) {
      const expectedTax = taxAtRate(line.total, line.tax_rate, order.prices_include_tax);
      // Stores round tax per line or per order; a single minor unit is rounding, more is a wrong rate.
      if (Math.abs(line.tax - expectedTax) > 1) {
        warnings.push({
          code: "line_tax_mismatch",
          message: `${label}: tax is ${money(line.tax)} but ${line.tax_rate}% of ${money(line.total)}${order.prices_include_tax ? " (tax included)" : ""} is ${money(expectedTax)}, ${off(line.tax, expectedTax)}`,
        });
      }
    }
  });

  // Tips are lines of their own but outside the subtotal, as every store that takes them counts.
  const lineTotals = sum(order.lines.filter((line) => line.kind !== "tip").map((line) => line.total));
  const tipLines = sum(order.lines.filter((line) => line.kind === "tip").map((line) => line.total));
  const shippingTotal = sum(order.shipping.map((entry) => entry.price));
  const taxTotal = sum(order.lines.map((line) => line.tax)) + sum(order.shipping.map((entry) => entry.tax));
  const discountTotal = sum(order.lines.map((line) => line.discount));
  const { totals } = order;

  const compare = (code: string, what: string, actual: number, expected: number, how: string) => {
    if (actual !== expected) {
      warnings.push({ code, message: `${what} is ${money(actual)} but ${how} is ${money(expected)}, ${off(actual, expected)}` });
    }
  };
  compare("subtotal_mismatch", "Subtotal", totals.subtotal, lineTotals, "the sum of the line totals");
  compare("shipping_total_mismatch", "Shipping total", totals.shipping, shippingTotal, "the sum of the shipping prices");
  compare("tax_total_mismatch", "Tax total", totals.tax, taxTotal, "the sum of line and shipping tax");
  if (totals.discount !== undefined) {
    compare("discount_total_mismatch", "Discount total", totals.discount, discountTotal, "the sum of the line discounts");
  }
  if (totals.tips !== undefined) compare("tips_total_mismatch", "Tips", totals.tips, tipLines, "the sum of the tip lines");
  const tips = totals.tips ?? tipLines;
  const expectedTotal = totals.subtotal + totals.shipping + tips + (order.prices_include_tax ? 0 : totals.tax);
  const plusTips = tips ? " + tips" : "";
  compare(
    "total_mismatch",
    "Order total",
    totals.total,
    expectedTotal,
    order.prices_include_tax ? `subtotal + shipping${plusTips} (tax included)` : `subtotal + shipping${plusTips} + tax`,
  );

  // Gift cards pay part of the total; the payment is the rest.
  const giftCards = sum((order.gift_cards ?? []).map((card) => card.amount));
  const paid = order.payment?.amount;
  if (order.financial_status === "paid" && paid != null && paid + giftCards !== totals.total) {
    compare("payment_amount_mismatch", "Payment", paid, totals.total - giftCards, giftCards ? "the order total less its gift cards" : "the order total");
  }
  if (giftCards > totals.total) compare("gift_cards_exceed_total", "Gift cards", giftCards, totals.total, "the order total");
  return warnings;
}

/** The tax contained in (or added to) an amount at a percentage rate, rounded to the minor unit. */
export function taxAtRate(amountMinor: number, ratePercent: string, included: boolean): number {
  const rate = toScaled(ratePercent);
  const hundred = 100n * 10n ** BigInt(rate.scale);
  const amount = BigInt(amountMinor);
  // excluded: amount × r / 100;  included: amount × r / (100 + r)
  const tax = included ? divideRounded(amount * rate.units, hundred + rate.units) : divideRounded(amount * rate.units, hundred);
  return Number(tax);
}
