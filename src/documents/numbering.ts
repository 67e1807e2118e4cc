/**
 * Document numbers: one gapless series per type, prefix and year (INV-2026-00042). A number is
 * given out when a document is executed, never to a draft, so a cancelled draft leaves no gap.
 * D1 has no interactive transactions, so the counter and the document move in the same batch
 * (one transaction): the counter only moves when this batch is the one executing the document,
 * and a second worker executing it at the same time finds it executed and changes nothing.
 */
import { documentStockMovementsStatement } from "../stock/stock-store";
import type { DocumentKind } from "./document";
import { numberDocumentStatements } from "./document-store";

export const PREFIXES: Record<DocumentKind, string> = { invoice: "INV", order: "SO", credit_note: "CN" };

export function seriesKey(kind: DocumentKind, at: number): string {
  return `${kind}:${PREFIXES[kind]}:${new Date(at).getUTCFullYear()}`;
}

/** "INV-2026-00042". */
export function formatNumber(kind: DocumentKind, at: number, sequence: number): string {
  return `${PREFIXES[kind]}-${new Date(at).getUTCFullYear()}-${String(sequence).padStart(5, "0")}`;
}

/**
 * The statements that execute a clean draft: take the next number of its series, set it, and write
 * the stock movements of its product lines (out for a sale, back in for a credit note). All are
 * conditional on the draft being executable at the time the batch runs.
 */
export function executeStatements(d1: D1Database, document: { id: string; type: DocumentKind }, at: number, movementIdPrefix: string): D1PreparedStatement[] {
  const series = { key: seriesKey(document.type, at), prefix: `${PREFIXES[document.type]}-${new Date(at).getUTCFullYear()}-` };
  return [
    ...numberDocumentStatements(d1, document, series, at),
    documentStockMovementsStatement(d1, { documentId: document.id, idPrefix: movementIdPrefix, at, sign: document.type === "credit_note" ? 1 : -1 }),
  ];
}
