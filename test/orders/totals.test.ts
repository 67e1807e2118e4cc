import { describe, expect, it } from "vitest";
import type { Order } from "../../src/orders/order";
import { checkTotals, taxAtRate } from "../../src/orders/totals";

type Line = Order["lines"][number];

function order(lines: Line[], rest: Partial<Order> = {}): Order {
  const subtotal = lines.reduce((sum, line) => sum + line.total, 0);
  const tax = lines.reduce((sum, line) => sum + (line.tax ?? 0), 0);
  const included = rest.prices_include_tax ?? false;
  return {
    external_id: "1",
    placed_at: "2026-11-28T10:00:00Z",
    currency: "EUR",
    financial_status: "pending",
    lines,
    shipping: [],
    totals: { subtotal, shipping: 0, tax, total: subtotal + (included ? 0 : tax) },
    prices_include_tax: included,
    test: false,
    ...rest,
  };
}

const line = (fields: Partial<Line>): Line => ({ name: "Thing", quantity: 1, unit_price: 1000, total: 1000, ...fields });
const codes = (o: Order) => checkTotals(o).map((warning) => warning.code);

describe("the totals cross-check", () => {
  it.each<[string, Order]>([
    ["a plain order", order([line({})])],
    ["tax excluded at 21 %", order([line({ quantity: 2, unit_price: 1250, total: 2500, tax_rate: "21", tax: 525 })])],
    ["tax included at 21 %", order([line({ unit_price: 1210, total: 1210, tax_rate: "21", tax: 210 })], { prices_include_tax: true })],
    ["a reduced rate of 5.5 %", order([line({ unit_price: 1000, total: 1000, tax_rate: "5.5", tax: 55 })])],
    ["a line discount (an order discount spread over lines)", order([line({ quantity: 3, unit_price: 1000, discount: 450, total: 2550 })])],
    ["JPY without decimals", order([line({ quantity: 3, unit_price: 1100, total: 3300, tax_rate: "10", tax: 300 })], { currency: "JPY", prices_include_tax: true })],
    ["a fractional quantity rounded by the store", order([line({ quantity: 0.25, unit_price: 1999, total: 499 })])],
    ["several rates with shipping", order([line({ total: 1000, tax_rate: "21", tax: 210 }), line({ total: 1000, tax_rate: "12", tax: 120 })], {})],
    [
      "a tip line outside the subtotal (Shopify: subtotal 30.00, tip 4.50)",
      order([line({ unit_price: 3000, total: 3000 }), line({ kind: "tip", name: "Tip", unit_price: 450, total: 450 })], {
        totals: { subtotal: 3000, shipping: 0, tax: 0, tips: 450, total: 3450 },
      }),
    ],
    [
      "gift cards paying part of a paid order",
      order([line({ unit_price: 2800, total: 2800 })], { financial_status: "paid", gift_cards: [{ amount: 2000 }, { code: "A1B2", amount: 400 }], payment: { amount: 400 } }),
    ],
    ["a gift card sold, as a line", order([line({}), line({ kind: "gift_card", name: "Gift card", unit_price: 5000, total: 5000 })])],
  ])("accepts %s", (_, subject) => {
    expect(checkTotals(subject)).toEqual([]);
  });

  it("says which line is off, and by how much", () => {
    const subject = order([line({ sku: "MUG-1", name: "Mug", quantity: 2, unit_price: 1250, total: 2400 })]);
    expect(checkTotals(subject)).toEqual([
      { code: "line_total_mismatch", message: 'Line 1 (SKU MUG-1, "Mug"): total is 24.00 EUR but 2 × 12.50 EUR − discount 0.00 EUR = 25.00 EUR, off by -1.00 EUR' },
    ]);
  });

  it.each<[string, Order, string[]]>([
    ["a subtotal that is not the sum of the lines", { ...order([line({})]), totals: { subtotal: 900, shipping: 0, tax: 0, total: 900 } }, ["subtotal_mismatch"]],
    ["a total that forgets tax", { ...order([line({ tax_rate: "21", tax: 210 })]), totals: { subtotal: 1000, shipping: 0, tax: 210, total: 1000 } }, ["total_mismatch"]],
    ["a tax total that misses shipping tax", { ...order([line({})]), shipping: [{ price: 500, tax: 105 }], totals: { subtotal: 1000, shipping: 500, tax: 0, total: 1500 } }, ["tax_total_mismatch"]],
    ["a shipping total that is not the sum of shipping", { ...order([line({})]), shipping: [{ price: 500 }], totals: { subtotal: 1000, shipping: 0, tax: 0, total: 1000 } }, ["shipping_total_mismatch"]],
    ["a discount total that is not the sum of line discounts", { ...order([line({ discount: 100, total: 900 })]), totals: { subtotal: 900, discount: 50, shipping: 0, tax: 0, total: 900 } }, ["discount_total_mismatch"]],
    ["a tax far from its rate", order([line({ tax_rate: "21", tax: 100 })]), ["line_tax_mismatch"]],
    ["a paid order whose payment differs from its total", order([line({})], { financial_status: "paid", payment: { amount: 999 } }), ["payment_amount_mismatch"]],
    ["an exact line that is one cent off", order([line({ quantity: 2, unit_price: 500, total: 1001 })]), ["line_total_mismatch"]],
    [
      "a tip counted in the subtotal",
      order([line({}), line({ kind: "tip", unit_price: 450, total: 450 })], { totals: { subtotal: 1450, shipping: 0, tax: 0, total: 1450 } }),
      ["subtotal_mismatch", "total_mismatch"],
    ],
    [
      "tips that are not the tip lines",
      order([line({}), line({ kind: "tip", unit_price: 450, total: 450 })], { totals: { subtotal: 1000, shipping: 0, tax: 0, tips: 500, total: 1500 } }),
      ["tips_total_mismatch"],
    ],
    [
      "a payment that with its gift cards is not the total",
      order([line({ unit_price: 2800, total: 2800 })], { financial_status: "paid", gift_cards: [{ amount: 2000 }], payment: { amount: 400 } }),
      ["payment_amount_mismatch"],
    ],
    ["gift cards worth more than the order", order([line({})], { gift_cards: [{ amount: 1500 }] }), ["gift_cards_exceed_total"]],
  ])("flags %s", (_, subject, expected) => {
    expect(codes(subject)).toEqual(expected);
  });

  it("tolerates a one-cent difference in a line's tax (stores round per line or per order)", () => {
    expect(codes(order([line({ tax_rate: "21", tax: 211 })]))).toEqual([]);
    expect(codes(order([line({ tax_rate: "21", tax: 212 })]))).toEqual(["line_tax_mismatch"]);
  });

  it("does not count a partially paid order's payment as a mismatch", () => {
    expect(codes(order([line({})], { financial_status: "partially_paid", payment: { amount: 500 } }))).toEqual([]);
  });
});

describe("tax at a rate", () => {
  it.each([
    [1000, "21", false, 210],
    [1210, "21", true, 210],
    [999, "5.5", false, 55],
    [1055, "5.5", true, 55],
    [3300, "10", true, 300],
    [1, "21", false, 0],
  ])("%i at %s%% (included: %s) is %i", (amount, rate, included, tax) => {
    expect(taxAtRate(amount, rate, included)).toBe(tax);
  });
});
