/**
 * Statements on stock_movements and stock_pushed that documents and the product list need.
 * Pending: they move into stock/stock-store.ts at merge.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../context";
import { stockMovements } from "../db/schema";
import { prepareNamed } from "../db/named-sql";

/**
 * The stock movements of a document executed at `at` in the same batch: one per product line,
 * out for a sale (sign -1), back in for a credit note (sign 1); a line moved once stays moved.
 */
export function documentStockMovementsStatement(
  d1: D1Database,
  movement: { documentId: string; idPrefix: string; at: number; sign: 1 | -1 },
): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO stock_movements (id, document_id, line_index, product_id, quantity, at)
     SELECT :id_prefix || '_' || line.key, :document_id, line.key, json_extract(line.value, '$.product_id'), :sign * json_extract(line.value, '$.quantity'), :at
     FROM documents d, json_each(d.data, '$.lines') AS line
     WHERE d.id = :document_id AND d.status = 'executed' AND d.executed_at = :at AND json_extract(line.value, '$.product_id') IS NOT NULL
     ON CONFLICT (document_id, line_index) DO NOTHING`,
    { document_id: movement.documentId, id_prefix: movement.idPrefix, at: movement.at, sign: movement.sign },
  );
}

/** What a document moved, line by line. */
export async function stockMovementsOfDocument(db: Database, documentId: string) {
  return db.select().from(stockMovements).where(eq(stockMovements.documentId, documentId)).orderBy(asc(stockMovements.lineIndex));
}

/** The quantities each store last accepted for these SKUs, with the channel's name. */
export async function lastPushedQuantities(d1: D1Database, skus: string[]): Promise<Array<{ sku: string; name: string; quantity: number; pushed_at: number }>> {
  const { results } = await d1
    .prepare(
      `SELECT p.sku, c.name, p.quantity, p.pushed_at FROM stock_pushed p JOIN channels c ON c.id = p.channel_id
       WHERE p.sku IN (SELECT value FROM json_each(?1)) ORDER BY c.name`,
    )
    .bind(JSON.stringify(skus))
    .all<{ sku: string; name: string; quantity: number; pushed_at: number }>();
  return results;
}
