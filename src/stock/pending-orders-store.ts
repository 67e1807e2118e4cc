/**
 * Statements on stock syncs the orders pages need; the stock helper moves them into
 * stock-store.ts at merge.
 */

/** Stock sync runs that failed or sent only part of their items since `since`, for the overview (read in its batch). */
export const unsuccessfulStockSyncsStatement = (d1: D1Database, since: number): D1PreparedStatement =>
  d1.prepare("SELECT COUNT(*) AS runs FROM stock_syncs WHERE status IN ('failed', 'partial') AND requested_at >= ?1").bind(since);
