/**
 * Stock balances, derived from the ledger: what executed documents moved (stock_movements) and
 * what was set or corrected by hand or by an import (stock_adjustments). Nothing stores a balance,
 * so nothing can drift from the movements that make it.
 *
 * Orders still in the inbox without an executed document reserve their quantities (by SKU, in the
 * default warehouse): between an order arriving and its invoice moving the stock, what the stores
 * may sell is on hand minus reserved. An order stops reserving once its document is executed (the
 * stock has moved), or when it is cancelled or set aside.
 */
import { newId } from "../lib/ids";

export const DEFAULT_WAREHOUSE = "main";

export interface StockLevel {
  productId: string;
  sku: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
}

const ON_HAND = `
  SELECT product_id, warehouse_id, SUM(quantity) AS on_hand FROM (
    SELECT product_id, warehouse_id, quantity FROM stock_movements
    UNION ALL SELECT product_id, warehouse_id, quantity FROM stock_adjustments
  ) GROUP BY product_id, warehouse_id`;

/** Quantities of open orders, by SKU: in the inbox, not cancelled, and without an executed document. */
export const RESERVED = `
  SELECT json_extract(line.value, '$.sku') AS sku, SUM(json_extract(line.value, '$.quantity')) AS reserved
  FROM orders o, json_each(o.data, '$.lines') AS line
  WHERE o.status IN ('new', 'needs_attention', 'processed')
    AND json_extract(o.data, '$.cancelled_at') IS NULL AND json_extract(o.data, '$.financial_status') != 'voided'
    AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_key = 'order:' || o.id AND d.status = 'executed')
    AND json_extract(line.value, '$.sku') IS NOT NULL
  GROUP BY 1`;

/** Levels of the given products (all when `skus` is null), one row per product and warehouse it has stock in (the default at least). */
export async function stockLevels(d1: D1Database, skus: string[] | null): Promise<StockLevel[]> {
  const filter = skus ? `WHERE p.sku IN (${skus.map((_, index) => `?${index + 1}`).join(", ")})` : "";
  const { results } = await d1
    .prepare(
      `WITH on_hand AS (${ON_HAND}), reserved AS (${RESERVED}),
            places AS (SELECT p.id AS product_id, '${DEFAULT_WAREHOUSE}' AS warehouse_id FROM products p
                       UNION SELECT product_id, warehouse_id FROM on_hand)
       SELECT p.id AS product_id, p.sku, places.warehouse_id, COALESCE(h.on_hand, 0) AS on_hand,
              CASE WHEN places.warehouse_id = '${DEFAULT_WAREHOUSE}' THEN COALESCE(r.reserved, 0) ELSE 0 END AS reserved
       FROM products p JOIN places ON places.product_id = p.id
       LEFT JOIN on_hand h ON h.product_id = p.id AND h.warehouse_id = places.warehouse_id
       LEFT JOIN reserved r ON r.sku = p.sku
       ${filter}
       ORDER BY p.sku, places.warehouse_id`,
    )
    .bind(...(skus ?? []))
    .all<{ product_id: string; sku: string; warehouse_id: string; on_hand: number; reserved: number }>();
  return results.map((row) => ({
    productId: row.product_id,
    sku: row.sku,
    warehouseId: row.warehouse_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
  }));
}

/**
 * Sets what is on hand of a product in a warehouse, as the change it makes: one statement reads the
 * balance and writes the difference, so two counts at once cannot both count from the same balance.
 */
export function setOnHandStatement(d1: D1Database, input: { productId: string; warehouseId: string; onHand: number; reason: string }, at: number): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO stock_adjustments (id, product_id, warehouse_id, quantity, counted_on_hand, reason, at)
       SELECT ?1, ?2, ?3, ?4 - COALESCE((SELECT SUM(quantity) FROM (
                SELECT quantity FROM stock_movements WHERE product_id = ?2 AND warehouse_id = ?3
                UNION ALL SELECT quantity FROM stock_adjustments WHERE product_id = ?2 AND warehouse_id = ?3)), 0),
              ?4, ?5, ?6`,
    )
    .bind(newId("adj", at), input.productId, input.warehouseId, input.onHand, input.reason, at);
}

export interface LedgerEntry {
  kind: "document" | "adjustment";
  warehouseId: string;
  quantity: number;
  at: number;
  documentId: string | null;
  documentNumber: string | null;
  reason: string | null;
  countedOnHand: number | null;
}

/** A product's ledger, newest first. */
export async function ledger(d1: D1Database, productId: string, limit: number): Promise<LedgerEntry[]> {
  const { results } = await d1
    .prepare(
      `SELECT 'document' AS kind, m.warehouse_id, m.quantity, m.at, m.document_id, d.number AS document_number, NULL AS reason, NULL AS counted_on_hand, m.id
       FROM stock_movements m LEFT JOIN documents d ON d.id = m.document_id WHERE m.product_id = ?1
       UNION ALL
       SELECT 'adjustment', warehouse_id, quantity, at, NULL, NULL, reason, counted_on_hand, id FROM stock_adjustments WHERE product_id = ?1
       ORDER BY at DESC, id DESC LIMIT ?2`,
    )
    .bind(productId, limit)
    .all<{ kind: "document" | "adjustment"; warehouse_id: string; quantity: number; at: number; document_id: string | null; document_number: string | null; reason: string | null; counted_on_hand: number | null }>();
  return results.map((row) => ({
    kind: row.kind,
    warehouseId: row.warehouse_id,
    quantity: row.quantity,
    at: row.at,
    documentId: row.document_id,
    documentNumber: row.document_number,
    reason: row.reason,
    countedOnHand: row.counted_on_hand,
  }));
}
