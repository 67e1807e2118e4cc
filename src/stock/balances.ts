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
import { findProductIdBySku, findSkusAfter } from "../catalog/catalog-store";
import { AppError } from "../lib/errors";
import { findProductLedger, findPushedOfSku, findStockLevels } from "./stock-store";


export interface StockLevel {
  productId: string;
  sku: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** Levels of the given products (all when `skus` is null), one row per product and warehouse it has stock in (the default at least). */
export async function stockLevels(d1: D1Database, skus: string[] | null): Promise<StockLevel[]> {
  return (await findStockLevels(d1, skus)).map((row) => ({
    productId: row.product_id,
    sku: row.sku,
    warehouseId: row.warehouse_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
  }));
}

/** Levels a page of SKUs at a time (the cursor is the last SKU), or of one SKU. */
export async function stockLevelsPage(d1: D1Database, query: { sku?: string; cursor?: string; limit: number }): Promise<{ items: StockLevel[]; next_cursor: string | null }> {
  if (query.sku) return { items: await stockLevels(d1, [query.sku]), next_cursor: null };
  const found = await findSkusAfter(d1, query.cursor ?? "", query.limit + 1);
  const skus = found.slice(0, query.limit);
  return { items: skus.length ? await stockLevels(d1, skus) : [], next_cursor: found.length > query.limit ? skus.at(-1)! : null };
}

/** The product with this SKU, or not_found. */
export async function productIdOf(d1: D1Database, sku: string): Promise<string> {
  const id = await findProductIdBySku(d1, sku);
  if (!id) throw new AppError("not_found", `No product has SKU "${sku}"`);
  return id;
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
  return (await findProductLedger(d1, productId, limit)).map((row) => ({
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

/** One SKU's stock: its levels, its last 100 ledger entries and what each store last accepted for it. */
export async function stockOfSku(d1: D1Database, sku: string) {
  const productId = await productIdOf(d1, sku);
  const entries = await ledger(d1, productId, 100);
  const pushed = await findPushedOfSku(d1, sku);
  return { productId, levels: await stockLevels(d1, [sku]), pushed, ledger: entries };
}
