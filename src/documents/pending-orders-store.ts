/**
 * Statements on documents and payments the orders pages and routes need; the documents helper
 * moves them into document-store.ts at merge.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../context";
import { documents, payments, type DocumentRow, type PaymentRow } from "../db/schema";

export async function findDocument(db: Database, id: string): Promise<DocumentRow | undefined> {
  return db.query.documents.findFirst({ where: eq(documents.id, id) });
}

/** The document made from an order, if one was. */
export async function findOrderDocument(db: Database, orderId: string): Promise<DocumentRow | undefined> {
  return db.query.documents.findFirst({ where: eq(documents.sourceKey, `order:${orderId}`) });
}

/** A document's payments, oldest first, and its credit notes, in the order they were made. */
export async function findPaymentsAndCreditNotes(db: Database, documentId: string): Promise<{ payments: PaymentRow[]; creditNotes: DocumentRow[] }> {
  const [paid, credits] = await Promise.all([
    db.select().from(payments).where(eq(payments.documentId, documentId)).orderBy(asc(payments.paidAt)),
    db.select().from(documents).where(eq(documents.creditOf, documentId)).orderBy(asc(documents.createdAt)),
  ]);
  return { payments: paid, creditNotes: credits };
}
