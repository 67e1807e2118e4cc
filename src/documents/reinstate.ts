/**
 * Won disputes in the documents: a reversal or chargeback the merchant won back no longer owes a
 * credit note. Matched before credit notes are made (so an undone reversal never gets one), then:
 * - the reversal's credit note still a draft: cancelled;
 * - already executed (final): an invoice re-billing exactly what it credited, linked to it
 *   (`credit_of`), executed and paid when the channel's switches say so.
 * Every step is keyed by the won dispute (source key `reinstated:<id>`, payment
 * `reinstated:<channel>:<transaction>`, timeline key `reinstated:<id>`), so running it twice, or
 * after a crash half-way, finishes what is missing once.
 */
import type { Order } from "../orders/order";
import { UNCONDITIONAL } from "../orders/order-store";
import { matchedReinstatements, matchReinstatementsStatement, returnToPaidStatement } from "../orders/reinstatement-store";
import type { Automation } from "./automation";
import { cancelDraftStatement, documentBySource, documentCancelledAt, storedDocumentTotals, type StoredDocument } from "./document-store";
import { addPayment, execute, timelineEvent, upsertDraft } from "./steps";

interface Owner {
  id: string;
  channelId: string;
  automation: Automation;
  order: Order;
}

/** Ties the order's won disputes to the reversals they undo (before any credit note is made for those). */
export async function matchWonDisputes(d1: D1Database, channelId: string, orderExternalId: string, now: number): Promise<void> {
  await d1.batch([matchReinstatementsStatement(d1, channelId, orderExternalId), returnToPaidStatement(d1, { channelId, now }, orderExternalId)]);
}

/** Undoes the credit notes of reversals the merchant won back; answers the invoices that re-bill them. */
export async function undoReversedCredits(
  d1: D1Database,
  owner: Owner,
  options: { execute: boolean; add_payment: boolean },
  rule: string,
  now: number,
): Promise<StoredDocument[]> {
  const rebilled: StoredDocument[] = [];
  for (const won of await matchedReinstatements(d1, owner.channelId, owner.order.external_id)) {
    const note = await documentBySource(d1, `refund:${won.refund_id}`);
    const marked = timelineEvent(
      d1,
      owner,
      { key: `reinstated:${won.id}`, kind: "refund_reinstated", data: { transaction_id: won.external_id, refund_external_id: won.refund_external_id, amount_minor: won.amount_minor, credit_note_id: note?.id ?? null, rule } },
      UNCONDITIONAL,
      now,
    );
    if (!note || note.status === "cancelled") {
      await d1.batch([marked]);
      continue;
    }
    if (note.status === "draft") {
      await d1.batch([
        cancelDraftStatement(d1, note.id, now),
        timelineEvent(d1, owner, { key: `cancelled:${note.id}`, kind: "document_cancelled", data: { document_id: note.id, rule } }, documentCancelledAt(note.id, now), now),
        marked,
      ]);
      continue;
    }
    await d1.batch([marked]);
    // The credit note is final: bill again exactly what it credited.
    const computed = {
      currency: note.currency,
      content: { ...note.data, note: `Billed again: PayPal returned the money of reversal ${won.refund_external_id} (dispute won, ${won.external_id})` },
      totals: await storedDocumentTotals(d1, note.id),
      problems: [],
    };
    const drafted = await upsertDraft(d1, owner, { type: "invoice", sourceKey: `reinstated:${won.id}`, computed, customerId: note.customerId, creditOf: note.id, rule }, [], now);
    const invoice = options.execute && drafted.status === "draft" && drafted.problems.length === 0 ? await execute(d1, owner, drafted, rule, now) : drafted;
    if (options.add_payment && invoice.status === "executed") {
      await addPayment(
        d1,
        owner,
        invoice,
        {
          kind: "payment",
          sourceKey: `reinstated:${owner.channelId}:${won.external_id}`,
          amount: won.amount_minor,
          currency: won.currency,
          paidAt: won.reinstated_at,
          method: owner.order.payment?.method ?? null,
          reference: won.external_id,
        },
        rule,
        now,
      );
    }
    rebilled.push(invoice);
  }
  return rebilled;
}
