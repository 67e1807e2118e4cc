/**
 * Statements on deliveries the orders pages need; the inbound helper moves them into
 * delivery-store.ts at merge.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../context";
import { deliveries, type DeliveryRow } from "../db/schema";

/** The deliveries that brought an order, oldest first. */
export async function deliveriesOfOrder(db: Database, orderId: string): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).where(eq(deliveries.orderId, orderId)).orderBy(asc(deliveries.receivedAt), asc(deliveries.id));
}

/** Deliveries refused (rejected or unverified) since `since`, for the overview (read in its batch). */
export const refusedDeliveriesStatement = (d1: D1Database, since: number): D1PreparedStatement =>
  d1.prepare("SELECT COUNT(*) AS deliveries FROM deliveries WHERE outcome IN ('rejected', 'unverified') AND received_at >= ?1").bind(since);
