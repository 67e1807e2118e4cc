/**
 * The steps every path to a document takes (automatic processing, a person's action): make or
 * refresh a draft, execute it, add a payment. Each goes in one batch with the event that records
 * it on the order's timeline, written only if the step did happen, with the rule that made it.
 */
import type { Actor } from "../context";
import { newId } from "../lib/ids";
import { auditEntry, type AuditWhat } from "../people/audit";
import { auditStatementIf } from "../people/audit-store";
import { fromMinor } from "../orders/money";
import { orderEventStatement, type SqlCondition } from "../orders/order-store";
import { accountFor, type Automation } from "./automation";
import type { ComputedDocument, DocumentKind } from "./document";
import {
  documentBySourceStatement,
  documentExecutedAt,
  documentStateStatement,
  documentWritten,
  holdDraftStatement,
  recordIssuedStatement,
  fullFrom,
  insertPaymentStatement,
  paymentIdBySourceStatement,
  paymentWritten,
  stateFrom,
  upsertDraftStatement,
  type FullDocument,
  type StoredDocument,
} from "./document-store";
import { prepareIssue } from "./issue";
import { executeStatements } from "./numbering";

/** Whose timeline a step is written on: an order, or none ("" for a document made by hand). */
export interface TimelineOwner {
  id: string;
  channelId: string;
  /**
   * Who took the step. The inbox's own steps (automation) are recorded in the audit trail here, in
   * the step's batch; a person's or a key's are recorded by the route they called (src/guard).
   */
  actor?: Actor;
}

/** The audit entry of a step the system took, written only if the step did happen. */
function systemAudit(d1: D1Database, owner: TimelineOwner, what: AuditWhat, condition: SqlCondition, now: number): D1PreparedStatement[] {
  if (owner.actor?.kind !== "system") return [];
  return [auditStatementIf(d1, auditEntry(owner.actor, now, what), condition)];
}

export function timelineEvent(d1: D1Database, owner: TimelineOwner, event: { key: string; kind: string; data: unknown }, condition: SqlCondition, now: number) {
  return orderEventStatement(d1, { orderId: owner.id, key: event.key, kind: event.kind, at: now, data: { value: event.data } }, condition);
}

/** Inserts a draft for `sourceKey`, or refreshes the draft already there; an executed or cancelled document is left alone. */
export async function upsertDraft(
  d1: D1Database,
  owner: TimelineOwner,
  draft: { type: DocumentKind; sourceKey: string; computed: ComputedDocument; customerId: string | null; creditOf: string | null; rule: string },
  extra: D1PreparedStatement[],
  now: number,
): Promise<FullDocument> {
  const id = newId("doc", now);
  const { computed } = draft;
  const results = await d1.batch([
    upsertDraftStatement(d1, { ...draft, id, orderId: owner.id || null, channelId: owner.channelId || null, at: now }),
    timelineEvent(
      d1,
      owner,
      {
        key: `document:${draft.sourceKey}`,
        kind: draft.type === "credit_note" ? "credit_note_created" : "document_created",
        data: { document_id: id, type: draft.type, rule: draft.rule, problems: computed.problems },
      },
      documentWritten(id),
      now,
    ),
    ...extra,
    ...systemAudit(
      d1,
      owner,
      { action: "document.create", subjectType: "document", subjectId: id, summary: `Made a draft ${draft.type.replace("_", " ")} for order ${owner.id || "—"} (${draft.rule})` },
      documentWritten(id),
      now,
    ),
    documentBySourceStatement(d1, draft.sourceKey),
  ]);
  return fullFrom(results.at(-1)!);
}

/**
 * Executes a clean draft: numbered, stock moved, and its issued facts fixed (issue.ts), all in one
 * batch; a document that is not a clean draft is left as it is. A fact that cannot be had holds
 * the draft with the reason instead.
 */
export async function execute(d1: D1Database, owner: TimelineOwner, document: StoredDocument, rule: string, now: number): Promise<StoredDocument> {
  const issue = await prepareIssue(d1, document.id, now);
  if (!issue.ok) {
    await d1.batch([holdDraftStatement(d1, document.id, [issue.problem], now)]);
    return { ...document, problems: [issue.problem] };
  }
  const results = await d1.batch([
    ...executeStatements(d1, document, now, newId("stm", now)),
    recordIssuedStatement(d1, document.id, JSON.stringify(issue.facts), now),
    timelineEvent(d1, owner, { key: `executed:${document.id}`, kind: "document_executed", data: { document_id: document.id, rule } }, documentExecutedAt(document.id, now), now),
    ...systemAudit(
      d1,
      owner,
      { action: "document.execute", subjectType: "document", subjectId: document.id, summary: `Executed the ${document.type.replace("_", " ")} of order ${owner.id || "—"} (${rule})` },
      documentExecutedAt(document.id, now),
      now,
    ),
    documentStateStatement(d1, document.id),
  ]);
  return stateFrom(results.at(-1)!)!;
}

/** Adds a payment (or a refund paid back) to a document, once per source key; answers its id. */
export async function addPayment(
  d1: D1Database,
  owner: TimelineOwner & { automation: Automation },
  document: StoredDocument,
  payment: {
    kind: "payment" | "refund";
    sourceKey: string;
    amount: number;
    currency: string;
    paidAt: number;
    method: string | null;
    reference: string | null;
    /** The account, when it does not follow from the method (a gift card's liability). */
    account?: string;
  },
  rule: string,
  now: number,
): Promise<string | null> {
  const id = newId("pay", now);
  const results = await d1.batch<{ id: string }>([
    insertPaymentStatement(d1, {
      ...payment,
      id,
      documentId: document.id,
      orderId: owner.id,
      channelId: owner.channelId,
      account: payment.account ?? accountFor(owner.automation, payment.method),
      at: now,
    }),
    timelineEvent(
      d1,
      owner,
      {
        key: `${payment.kind}:${payment.sourceKey}`,
        kind: payment.kind === "payment" ? "payment_added" : "refund_paid",
        data: { payment_id: id, document_id: document.id, amount_minor: payment.amount, rule },
      },
      paymentWritten(id),
      now,
    ),
    ...systemAudit(
      d1,
      owner,
      {
        action: payment.kind === "payment" ? "document.payment" : "document.refund",
        subjectType: "document",
        subjectId: document.id,
        summary: `${payment.kind === "payment" ? "Added a payment" : "Paid back a refund"} of ${fromMinor(payment.amount, payment.currency)} ${payment.currency} (${rule})`,
      },
      paymentWritten(id),
      now,
    ),
    paymentIdBySourceStatement(d1, payment.sourceKey),
  ]);
  return results.at(-1)!.results[0]?.id ?? null;
}
