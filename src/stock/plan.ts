/**
 * What a stock sync sends, worked out without I/O: the available quantity of each SKU (on hand
 * minus reserved, in the channel's warehouse), clamped to what stores accept, and, for a "changes"
 * run, only where it differs from what the store last accepted.
 */
import type { StockLevel } from "./balances";

export type SyncMode = "full" | "changes";

export interface ClampWarning {
  sku: string;
  available: number;
  sent: number;
}

export interface StockPlan {
  items: Array<{ sku: string; quantity: number }>;
  /** SKUs left out because the store was lately found not to have them. */
  skipped: number;
  warnings: ClampWarning[];
}

/**
 * Stores take whole, non-negative quantities. A fraction is rounded down (never promise what is not
 * there); a negative balance (oversold, or reserved beyond what is on hand) is sent as 0.
 */
export function clampQuantity(available: number): number {
  if (!(available > 0)) return 0;
  // 2.9999999 from float sums is 3, not 2.
  return Math.floor(available + 1e-9);
}

export function planStockPush(input: {
  levels: StockLevel[];
  warehouseId: string;
  mode: SyncMode;
  /** Last accepted quantity per SKU. */
  pushed: Map<string, number>;
  /** SKUs the store did not have when last asked (recently): a "changes" run skips them. */
  knownMissing: Set<string>;
}): StockPlan {
  const plan: StockPlan = { items: [], skipped: 0, warnings: [] };
  for (const level of input.levels) {
    if (level.warehouseId !== input.warehouseId) continue;
    const quantity = clampQuantity(level.available);
    if (input.mode === "changes") {
      if (input.knownMissing.has(level.sku)) {
        plan.skipped += 1;
        continue;
      }
      if (input.pushed.get(level.sku) === quantity) continue;
    }
    plan.items.push({ sku: level.sku, quantity });
    // Warned about when sent, not on every run that leaves it alone.
    if (Math.abs(quantity - level.available) > 1e-9) plan.warnings.push({ sku: level.sku, available: level.available, sent: quantity });
  }
  return plan;
}
