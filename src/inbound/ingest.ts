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
 * The statements live in their tables' stores (deliveries here in inbound, the rest with orders);
 * this service only decides which of them one arrival needs, in which order.
 */
import { newId } from "../lib/ids";
import type { Arrival, OrderArrival, RefundArrival, ReinstatementArrival, RemovalArrival } from "../orders/arrival";
import { sourceUpdatedAt } from "../orders/order";
import {
  appendOrderArrivalEvent,
  appendRemovalEvent,
  cancelRemovedOrder,
  insertArrivedRefund,
  orderArrivalResult,
  markAutomationDueForRefund,
  refundArrivalResult,
  removalArrivalResult,
  upsertArrivedOrder,
} from "../orders/order-store";
import {
  insertArrivedReinstatement,
  markAutomationDueForReinstatement,
  matchReinstatementsStatement,
  reinstatementArrivalResult,
  returnToPaidStatement,
} from "../orders/reinstatement-store";
import { automateOrderMessage, orderReceived, type OrderMessage } from "../queue/messages";
import { insertAcceptedDelivery, settleDeliveryOfOrderState, settleDeliveryOfRefund, settleDeliveryOfReinstatement, settleDeliveryOfRemoval } from "./delivery-store";

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
  | { kind: "channel_inactive" }
  /**
   * The arrival's key (a store's event id) already belongs to another order: nothing was changed.
   * Permanent, so never a 5xx: the store would send it again forever.
   */
  | { kind: "key_reused"; key: string; orderId: string | null };

export interface IngestCost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

interface Plan {
  statements: D1PreparedStatement[];
  outcome(row: Record<string, unknown>): IngestOutcome;
}

/** The delivery opens the batch when this arrival is the first of a delivery not yet in the log. */
function logAccepted(d1: D1Database, input: IngestInput): D1PreparedStatement[] {
  const { delivery } = input;
  return delivery && !delivery.existing ? [insertAcceptedDelivery(d1, input, delivery)] : [];
}

function planOrder(d1: D1Database, input: IngestInput, arrival: OrderArrival): Plan {
  const { channelId, delivery, now, origin } = input;
  const { order } = arrival;
  const externalId = order.external_id;
  const arrived = { eventId: newId("evt", now), key: arrival.key, order, data: JSON.stringify(order), sourceUpdatedAt: sourceUpdatedAt(order) };
  const statements = [
    ...logAccepted(d1, input),
    upsertArrivedOrder(d1, input, { ...arrived, orderId: newId("ord", now) }),
    appendOrderArrivalEvent(d1, input, { ...arrived, deliveryId: delivery?.id ?? null, origin }),
  ];
  if (delivery) {
    statements.push(settleDeliveryOfOrderState(d1, { deliveryId: delivery.id, channelId, orderExternalId: externalId, key: arrival.key, eventId: arrived.eventId }));
  }
  statements.push(orderArrivalResult(d1, input, { externalId, eventId: arrived.eventId, key: arrival.key }));

  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const found = row.order_id as string | null;
      const keyOwner = row.key_order_id as string | null;
      // The upsert and the event both stand down on a known key; a key of another order changed nothing.
      if (keyOwner !== null && keyOwner !== found) return { kind: "key_reused", key: arrival.key, orderId: found };
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
  const { channelId, delivery, now, origin } = input;
  const { refund } = arrival;
  const refundId = newId("rfd", now);
  const orderExternalId = refund.order_external_id;
  const statements = [...logAccepted(d1, input), insertArrivedRefund(d1, input, { refundId, refund, deliveryId: delivery?.id ?? null, origin })];
  if (delivery) statements.push(settleDeliveryOfRefund(d1, { deliveryId: delivery.id, channelId, orderExternalId, refundId }));
  // A new refund owes its credit note: marked in the same batch, so a lost queue message leaves work the sweep finds.
  statements.push(markAutomationDueForRefund(d1, input, { orderExternalId, refundId }));
  statements.push(refundArrivalResult(d1, input, { orderExternalId, refundId }));

  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const orderId = (row.order_id as string | null) ?? null;
      return row.fresh ? { kind: "accepted", orderId, version: 0, created: true } : { kind: "duplicate", orderId };
    },
  };
}

/** A won dispute is stored like a refund: the order's documents owe it an update (undoing the reversal's credit note). */
function planReinstatement(d1: D1Database, input: IngestInput, arrival: ReinstatementArrival): Plan {
  const { channelId, delivery, now, origin } = input;
  const { reinstatement } = arrival;
  const id = newId("rst", now);
  const parentExternalId = reinstatement.parent_external_id;
  const statements = [...logAccepted(d1, input), insertArrivedReinstatement(d1, input, { id, reinstatement, deliveryId: delivery?.id ?? null, origin })];
  if (delivery) statements.push(settleDeliveryOfReinstatement(d1, { deliveryId: delivery.id, channelId, orderExternalId: parentExternalId, reinstatementId: id }));
  // Matched at once when the reversal is already stored, so a refunded order is paid again now; otherwise when the reversal comes.
  statements.push(matchReinstatementsStatement(d1, channelId, parentExternalId), returnToPaidStatement(d1, input, parentExternalId));
  statements.push(markAutomationDueForReinstatement(d1, input, { parentExternalId, id }));
  statements.push(reinstatementArrivalResult(d1, input, { parentExternalId, id }));
  return {
    statements,
    outcome(row) {
      if (!row.channel_ok) return { kind: "channel_inactive" };
      const orderId = (row.order_id as string | null) ?? null;
      return row.fresh ? { kind: "accepted", orderId, version: 0, created: true } : { kind: "duplicate", orderId };
    },
  };
}

/** A removal carries no state: the order is cancelled (ordered as RemovalArrival.ordering says), with a line on its timeline. */
function planRemoval(d1: D1Database, input: IngestInput, arrival: RemovalArrival): Plan {
  const { channelId, delivery, now, origin } = input;
  const removal = { eventId: newId("evt", now), key: arrival.key, externalId: arrival.externalId, at: arrival.at, ordering: arrival.ordering };
  const statements = [
    ...logAccepted(d1, input),
    cancelRemovedOrder(d1, input, removal),
    appendRemovalEvent(d1, input, { ...removal, deliveryId: delivery?.id ?? null, origin }),
  ];
  if (delivery) {
    statements.push(settleDeliveryOfRemoval(d1, { deliveryId: delivery.id, channelId, orderExternalId: removal.externalId, eventId: removal.eventId }));
  }
  statements.push(removalArrivalResult(d1, input, removal));
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
    case "reinstatement":
      return planReinstatement(d1, input, arrival);
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
