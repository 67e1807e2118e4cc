/** /api/deliveries — every request a channel URI received, with its outcome and reason. */
import { eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { confirmerFor } from "../channels/registry";
import type { ChannelType } from "../channels/types";
import { confirmDelivery } from "../queue/messages";
import type { AppEnv, Database, Services } from "../context";
import { deliveries, type DeliveryRow } from "../db/schema";
import { AppError } from "../lib/errors";
import { limitSchema, newestFirstPage } from "../db/pagination";
import { isoTime, parseQuery } from "./validate";

export const DELIVERY_OUTCOMES = ["accepted", "duplicate", "stale", "ignored", "rejected", "pending", "unverified"] as const;

export const deliverySummarySchema = z
  .object({
    id: z.string(),
    channel_id: z.string().nullable(),
    received_at: z.string(),
    outcome: z.enum(DELIVERY_OUTCOMES),
    http_status: z.number().int(),
    error_code: z.string().nullable(),
    reason: z.string().nullable(),
    content_type: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    body_bytes: z.number().int(),
    body_purged_at: z.string().nullable(),
    order_id: z.string().nullable(),
    event_id: z.string().nullable(),
  })
  .meta({ id: "Delivery" });

export const deliveryDetailSchema = deliverySummarySchema
  .extend({ body: z.string().nullable().meta({ description: "The raw body, until the retention period purges it" }) })
  .meta({ id: "DeliveryDetail" });

export const deliveryListQuery = z.object({
  channel_id: z.string().optional(),
  outcome: z.enum(DELIVERY_OUTCOMES).optional(),
  order_id: z.string().optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export function deliverySummary(row: DeliveryRow): z.infer<typeof deliverySummarySchema> {
  return {
    id: row.id,
    channel_id: row.channelId,
    received_at: isoTime(row.receivedAt)!,
    outcome: row.outcome as (typeof DELIVERY_OUTCOMES)[number],
    http_status: row.httpStatus,
    error_code: row.errorCode,
    reason: row.reason,
    content_type: row.contentType,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body_bytes: row.bodyBytes,
    body_purged_at: isoTime(row.bodyPurgedAt),
    order_id: row.orderId,
    event_id: row.eventId,
  };
}

export type DeliveryListQuery = z.output<typeof deliveryListQuery>;

/** One page of the delivery log, newest first. */
export async function findDeliveries(db: Database, query: DeliveryListQuery): Promise<{ items: DeliveryRow[]; next_cursor: string | null }> {
  const conditions: SQL[] = [];
  if (query.channel_id) conditions.push(eq(deliveries.channelId, query.channel_id));
  if (query.outcome) conditions.push(eq(deliveries.outcome, query.outcome));
  if (query.order_id) conditions.push(eq(deliveries.orderId, query.order_id));
  return newestFirstPage(db, deliveries, { at: deliveries.receivedAt, id: deliveries.id }, conditions, query);
}

export async function loadDelivery(db: Database, id: string): Promise<DeliveryRow> {
  const row = await db.query.deliveries.findFirst({ where: eq(deliveries.id, id) });
  if (!row) throw new AppError("not_found", `No delivery ${id}`);
  return row;
}

/**
 * Asks the source again about a delivery it could not confirm (PayPal was down: unverified) or
 * refused under settings since fixed (wrong_receiver): the delivery goes back to pending and the
 * queue confirms it as if it had just arrived. Anything else was decided and stays so.
 */
export async function confirmAgain(services: Services, id: string): Promise<DeliveryRow> {
  const { d1, queue, now } = services;
  const row = await d1
    .prepare(
      `SELECT d.outcome, d.error_code, d.body, c.type FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE d.id = ?1`,
    )
    .bind(id)
    .first<{ outcome: string; error_code: string | null; body: string | null; type: ChannelType }>();
  if (!row) throw new AppError("not_found", `No delivery ${id}`);
  const again = row.outcome === "unverified" || (row.outcome === "rejected" && row.error_code === "wrong_receiver");
  if (!confirmerFor(row.type) || !again || row.body === null) {
    throw new AppError(
      "conflict",
      row.body === null
        ? "The delivery's body was purged, so it cannot be confirmed again"
        : "Only a delivery that could not be confirmed (unverified), or was refused as sent to another account, can be confirmed again",
    );
  }
  await d1
    .prepare("UPDATE deliveries SET outcome = 'pending', error_code = NULL, reason = 'Confirming again', confirm_queued_at = ?2 WHERE id = ?1")
    .bind(id, now())
    .run();
  await queue.send(confirmDelivery(id));
  return loadDelivery(services.db, id);
}

export const deliveryRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const result = await findDeliveries(c.var.services.db, parseQuery(c, deliveryListQuery));
    return c.json({ items: result.items.map(deliverySummary), next_cursor: result.next_cursor });
  })

  .get("/:id", async (c) => {
    const row = await loadDelivery(c.var.services.db, c.req.param("id"));
    return c.json({ ...deliverySummary(row), body: row.body });
  })

  .post("/:id/confirm", async (c) => c.json(deliverySummary(await confirmAgain(c.var.services, c.req.param("id"))), 202));
