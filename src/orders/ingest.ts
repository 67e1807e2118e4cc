/**
 * Storing an arrived order: ONE D1 batch (one round trip, one transaction) that records the
 * delivery, upserts the order and appends its event. Idempotency and ordering are decided by the
 * database, not by reading first:
 *
 * - the event's key is UNIQUE per channel, so a repeated arrival inserts nothing;
 * - the order is only written when that key is new, and only replaced when the arrival's source
 *   time is newer than the state held (events arrive in any order);
 * - every statement re-checks that the channel, and the secret that verified the delivery, are
 *   still active, because the caller's view of the channel may come from a short-lived cache.
 *
 * Rows written are constant whatever the number of lines: the lines live inside the order's JSON.
 */
import type { OrderArrival } from "../channels/types";
import { sourceUpdatedAt } from "./order";

export interface DeliveryFacts {
  id: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: string | null;
  bodyBytes: number;
}

export interface IngestInput {
  channelId: string;
  /** The secret that verified the delivery, or null for channels that verify otherwise. */
  secretId: string | null;
  delivery: DeliveryFacts;
  arrival: OrderArrival;
  /** Fresh ids; used only when the order or event is new. */
  orderId: string;
  eventId: string;
  now: number;
}

export type IngestOutcome =
  | { kind: "accepted"; orderId: string; version: number; created: boolean }
  | { kind: "duplicate"; orderId: string }
  | { kind: "stale"; orderId: string }
  /** The channel was disabled or deleted, or the secret revoked, after the caller looked it up. */
  | { kind: "channel_inactive" };

export interface IngestResult {
  outcome: IngestOutcome;
  /** What the batch cost, as D1 reports it: statements and rows. */
  cost: { statements: number; rowsRead: number; rowsWritten: number };
}

export async function ingestOrder(d1: D1Database, input: IngestInput): Promise<IngestResult> {
  const { channelId, secretId, delivery, arrival, orderId, eventId, now } = input;
  const { order } = arrival;
  const updatedAt = sourceUpdatedAt(order);
  const data = JSON.stringify(order);

  // ?1 is always the channel id and ?2 the secret id in every statement below.
  const guard =
    secretId === null
      ? "EXISTS (SELECT 1 FROM channels WHERE id = ?1 AND status = 'active')"
      : "EXISTS (SELECT 1 FROM channels c JOIN channel_secrets s ON s.channel_id = c.id WHERE c.id = ?1 AND c.status = 'active' AND s.id = ?2 AND s.revoked_at IS NULL)";

  const statements = [
    d1
      .prepare(
        `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, content_type, headers, body, body_bytes)
         SELECT ?3, ?1, ?4, 'accepted', 202, ?5, ?6, ?7, ?8 WHERE ${guard}`,
      )
      .bind(channelId, secretId, delivery.id, now, delivery.contentType, JSON.stringify(delivery.headers), delivery.body, delivery.bodyBytes),

    d1
      .prepare(
        `INSERT INTO orders (id, channel_id, external_id, number, currency, total_minor, financial_status, customer_name,
                             customer_email, placed_at, source_updated_at, data, last_event_id, queued_at, received_at, updated_at)
         SELECT ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?15
         WHERE ${guard} AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = ?1 AND key = ?16)
         ON CONFLICT (channel_id, external_id) DO UPDATE SET
           number = excluded.number, currency = excluded.currency, total_minor = excluded.total_minor,
           financial_status = excluded.financial_status, customer_name = excluded.customer_name,
           customer_email = excluded.customer_email, placed_at = excluded.placed_at,
           source_updated_at = excluded.source_updated_at, data = excluded.data,
           version = orders.version + 1, last_event_id = excluded.last_event_id,
           queued_at = excluded.queued_at, updated_at = excluded.updated_at,
           processing_attempts = 0, processing_error = NULL, processing_failed_at = NULL
         WHERE excluded.source_updated_at > orders.source_updated_at`,
      )
      .bind(
        channelId,
        secretId,
        orderId,
        order.external_id,
        order.number ?? null,
        order.currency,
        order.totals.total,
        order.financial_status,
        order.customer?.name ?? order.billing_address?.name ?? null,
        order.customer?.email?.toLowerCase() ?? null,
        Date.parse(order.placed_at),
        updatedAt,
        data,
        eventId,
        now,
        arrival.key,
      ),

    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, source_updated_at, data, at)
         SELECT ?3, o.id, o.channel_id, ?4,
                CASE WHEN o.last_event_id = ?3 THEN (CASE WHEN o.version = 1 THEN 'created' ELSE 'updated' END) ELSE 'stale' END,
                ?5, ?6, ?7, ?8
         FROM orders o WHERE o.channel_id = ?1 AND o.external_id = ?9 AND ${guard}
         ON CONFLICT (channel_id, key) DO NOTHING`,
      )
      .bind(channelId, secretId, eventId, arrival.key, delivery.id, updatedAt, data, now, order.external_id),

    d1
      .prepare(
        `UPDATE deliveries SET
           order_id = (SELECT id FROM orders WHERE channel_id = ?1 AND external_id = ?3),
           event_id = (SELECT id FROM order_events WHERE channel_id = ?1 AND key = ?4),
           outcome = COALESCE((SELECT CASE kind WHEN 'stale' THEN 'stale' ELSE 'accepted' END FROM order_events WHERE id = ?5), 'duplicate'),
           http_status = COALESCE((SELECT CASE kind WHEN 'stale' THEN 200 ELSE 202 END FROM order_events WHERE id = ?5), 200)
         WHERE id = ?6`,
      )
      .bind(channelId, secretId, order.external_id, arrival.key, eventId, delivery.id),

    d1
      .prepare(
        `SELECT ${guard} AS channel_ok, o.id AS order_id, o.version AS version, e.kind AS event_kind
         FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = ?1 AND o.external_id = ?3
         LEFT JOIN order_events e ON e.id = ?4`,
      )
      .bind(channelId, secretId, order.external_id, eventId),
  ];

  const results = await d1.batch(statements);
  const row = results[statements.length - 1].results[0] as {
    channel_ok: number;
    order_id: string | null;
    version: number | null;
    event_kind: string | null;
  };
  const cost = {
    statements: statements.length,
    rowsRead: results.reduce((total, result) => total + (result.meta.rows_read ?? 0), 0),
    rowsWritten: results.reduce((total, result) => total + (result.meta.rows_written ?? 0), 0),
  };

  if (!row.channel_ok) return { outcome: { kind: "channel_inactive" }, cost };
  if (!row.order_id) throw new Error("ingest batch left no order behind an active channel");
  if (row.event_kind === null) return { outcome: { kind: "duplicate", orderId: row.order_id }, cost };
  if (row.event_kind === "stale") return { outcome: { kind: "stale", orderId: row.order_id }, cost };
  return {
    outcome: { kind: "accepted", orderId: row.order_id, version: row.version ?? 1, created: row.event_kind === "created" },
    cost,
  };
}
