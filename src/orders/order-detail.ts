/** One order as the inbox shows it: the row with its timeline of arrivals, refunds and steps. */
import type { Database } from "../context";
import type { OrderRow } from "../db/schema";
import { findOrderHistory, loadOrder } from "./order-store";
import { timelineJson, type TimelineEntry } from "./order-wire";

export async function loadOrderDetail(db: Database, id: string): Promise<{ row: OrderRow; timeline: TimelineEntry[] }> {
  const row = await loadOrder(db, id);
  const history = await findOrderHistory(db, row);
  return { row, timeline: timelineJson(history.events, history.refunds) };
}
