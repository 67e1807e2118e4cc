/**
 * Statements on orders, order_events and refunds that making an order's documents needs
 * (documents/from-order.ts and its steps). Pending: they move into orders/order-store.ts at merge.
 */
import { prepareNamed, type SqlValue } from "../db/named-sql";

/** The order with the type and automation of its channel, as processing it into documents reads it. */
export async function orderForDocuments(
  d1: D1Database,
  orderId: string,
): Promise<{ id: string; channel_id: string; status: string; data: string; type: string; automation: string | null } | null> {
  return d1
    .prepare("SELECT o.id, o.channel_id, o.status, o.data, c.type, c.automation FROM orders o JOIN channels c ON c.id = o.channel_id WHERE o.id = ?1")
    .bind(orderId)
    .first();
}

/** A SQL condition with named parameters, which the statement it joins binds with its own. */
export interface SqlCondition {
  text: string;
  values: Record<string, SqlValue>;
}

/**
 * An event on the order's timeline, written only when `condition` holds as the batch runs (the
 * step it records did happen) and the order exists; the same key twice writes nothing.
 */
export function orderEventIfStatement(
  d1: D1Database,
  event: { id: string; orderId: string; channelId: string; key: string; kind: string; data: unknown; at: number },
  condition: SqlCondition,
): D1PreparedStatement {
  return prepareNamed(
    d1,
    `INSERT INTO order_events (id, order_id, channel_id, key, kind, data, at)
     SELECT :event_id, :order_id, :channel_id, :event_key, :event_kind, :event_data, :event_at
     WHERE ${condition.text} AND EXISTS (SELECT 1 FROM orders WHERE id = :order_id)
     ON CONFLICT (channel_id, key) DO NOTHING`,
    {
      ...condition.values,
      event_id: event.id,
      order_id: event.orderId,
      channel_id: event.channelId,
      event_key: event.key,
      event_kind: event.kind,
      event_data: JSON.stringify(event.data),
      event_at: event.at,
    },
  );
}

/**
 * The order's state after its draft was made: processed, or needs_attention with the reasons (an
 * ignored or cancelled order keeps its status). A processing failure is cleared once the order's
 * newest version is processed.
 */
export function recordDraftOutcomeStatement(
  d1: D1Database,
  outcome: { orderId: string; status: "processed" | "needs_attention"; warnings: Array<{ code: string; message: string }>; at: number },
): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE orders SET status = CASE WHEN status IN ('ignored', 'cancelled') THEN status ELSE :status END,
            warnings = :warnings, updated_at = :at,
            processing_failed_at = CASE WHEN processed_version >= version THEN NULL ELSE processing_failed_at END,
            processing_error = CASE WHEN processed_version >= version THEN NULL ELSE processing_error END
     WHERE id = :order_id`,
    { order_id: outcome.orderId, status: outcome.status, warnings: JSON.stringify(outcome.warnings), at: outcome.at },
  );
}

/** The order's refunds that no executed or cancelled credit note covers yet, oldest first. */
export async function refundsWithoutCreditNote(d1: D1Database, channelId: string, orderExternalId: string): Promise<Array<{ id: string; data: string }>> {
  const { results } = await d1
    .prepare(
      `SELECT r.id, r.data FROM refunds r WHERE r.channel_id = ?1 AND r.order_external_id = ?2
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.source_key = 'refund:' || r.id AND d.status != 'draft')
       ORDER BY r.refunded_at, r.id`,
    )
    .bind(channelId, orderExternalId)
    .all<{ id: string; data: string }>();
  return results;
}
