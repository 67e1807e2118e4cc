/** A delivery as the API and the dashboard show it, and the query that lists them. */
import { z } from "zod";
import { limitSchema } from "../db/pagination";
import type { DeliveryRow } from "./delivery-store";

export const DELIVERY_OUTCOMES = ["accepted", "duplicate", "stale", "ignored", "rejected", "pending", "unverified"] as const;

export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

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
  .extend({
    body: z.string().nullable().meta({
      description: "The raw body: from the database until the retention period purges it, then from the archive (null when there is none)",
    }),
    body_archived: z.boolean().meta({ description: "Whether the raw body has a copy in the archive (R2), which outlives the purge" }),
  })
  .meta({ id: "DeliveryDetail" });

export const deliveryListQuery = z.object({
  channel_id: z.string().optional(),
  outcome: z.enum(DELIVERY_OUTCOMES).optional(),
  order_id: z.string().optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export type DeliveryListQuery = z.output<typeof deliveryListQuery>;

const isoTime = (epochMs: number) => new Date(epochMs).toISOString();

/** The headers a delivery kept, as stored. */
export function deliveryHeaders(row: Pick<DeliveryRow, "headers">): Record<string, string> {
  return JSON.parse(row.headers) as Record<string, string>;
}

export function deliverySummary(row: DeliveryRow): z.infer<typeof deliverySummarySchema> {
  return {
    id: row.id,
    channel_id: row.channelId,
    received_at: isoTime(row.receivedAt),
    outcome: row.outcome as DeliveryOutcome,
    http_status: row.httpStatus,
    error_code: row.errorCode,
    reason: row.reason,
    content_type: row.contentType,
    headers: deliveryHeaders(row),
    body_bytes: row.bodyBytes,
    body_purged_at: row.bodyPurgedAt == null ? null : isoTime(row.bodyPurgedAt),
    order_id: row.orderId,
    event_id: row.eventId,
  };
}
