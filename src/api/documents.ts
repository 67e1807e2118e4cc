/**
 * /api/documents and /api/payments: the sales documents the inbox made (invoices, sales orders,
 * credit notes), their payments, and the bookkeeper's actions on them: execute a clean draft,
 * cancel a draft, credit an executed invoice, add a payment by hand, and a CSV export.
 */
import { and, asc, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv, Database, Services } from "../context";
import { documents, payments, stockMovements, type DocumentRow, type PaymentRow } from "../db/schema";
import { DOCUMENT_KINDS, type DocumentContent, type DocumentLine, type Problem } from "../documents/document";
import { addManualPayment, cancelDocument, creditDocument, executeDocument } from "../documents/process";
import { AppError } from "../lib/errors";
import { fromMinor, toMinor, MoneyFormatError } from "../orders/money";
import { after, decodeCursor, limitSchema, page } from "../db/pagination";
import { isoTime, parseQuery, readJsonBody, validate } from "./validate";

const STATUSES = ["draft", "executed", "cancelled"] as const;

export const documentListQuery = z.object({
  type: z.enum(DOCUMENT_KINDS).optional(),
  status: z.enum(STATUSES).optional(),
  channel_id: z.string().optional(),
  order_id: z.string().optional(),
  customer_id: z.string().optional(),
  created_from: z.iso.datetime({ offset: true }).optional(),
  created_to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

const money = z.string().meta({ description: "A decimal amount in the document's currency", examples: ["12.50"] });
const problemSchema = z.object({ code: z.string(), message: z.string(), sku: z.string().optional() });

export const documentSchema = z
  .object({
    id: z.string(),
    type: z.enum(DOCUMENT_KINDS),
    status: z.enum(STATUSES),
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
        kind: z.enum(["item", "shipping"]),
        product_id: z.string().nullable(),
        sku: z.string().nullable(),
        description: z.string(),
        quantity: z.number(),
        unit_price: money,
        discount: money,
        tax_rate: z.string().nullable(),
        tax: money,
        total: money,
      }),
    ),
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
  };
}

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

const documentExportQuery = documentListQuery.omit({ cursor: true, limit: true });

function documentConditions(query: z.output<typeof documentExportQuery>): SQL[] {
  const conditions: SQL[] = [];
  if (query.type) conditions.push(eq(documents.type, query.type));
  if (query.status) conditions.push(eq(documents.status, query.status));
  if (query.channel_id) conditions.push(eq(documents.channelId, query.channel_id));
  if (query.order_id) conditions.push(eq(documents.orderId, query.order_id));
  if (query.customer_id) conditions.push(eq(documents.customerId, query.customer_id));
  if (query.created_from) conditions.push(gte(documents.createdAt, Date.parse(query.created_from)));
  if (query.created_to) conditions.push(lte(documents.createdAt, Date.parse(query.created_to)));
  return conditions;
}

export async function loadDocument(services: Services, id: string): Promise<DocumentRow> {
  const row = await services.db.query.documents.findFirst({ where: eq(documents.id, id) });
  if (!row) throw new AppError("not_found", `No document ${id}`);
  return row;
}

const csvCell = (value: unknown) => {
  const text = value == null ? "" : String(value);
  // Quote what needs it; a leading =, +, - or @ is defused so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const EXPORT_LIMIT = 10_000;

export const manualPaymentSchema = z.strictObject({
  amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "12.50"'),
  paid_at: z.iso.datetime({ offset: true }),
  method: z.string().trim().min(1).max(255).nullish(),
  account: z.string().trim().min(1).max(100).nullish(),
  reference: z.string().trim().min(1).max(255),
}).meta({ id: "PaymentCreate" });

/** One page of documents, newest first. */
export async function findDocuments(db: Database, query: z.output<typeof documentListQuery>): Promise<{ items: DocumentRow[]; next_cursor: string | null }> {
  const conditions = documentConditions(query);
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(after(cursor, documents.createdAt, documents.id));
  const rows = await db
    .select()
    .from(documents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(documents.createdAt), desc(documents.id))
    .limit(query.limit + 1);
  return page(rows, query.limit, (row) => ({ at: row.createdAt, id: row.id }));
}

/** A document with its payments, what is still to pay, the stock it moved and the credit notes against it. */
export async function loadDocumentDetail(services: Services, id: string) {
  const { db } = services;
  const row = await loadDocument(services, id);
  const [paid, moved, credits] = await Promise.all([
    db.select().from(payments).where(eq(payments.documentId, row.id)).orderBy(asc(payments.paidAt)),
    db.select().from(stockMovements).where(eq(stockMovements.documentId, row.id)).orderBy(asc(stockMovements.lineIndex)),
    db.select().from(documents).where(eq(documents.creditOf, row.id)).orderBy(asc(documents.createdAt)),
  ]);
  const paidMinor = paid.reduce((sum, payment) => sum + (payment.kind === "payment" ? payment.amountMinor : -payment.amountMinor), 0);
  return {
    ...documentJson(row),
    payments: paid.map(paymentJson),
    balance: fromMinor(row.type === "credit_note" ? row.totalMinor + paidMinor : row.totalMinor - paidMinor, row.currency),
    stock_movements: moved.map((movement) => ({ line: movement.lineIndex + 1, product_id: movement.productId, quantity: movement.quantity, at: isoTime(movement.at)! })),
    credit_notes: credits.map((credit) => ({ id: credit.id, number: credit.number, status: credit.status, total: fromMinor(credit.totalMinor, credit.currency) })),
  };
}

/** A payment entered by hand from a body like POST /api/documents/:id/payments takes. */
export async function addPaymentByHand(services: Services, id: string, body: unknown): Promise<PaymentRow> {
  const input = validate(manualPaymentSchema, body);
  const row = await loadDocument(services, id);
  let amount: number;
  try {
    amount = toMinor(input.amount, row.currency);
  } catch (error) {
    if (error instanceof MoneyFormatError) throw new AppError("validation_failed", `amount: ${error.message}`);
    throw error;
  }
  return addManualPayment(services, row, { ...input, amount, paid_at: Date.parse(input.paid_at) });
}

export const documentRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findDocuments(c.var.services.db, parseQuery(c, documentListQuery));
    return c.json({ items: result.items.map(documentJson), next_cursor: result.next_cursor });
  })

  /** One row per document line, with the document's number, dates and totals: what a spreadsheet or an import wants. */
  .get("/export.csv", async (c) => {
    // The same filters as the list; a cursor or limit given is ignored (unknown keys are dropped).
    const conditions = documentConditions(parseQuery(c, documentExportQuery));
    const rows = await c.var.services.db
      .select()
      .from(documents)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(documents.createdAt), asc(documents.id))
      .limit(EXPORT_LIMIT + 1);
    if (rows.length > EXPORT_LIMIT) throw new AppError("bad_request", `More than ${EXPORT_LIMIT} documents match: narrow the export with created_from and created_to`);
    const header = ["number", "type", "status", "created_at", "executed_at", "currency", "customer", "order_id", "line", "sku", "description", "quantity", "unit_price", "discount", "tax_rate", "tax", "line_total", "document_total"];
    const lines = [header.join(",")];
    for (const row of rows) {
      const json = documentJson(row);
      json.lines.forEach((line, index) => {
        lines.push(
          [json.number ?? "", json.type, json.status, json.created_at, json.executed_at ?? "", json.currency, json.customer?.name ?? "", json.order_id ?? "", index + 1, line.sku ?? "", line.description, line.quantity, line.unit_price, line.discount, line.tax_rate ?? "", line.tax, line.total, json.totals.total]
            .map(csvCell)
            .join(","),
        );
      });
    }
    return c.body(`${lines.join("\r\n")}\r\n`, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="documents.csv"' });
  })

  .get("/:id", async (c) => c.json(await loadDocumentDetail(c.var.services, c.req.param("id"))))

  .post("/:id/execute", async (c) => {
    await executeDocument(c.var.services, c.req.param("id"));
    return c.json(documentJson(await loadDocument(c.var.services, c.req.param("id"))));
  })

  .post("/:id/cancel", async (c) => {
    await cancelDocument(c.var.services, c.req.param("id"));
    return c.json(documentJson(await loadDocument(c.var.services, c.req.param("id"))));
  })

  /** A credit note for all of an executed invoice (a return handled outside the store, say). */
  .post("/:id/credit", async (c) => {
    const note = await creditDocument(c.var.services, c.req.param("id"));
    return c.json(documentJson(await loadDocument(c.var.services, note.id)), 201);
  })

  .post("/:id/payments", async (c) => c.json(paymentJson(await addPaymentByHand(c.var.services, c.req.param("id"), await readJsonBody(c))), 201));

export const paymentListQuery = z.object({
  document_id: z.string().optional(),
  order_id: z.string().optional(),
  kind: z.enum(["payment", "refund"]).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const paymentRoutes = new Hono<AppEnv>()
  .get("/:id", async (c) => {
    const row = await c.var.services.db.query.payments.findFirst({ where: eq(payments.id, c.req.param("id")) });
    if (!row) throw new AppError("not_found", `No payment ${c.req.param("id")}`);
    return c.json(paymentJson(row));
  })
  .get("/", async (c) => {
  const query = parseQuery(c, paymentListQuery);
  const conditions: SQL[] = [];
  if (query.document_id) conditions.push(eq(payments.documentId, query.document_id));
  if (query.order_id) conditions.push(eq(payments.orderId, query.order_id));
  if (query.kind) conditions.push(eq(payments.kind, query.kind));
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(after(cursor, payments.paidAt, payments.id));
  const rows = await c.var.services.db
    .select()
    .from(payments)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(payments.paidAt), desc(payments.id))
    .limit(query.limit + 1);
  const result = page(rows, query.limit, (row) => ({ at: row.paidAt, id: row.id }));
  return c.json({ items: result.items.map(paymentJson), next_cursor: result.next_cursor });
});
