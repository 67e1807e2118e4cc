/** One document as a bookkeeper reads it: with its payments, what is still to pay, the stock it moved and its credit notes. */
import type { Database } from "../context";
import type { DocumentRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { isoTime } from "../lib/iso-time";
import { fromMinor } from "../orders/money";
import { stockMovementsOfDocument } from "../stock/stock-store";
import { creditNotesOf, documentById, paymentsOfDocument } from "./document-store";
import { documentJson, paymentJson } from "./document-wire";
import type { DocumentContent } from "./document";
import { vatCheckFor } from "../company/tax-code-store";
import { normaliseVatNumber } from "../company/profile";

export async function loadDocument(db: Database, id: string): Promise<DocumentRow> {
  const row = await documentById(db, id);
  if (!row) throw new AppError("not_found", `No document ${id}`);
  return row;
}

export async function loadDocumentDetail(db: Database, id: string) {
  const row = await loadDocument(db, id);
  const [paid, moved, credits] = await Promise.all([paymentsOfDocument(db, row.id), stockMovementsOfDocument(db, row.id), creditNotesOf(db, row.id)]);
  const vatCheck = await reverseChargeCheck(db, row);
  const paidMinor = paid.reduce((sum, payment) => sum + (payment.kind === "payment" ? payment.amountMinor : -payment.amountMinor), 0);
  return {
    ...documentJson(row),
    payments: paid.map(paymentJson),
    balance: fromMinor(row.type === "credit_note" ? row.totalMinor + paidMinor : row.totalMinor - paidMinor, row.currency),
    stock_movements: moved.map((movement) => ({ line: movement.lineIndex + 1, product_id: movement.productId, quantity: movement.quantity, at: isoTime(movement.at)! })),
    credit_notes: credits.map((credit) => ({ id: credit.id, number: credit.number, status: credit.status, total: fromMinor(credit.totalMinor, credit.currency) })),
    ...(vatCheck === undefined ? {} : { vat_check: vatCheck }),
  };
}

/** For a reverse-charge document, VIES's answer about the buyer's number (null until asked); undefined otherwise. */
async function reverseChargeCheck(db: Database, row: DocumentRow) {
  const content = JSON.parse(row.data) as DocumentContent;
  const number = content.customer?.vat_number;
  if (content.tax_kind !== "reverse_charge" || !number) return undefined;
  const check = await vatCheckFor(db, normaliseVatNumber(number));
  return check && { ...check, checked_at: isoTime(check.checked_at)! };
}

export type DocumentDetail = Awaited<ReturnType<typeof loadDocumentDetail>>;
