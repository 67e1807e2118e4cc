/**
 * Reviewing an order: cross-check its totals and record where it stands in the inbox. Idempotent
 * by construction: it works toward the version it was given and writes only while the order is
 * still at that version and not yet processed, so a duplicate or late message changes nothing.
 */
import type { OrderRow } from "../db/schema";
import type { Order } from "./order";
import { recordOrderReview } from "./order-store";
import { inboxStatus, type InboxStatus } from "./status";
import { orderWarnings } from "./order-warnings";

export type ReviewOutcome = "reviewed" | "already_reviewed";

/** The order as review left it: its row, with the inbox status the review gave it. */
export interface ReviewedOrder {
  outcome: ReviewOutcome;
  row: OrderRow;
}

export async function reviewOrder(d1: D1Database, row: OrderRow, now: number): Promise<ReviewedOrder> {
  if (row.processedVersion >= row.version) return { outcome: "already_reviewed", row };

  const order = JSON.parse(row.data) as Order;
  const warnings = orderWarnings(order);
  const from = row.status as InboxStatus;
  const status = inboxStatus(from, order, warnings);
  const warningsJson = JSON.stringify(warnings);
  const changed = status !== from || warningsJson !== row.warnings;
  await recordOrderReview(d1, {
    orderId: row.id,
    version: row.version,
    status,
    warnings: warningsJson,
    change: changed ? { from, to: status, warnings } : null,
    at: now,
  });
  // Recorded with the review: the channel's automation is owed for this version from now on.
  return { outcome: "reviewed", row: { ...row, status, warnings: warningsJson, processedVersion: row.version, automationDueAt: now } };
}
