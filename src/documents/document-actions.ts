/**
 * What a bookkeeper does to a document by hand: execute a clean draft, cancel a draft, credit an
 * executed invoice in full, add a payment the store never saw. Each is refused, with the reason,
 * where it would make the books wrong.
 */
import { z } from "zod";
import { channelAutomationRow } from "../channels/channel-store";
import type { Services } from "../context";
import type { PaymentRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { fromMinor, MoneyFormatError, toMinor } from "../orders/money";
import { validate } from "../lib/validate";
import { accountFor, automationOf } from "./automation";
import { creditNoteForAll, type DocumentContent } from "./document";
import { loadDocument } from "./document-detail";
import { cancelDraftStatement, creditedSoFar, documentBySource, documentStateStatement, insertPayment, paymentById, stateFrom, storedDocument, type StoredDocument } from "./document-store";
import { execute, upsertDraft } from "./steps";

/** Executes a clean draft by hand; a draft with problems or a final document cannot be. */
export async function executeDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const row = await loadDocument(services.db, documentId);
  const document = storedDocument(row);
  if (document.status !== "draft") throw new AppError("conflict", `Document ${document.number ?? document.id} is ${document.status}, not a draft`);
  if (document.problems.length) throw new AppError("conflict", `The draft is held: ${document.problems.map((problem) => problem.message).join("; ")}`);
  return execute(services.d1, { id: row.orderId ?? "", channelId: row.channelId ?? "" }, document, "by hand", services.now());
}

/** Cancels a draft by hand; an executed document is credited instead. */
export async function cancelDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const { d1 } = services;
  const results = await d1.batch([cancelDraftStatement(d1, documentId, services.now()), documentStateStatement(d1, documentId)]);
  const document = stateFrom(results[1]);
  if (!document) throw new AppError("not_found", `No document ${documentId}`);
  if (document.status !== "cancelled") throw new AppError("conflict", `Document ${document.number ?? document.id} is executed: it cannot be cancelled, credit it instead`);
  return document;
}

/** A credit note for all of an executed invoice, made by hand; left as a draft for the bookkeeper to execute. */
export async function creditDocument(services: Services, documentId: string): Promise<StoredDocument> {
  const { d1 } = services;
  const now = services.now();
  const row = await loadDocument(services.db, documentId);
  if (row.type === "credit_note" || row.status !== "executed") throw new AppError("conflict", "Only an executed invoice or sales order can be credited");
  const existing = await documentBySource(d1, `credit:${row.id}`);
  if (existing) throw new AppError("conflict", `Invoice ${documentId} is already credited by ${existing.number ?? existing.id}`);
  const credited = await creditedSoFar(d1, row.id, `credit:${row.id}`);
  if (credited.count > 0) {
    throw new AppError("conflict", `${credited.count} credit note(s) already take ${fromMinor(credited.total, row.currency)} ${row.currency} off this invoice: crediting all of it would credit too much`);
  }
  const computed = creditNoteForAll({
    currency: row.currency,
    content: JSON.parse(row.data) as DocumentContent,
    totals: { subtotal: row.subtotalMinor, tax: row.taxMinor, total: row.totalMinor },
    problems: [],
  });
  return upsertDraft(
    d1,
    { id: row.orderId ?? "", channelId: row.channelId ?? "" },
    { type: "credit_note", sourceKey: `credit:${row.id}`, computed, customerId: row.customerId, creditOf: row.id, rule: "by hand" },
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
  const channel = document.channelId ? await channelAutomationRow(d1, document.channelId) : null;
  const automation = channel ? automationOf(channel.type, channel.automation) : null;
  const id = newId("pay", services.now());
  const added = await insertPayment(d1, {
    id,
    kind: document.type === "credit_note" ? "refund" : "payment",
    sourceKey: `manual:${document.id}:${input.reference}`,
    documentId: document.id,
    orderId: document.orderId,
    channelId: document.channelId,
    amount: input.amount,
    currency: document.currency,
    paidAt: input.paid_at,
    method: input.method ?? null,
    account: input.account ?? (automation ? accountFor(automation, input.method) : "Bank"),
    reference: input.reference,
    at: services.now(),
  });
  if (!added) throw new AppError("conflict", `A payment with reference "${input.reference}" is already on this document`);
  return (await paymentById(services.db, id))!;
}

export const manualPaymentSchema = z
  .strictObject({
    amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "12.50"'),
    paid_at: z.iso.datetime({ offset: true }),
    method: z.string().trim().min(1).max(255).nullish(),
    account: z.string().trim().min(1).max(100).nullish(),
    reference: z.string().trim().min(1).max(255),
  })
  .meta({ id: "PaymentCreate" });

/** A payment entered by hand from a body like POST /api/documents/:id/payments takes (the dashboard's form sends the same). */
export async function addPaymentByHand(services: Services, id: string, body: unknown): Promise<PaymentRow> {
  const input = validate(manualPaymentSchema, body);
  const row = await loadDocument(services.db, id);
  let amount: number;
  try {
    amount = toMinor(input.amount, row.currency);
  } catch (error) {
    if (error instanceof MoneyFormatError) throw new AppError("validation_failed", `amount: ${error.message}`);
    throw error;
  }
  return addManualPayment(services, row, { ...input, amount, paid_at: Date.parse(input.paid_at) });
}
