/**
 * A sales document as the inbox computes it from an order (or a refund, or a cancellation), and
 * the guard that compares it with what the store said. Pure: products are looked up beforehand and
 * handed in, so every rule here is testable without D1.
 *
 * Amounts are integer minor units. A document's lines are recomputed from quantity, unit price,
 * discount and tax rate rather than copied, so a store whose own arithmetic does not add up is
 * caught here, to the cent, before any document becomes final.
 */
import { fromMinor, multiplyQuantity } from "../orders/money";
import type { Order } from "../orders/order";
import type { Refund } from "../orders/refund";
import { taxAtRate } from "../orders/totals";
import { normaliseRate, taxCodeKey, type TaxCodeIndex, type TaxKind } from "../company/tax-codes";
import { KIND_WORDS, lineTaxKey, shippingRate, taxSituation } from "../company/tax-kinds";

export const DOCUMENT_KINDS = ["invoice", "order", "credit_note"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * What a document line books: goods or services sold (item), shipping, a tip (revenue of its own)
 * or a gift card sold (a liability until redeemed, not revenue, and never stock).
 */
export const DOCUMENT_LINE_KINDS = ["item", "shipping", "tip", "gift_card"] as const;

export interface DocumentLine {
  kind: (typeof DOCUMENT_LINE_KINDS)[number];
  product_id: string | null;
  sku: string | null;
  description: string;
  quantity: number;
  unit_price: number;
  discount: number;
  tax_rate: string | null;
  tax: number;
  total: number;
  /** The tax code the line's VAT is booked under (company/tax-codes.ts); absent before tax codes or without the company's country. */
  tax_code?: string | null;
}

export interface DocumentAddress {
  name?: string | null;
  company?: string | null;
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  postcode?: string | null;
  region?: string | null;
  country?: string | null;
}

export interface DocumentContent {
  lines: DocumentLine[];
  prices_include_tax: boolean;
  customer: { name: string | null; email: string | null; company: string | null; vat_number: string | null } | null;
  billing_address: DocumentAddress | null;
  shipping_address: DocumentAddress | null;
  source: { order_id: string | null; external_id: string | null; number: string | null; refund_id?: string | null };
  note: string | null;
  /** How the order's VAT is reported (company/tax-kinds.ts); absent on documents made before tax codes. */
  tax_kind?: TaxKind | null;
}

export interface DocumentTotals {
  subtotal: number;
  tax: number;
  total: number;
}

export interface Problem {
  code: "unknown_sku" | "line_mismatch" | "total_mismatch" | "refund_without_lines" | "store_totals" | "unknown_country" | "already_credited" | "no_tax_code" | "no_exchange_rate";
  message: string;
  sku?: string;
}

export interface ComputedDocument {
  currency: string;
  content: DocumentContent;
  totals: DocumentTotals;
  /** Why the document must stay a draft; empty when it may be executed. */
  problems: Problem[];
}

/** Products known by SKU: what the lines point at. */
export type ProductIndex = ReadonlyMap<string, { id: string }>;

/** What tax codes are chosen from: the company's country and the codes it keeps. */
export interface TaxCodeInput {
  seller_country: string | null;
  codes: TaxCodeIndex;
}

export function documentTotals(lines: DocumentLine[], pricesIncludeTax: boolean): DocumentTotals {
  const subtotal = lines.reduce((sum, line) => sum + line.total, 0);
  const tax = lines.reduce((sum, line) => sum + line.tax, 0);
  return { subtotal, tax, total: subtotal + (pricesIncludeTax ? 0 : tax) };
}

const label = (index: number, line: { sku?: string | null; name?: string; description?: string }) =>
  `Line ${index + 1} (${line.sku ? `SKU ${line.sku}, ` : ""}"${line.name ?? line.description}")`;

/** The document an order becomes, with every reason it cannot be executed as it stands. */
export function documentFromOrder(order: Order, orderId: string, products: ProductIndex, taxes?: TaxCodeInput): ComputedDocument {
  const money = (minor: number) => `${fromMinor(minor, order.currency)} ${order.currency}`;
  const problems: Problem[] = [];
  const included = order.prices_include_tax;

  const items: DocumentLine[] = order.lines.map((line, index) => {
    // A tip or a gift card is not stock: it needs no product and moves none.
    const goods = line.kind === undefined;
    const product = goods && line.sku ? products.get(line.sku) : undefined;
    if (goods && line.sku && !product) {
      problems.push({ code: "unknown_sku", sku: line.sku, message: `${label(index, line)}: no product has SKU "${line.sku}"` });
    }
    const discount = line.discount ?? 0;
    const gross = multiplyQuantity(line.quantity, line.unit_price);
    const computed = gross.minor - discount;
    // A fractional quantity makes the store round; one minor unit either way is its rounding, as in checkTotals.
    const total = !gross.exact && Math.abs(computed - line.total) <= 1 ? line.total : computed;
    if (total !== line.total) {
      problems.push({
        code: "line_mismatch",
        message: `${label(index, line)}: ${line.quantity} × ${money(line.unit_price)} − ${money(discount)} is ${money(total)}, but the store says ${money(line.total)}`,
      });
    }
    const atRate = line.tax_rate != null ? taxAtRate(total, line.tax_rate, included) : null;
    // Stores that round tax per order put the odd cent on some line: within one unit, the store's tax stands.
    const tax = atRate === null ? (line.tax ?? 0) : line.tax !== undefined && Math.abs(line.tax - atRate) <= 1 ? line.tax : atRate;
    return { kind: line.kind ?? "item", product_id: product?.id ?? null, sku: line.sku ?? null, description: line.name, quantity: Number(line.quantity), unit_price: line.unit_price, discount, tax_rate: line.tax_rate ?? null, tax, total };
  });
  const shipping: DocumentLine[] = order.shipping.map((entry) => ({
    kind: "shipping",
    product_id: null,
    sku: null,
    description: entry.name ?? "Shipping",
    quantity: 1,
    unit_price: entry.price,
    discount: 0,
    tax_rate: null,
    tax: entry.tax ?? 0,
    total: entry.price,
  }));
  const lines = [...items, ...shipping];
  const situation = taxes ? taxSituation(order, taxes.seller_country) : null;
  if (taxes && situation) {
    const itemRates = items.filter((line) => line.kind === "item" && line.tax_rate != null).map((line) => normaliseRate(line.tax_rate) ?? line.tax_rate!);
    lines.forEach((line, index) => {
      const rate = line.kind === "shipping" ? shippingRate(situation, itemRates, line.total, line.tax, included) : (normaliseRate(line.tax_rate) ?? line.tax_rate ?? "0");
      const key = lineTaxKey(situation, line.kind, rate);
      const code = taxes.codes.get(taxCodeKey(key.kind, key.country, key.rate));
      line.tax_code = code?.code ?? null;
      if (!code) {
        problems.push({
          code: "no_tax_code",
          message: `${label(index, line)}: no tax code for ${KIND_WORDS[key.kind](key.country)} at ${key.rate} %: add one under tax codes`,
        });
      }
    });
  }
  const totals = documentTotals(lines, included);
  if (totals.total !== order.totals.total) {
    problems.push({
      code: "total_mismatch",
      message: `The document comes to ${money(totals.total)} but the store's total is ${money(order.totals.total)}, off by ${money(totals.total - order.totals.total)}`,
    });
  }
  const customer = order.customer ?? null;
  return {
    currency: order.currency,
    content: {
      lines,
      prices_include_tax: included,
      customer: customer && { name: customer.name ?? null, email: customer.email ?? null, company: customer.company ?? null, vat_number: customer.vat_number ?? null },
      billing_address: order.billing_address ?? null,
      shipping_address: order.shipping_address ?? null,
      source: { order_id: orderId, external_id: order.external_id, number: order.number ?? null },
      note: order.note ?? null,
      ...(situation ? { tax_kind: situation.kind } : {}),
    },
    totals,
    problems,
  };
}

/**
 * The credit note for a refund of an invoiced order: the refunded lines at the invoice's prices
 * and rates, and the refunded shipping. A refund that names no lines (PayPal reports only an
 * amount) is credited as one line at the invoice's tax rate when the invoice has a single one;
 * otherwise the split cannot be known and the credit note waits for a person.
 */
export function creditNoteForRefund(refund: Refund, invoice: ComputedDocument): ComputedDocument {
  const money = (minor: number) => `${fromMinor(minor, refund.currency)} ${refund.currency}`;
  const included = invoice.content.prices_include_tax;
  const problems: Problem[] = [];
  const invoiceItems = invoice.content.lines.filter((line) => line.kind === "item");
  const lines: DocumentLine[] = refund.lines.map((refunded) => {
    const original = invoiceItems.find((line) => refunded.sku != null && line.sku === refunded.sku);
    const total = included ? refunded.subtotal + refunded.tax : refunded.subtotal;
    return {
      kind: "item",
      product_id: original?.product_id ?? null,
      sku: refunded.sku ?? null,
      description: original?.description ?? refunded.sku ?? "Refunded item",
      quantity: refunded.quantity,
      unit_price: refunded.quantity > 0 ? Math.round(total / refunded.quantity) : total,
      discount: 0,
      tax_rate: original?.tax_rate ?? null,
      tax: refunded.tax,
      total,
      ...(original?.tax_code ? { tax_code: original.tax_code } : {}),
    };
  });
  if (refund.shipping > 0) lines.push(shippingRefunded(refund, invoice, lines, included));
  if (lines.length === 0 && refund.amount > 0) {
    // "21" and "21.0" are one rate; an item without a rate makes the split unknowable.
    const rates = [...new Set(invoiceItems.map((line) => (line.tax_rate == null ? "" : String(Number(line.tax_rate)))))];
    const rate = rates.length === 1 && rates[0] !== "" ? rates[0] : null;
    const allTaxFree = invoiceItems.every((line) => line.tax === 0);
    // The refund is what went back to the customer, tax included; split it at the invoice's one rate.
    const tax = rate ? taxAtRate(refund.amount, rate, true) : 0;
    const net = refund.amount - tax;
    const total = included ? refund.amount : net;
    lines.push({ kind: "item", product_id: null, sku: null, description: `Refund ${refund.external_id}`, quantity: 1, unit_price: total, discount: 0, tax_rate: rate, tax, total });
    if (!rate && !allTaxFree) {
      problems.push({
        code: "refund_without_lines",
        message: `The refund of ${money(refund.amount)} names no lines and the invoice's tax is not at one known rate: split it over the rates by hand`,
      });
    }
  }
  const totals = documentTotals(lines, included);
  if (totals.total !== refund.amount && refund.amount > 0) {
    problems.push({
      code: "total_mismatch",
      message: `The credit note comes to ${money(totals.total)} but the store refunded ${money(refund.amount)}, off by ${money(totals.total - refund.amount)}`,
    });
  }
  return {
    currency: invoice.currency,
    content: { ...invoice.content, lines, source: { ...invoice.content.source, refund_id: refund.external_id }, note: refund.note ?? null },
    totals,
    problems,
  };
}

/**
 * Refunded shipping takes the invoice's shipping tax along, in proportion. Stores report the
 * refunded shipping net of tax or with it (not documented either way): the money refunded tells
 * which, as what remains of it once the lines are counted; when neither reading fits, the net one
 * is taken and the guard holds the credit note.
 */
function shippingRefunded(refund: Refund, invoice: ComputedDocument, lines: DocumentLine[], included: boolean): DocumentLine {
  const invoiced = invoice.content.lines.filter((line) => line.kind === "shipping");
  const invoicedTax = invoiced.reduce((sum, line) => sum + line.tax, 0);
  const invoicedNet = invoiced.reduce((sum, line) => sum + (included ? line.total - line.tax : line.total), 0);
  const linesGross = lines.reduce((sum, line) => sum + (included ? line.total : line.total + line.tax), 0);
  const remaining = refund.amount - linesGross;
  const taxOnNet = invoicedNet > 0 ? Math.round((invoicedTax * refund.shipping) / invoicedNet) : 0;
  const taxInGross = invoicedNet + invoicedTax > 0 ? Math.round((invoicedTax * refund.shipping) / (invoicedNet + invoicedTax)) : 0;
  const gross = remaining === refund.shipping && remaining !== refund.shipping + taxOnNet;
  const tax = gross ? taxInGross : taxOnNet;
  const net = gross ? refund.shipping - tax : refund.shipping;
  const total = included ? net + tax : net;
  return { kind: "shipping", product_id: null, sku: null, description: "Shipping refunded", quantity: 1, unit_price: total, discount: 0, tax_rate: null, tax, total };
}

/** A credit note for all of an executed document: what cancelling an invoiced order takes. */
export function creditNoteForAll(document: ComputedDocument): ComputedDocument {
  return { ...document, content: { ...document.content, lines: document.content.lines.map((line) => ({ ...line })) }, problems: [] };
}
