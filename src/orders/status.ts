/** Where an order stands in the inbox, derived from what it is and what the cross-check found. */
import type { Order } from "./order";
import type { OrderWarning } from "./totals";

export const INBOX_STATUSES = ["new", "needs_attention", "processed", "ignored", "cancelled"] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/**
 * A person's decision (ignored) and finished work (processed) are never undone by a store
 * update; everything else follows the order's current state.
 */
export function inboxStatus(current: InboxStatus, order: Order, warnings: OrderWarning[]): InboxStatus {
  if (current === "ignored" || current === "processed") return current;
  return openStatus(order, warnings);
}

/** The status of an order that nobody has decided on yet. */
export function openStatus(order: Order, warnings: OrderWarning[]): InboxStatus {
  if (order.cancelled_at || order.financial_status === "voided") return "cancelled";
  return warnings.length > 0 ? "needs_attention" : "new";
}
