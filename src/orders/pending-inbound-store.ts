/**
 * The ingest batch's statements on orders, their events and refunds (pending: merged into
 * order-store.ts). Each returns the statement, not its result: the ingest service composes one D1
 * batch per delivery. Every statement binds `:channel_id` and `:secret_id` and re-checks, through
 * `channelStillActive`, that the channel (and the secret that verified the delivery) are still
 * active, because the caller's view of the channel may come from a short-lived cache.
 */
import { prepareNamed } from "../db/named-sql";
import type { Order } from "./order";
import type { Refund } from "./refund";

/** The channel, and the secret when one verified the delivery, are still active: binds `:channel_id` and `:secret_id`. */
export function channelStillActive(secretId: string | null): string {
  return secretId === null
    ? "EXISTS (SELECT 1 FROM channels WHERE id = :channel_id AND status = 'active')"
    : `EXISTS (SELECT 1 FROM channels c JOIN channel_secrets s ON s.channel_id = c.id
               WHERE c.id = :channel_id AND c.status = 'active' AND s.id = :secret_id AND s.revoked_at IS NULL)`;
}

/** Who sent it and when: every statement of an arrival binds these. */
export interface ArrivalScope {
  channelId: string;
  secretId: string | null;
  now: number;
}

/** An order state as it arrived, with its JSON and source time worked out once for both statements. */
export interface ArrivedOrder {
  eventId: string;
  key: string;
  order: Order;
  data: string;
  sourceUpdatedAt: number;
}

/**
 * Inserts the order, or replaces the state held when this one is newer by the source's own clock;
 * nothing when the arrival's key is already on the timeline.
 */
export function upsertArrivedOrder(d1: D1Database, scope: ArrivalScope, arrived: ArrivedOrder & { orderId: string }) {
  const { order } = arrived;
  return prepareNamed(
    d1,
    `INSERT INTO orders (id, channel_id, external_id, number, currency, total_minor, financial_status, customer_name,
                         customer_email, placed_at, source_updated_at, data, last_event_id, queued_at, received_at, updated_at)
     SELECT :order_id, :channel_id, :external_id, :number, :currency, :total_minor, :financial_status, :customer_name,
            :customer_email, :placed_at, :source_updated_at, :data, :event_id, :now, :now, :now
     WHERE ${channelStillActive(scope.secretId)} AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = :channel_id AND key = :key)
     ON CONFLICT (channel_id, external_id) DO UPDATE SET
       number = excluded.number, currency = excluded.currency, total_minor = excluded.total_minor,
       financial_status = excluded.financial_status, customer_name = excluded.customer_name,
       customer_email = excluded.customer_email, placed_at = excluded.placed_at,
       source_updated_at = excluded.source_updated_at, data = excluded.data,
       version = orders.version + 1, last_event_id = excluded.last_event_id,
       queued_at = excluded.queued_at, updated_at = excluded.updated_at,
       processing_attempts = 0, processing_error = NULL, processing_failed_at = NULL
     WHERE excluded.source_updated_at > orders.source_updated_at`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      order_id: arrived.orderId,
      external_id: order.external_id,
      number: order.number ?? null,
      currency: order.currency,
      total_minor: order.totals.total,
      financial_status: order.financial_status,
      customer_name: order.customer?.name ?? order.billing_address?.name ?? null,
      customer_email: order.customer?.email?.toLowerCase() ?? null,
      placed_at: Date.parse(order.placed_at),
      source_updated_at: arrived.sourceUpdatedAt,
      data: arrived.data,
      event_id: arrived.eventId,
      now: scope.now,
      key: arrived.key,
    },
  );
}

/**
 * The order state's line on the timeline: created or updated when it became the order's state,
 * stale when it was older. A store posting an old state is worth a line; a sweep re-reading known
 * states every few minutes is not, so sweeps record only what they changed.
 */
export function appendOrderArrivalEvent(
  d1: D1Database,
  scope: ArrivalScope,
  arrived: ArrivedOrder & { deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
     SELECT :event_id, o.id, o.channel_id, :key,
            CASE WHEN o.last_event_id = :event_id THEN (CASE WHEN o.version = 1 THEN 'created' ELSE 'updated' END) ELSE 'stale' END,
            :delivery_id, :origin, :source_updated_at, :data, :now
     FROM orders o WHERE o.channel_id = :channel_id AND o.external_id = :external_id AND ${channelStillActive(scope.secretId)}
                     AND (o.last_event_id = :event_id OR :origin = 'delivery')
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      event_id: arrived.eventId,
      key: arrived.key,
      delivery_id: arrived.deliveryId,
      origin: arrived.origin,
      source_updated_at: arrived.sourceUpdatedAt,
      data: arrived.data,
      now: scope.now,
      external_id: arrived.order.external_id,
    },
  );
}

/** What storing an order state did: `channel_ok`, `order_id`, `version`, and `event_kind` (null when nothing was recorded). */
export function orderArrivalResult(d1: D1Database, scope: ArrivalScope, arrived: { externalId: string; eventId: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok, o.id AS order_id, o.version AS version, e.kind AS event_kind
     FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = :channel_id AND o.external_id = :external_id
     LEFT JOIN order_events e ON e.id = :event_id`,
    { channel_id: scope.channelId, secret_id: scope.secretId, external_id: arrived.externalId, event_id: arrived.eventId },
  );
}

/** Stores a refund the store made; nothing when its id is already known. */
export function insertArrivedRefund(
  d1: D1Database,
  scope: ArrivalScope,
  arrived: { refundId: string; refund: Refund; deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  const { refund } = arrived;
  return prepareNamed(
    d1,
    `INSERT INTO refunds (id, channel_id, external_id, order_external_id, currency, amount_minor, data, refunded_at, delivery_id, origin, received_at)
     SELECT :refund_id, :channel_id, :external_id, :order_external_id, :currency, :amount_minor, :data, :refunded_at, :delivery_id, :origin, :now
     WHERE ${channelStillActive(scope.secretId)}
     ON CONFLICT (channel_id, external_id) DO NOTHING`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      refund_id: arrived.refundId,
      external_id: refund.external_id,
      order_external_id: refund.order_external_id,
      currency: refund.currency,
      amount_minor: refund.amount,
      data: JSON.stringify(refund),
      refunded_at: Date.parse(refund.created_at),
      delivery_id: arrived.deliveryId,
      origin: arrived.origin,
      now: scope.now,
    },
  );
}

/** What storing a refund did: `channel_ok`, the refunded `order_id` (if the order is known) and `fresh`. */
export function refundArrivalResult(d1: D1Database, scope: ArrivalScope, arrived: { orderExternalId: string; refundId: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok,
            (SELECT id FROM orders WHERE channel_id = :channel_id AND external_id = :order_external_id) AS order_id,
            EXISTS (SELECT 1 FROM refunds WHERE id = :refund_id) AS fresh`,
    { channel_id: scope.channelId, secret_id: scope.secretId, order_external_id: arrived.orderExternalId, refund_id: arrived.refundId },
  );
}

/**
 * A removal cancels the order as of when it was learnt (the store sent no state), unless the
 * order is already cancelled; a later, newer state (a restore) still replaces it.
 */
export function cancelRemovedOrder(d1: D1Database, scope: ArrivalScope, removal: { eventId: string; key: string; externalId: string; at: string }) {
  return prepareNamed(
    d1,
    `UPDATE orders SET data = json_set(data, '$.cancelled_at', :removed_at), source_updated_at = max(source_updated_at, :removed_ms),
            version = version + 1, last_event_id = :event_id, queued_at = :now, updated_at = :now
     WHERE channel_id = :channel_id AND external_id = :external_id AND ${channelStillActive(scope.secretId)}
           AND json_extract(data, '$.cancelled_at') IS NULL
           AND NOT EXISTS (SELECT 1 FROM order_events WHERE channel_id = :channel_id AND key = :key)`,
    {
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      removed_at: removal.at,
      removed_ms: Date.parse(removal.at),
      event_id: removal.eventId,
      now: scope.now,
      external_id: removal.externalId,
      key: removal.key,
    },
  );
}

/** The removal's line on the timeline, only when it cancelled the order. */
export function appendRemovalEvent(
  d1: D1Database,
  scope: ArrivalScope,
  removal: { eventId: string; key: string; externalId: string; at: string; deliveryId: string | null; origin: "delivery" | "reconciliation" },
) {
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, delivery_id, origin, source_updated_at, data, at)
     SELECT :event_id, id, channel_id, :key, 'removed', :delivery_id, :origin, :removed_ms, json_object('removed_at', :removed_at), :now
     FROM orders WHERE channel_id = :channel_id AND external_id = :external_id AND last_event_id = :event_id
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      channel_id: scope.channelId,
      event_id: removal.eventId,
      key: removal.key,
      delivery_id: removal.deliveryId,
      origin: removal.origin,
      removed_ms: Date.parse(removal.at),
      removed_at: removal.at,
      now: scope.now,
      external_id: removal.externalId,
    },
  );
}

/** What a removal did: `channel_ok`, `order_id`, `version` and `fresh` (it cancelled the order). */
export function removalArrivalResult(d1: D1Database, scope: ArrivalScope, removal: { externalId: string; eventId: string }) {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok, o.id AS order_id, o.version AS version,
            EXISTS (SELECT 1 FROM order_events WHERE id = :event_id) AS fresh
     FROM (SELECT 1) LEFT JOIN orders o ON o.channel_id = :channel_id AND o.external_id = :external_id`,
    { channel_id: scope.channelId, secret_id: scope.secretId, external_id: removal.externalId, event_id: removal.eventId },
  );
}
