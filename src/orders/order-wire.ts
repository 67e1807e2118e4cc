/**
 * An order as the API and the dashboard show it: the order in decimal strings, where it stands in
 * the inbox, and its timeline (arrivals, refunds, the inbox's own steps) in one order of time.
 */
import { z } from "zod";
import type { OrderEventRow, OrderRow, RefundRow } from "../db/schema";
import { encodeOrder, orderWireSchema, type Order } from "./order";
import { encodeRefund, type Refund } from "./refund";
import { INBOX_STATUSES } from "./status";
import type { OrderWarning } from "./totals";

const warningSchema = z.object({ code: z.string(), message: z.string() });

export const inboxOrderSchema = orderWireSchema
  .extend({
    id: z.string(),
    channel_id: z.string(),
    status: z.enum(INBOX_STATUSES),
    warnings: z.array(warningSchema),
    received_at: z.string(),
    processing: z.object({
      state: z.enum(["pending", "done", "failed"]),
      attempts: z.number().int(),
      error: z.string().nullable(),
    }),
  })
  .meta({ id: "InboxOrder" });

export const orderEventSchema = z
  .object({
    id: z.string(),
    kind: z.enum([
      "created",
      "updated",
      "stale",
      "refund",
      "status_changed",
      "ignored",
      "restored",
      "processing_failed",
      "document_created",
      "document_executed",
      "document_cancelled",
      "credit_note_created",
      "payment_added",
      "refund_paid",
      "refund_reinstated",
    ]),
    at: z.string(),
    source_updated_at: z.string().nullable(),
    delivery_id: z.string().nullable(),
    origin: z.enum(["delivery", "reconciliation"]).nullable().meta({ description: "How an arrival came: posted by the store, or found by a sweep" }),
    data: z.unknown().meta({ description: "The order as it arrived (created, updated, stale), the refund, or what changed" }),
  })
  .meta({ id: "OrderEvent" });

export type InboxOrderJson = z.input<typeof inboxOrderSchema>;

const isoTime = (epochMs: number) => new Date(epochMs).toISOString();
const isoTimeOrNull = (epochMs: number | null) => (epochMs == null ? null : isoTime(epochMs));

export function orderJson(row: OrderRow): InboxOrderJson {
  const order = JSON.parse(row.data) as Order;
  // A failure of the order's documents comes after its own processing: it shows as failed too.
  const state = row.processingFailedAt ? "failed" : row.processedVersion >= row.version ? "done" : "pending";
  return {
    id: row.id,
    channel_id: row.channelId,
    status: row.status as InboxOrderJson["status"],
    warnings: JSON.parse(row.warnings) as OrderWarning[],
    received_at: isoTime(row.receivedAt),
    processing: { state, attempts: row.processingAttempts, error: row.processingError },
    ...encodeOrder(order),
  };
}

/** Why an order waits for a person: its warnings, or why processing failed. */
export function reasonsOf(order: InboxOrderJson): string[] {
  const reasons = order.warnings.map((warning) => warning.message);
  if (order.processing.state === "failed") reasons.push(`Processing failed: ${order.processing.error ?? "no reason recorded"}`);
  return reasons;
}

const ARRIVALS = new Set(["created", "updated", "stale"]);

export interface TimelineEntry {
  id: string;
  kind: string;
  at: string;
  source_updated_at: string | null;
  delivery_id: string | null;
  origin: string | null;
  data: unknown;
}

function eventJson(row: OrderEventRow): TimelineEntry {
  const data = row.data ? (JSON.parse(row.data) as unknown) : null;
  return {
    id: row.id,
    kind: row.kind,
    at: isoTime(row.at),
    source_updated_at: isoTimeOrNull(row.sourceUpdatedAt),
    delivery_id: row.deliveryId,
    origin: row.origin,
    // Arrivals hold the order as it came, in minor units inside; the API speaks decimal strings.
    data: ARRIVALS.has(row.kind) && data ? encodeOrder(data as Order) : data,
  };
}

/** Refunds live in their own table (they may arrive before their order); on the timeline they are events. */
function refundEventJson(row: RefundRow): TimelineEntry {
  return {
    id: row.id,
    kind: "refund",
    at: isoTime(row.receivedAt),
    source_updated_at: isoTimeOrNull(row.refundedAt),
    delivery_id: row.deliveryId,
    origin: row.origin,
    data: encodeRefund(JSON.parse(row.data) as Refund),
  };
}

/** The order's events and its refunds as one timeline, oldest first. */
export function timelineJson(events: OrderEventRow[], refundRows: RefundRow[]): TimelineEntry[] {
  return [...events.map(eventJson), ...refundRows.map(refundEventJson)].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}
