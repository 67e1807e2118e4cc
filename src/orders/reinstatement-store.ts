/**
 * Won disputes (reinstatements) and the reversals they undo: every statement on the reinstatements
 * table. A won dispute is stored as it arrives, whatever came first; it is matched to the reversal
 * it undoes when the order's documents are brought up to date, so a dispute won before its reversal
 * reached the inbox is matched once the reversal does. UNIQUE (refund_id) lets one won dispute undo
 * one reversal, and a reversal be undone once.
 */
import { prepareNamed } from "../db/named-sql";
import type { Reinstatement } from "./arrival";
import { channelStillActive, type ArrivalScope } from "./order-store";

/** The order a reinstatement belongs to: its parent is the payment, or the reversal of it. */
const ORDER_OF_PARENT = `(:parent_external_id, (SELECT order_external_id FROM refunds WHERE channel_id = :channel_id AND external_id = :parent_external_id))`;

/** Stores a won dispute; nothing when its id is already known. */
export function insertArrivedReinstatement(
  d1: D1Database,
  scope: ArrivalScope,
  arrived: { id: string; reinstatement: Reinstatement; deliveryId: string | null; origin: "delivery" | "reconciliation" },
): D1PreparedStatement {
  const { reinstatement } = arrived;
  return prepareNamed(
    d1,
    `INSERT INTO reinstatements (id, channel_id, external_id, parent_external_id, currency, amount_minor, data, reinstated_at, delivery_id, origin, received_at)
     SELECT :id, :channel_id, :external_id, :parent_external_id, :currency, :amount_minor, :data, :reinstated_at, :delivery_id, :origin, :now
     WHERE ${channelStillActive(scope.secretId)}
     ON CONFLICT (channel_id, external_id) DO NOTHING`,
    {
      id: arrived.id,
      channel_id: scope.channelId,
      secret_id: scope.secretId,
      external_id: reinstatement.external_id,
      parent_external_id: reinstatement.parent_external_id,
      currency: reinstatement.currency,
      amount_minor: reinstatement.amount,
      data: JSON.stringify(reinstatement),
      reinstated_at: Date.parse(reinstatement.created_at),
      delivery_id: arrived.deliveryId,
      origin: arrived.origin,
      now: scope.now,
    },
  );
}

/** A new won dispute owes the order's documents an update: marked in the batch that stores it, for the sweep. */
export function markAutomationDueForReinstatement(d1: D1Database, scope: ArrivalScope, arrived: { parentExternalId: string; id: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE orders SET automation_due_at = COALESCE(automation_due_at, :now)
     WHERE channel_id = :channel_id AND external_id IN ${ORDER_OF_PARENT} AND EXISTS (SELECT 1 FROM reinstatements WHERE id = :id)`,
    { channel_id: scope.channelId, parent_external_id: arrived.parentExternalId, id: arrived.id, now: scope.now },
  );
}

/** What storing a won dispute did: `channel_ok`, its order's `order_id` (if known) and `fresh`. */
export function reinstatementArrivalResult(d1: D1Database, scope: ArrivalScope, arrived: { parentExternalId: string; id: string }): D1PreparedStatement {
  return prepareNamed(
    d1,
    `SELECT ${channelStillActive(scope.secretId)} AS channel_ok,
            (SELECT id FROM orders WHERE channel_id = :channel_id AND external_id IN ${ORDER_OF_PARENT}) AS order_id,
            EXISTS (SELECT 1 FROM reinstatements WHERE id = :id) AS fresh`,
    { channel_id: scope.channelId, secret_id: scope.secretId, parent_external_id: arrived.parentExternalId, id: arrived.id },
  );
}

/** The order a parent names: the payment itself, or the payment of the reversal it names. */
const ORDER_EXTERNAL_ID = `COALESCE((SELECT order_external_id FROM refunds WHERE channel_id = :channel_id AND external_id = :parent_external_id), :parent_external_id)`;

/**
 * Matches the order's unmatched won disputes to the reversals they undo: the reversal PayPal names,
 * else a reversal of the payment for the same amount not undone yet, a PayPal reversal or
 * chargeback before a refund the merchant made, oldest first. OR IGNORE: two won disputes that
 * would take the same reversal leave the second unmatched rather than failing the statement.
 * `parentExternalId` is the order's payment id, or any id a won dispute names (the ingest batch).
 */
export function matchReinstatementsStatement(d1: D1Database, channelId: string, parentExternalId: string): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE OR IGNORE reinstatements AS s SET refund_id = (
       SELECT r.id FROM refunds r
       WHERE r.channel_id = s.channel_id AND r.order_external_id = ${ORDER_EXTERNAL_ID}
         AND (r.external_id = s.parent_external_id OR (s.parent_external_id = r.order_external_id AND r.amount_minor = s.amount_minor AND r.currency = s.currency))
         AND NOT EXISTS (SELECT 1 FROM reinstatements o WHERE o.refund_id = r.id)
       ORDER BY r.external_id = s.parent_external_id DESC, COALESCE(json_extract(r.data, '$.note'), '') LIKE 'PayPal refunded%', r.refunded_at, r.id
       LIMIT 1)
     WHERE s.channel_id = :channel_id AND s.refund_id IS NULL
       AND s.parent_external_id IN (SELECT ${ORDER_EXTERNAL_ID} UNION ALL SELECT external_id FROM refunds WHERE channel_id = :channel_id AND order_external_id = ${ORDER_EXTERNAL_ID})`,
    { channel_id: channelId, parent_external_id: parentExternalId },
  );
}

/**
 * The order whose every refund a won dispute undid is paid again: PayPal gave the money back. Only
 * an order PayPal had reported refunded (a capture's status, a feed row's F or V) changes; the
 * refund rows stay as PayPal reported them.
 */
export function returnToPaidStatement(d1: D1Database, scope: Pick<ArrivalScope, "channelId" | "now">, parentExternalId: string): D1PreparedStatement {
  return prepareNamed(
    d1,
    `UPDATE orders SET financial_status = 'paid', data = json_set(data, '$.financial_status', 'paid'), updated_at = :now
     WHERE channel_id = :channel_id AND external_id = ${ORDER_EXTERNAL_ID} AND financial_status IN ('refunded', 'partially_refunded')
       AND EXISTS (SELECT 1 FROM refunds r JOIN reinstatements s ON s.refund_id = r.id WHERE r.channel_id = :channel_id AND r.order_external_id = orders.external_id)
       AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.channel_id = :channel_id AND r.order_external_id = orders.external_id
                         AND NOT EXISTS (SELECT 1 FROM reinstatements s WHERE s.refund_id = r.id))`,
    { channel_id: scope.channelId, parent_external_id: parentExternalId, now: scope.now },
  );
}

export interface MatchedReinstatement {
  id: string;
  external_id: string;
  refund_id: string;
  refund_external_id: string;
  currency: string;
  amount_minor: number;
  reinstated_at: number;
}

/** The order's won disputes matched to a reversal, oldest first. */
export async function matchedReinstatements(d1: D1Database, channelId: string, orderExternalId: string): Promise<MatchedReinstatement[]> {
  const { results } = await d1
    .prepare(
      `SELECT s.id, s.external_id, s.refund_id, r.external_id AS refund_external_id, s.currency, s.amount_minor, s.reinstated_at
       FROM reinstatements s JOIN refunds r ON r.id = s.refund_id
       WHERE r.channel_id = ?1 AND r.order_external_id = ?2
       ORDER BY s.reinstated_at, s.id`,
    )
    .bind(channelId, orderExternalId)
    .all<MatchedReinstatement>();
  return results;
}
