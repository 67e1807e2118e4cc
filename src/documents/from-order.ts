/**
 * Turning an order into its sales document, with its payment, its credit notes and its
 * cancellation: what automatic processing (the queue consumer) and a person (the API) both run,
 * and the preview of it. Every step is idempotent through a UNIQUE source key (one document per
 * order, one credit note per refund, one payment per transaction), so running it twice, or in two
 * workers at once, changes nothing the second time.
 */
import { findCustomer, matchCustomer, productsForOrder, productsOfOrder, type MatchedCustomer } from "../catalog/matching";
import { channelAutomationRow } from "../channels/channel-store";
import { adapterFor } from "../channels/registry";
import type { ChannelType } from "../channels/types";
import type { Actor, Services } from "../context";
import type { OrderRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { fromMinor } from "../orders/money";
import type { Order } from "../orders/order";
import { holdOrderStatements, lastArrivalWasRemoval, orderForDocuments, recordDraftOutcomeStatement, refundsWithoutCreditNote } from "../orders/order-store";
import type { Refund } from "../orders/refund";
import { ADDRESS_WARNINGS, orderWarnings } from "../orders/order-warnings";
import { automationOf, type Automation, type SalesDocumentType } from "./automation";
import { creditNoteForAll, creditNoteForRefund, documentFromOrder, type ComputedDocument, type Problem } from "./document";
import {
  cancelDraftStatement,
  creditedSoFar,
  documentBySource,
  documentCancelledAt,
  storedDocumentTotals,
  orderPaymentsOnDocument,
  type FullDocument,
  type StoredDocument,
} from "./document-store";
import { matchWonDisputes, undoReversedCredits } from "./reinstate";
import { addPayment, execute, timelineEvent, upsertDraft } from "./steps";
import { taxCodesForDocuments } from "../company/taxes";
import { buyerVatNumber } from "../company/tax-kinds";
import { vatCheckOf } from "../company/tax-code-store";
import { checkVatNumberMessage } from "../queue/messages";
import { queueAutomaticInvoiceEmail } from "./document-email";

export type { StoredDocument } from "./document-store";

export interface DocumentOptions {
  type: SalesDocumentType;
  execute: boolean;
  add_payment: boolean;
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
  /** Who is at work (see TimelineOwner.actor). */
  actor?: Actor;
}

const PAID = new Set(["paid", "partially_refunded", "refunded"]);
const isPaid = (order: Order) => PAID.has(order.financial_status);
const isCancelled = (order: Order) => Boolean(order.cancelled_at) || order.financial_status === "voided";

async function orderContext(d1: D1Database, orderId: string): Promise<OrderContext> {
  const row = await orderForDocuments(d1, orderId);
  if (!row) throw new AppError("not_found", `No order ${orderId}`);
  const channelType = row.type as ChannelType;
  return { id: row.id, channelId: row.channel_id, channelType, automation: automationOf(channelType, row.automation), status: row.status, order: JSON.parse(row.data) as Order };
}

/** The same context from an order row already in hand (the queue consumer's): only the channel is read. */
async function contextOfRow(d1: D1Database, row: OrderRow): Promise<OrderContext> {
  const channel = await channelAutomationRow(d1, row.channelId);
  if (!channel) throw new AppError("not_found", `No channel ${row.channelId} for order ${row.id}`);
  return { id: row.id, channelId: row.channelId, channelType: channel.type, automation: automationOf(channel.type, channel.automation), status: row.status, order: JSON.parse(row.data) as Order };
}

function orderPayment(context: OrderContext): { amount: number; paidAt: number; method: string | null; reference: string | null } | null {
  const { order } = context;
  // A partial payment is added as what it is; the rest stays open on the document.
  const partial = order.financial_status === "partially_paid";
  if (!isPaid(order) && !partial) return null;
  const giftCards = (order.gift_cards ?? []).reduce((sum, card) => sum + card.amount, 0);
  const amount = order.payment?.amount ?? (partial ? null : order.totals.total - giftCards);
  if (!amount || amount <= 0) return null;
  return {
    amount,
    paidAt: Date.parse(order.payment?.paid_at ?? order.updated_at ?? order.placed_at),
    method: order.payment?.method ?? null,
    reference: order.payment?.transaction_id ?? null,
  };
}

/**
 * Gift cards the customer paid with, each a payment from the gift card liability account. Keyed
 * by the card's place and amount on the order, so the same order state adds nothing twice; their
 * source key is not a "payment:" one, so the cash payment's remainder never counts them.
 */
async function addGiftCardPayments(d1: D1Database, context: OrderContext, document: StoredDocument, rule: string, now: number) {
  const { order } = context;
  for (const [index, card] of (order.gift_cards ?? []).entries()) {
    if (card.amount <= 0) continue;
    await addPayment(
      d1,
      context,
      document,
      {
        kind: "payment",
        sourceKey: `gift_card:${context.channelId}:${order.external_id}:${index}:${card.code ?? ""}:${card.amount}`,
        amount: card.amount,
        currency: order.currency,
        paidAt: Date.parse(order.payment?.paid_at ?? order.updated_at ?? order.placed_at),
        method: "Gift card",
        reference: card.code ?? null,
        account: context.automation.gift_card_account,
      },
      rule,
      now,
    );
  }
}

/** Executes a fresh credit note when the options say so and nothing holds it. */
async function executeIfWanted(d1: D1Database, context: OrderContext, note: StoredDocument, options: DocumentOptions, rule: string, now: number): Promise<StoredDocument> {
  return options.execute && note.status === "draft" && note.problems.length === 0 ? execute(d1, context, note, rule, now) : note;
}

/** Credit notes for the order's refunds that have none yet, against its executed invoice. */
async function creditRefunds(d1: D1Database, context: OrderContext, invoice: FullDocument, options: DocumentOptions, rule: string, now: number) {
  const refunds = await refundsWithoutCreditNote(d1, context.channelId, context.order.external_id);
  const notes: StoredDocument[] = [];
  const invoiceComputed: ComputedDocument = { currency: invoice.currency, content: invoice.data, totals: { subtotal: 0, tax: 0, total: 0 }, problems: [] };
  for (const row of refunds) {
    const refund = JSON.parse(row.data) as Refund;
    // A restock without money back credits nothing.
    if (refund.amount <= 0) continue;
    const computed = creditNoteForRefund(refund, invoiceComputed);
    const drafted = await upsertDraft(d1, context, { type: "credit_note", sourceKey: `refund:${row.id}`, computed, customerId: invoice.customerId, creditOf: invoice.id, rule }, [], now);
    const note = await executeIfWanted(d1, context, drafted, options, rule, now);
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
      cancelDraftStatement(d1, existing.id, now),
      timelineEvent(d1, context, { key: `cancelled:${existing.id}`, kind: "document_cancelled", data: { document_id: existing.id, rule } }, documentCancelledAt(existing.id, now), now),
    ]);
    return { ...result, document: { ...existing, status: "cancelled" } };
  }
  // An executed document is final: an invoice or a sales order alike is reversed by a credit note.
  if (existing.status === "executed") {
    const computed = creditNoteForAll({ currency: existing.currency, content: existing.data, totals: await storedDocumentTotals(d1, existing.id), problems: [] });
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
    const drafted = await upsertDraft(d1, context, { type: "credit_note", sourceKey: `cancel:${context.id}`, computed, customerId: existing.customerId, creditOf: existing.id, rule }, [], now);
    result.credit_notes.push(await executeIfWanted(d1, context, drafted, options, rule, now));
  }
  return result;
}

/**
 * Makes (or brings up to date) the order's document and everything that follows from it. A draft
 * the guard holds leaves the order in needs_attention with the reasons, and nothing is added to it.
 */
/** What a person chose when processing by hand; anything left out comes from the channel's switches. */
export interface ByHandChoices {
  type?: SalesDocumentType;
  execute?: boolean;
  add_payment?: boolean;
}

/**
 * Processes an order by hand: a document is made whatever the channel's create switch says, and
 * the choices given override its other switches.
 */
export async function processOrderByHand(services: Services, orderId: string, choices: ByHandChoices, rule = "by hand"): Promise<ProcessResult> {
  const context = await orderContext(services.d1, orderId);
  const rules = context.automation;
  const options = { type: choices.type ?? rules.create ?? "invoice", execute: choices.execute ?? rules.execute, add_payment: choices.add_payment ?? rules.add_payment };
  return makeOrderDocuments(services, context, options, rule);
}

export type BulkResult =
  | { order_id: string; ok: true; document_id: string | null; status: string | null; problems: ProcessResult["problems"]; skipped: string | null }
  | { order_id: string; ok: false; error: { code: string; message: string } };

/** Many orders at once, each on its own: one failing does not stop the others, and says why. */
export async function processOrdersInBulk(services: Services, ids: string[], choices: ByHandChoices): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      const result = await processOrderByHand(services, id, choices, "by hand (bulk)");
      results.push({ order_id: id, ok: true, document_id: result.document?.id ?? null, status: result.document?.status ?? null, problems: result.problems, skipped: result.skipped });
    } catch (error) {
      const code = error instanceof AppError ? error.code : "internal_error";
      results.push({ order_id: id, ok: false, error: { code, message: (error as Error).message } });
    }
  }
  return results;
}

async function makeOrderDocuments(services: Services, order: OrderContext, options: DocumentOptions, rule: string): Promise<ProcessResult> {
  const { d1 } = services;
  // Every step below is the actor's: the system's are recorded in the audit trail as they happen.
  const context: OrderContext = { ...order, actor: services.actor };
  const now = services.now();
  const orderId = context.id;
  if (context.status === "ignored") return { document: null, payment_id: null, credit_notes: [], problems: [], skipped: "The order is set aside (ignored)" };
  if (isCancelled(context.order)) return cancelForOrder(d1, context, options, rule, now);

  let document = await documentBySource(d1, `order:${orderId}`);
  let problems: Problem[] = [];
  if (!document || document.status === "draft") {
    const products = await productsForOrder(d1, context.order, context.automation.create_missing_products, now);
    const taxes = await taxCodesForDocuments(d1, now, true);
    const computed = withStoreWarnings(documentFromOrder(context.order, orderId, products, taxes), context.order);
    await askViesAbout(services, computed, context.order);
    const customer = await matchCustomer(d1, context.channelId, context.order, context.automation, now);
    problems = computed.problems;
    const stored = await upsertDraft(
      d1,
      context,
      { type: document?.type ?? options.type, sourceKey: `order:${orderId}`, computed, customerId: customer.customerId, creditOf: null, rule },
      [
        recordDraftOutcomeStatement(d1, {
          orderId,
          status: problems.length ? "needs_attention" : "processed",
          warnings: problems.map(({ code, message }) => ({ code, message })),
          at: now,
        }),
      ],
      now,
    );
    document = stored;
    if (stored.problems.length) return { document: stored, payment_id: null, credit_notes: [], problems: stored.problems, skipped: null };
  }
  if (document.status === "cancelled") return { document, payment_id: null, credit_notes: [], problems: [], skipped: "The order's document was cancelled" };

  let current: StoredDocument = document;
  if (options.execute && current.status === "draft") {
    current = await execute(d1, context, current, rule, now);
    // Executing found a fact missing (no exchange rate for its date): the order waits with the reason.
    if (current.status === "draft" && current.problems.length) {
      await d1.batch([recordDraftOutcomeStatement(d1, { orderId, status: "needs_attention", warnings: current.problems.map(({ code, message }) => ({ code, message })), at: now })]);
      return { document: current, payment_id: null, credit_notes: [], problems: current.problems, skipped: null };
    }
  }
  let paymentId: string | null = null;
  if (options.add_payment && (isPaid(context.order) || context.order.financial_status === "partially_paid")) {
    await addGiftCardPayments(d1, context, current, rule, now);
  }
  const payment = options.add_payment ? orderPayment(context) : null;
  if (payment) {
    // The order says how much has been paid in all; what the document has from it already is not added again.
    const remainder = payment.amount - (await orderPaymentsOnDocument(d1, current.id));
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
  const invoiced = current.status === "executed" && current.type === "invoice";
  // Won disputes first: a reversal the merchant won back is owed no credit note, and one already made is undone.
  if (invoiced) await matchWonDisputes(d1, context.channelId, context.order.external_id, now);
  const creditNotes = invoiced ? await creditRefunds(d1, context, { ...document, ...current }, options, rule, now) : [];
  if (invoiced) await undoReversedCredits(d1, context, options, rule, now);
  return { document: current, payment_id: paymentId, credit_notes: creditNotes, problems, skipped: null };
}

/**
 * A reverse-charge document's buyer VAT number is asked of VIES from the queue, once: the answer
 * is evidence kept beside the invoice and never holds it (docs/vat.md).
 */
async function askViesAbout(services: Services, computed: ComputedDocument, order: Order): Promise<void> {
  if (computed.content.tax_kind !== "reverse_charge") return;
  const buyer = order.shipping_address?.country ?? order.billing_address?.country ?? null;
  const number = buyerVatNumber(order, buyer);
  if (number && !(await vatCheckOf(services.d1, number))) await services.queue.send(checkVatNumberMessage(number));
}

// The guard covers these itself, line by line and to the cent.
const GUARDED = new Set(["line_total_mismatch", "total_mismatch"]);

/**
 * What else the order's own cross-check found (a tax total that is not the sum of the lines, a
 * payment that is not the total, a country the inbox cannot name) also holds the document: a
 * bookkeeper decides, not the inbox.
 */
function withStoreWarnings(computed: ComputedDocument, order: Order): ComputedDocument {
  const warnings = orderWarnings(order).filter((warning) => !GUARDED.has(warning.code));
  const problems = warnings.map((warning): Problem => ({ code: ADDRESS_WARNINGS.has(warning.code) ? "unknown_country" : "store_totals", message: warning.message }));
  return problems.length ? { ...computed, problems: [...computed.problems, ...problems] } : computed;
}

/**
 * What automation must not undo on its own, with the reason a bookkeeper reads: the order's
 * document holds a payment, and the store has since
 * - moved the payment back to pending or failed (Mozello's PAYMENT_CHANGED fires on manual changes
 *   too): the inbox cannot take a payment back cleanly, so the payment stays for a person to remove
 *   or reverse;
 * - removed the order without a state (Mozello's ORDER_DELETED, WooCommerce's trash): deleting a
 *   paid, dispatched, archived order is as often tidying up as cancelling, so no credit note is
 *   made until a person says which (processing by hand credits it; ignoring sets it aside).
 * Null when nothing holds the order.
 */
async function paidOrderChangedUnderneath(d1: D1Database, context: OrderContext): Promise<{ code: string; message: string } | null> {
  const { order } = context;
  if (context.status === "ignored") return null;
  const reverted = !order.cancelled_at && !isPaid(order) && order.financial_status !== "partially_paid";
  const removed = Boolean(order.cancelled_at) && isPaid(order);
  if (!reverted && !removed) return null;
  const document = await documentBySource(d1, `order:${context.id}`);
  if (!document || document.status === "cancelled") return null;
  if ((await orderPaymentsOnDocument(d1, document.id)) <= 0) return null;
  const store = adapterFor(context.channelType)?.name ?? "the store";
  const what = document.type === "invoice" ? "invoice" : "sales order";
  if (reverted) {
    const to = order.financial_status === "voided" ? "failed" : order.financial_status;
    return {
      code: "payment_reverted",
      message: `The payment was reverted to ${to} in ${store} after the ${what} was paid: remove or reverse the payment by hand`,
    };
  }
  // A credit note already made for the cancellation (by a person) settles it.
  if (await documentBySource(d1, `cancel:${context.id}`)) return null;
  if (!(await lastArrivalWasRemoval(d1, context.id))) return null;
  return {
    code: "paid_order_deleted",
    message: `The order was deleted in ${store} after its ${what} was paid: if it was cancelled, process it to credit the ${what} and refund the payment; if it was only tidied away, set it aside`,
  };
}

/** Holds the order for a person with `reason`, once per order state; nothing else is done. */
async function holdForPerson(d1: D1Database, context: OrderContext, reason: { code: string; message: string }, now: number): Promise<ProcessResult> {
  const key = `held:${context.id}:${reason.code}:${context.order.updated_at ?? context.order.cancelled_at ?? ""}`;
  await d1.batch(holdOrderStatements(d1, { orderId: context.id, from: context.status, key, warnings: [reason], at: now }));
  return { document: await documentBySource(d1, `order:${context.id}`), payment_id: null, credit_notes: [], problems: [], skipped: reason.message };
}

/** The automatic part: what the channel's switches say, when they say it. */
export async function automateOrder(services: Services, row: OrderRow): Promise<ProcessResult | null> {
  const context = await contextOfRow(services.d1, row);
  const rules = context.automation;
  if (!rules.create) return null;
  const held = await paidOrderChangedUnderneath(services.d1, context);
  if (held) return holdForPerson(services.d1, context, held, services.now());
  if (rules.only_when_paid && !isPaid(context.order) && !isCancelled(context.order)) return null;
  const rule = `automatic (${context.channelType}): create ${rules.create}${rules.execute ? ", execute" : ""}${rules.add_payment ? ", add payment" : ""}${rules.only_when_paid ? ", once paid" : ""}`;
  const result = await makeOrderDocuments(services, context, { type: rules.create, execute: rules.execute, add_payment: rules.add_payment }, rule);
  // Before the automation counts as done: a crash before this leaves it owed, and the sweep runs it again.
  if (rules.email_invoice) await queueAutomaticInvoiceEmail(services, result.document);
  return result;
}

/** What processing would create, without creating anything. */
export async function previewOrderDocument(services: Services, orderId: string): Promise<{ document: ComputedDocument; customer: MatchedCustomer; existing: StoredDocument | null }> {
  const { d1 } = services;
  const context = await orderContext(d1, orderId);
  const products = await productsOfOrder(d1, context.order);
  const taxes = await taxCodesForDocuments(d1, services.now(), false);
  return {
    document: withStoreWarnings(documentFromOrder(context.order, orderId, products, taxes), context.order),
    customer: await findCustomer(d1, context.channelId, context.order, context.automation),
    existing: await documentBySource(d1, `order:${orderId}`),
  };
}
