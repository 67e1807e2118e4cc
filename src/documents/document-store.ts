/**
 * Every statement on documents, payments and the numbering series. Steps that must happen
 * together (a draft and its timeline event, a number and the document it goes to) get their
 * statements from here and run them in one batch, which D1 runs as one transaction.
 */
import { and, asc, eq, gte, lte, type SQL } from "drizzle-orm";
import { type Database } from "../context";
import { documents, payments, type DocumentRow, type PaymentRow } from "../db/schema";
import { prepareNamed } from "../db/named-sql";
import { newestFirstPage } from "../db/pagination";
import type { SqlCondition } from "../orders/order-store";
import type { ComputedDocument, DocumentContent, DocumentKind, Problem } from "./document";

export interface StoredDocument {
  id: string;
  type: DocumentKind;
  status: "draft" | "executed" | "cancelled";
  number: string | null;
  problems: Problem[];
}

export type FullDocument = StoredDocument & { data: DocumentContent; currency: string; customerId: string | null };

type StateFields = { id: string; type: string; status: string; number: string | null; problems: string };
type FullFields = StateFields & { data: string; currency: string; customer_id: string | null };
const STATE_COLUMNS = "id, type, status, number, problems";
const FULL_COLUMNS = `${STATE_COLUMNS}, data, currency, customer_id`;

/** The document's state from a row of either spelling (D1's snake_case, or drizzle's row). */
export function storedDocument(row: StateFields | DocumentRow): StoredDocument {
  return { id: row.id, type: row.type as DocumentKind, status: row.status as StoredDocument["status"], number: row.number, problems: JSON.parse(row.problems) as Problem[] };
}

const fullDocument = (row: FullFields): FullDocument => ({
  ...storedDocument(row),
  data: JSON.parse(row.data) as DocumentContent,
  currency: row.currency,
  customerId: row.customer_id,
});

/** The batch results of `documentStateStatement` / `documentBySourceStatement`, read back. */
export const stateFrom = (result: D1Result<unknown>): StoredDocument | null => {
  const row = result.results[0] as StateFields | undefined;
  return row ? storedDocument(row) : null;
};
export const fullFrom = (result: D1Result<unknown>): FullDocument => fullDocument(result.results[0] as FullFields);

// ---------------------------------------------------------------------------------------------
// Documents

export const documentStateStatement = (d1: D1Database, id: string) => d1.prepare(`SELECT ${STATE_COLUMNS} FROM documents WHERE id = ?1`).bind(id);

export const documentBySourceStatement = (d1: D1Database, sourceKey: string) => d1.prepare(`SELECT ${FULL_COLUMNS} FROM documents WHERE source_key = ?1`).bind(sourceKey);

/** The document made from a source (`order:<id>`, `refund:<id>`, `cancel:<id>`, `credit:<id>`). */
export async function documentBySource(d1: D1Database, sourceKey: string): Promise<FullDocument | null> {
  const row = await documentBySourceStatement(d1, sourceKey).first<FullFields>();
  return row ? fullDocument(row) : null;
}

export async function documentById(db: Database, id: string): Promise<DocumentRow | undefined> {
  return db.query.documents.findFirst({ where: eq(documents.id, id) });
}

/** The order's own document (not its credit notes), as drizzle reads it: for the order's page. */
export async function documentOfOrder(db: Database, orderId: string): Promise<DocumentRow | undefined> {
  return db.query.documents.findFirst({ where: eq(documents.sourceKey, `order:${orderId}`) });
}

/** The totals a stored document carries, as they were written when it was made. */
export async function storedDocumentTotals(d1: D1Database, documentId: string): Promise<{ subtotal: number; tax: number; total: number }> {
  const row = await d1.prepare("SELECT subtotal_minor, tax_minor, total_minor FROM documents WHERE id = ?1").bind(documentId).first<{ subtotal_minor: number; tax_minor: number; total_minor: number }>();
  return { subtotal: row!.subtotal_minor, tax: row!.tax_minor, total: row!.total_minor };
}

/** What credit notes (not cancelled) already take off an invoice, besides the one for `exceptSource`. */
export async function creditedSoFar(d1: D1Database, invoiceId: string, exceptSource: string): Promise<{ count: number; total: number }> {
  const row = await d1
    .prepare("SELECT COUNT(*) AS count, COALESCE(SUM(total_minor), 0) AS total FROM documents WHERE credit_of = ?1 AND status != 'cancelled' AND source_key != ?2")
    .bind(invoiceId, exceptSource)
    .first<{ count: number; total: number }>();
  return { count: row?.count ?? 0, total: row?.total ?? 0 };
}

/** Inserts a draft for its source, or refreshes the draft already there; an executed or cancelled document is left alone. */
export function upsertDraftStatement(
  d1: D1Database,
  draft: { id: string; type: DocumentKind; sourceKey: string; orderId: string | null; channelId: string | null; customerId: string | null; creditOf: string | null; computed: ComputedDocument; at: number },
): D1PreparedStatement {
  const { computed } = draft;
  return prepareNamed(
    d1,
    `INSERT INTO documents (id, type, status, source_key, order_id, channel_id, customer_id, credit_of, currency,
                            subtotal_minor, tax_minor, total_minor, data, problems, created_at, updated_at)
     VALUES (:id, :type, 'draft', :source_key, :order_id, :channel_id, :customer_id, :credit_of, :currency,
             :subtotal_minor, :tax_minor, :total_minor, :data, :problems, :at, :at)
     ON CONFLICT (source_key) DO UPDATE SET customer_id = excluded.customer_id, currency = excluded.currency,
       subtotal_minor = excluded.subtotal_minor, tax_minor = excluded.tax_minor, total_minor = excluded.total_minor,
       data = excluded.data, problems = excluded.problems, updated_at = excluded.updated_at
     WHERE documents.status = 'draft' AND (documents.data != excluded.data OR documents.problems != excluded.problems)`,
    {
      id: draft.id,
      type: draft.type,
      source_key: draft.sourceKey,
      order_id: draft.orderId,
      channel_id: draft.channelId,
      customer_id: draft.customerId,
      credit_of: draft.creditOf,
      currency: computed.currency,
      subtotal_minor: computed.totals.subtotal,
      tax_minor: computed.totals.tax,
      total_minor: computed.totals.total,
      data: JSON.stringify(computed.content),
      problems: JSON.stringify(computed.problems),
      at: draft.at,
    },
  );
}

export const cancelDraftStatement = (d1: D1Database, id: string, at: number) =>
  d1.prepare("UPDATE documents SET status = 'cancelled', cancelled_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'draft'").bind(id, at);

/**
 * The statements that give a clean draft the next number of its series and make it final. All are
 * conditional on the draft being executable at the time the batch runs, so a second worker
 * executing it at the same time finds it executed and changes nothing.
 */
export function numberDocumentStatements(d1: D1Database, document: { id: string }, series: { key: string; prefix: string }, at: number): D1PreparedStatement[] {
  const executable = "EXISTS (SELECT 1 FROM documents WHERE id = ?1 AND status = 'draft' AND problems = '[]')";
  return [
    d1.prepare(`INSERT INTO document_series (key, last_number) SELECT ?2, 0 WHERE ${executable} ON CONFLICT (key) DO NOTHING`).bind(document.id, series.key),
    d1.prepare(`UPDATE document_series SET last_number = last_number + 1 WHERE key = ?2 AND ${executable}`).bind(document.id, series.key),
    prepareNamed(
      d1,
      `UPDATE documents SET status = 'executed', executed_at = :at, updated_at = :at,
              number = :prefix || printf('%05d', (SELECT last_number FROM document_series WHERE key = :series))
       WHERE id = :document_id AND status = 'draft' AND problems = '[]'`,
      { document_id: document.id, series: series.key, at, prefix: series.prefix },
    ),
  ];
}

/** The order ids whose drafts are held for want of a product with one of these SKUs (one JSON parameter, however many). */
export async function ordersWaitingForSkus(d1: D1Database, skus: string[]): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT d.order_id FROM documents d, json_each(d.problems) AS problem
       WHERE d.status = 'draft' AND d.order_id IS NOT NULL AND json_extract(problem.value, '$.code') = 'unknown_sku'
         AND json_extract(problem.value, '$.sku') IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(skus))
    .all<{ order_id: string }>();
  return results.map((row) => row.order_id);
}

/** The order ids whose drafts are held for want of an exchange rate (recheck.ts asks again once rates arrive). */
export async function ordersWaitingForRates(d1: D1Database): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT d.order_id FROM documents d, json_each(d.problems) AS problem
       WHERE d.status = 'draft' AND d.order_id IS NOT NULL AND json_extract(problem.value, '$.code') = 'no_exchange_rate'
       LIMIT 1000`,
    )
    .all<{ order_id: string }>();
  return results.map((row) => row.order_id);
}

export interface DocumentFilters {
  type?: string;
  status?: string;
  channel_id?: string;
  order_id?: string;
  customer_id?: string;
  /** ISO times, inclusive. */
  created_from?: string;
  created_to?: string;
}

function documentConditions(filters: DocumentFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.type) conditions.push(eq(documents.type, filters.type));
  if (filters.status) conditions.push(eq(documents.status, filters.status));
  if (filters.channel_id) conditions.push(eq(documents.channelId, filters.channel_id));
  if (filters.order_id) conditions.push(eq(documents.orderId, filters.order_id));
  if (filters.customer_id) conditions.push(eq(documents.customerId, filters.customer_id));
  if (filters.created_from) conditions.push(gte(documents.createdAt, Date.parse(filters.created_from)));
  if (filters.created_to) conditions.push(lte(documents.createdAt, Date.parse(filters.created_to)));
  return conditions;
}

/** One page of documents, newest first. */
export async function findDocuments(db: Database, query: DocumentFilters & { cursor?: string; limit: number }): Promise<{ items: DocumentRow[]; next_cursor: string | null }> {
  return newestFirstPage(db, documents, { at: documents.createdAt, id: documents.id }, documentConditions(query), query);
}

/** Up to `limit` documents under the filters, oldest first (an export). */
export async function documentsInOrderMade(db: Database, filters: DocumentFilters, limit: number): Promise<DocumentRow[]> {
  const conditions = documentConditions(filters);
  return db
    .select()
    .from(documents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(documents.createdAt), asc(documents.id))
    .limit(limit);
}

/** The credit notes against a document, oldest first. */
export async function creditNotesOf(db: Database, documentId: string): Promise<DocumentRow[]> {
  return db.select().from(documents).where(eq(documents.creditOf, documentId)).orderBy(asc(documents.createdAt));
}

// ---------------------------------------------------------------------------------------------
// Payments

export interface NewPayment {
  id: string;
  kind: "payment" | "refund";
  sourceKey: string;
  documentId: string;
  orderId: string | null;
  channelId: string | null;
  amount: number;
  currency: string;
  paidAt: number;
  method: string | null;
  account: string;
  reference: string | null;
  at: number;
}

/** Adds a payment unless one with the same source key is already there. */
export function insertPaymentStatement(d1: D1Database, payment: NewPayment): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO payments (id, kind, source_key, document_id, order_id, channel_id, amount_minor, currency, paid_at, method, account, reference, created_at)
     VALUES (:id, :kind, :source_key, :document_id, :order_id, :channel_id, :amount_minor, :currency, :paid_at, :method, :account, :reference, :at)
     ON CONFLICT (source_key) DO NOTHING`,
    {
      id: payment.id,
      kind: payment.kind,
      source_key: payment.sourceKey,
      document_id: payment.documentId,
      order_id: payment.orderId,
      channel_id: payment.channelId,
      amount_minor: payment.amount,
      currency: payment.currency,
      paid_at: payment.paidAt,
      method: payment.method,
      account: payment.account,
      reference: payment.reference,
      at: payment.at,
    },
  );
}

/** Adds a payment; false when one with its source key was already there. */
export async function insertPayment(d1: D1Database, payment: NewPayment): Promise<boolean> {
  const result = await insertPaymentStatement(d1, payment).run();
  return Boolean(result.meta.changes);
}

export const paymentIdBySourceStatement = (d1: D1Database, sourceKey: string) => d1.prepare("SELECT id FROM payments WHERE source_key = ?1").bind(sourceKey);

/** What the order's automatic payments (all on its document, indexed by document) add up to. */
export async function orderPaymentsOnDocument(d1: D1Database, documentId: string): Promise<number> {
  const paid = await d1
    .prepare("SELECT COALESCE(SUM(amount_minor), 0) AS paid FROM payments WHERE document_id = ?1 AND kind = 'payment' AND source_key LIKE 'payment:%'")
    .bind(documentId)
    .first<number>("paid");
  return paid ?? 0;
}

export async function paymentById(db: Database, id: string): Promise<PaymentRow | undefined> {
  return db.query.payments.findFirst({ where: eq(payments.id, id) });
}

/** A document's payments, oldest first. */
export async function paymentsOfDocument(db: Database, documentId: string): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.documentId, documentId)).orderBy(asc(payments.paidAt));
}

/** One page of payments, newest first. */
export async function findPayments(
  db: Database,
  query: { document_id?: string; order_id?: string; kind?: string; cursor?: string; limit: number },
): Promise<{ items: PaymentRow[]; next_cursor: string | null }> {
  const filters = [
    query.document_id ? eq(payments.documentId, query.document_id) : undefined,
    query.order_id ? eq(payments.orderId, query.order_id) : undefined,
    query.kind ? eq(payments.kind, query.kind) : undefined,
  ];
  return newestFirstPage(db, payments, { at: payments.paidAt, id: payments.id }, filters, query);
}

// ---------------------------------------------------------------------------------------------
// What a timeline event waits for: the step it records did happen in the same batch.

export const documentWritten = (documentId: string): SqlCondition => ({ text: "EXISTS (SELECT 1 FROM documents WHERE id = :document_id)", values: { document_id: documentId } });

export const documentExecutedAt = (documentId: string, at: number): SqlCondition => ({
  text: "EXISTS (SELECT 1 FROM documents WHERE id = :document_id AND executed_at = :executed_at)",
  values: { document_id: documentId, executed_at: at },
});

export const documentCancelledAt = (documentId: string, at: number): SqlCondition => ({
  text: "EXISTS (SELECT 1 FROM documents WHERE id = :document_id AND cancelled_at = :cancelled_at)",
  values: { document_id: documentId, cancelled_at: at },
});

export const paymentWritten = (paymentId: string): SqlCondition => ({ text: "EXISTS (SELECT 1 FROM payments WHERE id = :payment_id)", values: { payment_id: paymentId } });

/** What executing a document needs to fix its issued facts: its content and totals, the order's dates, the invoice a credit note corrects. */
export async function documentForIssue(
  d1: D1Database,
  documentId: string,
): Promise<{ type: DocumentKind; currency: string; data: DocumentContent; subtotal: number; tax: number; total: number; placedAt: string | null; corrects: string | null } | null> {
  const row = await d1
    .prepare(
      `SELECT d.type, d.currency, d.data, d.subtotal_minor, d.tax_minor, d.total_minor,
              json_extract(o.data, '$.placed_at') AS placed_at, c.number AS corrects
       FROM documents d LEFT JOIN orders o ON o.id = d.order_id LEFT JOIN documents c ON c.id = d.credit_of
       WHERE d.id = ?1`,
    )
    .bind(documentId)
    .first<{ type: DocumentKind; currency: string; data: string; subtotal_minor: number; tax_minor: number; total_minor: number; placed_at: string | null; corrects: string | null }>();
  if (!row) return null;
  return {
    type: row.type,
    currency: row.currency,
    data: JSON.parse(row.data) as DocumentContent,
    subtotal: row.subtotal_minor,
    tax: row.tax_minor,
    total: row.total_minor,
    placedAt: row.placed_at,
    corrects: row.corrects,
  };
}

/**
 * Fixes a document's issued facts in the batch that executes it: only when that batch executed it
 * (executed_at is this batch's time) and nothing was fixed before, with its number as the payment
 * reference (given out earlier in the same batch).
 */
export function recordIssuedStatement(d1: D1Database, documentId: string, issued: string, at: number): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE documents SET issued = json_set(:issued, '$.payment_reference', number)
     WHERE id = :document_id AND status = 'executed' AND executed_at = :at AND issued IS NULL`,
    { document_id: documentId, issued, at },
  );
}

/** Holds a draft with the reasons it cannot be executed yet (a draft only; an executed document is final). */
export function holdDraftStatement(d1: D1Database, documentId: string, problems: Problem[], at: number): D1PreparedStatement {
  return prepareNamed(d1, "UPDATE documents SET problems = :problems, updated_at = :at WHERE id = :document_id AND status = 'draft'", {
    document_id: documentId,
    problems: JSON.stringify(problems),
    at,
  });
}
