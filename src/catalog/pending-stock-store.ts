/** Statements on products that stock needs, waiting to move into catalog-store.ts. */

/** The product with this SKU, or null. */
export const findProductIdBySku = (d1: D1Database, sku: string) => d1.prepare("SELECT id FROM products WHERE sku = ?1").bind(sku).first<string>("id");

/** Every product's id, by SKU. */
export async function findProductIdsBySku(d1: D1Database): Promise<Map<string, string>> {
  const { results } = await d1.prepare("SELECT id, sku FROM products").all<{ id: string; sku: string }>();
  return new Map(results.map((row) => [row.sku, row.id]));
}

/** SKUs in order after `after`, at most `limit`. */
export async function findSkusAfter(d1: D1Database, after: string, limit: number): Promise<string[]> {
  const { results } = await d1.prepare("SELECT sku FROM products WHERE sku > ?1 ORDER BY sku LIMIT ?2").bind(after, limit).all<{ sku: string }>();
  return results.map((row) => row.sku);
}
