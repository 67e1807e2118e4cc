/**
 * Storing what arrived from a channel: ONE D1 batch (one round trip, one transaction) that records
 * the delivery, upserts the order (or stores the refund) and appends its event. Idempotency and
 * ordering are decided by the database, not by reading first:
 *
 * - an arrival's key is UNIQUE per channel, so a repeated arrival inserts nothing;
 * - the order is only written when that key is new, and only replaced when the arrival's source
 *   time is newer than the state held (events arrive in any order);
 * - every statement re-checks that the channel, and the secret that verified the delivery, are
 *   still active, because the caller's view of the channel may come from a short-lived cache.
 *
 * Rows written are constant whatever the number of lines: the lines live inside the order's JSON.
 * Reconciliation sweeps use the same statements without a delivery, several arrivals per batch.
 */
import type { Arrival, OrderArrival, RefundArrival, RemovalArrival } from "./arrival";
import { newId } from "../lib/ids";
import { automateOrderMessage, orderReceived, type OrderMessage } from "../queue/messages";
import { sourceUpdatedAt } from "./order";

export interface DeliveryFacts {
  id: string;
  contentType: string | null;
  headers: Record<string, string>;
  body: string | null;
  bodyBytes: number;
  /** Already in the log (a deferred delivery, stored as pending before its source confirmed it). */
  existing?: boolean;
}

export type ArrivalOrigin = "delivery" | "reconciliation";

export interface IngestInput {
  channelId: string;
  /** The secret that verified the delivery, or null for arrivals verified otherwise (or fetched by us). */
  secretId: string | null;
  /**
   * The request that carried the arrival, to log with it; null when a sweep fetched it from the
   * store, and for the second and later arrivals of one delivery (the first one logs it).
   */
  delivery: DeliveryFacts | null;
  origin: ArrivalOrigin;
  arrival: Arrival;
  now: number;
}

export type IngestOutcome =
  | { kind: "accepted"; orderId: string | null; version: number; created: boolean }
  | { kind: "duplicate"; orderId: string | null }
  | { kind: "stale"; orderId: string }
  /** The channel was disabled or deleted, or the secret revoked, after the caller looked it up. */
  | { kind: "channel_inactive" };

export interface IngestCost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

interface Plan {
  statements: D1PreparedStatement[];
  outcome(row: Record<string, unknown>): IngestOutcome;
}

// A deferred delivery was answered (200) when it was stored; confirming it later changes its outcome, not that.
const KEEP_STATUS_IF_PENDING = "CASE WHEN deliveries.outcome = 'pending' THEN deliveries.http_status ELSE ";

// ?1 is always the channel id and ?2 the secret id in every statement of a plan.
function guardFor(secretId: string | null): string {
  return secretId === null
    ? "EXISTS (SELECT 1 FROM channels WHERE id = ?1 AND status = 'active')"
    : "EXISTS (SELECT 1 FROM channels c JOIN channel_secrets s ON s.channel_id = c.id WHERE c.id = ?1 AND c.status = 'active' AND s.id = ?2 AND s.revoked_at IS NULL)";
}

function insertDelivery(d1: D1Database, input: IngestInput, guard: string): D1PreparedStatement[] {
  const { delivery } = input;
  if (!delivery || delivery.existing) return [];
  return [
    d1
      .prepare(
        `INSERT INTO deliveries (id, channel_id, received_at, outcome, http_status, content_type, headers, body, body_bytes)
         SELECT ?3, ?1, ?4, 'accepted', 202, ?5, ?6, ?7, ?8 WHERE ${guard}`,
      )
      .bind(input.channelId, input.secretId, delivery.id, input.now, delivery.contentType, JSON.stringify(delivery.headers), delivery.body, delivery.bodyBytes),
  ];
}

function planOrder(d1: D1Database, input: IngestInput, arrival: OrderArrival): Plan {
  const { channelId, secretId, delivery, now } = input;
  const { order } = arrival;
  const guard = guardFor(secretId);
  const orderId = newId("ord", now);
  const eventId = newId("evt", now);
  const updatedAt = sourceUpdatedAt(order);
  const data = JSON.stringify(order);
  const { origin } = input;

  const statements = [
    ...insertDelivery(d1, input, guard),
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
    // A store posting an old state is worth a line on the timeline; a sweep re-reading known
    // states every few minutes is not, so sweeps record only what they changed.
    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
         SELECT ?3, o.id, o.channel_id, ?4,
                CASE WHEN o.last_event_id = ?3 THEN (CASE WHEN o.version = 1 THEN 'created' ELSE 'updated' END) ELSE 'stale' END,
                ?5, ?10, ?6, ?7, ?8
         FROM orders o WHERE o.channel_id = ?1 AND o.external_id = ?9 AND ${guard} AND (o.last_event_id = ?3 OR ?10 = 'delivery')
         ON CONFLICT (channel_id, key) DO NOTHING`,
      )
      .bind(channelId, secretId, eventId, arrival.key, delivery?.id ?? null, updatedAt, data, now, order.external_id, origin),
  ];
  if (delivery) {
    statements.push(
      d1
        .prepare(
          `UPDATE deliveries SET
             order_id = (SELECT id FROM orders WHERE channel_id = ?1 AND external_id = ?3),
             event_id = (SELECT id FROM order_events WHERE channel_id = ?1 AND key = ?4),
             outcome = COALESCE((SELECT CASE kind WHEN 'stale' THEN 'stale' ELSE 'accepted' END FROM order_events WHERE id = ?5), 'duplicate'),
             http_status = ${KEEP_STATUS_IF_PENDING}COALESCE((SELECT CASE kind WHEN 'stale' THEN 200 ELSE 202 END FROM order_events WHERE id = ?5), 200) END,
             reason = NULL
           WHERE id = ?6`,
        )
        .bind(channelId, secretId, order.external_id, arrival.key, eventId, delivery.id),
    );
  }
  statements.push(
    d1
      .prepare(
        `SELECT ${guard} AS channel_ok, o.id AS order_id, o.version AS version, e.kind AS event_kind
         FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = ?1 AND o.external_id = ?3
         LEFT JOIN order_events e ON e.id = ?4`,
      )
      .bind(channelId, secretId, order.external_id, eventId),
  );

  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const found = row.order_id as string | null;
      if (!found) throw new Error("ingest batch left no order behind an active channel");
      // No event of this arrival: its key was known, or a sweep found nothing newer than held.
      const kind = row.event_kind as string | null;
      if (kind === null) return { kind: "duplicate", orderId: found };
      if (kind === "stale") return { kind: "stale", orderId: found };
      return { kind: "accepted", orderId: found, version: Number(row.version ?? 1), created: Number(row.version) === 1 };
    },
  };
}

function planRefund(d1: D1Database, input: IngestInput, arrival: RefundArrival): Plan {
  const { channelId, secretId, delivery, now } = input;
  const { refund } = arrival;
  const guard = guardFor(secretId);
  const refundId = newId("rfd", now);
  const { origin } = input;

  const statements = [
    ...insertDelivery(d1, input, guard),
    d1
      .prepare(
        `INSERT INTO refunds (id, channel_id, external_id, order_external_id, currency, amount_minor, data, refunded_at, delivery_id, origin, received_at)
         SELECT ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 WHERE ${guard}
         ON CONFLICT (channel_id, external_id) DO NOTHING`,
      )
      .bind(
        channelId,
        secretId,
        refundId,
        refund.external_id,
        refund.order_external_id,
        refund.currency,
        refund.amount,
        JSON.stringify(refund),
        Date.parse(refund.created_at),
        delivery?.id ?? null,
        origin,
        now,
      ),
  ];
  if (delivery) {
    statements.push(
      d1
        .prepare(
          `UPDATE deliveries SET
             order_id = (SELECT id FROM orders WHERE channel_id = ?1 AND external_id = ?3),
             outcome = CASE WHEN EXISTS (SELECT 1 FROM refunds WHERE id = ?4) THEN 'accepted' ELSE 'duplicate' END,
             http_status = ${KEEP_STATUS_IF_PENDING}CASE WHEN EXISTS (SELECT 1 FROM refunds WHERE id = ?4) THEN 202 ELSE 200 END END,
             reason = NULL
           WHERE id = ?5`,
        )
        .bind(channelId, secretId, refund.order_external_id, refundId, delivery.id),
    );
  }
  statements.push(
    d1
      .prepare(
        `SELECT ${guard} AS channel_ok, (SELECT id FROM orders WHERE channel_id = ?1 AND external_id = ?3) AS order_id,
                EXISTS (SELECT 1 FROM refunds WHERE id = ?4) AS fresh`,
      )
      .bind(channelId, secretId, refund.order_external_id, refundId),
  );

  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const orderId = (row.order_id as string | null) ?? null;
      return row.fresh ? { kind: "accepted", orderId, version: 0, created: true } : { kind: "duplicate", orderId };
    },
  };
}

/**
 * A removal cancels the order as of when it was learnt (the store sent no state), unless the
 * order is already cancelled; a later, newer state (a restore) still replaces it.
 */
function planRemoval(d1: D1Database, input: IngestInput, arrival: RemovalArrival): Plan {
  const { channelId, secretId, delivery, now, origin } = input;
  const guard = guardFor(secretId);
  const eventId = newId("evt", now);
  const at = Date.parse(arrival.at);

  const statements = [
    ...insertDelivery(d1, input, guard),
    d1
      .prepare(
        `UPDATE orders SET data = json_set(data, '$.cancelled_at', ?3), source_updated_at = max(source_updated_at, ?4),
                version = version + 1, last_event_id = ?5, queued_at = ?6, updated_at = ?6
         WHERE channel_id = ?1 AND external_id = ?7 AND ${guard} AND json_extract(data, '$.cancelled_at') IS NULL
               AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = ?1 AND key = ?8)`,
      )
      .bind(channelId, secretId, arrival.at, at, eventId, now, arrival.externalId, arrival.key),
    d1
      .prepare(
        `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
         SELECT ?3, id, channel_id, ?4, 'removed', ?5, ?6, ?7, json_object('removed_at', ?8), ?9
         FROM orders WHERE channel_id = ?1 AND external_id = ?10 AND last_event_id = ?3
         ON CONFLICT (channel_id, key) DO NOTHING`,
      )
      .bind(channelId, secretId, eventId, arrival.key, delivery?.id ?? null, origin, at, arrival.at, now, arrival.externalId),
  ];
  if (delivery) {
    statements.push(
      d1
        .prepare(
          `UPDATE deliveries SET
             order_id = (SELECT id FROM orders WHERE channel_id = ?1 AND external_id = ?3),
             event_id = (SELECT id FROM order_events WHERE id = ?4),
             outcome = CASE WHEN EXISTS (SELECT 1 FROM order_events WHERE id = ?4) THEN 'accepted' ELSE 'duplicate' END,
             http_status = ${KEEP_STATUS_IF_PENDING}CASE WHEN EXISTS (SELECT 1 FROM order_events WHERE id = ?4) THEN 202 ELSE 200 END END,
             reason = NULL
           WHERE id = ?5`,
        )
        .bind(channelId, secretId, arrival.externalId, eventId, delivery.id),
    );
  }
  statements.push(
    d1
      .prepare(
        `SELECT ${guard} AS channel_ok, o.id AS order_id, o.version AS version, EXISTS (SELECT 1 FROM order_events WHERE id = ?4) AS fresh
         FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = ?1 AND o.external_id = ?3`,
      )
      .bind(channelId, secretId, arrival.externalId, eventId),
  );
  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const orderId = (row.order_id as string | null) ?? null;
      return row.fresh && orderId ? { kind: "accepted", orderId, version: Number(row.version), created: false } : { kind: "duplicate", orderId };
    },
  };
}

function plan(d1: D1Database, input: IngestInput): Plan {
  const { arrival } = input;
  switch (arrival.type) {
    case "order":
      return planOrder(d1, input, arrival);
    case "refund":
      return planRefund(d1, input, arrival);
    case "removal":
      return planRemoval(d1, input, arrival);
  }
}

/** Stores several arrivals in one batch (one round trip); outcomes come back in the same order. */
export async function ingestMany(d1: D1Database, inputs: IngestInput[]): Promise<{ outcomes: IngestOutcome[]; cost: IngestCost }> {
  const plans = inputs.map((input) => plan(d1, input));
  const results = await d1.batch(plans.flatMap((each) => each.statements));
  let offset = 0;
  const outcomes = plans.map((each) => {
    offset += each.statements.length;
    return each.outcome(results[offset - 1].results[0] as Record<string, unknown>);
  });
  const cost = {
    statements: results.length,
    rowsRead: results.reduce((total, result) => total + (result.meta.rows_read ?? 0), 0),
    rowsWritten: results.reduce((total, result) => total + (result.meta.rows_written ?? 0), 0),
  };
  return { outcomes, cost };
}

/** Orders whose state changed go to the consumer; a failure to queue is left to the sweep. */
export async function queueChangedOrders(queue: Queue<OrderMessage>, outcomes: IngestOutcome[]): Promise<void> {
  const messages = outcomes.flatMap((outcome): OrderMessage[] => {
    if (outcome.kind !== "accepted" || !outcome.orderId) return [];
    // A refund leaves the order's version alone; its credit note is the order's document step.
    return [outcome.version > 0 ? orderReceived(outcome.orderId, outcome.version) : automateOrderMessage(outcome.orderId)];
  });
  if (messages.length === 0) return;
  try {
    await queue.sendBatch(messages.map((body) => ({ body })));
  } catch (error) {
    // The orders are stored; the sweep queues them again, so the store still gets its 2xx.
    console.error("queueing failed, leaving the orders to the sweep", error);
  }
}
