/**
 * Documents and payments as the API answers them and the dashboard shows them: amounts as decimal
 * strings in the document's currency, times in ISO 8601; with their zod schemas for the OpenAPI document.
 */
import { z } from "zod";
import type { DocumentRow, PaymentRow } from "../db/schema";
import { isoTime } from "../lib/iso-time";
import { fromMinor } from "../orders/money";
import { TAX_KINDS } from "../company/tax-codes";
import { DOCUMENT_KINDS, DOCUMENT_LINE_KINDS, type DocumentContent, type DocumentLine, type Problem } from "./document";
import type { IssuedFacts } from "./issued";

export const DOCUMENT_STATUSES = ["draft", "executed", "cancelled"] as const;

const money = z.string().meta({ description: "A decimal amount in the document's currency", examples: ["12.50"] });
const problemSchema = z.object({ code: z.string(), message: z.string(), sku: z.string().optional() });

const baseMoney = z.string().meta({ description: "A decimal amount in the base currency" });
const issuedSchema = z.object({
  seller: z.record(z.string(), z.unknown()).meta({ description: "The company profile's seller fields as they stood at execution, with logo_key" }),
  time_zone: z.string(),
  locale: z.string(),
  issue_date: z.string().meta({ description: "YYYY-MM-DD in time_zone" }),
  supply_date: z.string(),
  due_date: z.string().nullable(),
  payment_reference: z.string(),
  tax_kind: z.enum(TAX_KINDS).nullable(),
  vat_summary: z.array(
    z.object({
      tax_code: z.string(),
      label: z.string(),
      kind: z.enum(TAX_KINDS),
      rate: z.string(),
      taxable: money,
      vat: money,
      base: z.object({ taxable: baseMoney, vat: baseMoney }).nullable(),
    }),
  ),
  base: z
    .object({ currency: z.string(), rate: z.string(), rate_date: z.string(), subtotal: baseMoney, tax: baseMoney, total: baseMoney })
    .nullable()
    .meta({ description: "The amounts in the company's base currency at the ECB rate of rate_date; null when the document is in it" }),
  corrects: z.string().nullable().meta({ description: "For a credit note: the number of the invoice it corrects" }),
});

export const documentSchema = z
  .object({
    id: z.string(),
    type: z.enum(DOCUMENT_KINDS),
    status: z.enum(DOCUMENT_STATUSES),
    number: z.string().nullable().meta({ description: "Given when executed: INV-2026-00042, SO-…, CN-…" }),
    order_id: z.string().nullable(),
    channel_id: z.string().nullable(),
    customer_id: z.string().nullable(),
    credit_of: z.string().nullable().meta({ description: "For a credit note: the document it credits" }),
    currency: z.string(),
    totals: z.object({ subtotal: money, tax: money, total: money }),
    problems: z.array(problemSchema).meta({ description: "Why the draft is held; empty when it can be executed" }),
    created_at: z.string(),
    executed_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    prices_include_tax: z.boolean(),
    lines: z.array(
      z.object({
        kind: z.enum(DOCUMENT_LINE_KINDS),
        product_id: z.string().nullable(),
        sku: z.string().nullable(),
        description: z.string(),
        quantity: z.number(),
        unit_price: money,
        discount: money,
        tax_rate: z.string().nullable(),
        tax: money,
        total: money,
        tax_code: z.string().nullable().optional().meta({ description: "The tax code the line's VAT is booked under (GET /api/tax-codes); absent on documents made before tax codes" }),
      }),
    ),
    issued: issuedSchema.nullable().meta({ description: "What the document says as issued, fixed when it was executed; null for a draft (or a document executed before issued facts were kept)" }),
    tax_kind: z
      .enum(TAX_KINDS)
      .nullable()
      .meta({ description: "How the order's VAT is reported: domestic, oss, reverse_charge, export; null before tax codes or without the company's country" }),
    vat_check: z
      .object({
        vat_number: z.string(),
        result: z.enum(["valid", "invalid", "unavailable"]),
        name: z.string().nullable(),
        address: z.string().nullable(),
        request_id: z.string().nullable(),
        checked_at: z.string(),
      })
      .nullable()
      .optional()
      .meta({ description: "A reverse-charge document (GET /api/documents/{id} only): what VIES said of the buyer's VAT number; null until asked. Invalid holds nothing already issued" }),
  })
  .meta({ id: "Document" });

export const paymentSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["payment", "refund"]),
    document_id: z.string(),
    order_id: z.string().nullable(),
    channel_id: z.string().nullable(),
    amount: money,
    currency: z.string(),
    paid_at: z.string(),
    method: z.string().nullable(),
    account: z.string(),
    reference: z.string().nullable(),
  })
  .meta({ id: "Payment" });

const lineJson = (currency: string) => (line: DocumentLine) => ({
  ...line,
  unit_price: fromMinor(line.unit_price, currency),
  discount: fromMinor(line.discount, currency),
  tax: fromMinor(line.tax, currency),
  total: fromMinor(line.total, currency),
});

export function documentJson(row: DocumentRow) {
  const content = JSON.parse(row.data) as DocumentContent;
  const money = (minor: number) => fromMinor(minor, row.currency);
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    number: row.number,
    order_id: row.orderId,
    channel_id: row.channelId,
    customer_id: row.customerId,
    credit_of: row.creditOf,
    currency: row.currency,
    totals: { subtotal: money(row.subtotalMinor), tax: money(row.taxMinor), total: money(row.totalMinor) },
    problems: JSON.parse(row.problems) as Problem[],
    created_at: isoTime(row.createdAt)!,
    executed_at: isoTime(row.executedAt),
    cancelled_at: isoTime(row.cancelledAt),
    customer: content.customer,
    billing_address: content.billing_address,
    shipping_address: content.shipping_address,
    prices_include_tax: content.prices_include_tax,
    lines: content.lines.map(lineJson(row.currency)),
    source: content.source,
    note: content.note,
    tax_kind: content.tax_kind ?? null,
    issued: row.issued ? issuedJson(JSON.parse(row.issued) as IssuedFacts, row.currency) : null,
  };
}

/** The issued facts with their amounts as decimal strings: the document's currency, and the base currency for `base`. */
function issuedJson(issued: IssuedFacts, currency: string) {
  const base = issued.base;
  const inBase = (minor: number) => fromMinor(minor, base?.currency ?? currency);
  return {
    ...issued,
    vat_summary: issued.vat_summary.map((row) => ({
      ...row,
      taxable: fromMinor(row.taxable, currency),
      vat: fromMinor(row.vat, currency),
      base: row.base && { taxable: inBase(row.base.taxable), vat: inBase(row.base.vat) },
    })),
    base: base && { ...base, subtotal: inBase(base.subtotal), tax: inBase(base.tax), total: inBase(base.total) },
  };
}

export type DocumentJson = ReturnType<typeof documentJson>;

export function paymentJson(row: PaymentRow) {
  return {
    id: row.id,
    kind: row.kind,
    document_id: row.documentId,
    order_id: row.orderId,
    channel_id: row.channelId,
    amount: fromMinor(row.amountMinor, row.currency),
    currency: row.currency,
    paid_at: isoTime(row.paidAt)!,
    method: row.method,
    account: row.account,
    reference: row.reference,
  };
}
