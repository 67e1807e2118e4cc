/**
 * Document numbers: one gapless series per type, prefix and year (INV-2026-00042). A number is
 * given out when a document is executed, never to a draft, so a cancelled draft leaves no gap.
 * D1 has no interactive transactions, so the counter and the document move in the same batch
 * (one transaction): the counter only moves when this batch is the one executing the document,
 * and a second worker executing it at the same time finds it executed and changes nothing.
 */
import type { DocumentKind } from "./document";

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
  const key = seriesKey(document.type, at);
  const prefix = `${PREFIXES[document.type]}-${new Date(at).getUTCFullYear()}-`;
  const executable = "EXISTS (SELECT 1 FROM documents WHERE id = ?1 AND status = 'draft' AND problems = '[]')";
  const sign = document.type === "credit_note" ? 1 : -1;
  return [
    d1.prepare(`INSERT INTO document_series (key, last_number) SELECT ?2, 0 WHERE ${executable} ON CONFLICT (key) DO NOTHING`).bind(document.id, key),
    d1.prepare(`UPDATE document_series SET last_number = last_number + 1 WHERE key = ?2 AND ${executable}`).bind(document.id, key),
    d1
      .prepare(
        `UPDATE documents SET status = 'executed', executed_at = ?3, updated_at = ?3,
                number = ?4 || printf('%05d', (SELECT last_number FROM document_series WHERE key = ?2))
         WHERE id = ?1 AND status = 'draft' AND problems = '[]'`,
      )
      .bind(document.id, key, at, prefix),
    d1
      .prepare(
        `INSERT INTO stock_movements (id, document_id, line_index, product_id, quantity, at)
         SELECT ?2 || '_' || line.key, ?1, line.key, json_extract(line.value, '$.product_id'), ?4 * json_extract(line.value, '$.quantity'), ?3
         FROM documents d, json_each(d.data, '$.lines') AS line
         WHERE d.id = ?1 AND d.status = 'executed' AND d.executed_at = ?3 AND json_extract(line.value, '$.product_id') IS NOT NULL
         ON CONFLICT (document_id, line_index) DO NOTHING`,
      )
      .bind(document.id, movementIdPrefix, at, sign),
  ];
}
