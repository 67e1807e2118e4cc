/**
 * Turning an order into its sales document, with its payment, its credit notes and its
 * cancellation: the steps that automatic processing (the queue consumer) and a person (the API)
 * both run. Every step is idempotent through a UNIQUE source key (one document per order, one
 * credit note per refund, one payment per transaction), so running it twice, or in two workers
 * at once, changes nothing the second time. Each step that did something is recorded on the
 * order's timeline with the rule that made it happen.
 */
import type { ChannelType } from "../channels/types";
import type { Services } from "../context";
import { eq } from "drizzle-orm";
import { payments, type PaymentRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Order } from "../orders/order";
import type { Refund } from "../orders/refund";
import { checkTotals } from "../orders/totals";
import { fromMinor } from "../orders/money";
import { automationOf, accountFor, type Automation, type SalesDocumentType } from "./automation";
import { creditNoteForAll, creditNoteForRefund, documentFromOrder, type ComputedDocument, type DocumentContent, type DocumentKind, type Problem } from "./document";
import { findCustomer, findProducts, matchCustomer, productsForOrder, type MatchedCustomer } from "./matching";
import { executeStatements } from "./numbering";
import { automateOrderMessage } from "../queue/messages";

export interface DocumentOptions {
  type: SalesDocumentType;
  execute: boolean;
  add_payment: boolean;
}

export interface StoredDocument {
  id: string;
  type: DocumentKind;
  status: "draft" | "executed" | "cancelled";
  number: string | null;
  problems: Problem[];
}

export interface ProcessResult {
  document: StoredDocument | null;
  payment_id: string | null;
  credit_notes: StoredDocument[];
  problems: Problem[];
  /** Why nothing was done, when nothing was. */
  skipped: string | null;
}

interface OrderContext {
  id: string;
  channelId: string;
  channelType: ChannelType;
  automation: Automation;
  status: string;
  order: Order;
}

const PAID = new Set(["paid", "partially_refunded", "refunded"]);
const isPaid = (order: Order) => PAID.has(order.financial_status);
const isCancelled = (order: Order) => Boolean(order.cancelled_at) || order.financial_status === "voided";

async function loadOrder(d1: D1Database, orderId: string): Promise<OrderContext> {
  const row = await d1
    .prepare("SELECT o.id, o.channel_id, o.status, o.data, c.type, c.automation FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.id = ?1")
    .bind(orderId)
    .first<{ id: string; channel_id: string; status: string; data: string; type: ChannelType; automation: string | null }>();
  if (!row) throw new AppError("not_found", `No order ${orderId}`);
  return { id: row.id, channelId: row.channel_id, channelType: row.type, automation: automationOf(row.type, row.automation), status: row.status, order: JSON.parse(row.data) as Order };
}

function storedDocument(row: { id: string; type: string; status: string; number: string | null; problems: string }): StoredDocument {
  return { id: row.id, type: row.type as DocumentKind, status: row.status as StoredDocument["status"], number: row.number, problems: JSON.parse(row.problems) as Problem[] };
}

type FullDocument = StoredDocument & { data: DocumentContent; currency: string; customerId: string | null };
type DocumentRowFields = { id: string; type: string; status: string; number: string | null; problems: string; data: string; currency: string; customer_id: string | null };
const FULL_COLUMNS = "id, type, status, number, problems, data, currency, customer_id";

const fullDocument = (row: DocumentRowFields): FullDocument => ({
  ...storedDocument(row),
  data: JSON.parse(row.data) as DocumentContent,
  currency: row.currency,
  customerId: row.customer_id,
});

async function documentBySource(d1: D1Database, sourceKey: string): Promise<FullDocument | null> {
  const row = await d1.prepare(`SELECT ${FULL_COLUMNS} FROM documents WHERE source_key = ?1`).bind(sourceKey).first<DocumentRowFields>();
  return row ? fullDocument(row) : null;
}

/** What credit notes (not cancelled) already take off an invoice, besides the one for `exceptSource`. */
async function creditedSoFar(d1: D1Database, invoiceId: string, exceptSource: string): Promise<{ count: number; total: number }> {
  const row = await d1
    .prepare("SELECT COUNT(*) AS count, COALESCE(SUM(total_minor), 0) AS total FROM documents WHERE credit_of = ?1 AND status != 'cancelled' AND source_key != ?2")
    .bind(invoiceId, exceptSource)
    .first<{ count: number; total: number }>();
  return { count: row?.count ?? 0, total: row?.total ?? 0 };
}

function timelineEvent(d1: D1Database, context: TimelineOwner, key: string, kind: string, data: unknown, condition: string, bindings: unknown[], now: number) {
  // ?1..?6 are the event's; the condition's own parameters follow from ?7.
  return d1
    .prepare(
      `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ${now} WHERE ${condition} AND EXISTS (SELECT 1 FROM orders WHERE id = ?2)
       ON CONFLICT (channel_id, key) DO NOTHING`,
    )
    .bind(newId("evt", now), context.id, context.channelId, key, kind, JSON.stringify(data), ...bindings);
}

/** Inserts a draft for `sourceKey`, or refreshes the draft already there; an executed or cancelled document is left alone. */
async function upsertDraft(
  d1: D1Database,
  context: TimelineOwner,
  draft: { type: DocumentKind; sourceKey: string; computed: ComputedDocument; customerId: string | null; creditOf: string | null; rule: string },
  extra: D1PreparedStatement[],
  now: number,
): Promise<FullDocument> {
  const id = newId("doc", now);
  const { computed } = draft;
  const results = await d1.batch<DocumentRowFields>([
    d1
      .prepare(
        `INSERT INTO documents (id, type, status, source_key, order_id, channel_id, customer_id, credit_of, currency,
                                subtotal_minor, tax_minor, total_minor, data, problems, created_at, updated_at)
         VALUES (?1, ?2, 'draft', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
         ON CONFLICT (source_key) DO UPDATE SET customer_id = excluded.customer_id, currency = excluded.currency,
           subtotal_minor = excluded.subtotal_minor, tax_minor = excluded.tax_minor, total_minor = excluded.total_minor,
           data = excluded.data, problems = excluded.problems, updated_at = excluded.updated_at
         WHERE documents.status = 'draft' AND (documents.data != excluded.data OR documents.problems != excluded.problems)`,
      )
      .bind(
        id,
        draft.type,
        draft.sourceKey,
        context.id || null,
        context.channelId || null,
        draft.customerId,
        draft.creditOf,
        computed.currency,
        computed.totals.subtotal,
        computed.totals.tax,
        computed.totals.total,
        JSON.stringify(computed.content),
        JSON.stringify(computed.problems),
        now,
      ),
    timelineEvent(
      d1,
      context,
      `document:${draft.sourceKey}`,
      draft.type === "credit_note" ? "credit_note_created" : "document_created",
      { document_id: id, type: draft.type, rule: draft.rule, problems: computed.problems },
      "EXISTS (SELECT 1 FROM documents WHERE id = ?7)",
      [id],
      now,
    ),
    ...extra,
    d1.prepare(`SELECT ${FULL_COLUMNS} FROM documents WHERE source_key = ?1`).bind(draft.sourceKey),
  ]);
  return fullDocument(results.at(-1)!.results[0]);
}

/** Whose timeline a step is written on. */
type TimelineOwner = Pick<OrderContext, "id" | "channelId">;

async function execute(d1: D1Database, context: TimelineOwner, document: StoredDocument, rule: string, now: number): Promise<StoredDocument> {
  const results = await d1.batch<{ id: string; type: string; status: string; number: string | null; problems: string }>([
    ...executeStatements(d1, document, now, newId("stm", now)),
    timelineEvent(
      d1,
      context,
      `executed:${document.id}`,
      "document_executed",
      { document_id: document.id, rule },
      "EXISTS (SELECT 1 FROM documents WHERE id = ?7 AND executed_at = ?8)",
      [document.id, now],
      now,
    ),
    d1.prepare("SELECT id, type, status, number, problems FROM documents WHERE id = ?1").bind(document.id),
  ]);
  return storedDocument(results.at(-1)!.results[0]);
}

/** Executes a clean draft by hand; a draft with problems or a final document cannot be. */
export async function executeDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const { d1 } = services;
  const row = await d1.prepare("SELECT id, type, status, number, problems, order_id, channel_id FROM documents WHERE id = ?1").bind(documentId).first<{
    id: string;
    type: string;
    status: string;
    number: string | null;
    problems: string;
    order_id: string | null;
    channel_id: string | null;
  }>();
  if (!row) throw new AppError("not_found", `No document ${documentId}`);
  const document = storedDocument(row);
  if (document.status !== "draft") throw new AppError("conflict", `Document ${document.number ?? document.id} is ${document.status}, not a draft`);
  if (document.problems.length) throw new AppError("conflict", `The draft is held: ${document.problems.map((problem) => problem.message).join("; ")}`);
  return execute(d1, { id: row.order_id ?? "", channelId: row.channel_id ?? "" }, document, "by hand", services.now());
}

/** Cancels a draft by hand; an executed document is credited instead. */
export async function cancelDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const { d1 } = services;
  const now = services.now();
  const results = await d1.batch<{ id: string; type: string; status: string; number: string | null; problems: string }>([
    d1.prepare("UPDATE documents SET status = 'cancelled', cancelled_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'draft'").bind(documentId, now),
    d1.prepare("SELECT id, type, status, number, problems FROM documents WHERE id = ?1").bind(documentId),
  ]);
  const row = results[1].results[0];
  if (!row) throw new AppError("not_found", `No document ${documentId}`);
  if (row.status !== "cancelled") throw new AppError("conflict", `Document ${row.number ?? row.id} is executed: it cannot be cancelled, credit it instead`);
  return storedDocument(row);
}

async function addPayment(
  d1: D1Database,
  context: OrderContext,
  document: StoredDocument,
  payment: { kind: "payment" | "refund"; sourceKey: string; amount: number; currency: string; paidAt: number; method: string | null; reference: string | null },
  rule: string,
  now: number,
): Promise<string | null> {
  const id = newId("pay", now);
  const results = await d1.batch<{ id: string }>([
    d1
      .prepare(
        `INSERT INTO payments (id, kind, source_key, document_id, order_id, channel_id, amount_minor, currency, paid_at, method, account, reference, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (source_key) DO NOTHING`,
      )
      .bind(
        id,
        payment.kind,
        payment.sourceKey,
        document.id,
        context.id,
        context.channelId,
        payment.amount,
        payment.currency,
        payment.paidAt,
        payment.method,
        accountFor(context.automation, payment.method),
        payment.reference,
        now,
      ),
    timelineEvent(
      d1,
      context,
      `${payment.kind}:${payment.sourceKey}`,
      payment.kind === "payment" ? "payment_added" : "refund_paid",
      { payment_id: id, document_id: document.id, amount_minor: payment.amount, rule },
      "EXISTS (SELECT 1 FROM payments WHERE id = ?7)",
      [id],
      now,
    ),
    d1.prepare("SELECT id FROM payments WHERE source_key = ?1").bind(payment.sourceKey),
  ]);
  return results.at(-1)!.results[0]?.id ?? null;
}

function orderPayment(context: OrderContext): { amount: number; paidAt: number; method: string | null; reference: string | null } | null {
  const { order } = context;
  // A partial payment is added as what it is; the rest stays open on the document.
  const partial = order.financial_status === "partially_paid";
  if (!isPaid(order) && !partial) return null;
  const amount = order.payment?.amount ?? (partial ? null : order.totals.total);
  if (!amount || amount <= 0) return null;
  return {
    amount,
    paidAt: Date.parse(order.payment?.paid_at ?? order.updated_at ?? order.placed_at),
    method: order.payment?.method ?? null,
    reference: order.payment?.transaction_id ?? null,
  };
}

/** Credit notes for the order's refunds that have none yet, against its executed invoice. */
async function creditRefunds(d1: D1Database, context: OrderContext, invoice: FullDocument, options: DocumentOptions, rule: string, now: number) {
  const { results } = await d1
    .prepare(
      `SELECT r.id, r.data FROM refunds r WHERE r.channel_id = ?1 AND r.order_external_id = ?2
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_key = 'refund:' || r.id AND d.status != 'draft')
       ORDER BY r.refunded_at, r.id`,
    )
    .bind(context.channelId, context.order.external_id)
    .all<{ id: string; data: string }>();
  const notes: StoredDocument[] = [];
  const invoiceComputed: ComputedDocument = { currency: invoice.currency, content: invoice.data, totals: { subtotal: 0, tax: 0, total: 0 }, problems: [] };
  for (const row of results) {
    const refund = JSON.parse(row.data) as Refund;
    // A restock without money back credits nothing.
    if (refund.amount <= 0) continue;
    const computed = creditNoteForRefund(refund, invoiceComputed);
    let note: StoredDocument = await upsertDraft(d1, context, { type: "credit_note", sourceKey: `refund:${row.id}`, computed, customerId: invoice.customerId, creditOf: invoice.id, rule }, [], now);
    if (options.execute && note.status === "draft" && note.problems.length === 0) note = await execute(d1, context, note, rule, now);
    if (options.add_payment && refund.amount > 0 && note.problems.length === 0) {
      await addPayment(
        d1,
        context,
        note,
        {
          kind: "refund",
          sourceKey: `refund:${context.channelId}:${refund.external_id}`,
          amount: refund.amount,
          currency: refund.currency,
          paidAt: Date.parse(refund.created_at),
          method: context.order.payment?.method ?? null,
          reference: refund.external_id,
        },
        rule,
        now,
      );
    }
    notes.push(note);
  }
  return notes;
}

/** A cancelled order: its draft is cancelled, its executed document credited in full. */
async function cancelForOrder(d1: D1Database, context: OrderContext, options: DocumentOptions, rule: string, now: number): Promise<ProcessResult> {
  const existing = await documentBySource(d1, `order:${context.id}`);
  const result: ProcessResult = { document: existing, payment_id: null, credit_notes: [], problems: [], skipped: null };
  if (!existing) return { ...result, skipped: "The order is cancelled and has no document" };
  if (existing.status === "draft") {
    await d1.batch([
      d1.prepare("UPDATE documents SET status = 'cancelled', cancelled_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'draft'").bind(existing.id, now),
      timelineEvent(d1, context, `cancelled:${existing.id}`, "document_cancelled", { document_id: existing.id, rule }, "EXISTS (SELECT 1 FROM documents WHERE id = ?7 AND cancelled_at = ?8)", [existing.id, now], now),
    ]);
    return { ...result, document: { ...existing, status: "cancelled" } };
  }
  // An executed document is final: an invoice or a sales order alike is reversed by a credit note.
  if (existing.status === "executed") {
    const computed = creditNoteForAll({ currency: existing.currency, content: existing.data, totals: await documentTotalsOf(d1, existing.id), problems: [] });
    // Refunds already credited part of it: crediting it all again would take off more than was invoiced.
    const credited = await creditedSoFar(d1, existing.id, `cancel:${context.id}`);
    if (credited.count > 0) {
      computed.problems = [
        {
          code: "already_credited",
          message: `${credited.count} credit note(s) already take ${fromMinor(credited.total, existing.currency)} ${existing.currency} off this invoice: credit what remains by hand`,
        },
      ];
    }
    let note: StoredDocument = await upsertDraft(d1, context, { type: "credit_note", sourceKey: `cancel:${context.id}`, computed, customerId: existing.customerId, creditOf: existing.id, rule }, [], now);
    if (options.execute && note.status === "draft" && note.problems.length === 0) note = await execute(d1, context, note, rule, now);
    result.credit_notes.push(note);
  }
  return result;
}

async function documentTotalsOf(d1: D1Database, documentId: string) {
  const row = await d1.prepare("SELECT subtotal_minor, tax_minor, total_minor FROM documents WHERE id = ?1").bind(documentId).first<{ subtotal_minor: number; tax_minor: number; total_minor: number }>();
  return { subtotal: row!.subtotal_minor, tax: row!.tax_minor, total: row!.total_minor };
}

/**
 * Makes (or brings up to date) the order's document and everything that follows from it. A draft
 * the guard holds leaves the order in needs_attention with the reasons, and nothing is added to it.
 */
export async function processOrderDocuments(services: Services, orderId: string, options: DocumentOptions, rule: string): Promise<ProcessResult> {
  const { d1 } = services;
  const now = services.now();
  const context = await loadOrder(d1, orderId);
  if (context.status === "ignored") return { document: null, payment_id: null, credit_notes: [], problems: [], skipped: "The order is set aside (ignored)" };
  if (isCancelled(context.order)) return cancelForOrder(d1, context, options, rule, now);

  let document = await documentBySource(d1, `order:${orderId}`);
  let problems: Problem[] = [];
  if (!document || document.status === "draft") {
    const products = await productsForOrder(d1, context.order, context.automation.create_missing_products, now);
    const computed = withStoreWarnings(documentFromOrder(context.order, orderId, products), context.order);
    const customer = await matchCustomer(d1, context.channelId, context.order, context.automation, now);
    problems = computed.problems;
    const status = problems.length ? "needs_attention" : "processed";
    const stored = await upsertDraft(
      d1,
      context,
      { type: document?.type ?? options.type, sourceKey: `order:${orderId}`, computed, customerId: customer.customerId, creditOf: null, rule },
      [
        d1
          .prepare(
            `UPDATE orders SET status = CASE WHEN status IN ('ignored', 'cancelled') THEN status ELSE ?2 END,
                    warnings = ?3, updated_at = ?4,
                    processing_failed_at = CASE WHEN processed_version >= version THEN NULL ELSE processing_failed_at END,
                    processing_error = CASE WHEN processed_version >= version THEN NULL ELSE processing_error END
             WHERE id = ?1`,
          )
          .bind(orderId, status, JSON.stringify(problems.map(({ code, message }) => ({ code, message }))), now),
      ],
      now,
    );
    document = stored;
    if (stored.problems.length) return { document: stored, payment_id: null, credit_notes: [], problems: stored.problems, skipped: null };
  }
  if (document.status === "cancelled") return { document, payment_id: null, credit_notes: [], problems: [], skipped: "The order's document was cancelled" };

  let current: StoredDocument = document;
  if (options.execute && current.status === "draft") current = await execute(d1, context, current, rule, now);
  let paymentId: string | null = null;
  const payment = options.add_payment ? orderPayment(context) : null;
  if (payment) {
    // The order says how much has been paid in all; what the document has from it already is not added again.
    const already = await d1
      // The order's automatic payments are all on its document (indexed by document).
      .prepare("SELECT COALESCE(SUM(amount_minor), 0) AS paid FROM payments WHERE document_id = ?1 AND kind = 'payment' AND source_key LIKE 'payment:%'")
      .bind(current.id)
      .first<number>("paid");
    const remainder = payment.amount - (already ?? 0);
    if (remainder > 0) {
      paymentId = await addPayment(
        d1,
        context,
        current,
        // Keyed by the order's transaction and the paid-in-all it completes: the same state twice adds nothing.
        {
          kind: "payment",
          sourceKey: `payment:${context.channelId}:${context.order.external_id}:${payment.reference ?? ""}:${payment.amount}`,
          currency: context.order.currency,
          ...payment,
          amount: remainder,
        },
        rule,
        now,
      );
    }
  }
  const creditNotes =
    current.status === "executed" && current.type === "invoice" ? await creditRefunds(d1, context, { ...document, ...current }, options, rule, now) : [];
  return { document: current, payment_id: paymentId, credit_notes: creditNotes, problems, skipped: null };
}

// The guard covers these itself, line by line and to the cent.
const GUARDED = new Set(["line_total_mismatch", "total_mismatch"]);

/**
 * What else the order's own cross-check found (a tax total that is not the sum of the lines, a
 * payment that is not the total) also holds the document: a bookkeeper decides, not the inbox.
 */
function withStoreWarnings(computed: ComputedDocument, order: Order): ComputedDocument {
  const warnings = checkTotals(order).filter((warning) => !GUARDED.has(warning.code));
  return warnings.length ? { ...computed, problems: [...computed.problems, ...warnings.map((warning) => ({ code: "store_totals" as const, message: warning.message }))] } : computed;
}

/** The automatic part: what the channel's switches say, when they say it. */
export async function automateOrder(services: Services, orderId: string): Promise<ProcessResult | null> {
  const context = await loadOrder(services.d1, orderId);
  const rules = context.automation;
  if (!rules.create) return null;
  if (rules.only_when_paid && !isPaid(context.order) && !isCancelled(context.order)) return null;
  const rule = `automatic (${context.channelType}): create ${rules.create}${rules.execute ? ", execute" : ""}${rules.add_payment ? ", add payment" : ""}${rules.only_when_paid ? ", once paid" : ""}`;
  return processOrderDocuments(services, orderId, { type: rules.create, execute: rules.execute, add_payment: rules.add_payment }, rule);
}

/** What processing would create, without creating anything. */
export async function previewOrderDocument(services: Services, orderId: string): Promise<{ document: ComputedDocument; customer: MatchedCustomer; existing: StoredDocument | null }> {
  const { d1 } = services;
  const context = await loadOrder(d1, orderId);
  const skus = context.order.lines.flatMap((line) => (line.sku ? [line.sku] : []));
  const products = await findProducts(d1, skus);
  return {
    document: withStoreWarnings(documentFromOrder(context.order, orderId, products), context.order),
    customer: await findCustomer(d1, context.channelId, context.order, context.automation),
    existing: await documentBySource(d1, `order:${orderId}`),
  };
}

/** A credit note for all of an executed invoice, made by hand; left as a draft for the bookkeeper to execute. */
export async function creditDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const { d1 } = services;
  const now = services.now();
  const row = await d1
    .prepare("SELECT id, type, status, order_id, channel_id, customer_id, currency, data FROM documents WHERE id = ?1")
    .bind(documentId)
    .first<{ id: string; type: string; status: string; order_id: string | null; channel_id: string | null; customer_id: string | null; currency: string; data: string }>();
  if (!row) throw new AppError("not_found", `No document ${documentId}`);
  if (row.type === "credit_note" || row.status !== "executed") throw new AppError("conflict", "Only an executed invoice or sales order can be credited");
  const existing = await documentBySource(d1, `credit:${row.id}`);
  if (existing) throw new AppError("conflict", `Invoice ${documentId} is already credited by ${existing.number ?? existing.id}`);
  const credited = await creditedSoFar(d1, row.id, `credit:${row.id}`);
  if (credited.count > 0) {
    throw new AppError("conflict", `${credited.count} credit note(s) already take ${fromMinor(credited.total, row.currency)} ${row.currency} off this invoice: crediting all of it would credit too much`);
  }
  const computed = creditNoteForAll({ currency: row.currency, content: JSON.parse(row.data) as DocumentContent, totals: await documentTotalsOf(d1, row.id), problems: [] });
  return upsertDraft(
    d1,
    { id: row.order_id ?? "", channelId: row.channel_id ?? "" },
    { type: "credit_note", sourceKey: `credit:${row.id}`, computed, customerId: row.customer_id, creditOf: row.id, rule: "by hand" },
    [],
    now,
  );
}

/** A payment entered by hand (a bank transfer the store never saw); its reference keeps it from being entered twice. */
export async function addManualPayment(
  services: Services,
  document: { id: string; type: string; status: string; orderId: string | null; channelId: string | null; currency: string },
  input: { amount: number; paid_at: number; method?: string | null; account?: string | null; reference: string },
): Promise<PaymentRow> {
  const { d1 } = services;
  if (document.status === "cancelled") throw new AppError("conflict", "The document is cancelled");
  const automation = document.channelId
    ? await d1
        .prepare("SELECT type, automation FROM channels WHERE id = ?1")
        .bind(document.channelId)
        .first<{ type: ChannelType; automation: string | null }>()
        .then((row) => (row ? automationOf(row.type, row.automation) : null))
    : null;
  const id = newId("pay", services.now());
  const sourceKey = `manual:${document.id}:${input.reference}`;
  const account = input.account ?? (automation ? accountFor(automation, input.method) : "Bank");
  const result = await d1
    .prepare(
      `INSERT INTO payments (id, kind, source_key, document_id, order_id, channel_id, amount_minor, currency, paid_at, method, account, reference, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (source_key) DO NOTHING`,
    )
    .bind(id, document.type === "credit_note" ? "refund" : "payment", sourceKey, document.id, document.orderId, document.channelId, input.amount, document.currency, input.paid_at, input.method ?? null, account, input.reference, services.now())
    .run();
  if (!result.meta.changes) throw new AppError("conflict", `A payment with reference "${input.reference}" is already on this document`);
  const row = await services.db.query.payments.findFirst({ where: eq(payments.id, id) });
  return row!;
}

/**
 * A product now exists for these SKUs (created, renamed or imported): every order whose draft was
 * held for want of one of them is processed again from the queue.
 */
export async function recheckOrdersWaitingFor(services: Services, skus: string[]): Promise<number> {
  const { d1, queue } = services;
  const unique = [...new Set(skus)];
  let queued = 0;
  for (let start = 0; start < unique.length; start += 90) {
    const chunk = unique.slice(start, start + 90);
    const { results } = await d1
      .prepare(
        `SELECT DISTINCT d.order_id FROM documents d, json_each(d.problems) AS problem
         WHERE d.status = 'draft' AND d.order_id IS NOT NULL AND json_extract(problem.value, '$.code') = 'unknown_sku'
           AND json_extract(problem.value, '$.sku') IN (${chunk.map((_, index) => `?${index + 1}`).join(", ")})`,
      )
      .bind(...chunk)
      .all<{ order_id: string }>();
    for (let at = 0; at < results.length; at += 100) {
      await queue.sendBatch(results.slice(at, at + 100).map((row) => ({ body: automateOrderMessage(row.order_id) })));
    }
    queued += results.length;
  }
  return queued;
}
