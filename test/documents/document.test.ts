import { describe, expect, it } from "vitest";
import {
  creditNoteForAll,
  creditNoteForRefund,
  documentFromOrder,
  type ComputedDocument,
  type DocumentLine,
  type DocumentTotals,
  type ProductIndex,
} from "../../src/documents/document";
import { formatNumber, seriesKey } from "../../src/documents/numbering";
import { fromMinor, toMinor } from "../../src/orders/money";
import { decodeOrder, type Order, type OrderInput } from "../../src/orders/order";
import { decodeRefund, type Refund, type RefundWire } from "../../src/orders/refund";
import { checkTotals } from "../../src/orders/totals";

type WireLine = OrderInput["lines"][number];
type WireShipping = NonNullable<OrderInput["shipping"]>[number];

interface WireOrder {
  currency?: string;
  prices_include_tax?: boolean;
  lines: WireLine[];
  shipping?: WireShipping[];
  /** The store's total, as it sent it. */
  total: string;
  rest?: Partial<OrderInput>;
}

/**
 * An order as a store posts it (decimal strings), decoded the way the inbox decodes it. The store's
 * subtotal, shipping and tax totals are the sums of what the lines and shipping say; its grand
 * total is the table's, so a case can make it disagree.
 */
function wireOrder({ currency = "EUR", prices_include_tax = false, lines, shipping = [], total, rest = {} }: WireOrder): Order {
  const sum = (values: Array<string | undefined>) => fromMinor(values.reduce((acc, value) => acc + (value === undefined ? 0 : toMinor(value, currency)), 0), currency);
  const decoded = decodeOrder({
    external_id: "1001",
    number: "#1001",
    placed_at: "2026-11-28T10:00:00Z",
    currency,
    prices_include_tax,
    lines,
    shipping,
    totals: {
      subtotal: sum(lines.map((line) => line.total)),
      shipping: sum(shipping.map((entry) => entry.price)),
      tax: sum([...lines.map((line) => line.tax), ...shipping.map((entry) => entry.tax)]),
      total,
    },
    ...rest,
  });
  if (!decoded.ok) throw new Error(`test order does not decode: ${JSON.stringify(decoded.issues)}`);
  return decoded.order;
}

const item = (fields: Partial<WireLine>): WireLine => ({ name: "Thing", quantity: 1, unit_price: "10.00", total: "10.00", ...fields });

const products: ProductIndex = new Map([
  ["MUG-1", { id: "prd_mug" }],
  ["TEA-1", { id: "prd_tea" }],
]);

const document = (order: Order) => documentFromOrder(order, "ord_1", products);

describe("the document an order becomes", () => {
  it.each<[string, WireOrder, number[], DocumentTotals]>([
    [
      "tax excluded at 21 %",
      { lines: [item({ quantity: 2, unit_price: "12.50", tax_rate: "21", tax: "5.25", total: "25.00" })], total: "30.25" },
      [525],
      { subtotal: 2500, tax: 525, total: 3025 },
    ],
    [
      "tax included at 21 %",
      { prices_include_tax: true, lines: [item({ unit_price: "12.10", tax_rate: "21", tax: "2.10", total: "12.10" })], total: "12.10" },
      [210],
      { subtotal: 1210, tax: 210, total: 1210 },
    ],
    [
      "half a cent of tax rounded away from zero (21 % of 0.50 is 0.105)",
      { lines: [item({ unit_price: "0.50", tax_rate: "21", tax: "0.11", total: "0.50" })], total: "0.61" },
      [11],
      { subtotal: 50, tax: 11, total: 61 },
    ],
    [
      "included tax rounded per line (0.55 × 21/121 is 0.0955)",
      { prices_include_tax: true, lines: [item({ unit_price: "0.55", tax_rate: "21", tax: "0.10", total: "0.55" })], total: "0.55" },
      [10],
      { subtotal: 55, tax: 10, total: 55 },
    ],
    [
      "21 %, 9 % and 0 % in one order, tax excluded",
      {
        lines: [
          item({ unit_price: "10.00", tax_rate: "21", tax: "2.10", total: "10.00" }),
          // 9 % of 9.99 is 0.8991
          item({ quantity: 3, unit_price: "3.33", tax_rate: "9", tax: "0.90", total: "9.99" }),
          item({ quantity: 2, unit_price: "4.50", tax_rate: "0", tax: "0.00", total: "9.00" }),
        ],
        total: "31.99",
      },
      [210, 90, 0],
      { subtotal: 2899, tax: 300, total: 3199 },
    ],
    [
      "21 %, 9 % and 0 % in one order, tax included",
      {
        prices_include_tax: true,
        lines: [
          item({ quantity: 2, unit_price: "12.10", tax_rate: "21", tax: "4.20", total: "24.20" }),
          item({ unit_price: "10.90", tax_rate: "9", tax: "0.90", total: "10.90" }),
          item({ unit_price: "5.00", tax_rate: "0", tax: "0.00", total: "5.00" }),
        ],
        total: "40.10",
      },
      [420, 90, 0],
      { subtotal: 4010, tax: 510, total: 4010 },
    ],
    [
      "a line discount (an order discount spread over lines), tax excluded: 21 % of 25.50 is 5.355",
      { lines: [item({ quantity: 3, unit_price: "10.00", discount: "4.50", tax_rate: "21", tax: "5.36", total: "25.50" })], total: "30.86" },
      [536],
      { subtotal: 2550, tax: 536, total: 3086 },
    ],
    [
      "a line discount, tax included: 21.78 × 21/121 is 3.78",
      {
        prices_include_tax: true,
        lines: [item({ quantity: 2, unit_price: "12.10", discount: "2.42", tax_rate: "21", tax: "3.78", total: "21.78" })],
        total: "21.78",
      },
      [378],
      { subtotal: 2178, tax: 378, total: 2178 },
    ],
    [
      "a fractional quantity (0.25 kg × 12.00)",
      { lines: [item({ quantity: 0.25, unit_price: "12.00", tax_rate: "9", tax: "0.27", total: "3.00" })], total: "3.27" },
      [27],
      { subtotal: 300, tax: 27, total: 327 },
    ],
    [
      "a fractional quantity sent as a string that rounds (0.25 × 19.98 is 4.995)",
      { lines: [item({ quantity: "0.25", unit_price: "19.98", tax_rate: "9", tax: "0.45", total: "5.00" })], total: "5.45" },
      [45],
      { subtotal: 500, tax: 45, total: 545 },
    ],
    [
      "JPY, tax included at 10 %",
      { currency: "JPY", prices_include_tax: true, lines: [item({ quantity: 3, unit_price: "1100", tax_rate: "10", tax: "300", total: "3300" })], total: "3300" },
      [300],
      { subtotal: 3300, tax: 300, total: 3300 },
    ],
    [
      "JPY, tax excluded at 8 % (197.44 yen of tax)",
      { currency: "JPY", lines: [item({ quantity: 2, unit_price: "1234", tax_rate: "8", tax: "197", total: "2468" })], total: "2665" },
      [197],
      { subtotal: 2468, tax: 197, total: 2665 },
    ],
    [
      "BHD with three decimals, 10 % of 0.335 is 0.0335",
      {
        currency: "BHD",
        lines: [
          item({ quantity: 2, unit_price: "1.250", tax_rate: "10", tax: "0.250", total: "2.500" }),
          item({ unit_price: "0.335", tax_rate: "10", tax: "0.034", total: "0.335" }),
        ],
        total: "3.119",
      },
      [250, 34],
      { subtotal: 2835, tax: 284, total: 3119 },
    ],
    [
      "shipping with tax, tax excluded",
      {
        lines: [item({ tax_rate: "21", tax: "2.10" })],
        shipping: [{ name: "DPD", price: "4.99", tax: "1.05" }],
        total: "18.14",
      },
      [210, 105],
      { subtotal: 1499, tax: 315, total: 1814 },
    ],
    [
      "shipping without tax",
      { lines: [item({ tax_rate: "21", tax: "2.10" })], shipping: [{ price: "3.00" }], total: "15.10" },
      [210, 0],
      { subtotal: 1300, tax: 210, total: 1510 },
    ],
    [
      "shipping with tax, tax included",
      {
        prices_include_tax: true,
        lines: [item({ unit_price: "12.10", tax_rate: "21", tax: "2.10", total: "12.10" })],
        shipping: [{ name: "Omniva", price: "6.05", tax: "1.05" }],
        total: "18.15",
      },
      [210, 105],
      { subtotal: 1815, tax: 315, total: 1815 },
    ],
    [
      "a line without a tax rate whose tax is copied",
      { lines: [item({ tax: "1.90" })], total: "11.90" },
      [190],
      { subtotal: 1000, tax: 190, total: 1190 },
    ],
    [
      "a line with neither rate nor tax",
      { lines: [item({})], total: "10.00" },
      [0],
      { subtotal: 1000, tax: 0, total: 1000 },
    ],
    [
      "a negative line (a fee taken off) with its own tax",
      {
        lines: [item({ tax_rate: "21", tax: "2.10" }), item({ name: "Voucher", unit_price: "-2.00", tax_rate: "21", tax: "-0.42", total: "-2.00" })],
        total: "9.68",
      },
      [210, -42],
      { subtotal: 800, tax: 168, total: 968 },
    ],
  ])("%s", (_, input, taxes, totals) => {
    const order = wireOrder(input);
    // The table's orders add up under the inbox's own cross-check, or the case would prove nothing.
    expect(checkTotals(order)).toEqual([]);
    const computed = document(order);
    expect(computed.problems).toEqual([]);
    expect(computed.totals).toEqual(totals);
    expect(computed.content.lines.map((line) => line.tax)).toEqual(taxes);
    expect(computed.currency).toBe(order.currency);
    expect(computed.content.prices_include_tax).toBe(input.prices_include_tax ?? false);
  });

  it("recomputes every line and keeps who, where and which order it came from", () => {
    const order = wireOrder({
      lines: [
        item({ sku: "MUG-1", name: "Mug", quantity: 3, unit_price: "10.00", discount: "4.50", tax_rate: "21", tax: "5.36", total: "25.50" }),
        item({ name: "Gift wrap", unit_price: "1.00", total: "1.00" }),
      ],
      shipping: [{ price: "4.99", tax: "1.05" }],
      total: "37.90",
      rest: {
        customer: { external_id: "c-9", name: "Anna Bērziņa", email: "anna@example.lv", phone: "+371 2000 0000", company: "SIA Piens", vat_number: "LV40003000000" },
        billing_address: { name: "Anna Bērziņa", line1: "Brīvības iela 1", city: "Rīga", postcode: "LV-1010", country: "lv" },
        note: "Leave at the door",
      },
    });
    const computed = document(order);
    expect(computed.problems).toEqual([]);
    expect(computed.content.lines).toEqual<DocumentLine[]>([
      { kind: "item", product_id: "prd_mug", sku: "MUG-1", description: "Mug", quantity: 3, unit_price: 1000, discount: 450, tax_rate: "21", tax: 536, total: 2550 },
      { kind: "item", product_id: null, sku: null, description: "Gift wrap", quantity: 1, unit_price: 100, discount: 0, tax_rate: null, tax: 0, total: 100 },
      { kind: "shipping", product_id: null, sku: null, description: "Shipping", quantity: 1, unit_price: 499, discount: 0, tax_rate: null, tax: 105, total: 499 },
    ]);
    expect(computed.totals).toEqual({ subtotal: 3149, tax: 641, total: 3790 });
    expect(computed.content.customer).toEqual({ name: "Anna Bērziņa", email: "anna@example.lv", company: "SIA Piens", vat_number: "LV40003000000" });
    expect(computed.content.billing_address).toMatchObject({ line1: "Brīvības iela 1", country: "LV" });
    expect(computed.content.shipping_address).toBeNull();
    expect(computed.content.source).toEqual({ order_id: "ord_1", external_id: "1001", number: "#1001" });
    expect(computed.content.note).toBe("Leave at the door");
  });

  it("has no customer when the order has none", () => {
    expect(document(wireOrder({ lines: [item({})], total: "10.00" })).content.customer).toBeNull();
  });
});

describe("the guard: a document is never fixed silently", () => {
  it.each<[string, WireOrder, Array<{ code: string; message: string }>, DocumentTotals, number[]]>([
    [
      "a line whose total is not quantity × unit price",
      { lines: [item({ sku: "MUG-1", name: "Mug", quantity: 2, unit_price: "12.50", total: "24.00" })], total: "24.00" },
      [
        { code: "line_mismatch", message: 'Line 1 (SKU MUG-1, "Mug"): 2 × 12.50 EUR − 0.00 EUR is 25.00 EUR, but the store says 24.00 EUR' },
        { code: "total_mismatch", message: "The document comes to 25.00 EUR but the store's total is 24.00 EUR, off by 1.00 EUR" },
      ],
      { subtotal: 2500, tax: 0, total: 2500 },
      [2500],
    ],
    [
      "a line whose total forgets its discount, named without a SKU",
      {
        lines: [item({}), item({ name: "Tea", quantity: 3, unit_price: "4.00", discount: "1.00", total: "12.00" })],
        total: "22.00",
      },
      [
        { code: "line_mismatch", message: 'Line 2 ("Tea"): 3 × 4.00 EUR − 1.00 EUR is 11.00 EUR, but the store says 12.00 EUR' },
        { code: "total_mismatch", message: "The document comes to 21.00 EUR but the store's total is 22.00 EUR, off by -1.00 EUR" },
      ],
      { subtotal: 2100, tax: 0, total: 2100 },
      [1000, 1100],
    ],
    [
      "a line that is off and whose tax follows the recomputed total, not the store's",
      { lines: [item({ unit_price: "10.00", tax_rate: "21", tax: "2.31", total: "11.00" })], total: "13.31" },
      [
        { code: "line_mismatch", message: 'Line 1 ("Thing"): 1 × 10.00 EUR − 0.00 EUR is 10.00 EUR, but the store says 11.00 EUR' },
        { code: "total_mismatch", message: "The document comes to 12.10 EUR but the store's total is 13.31 EUR, off by -1.21 EUR" },
      ],
      { subtotal: 1000, tax: 210, total: 1210 },
      [1000],
    ],
    [
      "an order total one cent above what its lines add up to",
      { lines: [item({})], total: "10.01" },
      [{ code: "total_mismatch", message: "The document comes to 10.00 EUR but the store's total is 10.01 EUR, off by -0.01 EUR" }],
      { subtotal: 1000, tax: 0, total: 1000 },
      [1000],
    ],
    [
      "an order total one cent below what its lines and shipping add up to",
      { lines: [item({ tax_rate: "21", tax: "2.10" })], shipping: [{ price: "4.99", tax: "1.05" }], total: "18.13" },
      [{ code: "total_mismatch", message: "The document comes to 18.14 EUR but the store's total is 18.13 EUR, off by 0.01 EUR" }],
      { subtotal: 1499, tax: 315, total: 1814 },
      [1000, 499],
    ],
    [
      "a store tax that is not its rate: the rate wins and the total disagrees",
      { lines: [item({ tax_rate: "21", tax: "2.00" })], total: "12.00" },
      [{ code: "total_mismatch", message: "The document comes to 12.10 EUR but the store's total is 12.00 EUR, off by 0.10 EUR" }],
      { subtotal: 1000, tax: 210, total: 1210 },
      [1000],
    ],
    [
      "a JPY total one yen off",
      { currency: "JPY", lines: [item({ quantity: 2, unit_price: "1234", tax_rate: "8", tax: "197", total: "2468" })], total: "2666" },
      [{ code: "total_mismatch", message: "The document comes to 2665 JPY but the store's total is 2666 JPY, off by -1 JPY" }],
      { subtotal: 2468, tax: 197, total: 2665 },
      [2468],
    ],
    [
      "a BHD total one fils off",
      { currency: "BHD", lines: [item({ quantity: 2, unit_price: "1.250", tax_rate: "10", tax: "0.250", total: "2.500" })], total: "2.749" },
      [{ code: "total_mismatch", message: "The document comes to 2.750 BHD but the store's total is 2.749 BHD, off by 0.001 BHD" }],
      { subtotal: 2500, tax: 250, total: 2750 },
      [2500],
    ],
  ])("%s", (_, input, problems, totals, lineTotals) => {
    const computed = document(wireOrder(input));
    expect(computed.problems).toEqual(problems);
    expect(computed.totals).toEqual(totals);
    expect(computed.content.lines.map((line) => line.total)).toEqual(lineTotals);
  });
});

describe("products", () => {
  it("points known SKUs at their product, names unknown ones, and leaves lines without SKU alone", () => {
    const computed = document(
      wireOrder({
        lines: [
          item({ sku: "MUG-1", name: "Mug" }),
          item({ sku: "GHOST-7", name: "Ghost" }),
          item({ name: "Gift wrap" }),
          item({ sku: null, name: "Engraving" }),
          item({ sku: "TEA-1", name: "Tea" }),
        ],
        total: "50.00",
      }),
    );
    expect(computed.content.lines.map((line) => line.product_id)).toEqual(["prd_mug", null, null, null, "prd_tea"]);
    expect(computed.content.lines.map((line) => line.sku)).toEqual(["MUG-1", "GHOST-7", null, null, "TEA-1"]);
    expect(computed.problems).toEqual([{ code: "unknown_sku", sku: "GHOST-7", message: 'Line 2 (SKU GHOST-7, "Ghost"): no product has SKU "GHOST-7"' }]);
    // An unknown product holds the document; it does not change its amounts.
    expect(computed.totals).toEqual({ subtotal: 5000, tax: 0, total: 5000 });
  });

  it("names every unknown SKU, each beside the other problems of its line", () => {
    const computed = documentFromOrder(
      wireOrder({ lines: [item({ sku: "MUG-1", name: "Mug", total: "9.00" }), item({ sku: "LID-2", name: "Lid" })], total: "19.00" }),
      "ord_1",
      new Map(),
    );
    expect(computed.problems.map((problem) => [problem.code, problem.sku])).toEqual([
      ["unknown_sku", "MUG-1"],
      ["line_mismatch", undefined],
      ["unknown_sku", "LID-2"],
      ["total_mismatch", undefined],
    ]);
    expect(computed.content.lines.map((line) => line.product_id)).toEqual([null, null]);
  });
});

describe("credit notes for refunds", () => {
  const refund = (fields: Partial<RefundWire>): Refund => {
    const decoded = decodeRefund({
      external_id: "re_1",
      order_external_id: "1001",
      created_at: "2026-12-02T09:00:00Z",
      currency: "EUR",
      note: "Broken in transit",
      amount: "0.00",
      lines: [],
      shipping: "0.00",
      ...fields,
    });
    if (!decoded.ok) throw new Error(`test refund does not decode: ${JSON.stringify(decoded.issues)}`);
    return decoded.refund;
  };

  const invoiceOf = (input: WireOrder): ComputedDocument => {
    const invoice = document(wireOrder(input));
    expect(invoice.problems).toEqual([]);
    return invoice;
  };

  /** Mugs at 21 % and tea at 9 %, tax excluded, with taxed shipping: 25.00 + 5.25 + 10.00 + 0.90 + 5.00 + 1.05. */
  const twoRatesExcluded = () =>
    invoiceOf({
      lines: [
        item({ sku: "MUG-1", name: "Mug", quantity: 2, unit_price: "12.50", tax_rate: "21", tax: "5.25", total: "25.00" }),
        item({ sku: "TEA-1", name: "Tea", unit_price: "10.00", tax_rate: "9", tax: "0.90", total: "10.00" }),
      ],
      shipping: [{ price: "5.00", tax: "1.05" }],
      total: "47.20",
    });

  /** Mugs at 21 % and tea at 9 %, tax included, with untaxed shipping: 24.20 + 10.90 + 4.00. */
  const twoRatesIncluded = () =>
    invoiceOf({
      prices_include_tax: true,
      lines: [
        item({ sku: "MUG-1", name: "Mug", quantity: 2, unit_price: "12.10", tax_rate: "21", tax: "4.20", total: "24.20" }),
        item({ sku: "TEA-1", name: "Tea", unit_price: "10.90", tax_rate: "9", tax: "0.90", total: "10.90" }),
      ],
      shipping: [{ price: "4.00" }],
      total: "39.10",
    });

  /** One rate (21 %) on the items; the shipping's tax has no rate and does not count as a second one. */
  const oneRate = (included: boolean) =>
    invoiceOf({
      prices_include_tax: included,
      lines: [item({ sku: "MUG-1", name: "Mug", quantity: 2, unit_price: included ? "12.10" : "12.50", tax_rate: "21", tax: included ? "4.20" : "5.25", total: included ? "24.20" : "25.00" })],
      shipping: [{ price: "5.00", tax: "1.05" }],
      total: included ? "29.20" : "36.30",
    });

  const shippingRefunded = (amount: number, tax = 0): DocumentLine => ({
    kind: "shipping",
    product_id: null,
    sku: null,
    description: "Shipping refunded",
    quantity: 1,
    unit_price: amount,
    discount: 0,
    tax_rate: null,
    tax,
    total: amount,
  });

  it.each<[string, () => ComputedDocument, Partial<RefundWire>, DocumentLine[], DocumentTotals]>([
    [
      // 20.13 − 15.13 leaves 5.00: the store's shipping figure is gross, its 21 % is split out of it (5.00 × 105/605 = 0.87).
      "one of two mugs and the shipping reported with its tax, tax excluded",
      twoRatesExcluded,
      { amount: "20.13", lines: [{ sku: "MUG-1", quantity: 1, subtotal: "12.50", tax: "2.63" }], shipping: "5.00" },
      [
        { kind: "item", product_id: "prd_mug", sku: "MUG-1", description: "Mug", quantity: 1, unit_price: 1250, discount: 0, tax_rate: "21", tax: 263, total: 1250 },
        shippingRefunded(413, 87),
      ],
      { subtotal: 1663, tax: 350, total: 2013 },
    ],
    [
      // 21.18 − 15.13 leaves 6.05: the shipping figure is net, and the invoice's shipping tax (1.05 on 5.00) goes with it.
      "one of two mugs and the shipping reported net, tax excluded",
      twoRatesExcluded,
      { amount: "21.18", lines: [{ sku: "MUG-1", quantity: 1, subtotal: "12.50", tax: "2.63" }], shipping: "5.00" },
      [
        { kind: "item", product_id: "prd_mug", sku: "MUG-1", description: "Mug", quantity: 1, unit_price: 1250, discount: 0, tax_rate: "21", tax: 263, total: 1250 },
        shippingRefunded(500, 105),
      ],
      { subtotal: 1750, tax: 368, total: 2118 },
    ],
    [
      "both mugs and the shipping, tax included (the line total is subtotal + tax)",
      twoRatesIncluded,
      { amount: "28.20", lines: [{ sku: "MUG-1", quantity: 2, subtotal: "20.00", tax: "4.20" }], shipping: "4.00" },
      [
        { kind: "item", product_id: "prd_mug", sku: "MUG-1", description: "Mug", quantity: 2, unit_price: 1210, discount: 0, tax_rate: "21", tax: 420, total: 2420 },
        shippingRefunded(400),
      ],
      { subtotal: 2820, tax: 420, total: 2820 },
    ],
    [
      "the tea alone, without shipping, tax excluded",
      twoRatesExcluded,
      { amount: "10.90", lines: [{ sku: "TEA-1", quantity: 1, subtotal: "10.00", tax: "0.90" }] },
      [{ kind: "item", product_id: "prd_tea", sku: "TEA-1", description: "Tea", quantity: 1, unit_price: 1000, discount: 0, tax_rate: "9", tax: 90, total: 1000 }],
      { subtotal: 1000, tax: 90, total: 1090 },
    ],
    [
      "an amount without lines against one rate, tax excluded: 10.00 × 21/121 is 1.7355",
      () => oneRate(false),
      { amount: "10.00" },
      [{ kind: "item", product_id: null, sku: null, description: "Refund re_1", quantity: 1, unit_price: 826, discount: 0, tax_rate: "21", tax: 174, total: 826 }],
      { subtotal: 826, tax: 174, total: 1000 },
    ],
    [
      "an amount without lines against one rate, tax included",
      () => oneRate(true),
      { amount: "12.10" },
      [{ kind: "item", product_id: null, sku: null, description: "Refund re_1", quantity: 1, unit_price: 1210, discount: 0, tax_rate: "21", tax: 210, total: 1210 }],
      { subtotal: 1210, tax: 210, total: 1210 },
    ],
    [
      "an amount without lines against a tax-free invoice",
      () => invoiceOf({ lines: [item({ sku: "MUG-1", name: "Mug" })], total: "10.00" }),
      { amount: "5.00" },
      [{ kind: "item", product_id: null, sku: null, description: "Refund re_1", quantity: 1, unit_price: 500, discount: 0, tax_rate: null, tax: 0, total: 500 }],
      { subtotal: 500, tax: 0, total: 500 },
    ],
  ])("credits %s", (_, invoice, fields, lines, totals) => {
    const source = invoice();
    const note = creditNoteForRefund(refund(fields), source);
    expect(note.problems).toEqual([]);
    expect(note.content.lines).toEqual(lines);
    expect(note.totals).toEqual(totals);
    expect(note.currency).toBe("EUR");
    expect(note.content.prices_include_tax).toBe(source.content.prices_include_tax);
    expect(note.content.source).toEqual({ order_id: "ord_1", external_id: "1001", number: "#1001", refund_id: "re_1" });
    expect(note.content.note).toBe("Broken in transit");
    // The invoice it credits is left as it was.
    expect(source.content.source).not.toHaveProperty("refund_id");
  });

  it.each<[string, () => ComputedDocument]>([
    ["tax excluded", twoRatesExcluded],
    ["tax included", twoRatesIncluded],
  ])("holds an amount without lines against an invoice with two rates (%s)", (_, invoice) => {
    const note = creditNoteForRefund(refund({ amount: "20.00" }), invoice());
    expect(note.problems).toEqual([
      { code: "refund_without_lines", message: "The refund of 20.00 EUR names no lines and the invoice's tax is not at one known rate: split it over the rates by hand" },
    ]);
    expect(note.content.lines).toEqual([
      { kind: "item", product_id: null, sku: null, description: "Refund re_1", quantity: 1, unit_price: 2000, discount: 0, tax_rate: null, tax: 0, total: 2000 },
    ]);
    expect(note.totals).toEqual({ subtotal: 2000, tax: 0, total: 2000 });
  });

  it.each<[string, Partial<RefundWire>, string, DocumentTotals]>([
    [
      "lines that come to less than the money refunded",
      { amount: "20.00", lines: [{ sku: "MUG-1", quantity: 1, subtotal: "12.50", tax: "2.63" }] },
      "The credit note comes to 15.13 EUR but the store refunded 20.00 EUR, off by -4.87 EUR",
      { subtotal: 1250, tax: 263, total: 1513 },
    ],
    [
      // 6.04 remains: neither 5.00 (gross) nor 6.05 (net + tax), so the net reading is taken and the cent shows.
      "lines and shipping one cent over the money refunded",
      { amount: "21.17", lines: [{ sku: "MUG-1", quantity: 1, subtotal: "12.50", tax: "2.63" }], shipping: "5.00" },
      "The credit note comes to 21.18 EUR but the store refunded 21.17 EUR, off by 0.01 EUR",
      { subtotal: 1750, tax: 368, total: 2118 },
    ],
  ])("flags %s", (_, fields, message, totals) => {
    const note = creditNoteForRefund(refund(fields), twoRatesExcluded());
    expect(note.problems).toEqual([{ code: "total_mismatch", message }]);
    expect(note.totals).toEqual(totals);
  });

  it("credits a refunded line whose SKU is not on the invoice without a product or rate", () => {
    const note = creditNoteForRefund(refund({ amount: "5.00", lines: [{ sku: "SOCK-3", quantity: 2, subtotal: "5.00", tax: "0.00" }] }), twoRatesExcluded());
    expect(note.problems).toEqual([]);
    expect(note.content.lines).toEqual([
      { kind: "item", product_id: null, sku: "SOCK-3", description: "SOCK-3", quantity: 2, unit_price: 250, discount: 0, tax_rate: null, tax: 0, total: 500 },
    ]);
  });
});

describe("a credit note for all of a document", () => {
  it("copies the lines and totals and clears the problems, leaving the original untouched", () => {
    const invoice = document(wireOrder({ lines: [item({ sku: "GHOST-7", name: "Ghost", tax_rate: "21", tax: "2.10" })], shipping: [{ price: "4.99", tax: "1.05" }], total: "18.14" }));
    expect(invoice.problems.map((problem) => problem.code)).toEqual(["unknown_sku"]);
    const note = creditNoteForAll(invoice);
    expect(note.problems).toEqual([]);
    expect(note.totals).toEqual({ subtotal: 1499, tax: 315, total: 1814 });
    expect(note.content.lines).toEqual(invoice.content.lines);
    note.content.lines[0].total = 0;
    expect(invoice.content.lines[0].total).toBe(1000);
    expect(invoice.problems).toHaveLength(1);
  });
});

describe("document numbers", () => {
  it.each<[string, Parameters<typeof seriesKey>[0], number, number, string, string]>([
    ["an invoice", "invoice", Date.parse("2026-06-15T12:00:00Z"), 42, "invoice:INV:2026", "INV-2026-00042"],
    ["a sales order", "order", Date.parse("2026-06-15T12:00:00Z"), 1, "order:SO:2026", "SO-2026-00001"],
    ["a credit note", "credit_note", Date.parse("2026-06-15T12:00:00Z"), 7, "credit_note:CN:2026", "CN-2026-00007"],
    ["the last millisecond of the year UTC", "invoice", Date.parse("2025-12-31T23:59:59.999Z"), 99999, "invoice:INV:2025", "INV-2025-99999"],
    ["the first millisecond of the year UTC", "invoice", Date.parse("2026-01-01T00:00:00.000Z"), 1, "invoice:INV:2026", "INV-2026-00001"],
    ["New Year's night in Riga, still the old year in UTC", "credit_note", Date.parse("2026-01-01T01:30:00+02:00"), 12, "credit_note:CN:2025", "CN-2025-00012"],
    ["New Year's Eve in New York, already the new year in UTC", "order", Date.parse("2025-12-31T20:00:00-05:00"), 3, "order:SO:2026", "SO-2026-00003"],
    ["a sequence past five digits", "invoice", Date.parse("2026-06-15T12:00:00Z"), 123456, "invoice:INV:2026", "INV-2026-123456"],
  ])("%s", (_, kind, at, sequence, key, number) => {
    expect(seriesKey(kind, at)).toBe(key);
    expect(formatNumber(kind, at, sequence)).toBe(number);
  });
});
