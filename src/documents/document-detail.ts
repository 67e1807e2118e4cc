/** One document as a bookkeeper reads it: with its payments, what is still to pay, the stock it moved and its credit notes. */
import type { Database } from "../context";
import type { DocumentRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { isoTime } from "../lib/iso-time";
import { fromMinor } from "../orders/money";
import { stockMovementsOfDocument } from "../stock/stock-store";
import { creditNotesOf, documentById, paymentsOfDocument } from "./document-store";
import { documentJson, paymentJson } from "./document-wire";

export async function loadDocument(db: Database, id: string): Promise<DocumentRow> {
  const row = await documentById(db, id);
  if (!row) throw new AppError("not_found", `No document ${id}`);
  return row;
}

export async function loadDocumentDetail(db: Database, id: string) {
  const row = await loadDocument(db, id);
  const [paid, moved, credits] = await Promise.all([paymentsOfDocument(db, row.id), stockMovementsOfDocument(db, row.id), creditNotesOf(db, row.id)]);
  const paidMinor = paid.reduce((sum, payment) => sum + (payment.kind === "payment" ? payment.amountMinor : -payment.amountMinor), 0);
  return {
    ...documentJson(row),
    payments: paid.map(paymentJson),
    balance: fromMinor(row.type === "credit_note" ? row.totalMinor + paidMinor : row.totalMinor - paidMinor, row.currency),
    stock_movements: moved.map((movement) => ({ line: movement.lineIndex + 1, product_id: movement.productId, quantity: movement.quantity, at: isoTime(movement.at)! })),
    credit_notes: credits.map((credit) => ({ id: credit.id, number: credit.number, status: credit.status, total: fromMinor(credit.totalMinor, credit.currency) })),
  };
}

export type DocumentDetail = Awaited<ReturnType<typeof loadDocumentDetail>>;
